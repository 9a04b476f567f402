"""Nonce bookkeeping per sender address, shared by every thread sending from that address.

The model (one lock per manager, state per address):

* ``next``  - the next fresh nonce; seeded from ``eth_getTransactionCount(addr, "pending")`` on
  first use, so transactions already in the node's pool are counted;
* ``held``  - nonces handed out by :meth:`NonceManager.reserve` whose send is still in progress
  (between reserve and :meth:`~NonceManager.mark_used` / :meth:`~NonceManager.release`);
* ``free``  - nonces below ``next`` that must be reused: released ones (reserved but never
  broadcast) and gaps found by :meth:`~NonceManager.resync`. :meth:`reserve` always hands out the
  lowest free nonce first, so a gap is filled by the very next send and later transactions are not
  left waiting behind it.

:meth:`resync` re-reads the pending count after a nonce error and rebuilds the state: every nonce
in ``[chain_pending, max(next, highest held + 1))`` that no send in progress holds is free. Nonces
below the pending count are gone. This is the simplest rule that never hands the same nonce to
two live sends and never leaves a gap behind; a nonce wrongly believed free (e.g. a transaction
that timed out but still sits in the pool as a queued, non-contiguous entry) is caught by the
node ("replacement underpriced" / "nonce too low") and the sender simply reserves again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from web3 import Web3

from fabtrust.chain._rpc import node_errors

__all__ = ["NonceManager"]


@dataclass
class _State:
    next: int
    held: set[int] = field(default_factory=set)
    free: set[int] = field(default_factory=set)


class NonceManager:
    """Thread-safe nonce allocation for any number of sender addresses on one chain."""

    def __init__(
        self,
        w3: Web3,
        *,
        pending_count: Callable[[str], int] | None = None,
    ) -> None:
        """``pending_count(address)`` overrides how the chain's pending nonce is read (tests)."""
        self._w3 = w3
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}
        self._send_locks: dict[str, threading.RLock] = {}
        self._pending_count = pending_count or self._chain_pending_count

    def _chain_pending_count(self, address: str) -> int:
        url = str(getattr(self._w3.provider, "endpoint_uri", "") or "the node")
        with node_errors(url, "eth_getTransactionCount"):
            return int(
                self._w3.eth.get_transaction_count(Web3.to_checksum_address(address), "pending")
            )

    def _state(self, address: str) -> _State:
        key = address.lower()
        state = self._states.get(key)
        if state is None:
            state = _State(next=self._pending_count(address))
            self._states[key] = state
        return state

    def sending(self, address: str) -> threading.RLock:
        """A per-address lock senders hold from reserve to broadcast, so that transactions reach
        the node in nonce order (``with nonces.sending(address): ...``)."""
        with self._lock:
            return self._send_locks.setdefault(address.lower(), threading.RLock())

    def reserve(self, address: str) -> int:
        """The nonce for the next transaction from ``address`` (lowest free one first)."""
        with self._lock:
            state = self._state(address)
            if state.free:
                nonce = min(state.free)
                state.free.discard(nonce)
            else:
                nonce = state.next
                state.next += 1
            state.held.add(nonce)
            return nonce

    def release(self, address: str, nonce: int) -> None:
        """Give back a reserved nonce that was never broadcast, so no gap is created."""
        with self._lock:
            state = self._state(address)
            state.held.discard(nonce)
            if nonce >= state.next:
                return
            state.free.add(nonce)
            # Shrink from the top so ``next`` stays as low as possible.
            while state.next - 1 in state.free:
                state.free.discard(state.next - 1)
                state.next -= 1

    def mark_used(self, address: str, nonce: int) -> None:
        """The send holding ``nonce`` is over; the nonce is consumed (mined or left in the pool)."""
        with self._lock:
            self._state(address).held.discard(nonce)

    def resync(self, address: str) -> None:
        """Re-read the chain after a nonce error ("too low", "too high", "already known", ...)."""
        pending = self._pending_count(address)
        with self._lock:
            state = self._state(address)
            top = max(pending, max(state.held, default=-1) + 1)
            state.free = {n for n in range(pending, top) if n not in state.held}
            state.next = top

    def peek(self, address: str) -> int:
        """The nonce :meth:`reserve` would return now (for display; do not send with it)."""
        with self._lock:
            state = self._state(address)
            return min(state.free) if state.free else state.next

    def forget(self, address: str) -> None:
        """Drop what is known about ``address``; the next reserve re-reads the chain."""
        with self._lock:
            self._states.pop(address.lower(), None)
