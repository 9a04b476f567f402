"""Seeing every raw transaction the agent broadcasts, before it leaves (imports web3).

A web3 middleware on the agent's connection computes the hash of each ``eth_sendRawTransaction``
payload (keccak-256 of the signed bytes, the transaction hash) and hands it to the action in
progress on that thread *before* forwarding the request; so the action's row holds every hash
that may reach the node - fee-bumped replacements included - and a restarted agent can look them
up. After the node accepted the bytes an optional ``after_broadcast`` callback runs (the CLI's
crash test hook).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3
from web3.middleware.base import Web3Middleware
from web3.types import MakeRequestFn, RPCEndpoint, RPCResponse

__all__ = ["BroadcastWatch"]

MIDDLEWARE_NAME = "fabtrust-agent-broadcast"


def _raw_bytes(value: Any) -> bytes | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        try:
            return bytes.fromhex(value.removeprefix("0x").removeprefix("0X"))
        except ValueError:
            return None
    return None


class BroadcastWatch:
    """Per-thread observer of raw-transaction broadcasts on one web3 instance."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextlib.contextmanager
    def watching(
        self,
        before: Callable[[str], None],
        after: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """While the block runs, call ``before(tx_hash)`` ahead of each broadcast from this
        thread and ``after(tx_hash)`` once the node accepted it."""
        self._local.hooks = (before, after)
        try:
            yield
        finally:
            self._local.hooks = None

    def install(self, w3: Web3) -> None:
        """Add the middleware to ``w3`` (once)."""
        with contextlib.suppress(ValueError):
            w3.middleware_onion.add(self._factory, name=MIDDLEWARE_NAME)  # type: ignore[arg-type]

    def uninstall(self, w3: Web3) -> None:
        """Remove the middleware from ``w3``."""
        with contextlib.suppress(ValueError, KeyError):
            w3.middleware_onion.remove(MIDDLEWARE_NAME)

    def _factory(self, w3: Web3) -> Web3Middleware:
        watch = self

        class _Middleware(Web3Middleware):
            def wrap_make_request(self, make_request: MakeRequestFn) -> MakeRequestFn:
                def middleware(method: RPCEndpoint, params: Any) -> RPCResponse:
                    hooks = getattr(watch._local, "hooks", None)
                    if method != "eth_sendRawTransaction" or hooks is None or not params:
                        return make_request(method, params)
                    raw = _raw_bytes(params[0])
                    if raw is None:
                        return make_request(method, params)
                    tx_hash = "0x" + keccak(raw).hex()
                    before, after = hooks
                    before(tx_hash)
                    response = make_request(method, params)
                    if after is not None and "error" not in response:
                        after(tx_hash)
                    return response

                return middleware

        return _Middleware(w3)
