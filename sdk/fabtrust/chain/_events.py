"""Reading event logs: in provider-friendly chunks, and following the chain head safely.

:func:`iter_logs` walks a block range in chunks and halves the chunk whenever the provider
complains that the range or the result is too large (Infura, Alchemy, QuickNode, geth, Besu and
Nethermind word it differently), growing it back after successes.

:func:`follow` yields new logs once they are ``confirmations`` blocks deep, exactly once per
(transaction hash, log index). It remembers the hash of every block it yielded logs from and of
the last block it scanned (a batch is kept only if that block did not change while the batch was
read); when one of those changes (a re-org, or a local chain reverted to a
snapshot) it withdraws the logs of the orphaned blocks - yielding them again with
``removed=True``, the JSON-RPC convention - and re-reads from the fork point.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from web3 import Web3

from fabtrust.chain._models import RawLog, hex32, log_from_rpc
from fabtrust.chain._rpc import (
    is_connection_error,
    raise_unreachable,
    redact_url,
    rpc_error_message,
)
from fabtrust.errors import ChainError, InvalidInputError, NodeUnreachableError

__all__ = ["DEFAULT_CHUNK_SIZE", "follow", "iter_logs"]

_log = logging.getLogger("fabtrust.chain")

DEFAULT_CHUNK_SIZE = 2_000
"""Blocks per eth_getLogs request to start with (many public providers allow 2k-10k)."""

Address = str | Sequence[str] | None
Topics = Sequence[str | bytes | Sequence[str | bytes] | None] | None

_TOO_LARGE = (
    "range too large",
    "block range",
    "too many blocks",
    "limit exceeded",
    "exceeds limit",
    "query returned more than",
    "response size",
    "too many results",
    "result window",
    "logs matched by query exceeds",
    "query timeout",
    "max results",
    "exceed maximum",
    "range is too large",
    "request timed out",
)


def _url(w3: Web3) -> str:
    return redact_url(str(getattr(w3.provider, "endpoint_uri", "") or "the node"))


def _is_too_large(exc: BaseException) -> bool:
    text = rpc_error_message(exc).lower()
    if any(needle in text for needle in _TOO_LARGE):
        return True
    response: Any = getattr(exc, "rpc_response", None)
    error = response.get("error") if isinstance(response, dict) else None
    return isinstance(error, dict) and error.get("code") == -32005


def _topic(value: str | bytes) -> str:
    return hex32(value)


def _filter(address: Address, topics: Topics) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if address is not None:
        if isinstance(address, str):
            params["address"] = Web3.to_checksum_address(address)
        else:
            params["address"] = [Web3.to_checksum_address(a) for a in address]
    if topics is not None:
        params["topics"] = [
            None
            if t is None
            else ([_topic(x) for x in t] if isinstance(t, list | tuple) else _topic(t))  # type: ignore[arg-type]
            for t in topics
        ]
    return params


def iter_logs(
    w3: Web3,
    *,
    address: Address = None,
    topics: Topics = None,
    from_block: int,
    to_block: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[RawLog]:
    """Logs matching ``address``/``topics`` in ``[from_block, to_block]`` (None: latest block),
    in chain order, fetched ``chunk_size`` blocks at a time (halved when the provider objects)."""
    if from_block < 0 or chunk_size < 1:
        raise InvalidInputError("from_block must be >= 0 and chunk_size >= 1", field="range")
    url = _url(w3)
    base = _filter(address, topics)
    if to_block is None:
        to_block = _call(w3, lambda: int(w3.eth.block_number), "eth_blockNumber")
    size = chunk_size
    successes = 0
    start = from_block
    while start <= to_block:
        end = min(start + size - 1, to_block)
        try:
            entries = w3.eth.get_logs({**base, "fromBlock": start, "toBlock": end})  # type: ignore[typeddict-item]
        except Exception as exc:
            if is_connection_error(exc):
                raise_unreachable(url, exc)
            if _is_too_large(exc) and end > start:
                size = max(1, (end - start + 1) // 2)
                successes = 0
                _log.debug("eth_getLogs range too large; retrying with %d blocks", size)
                continue
            raise ChainError(f"eth_getLogs failed: {rpc_error_message(exc)}") from exc
        logs = sorted(
            (log_from_rpc(e) for e in entries), key=lambda x: (x.block_number, x.log_index)
        )
        yield from logs
        start = end + 1
        successes += 1
        if size < chunk_size and successes >= 4:
            size = min(chunk_size, size * 2)
            successes = 0


def _call(w3: Web3, fn: Any, what: str) -> Any:
    try:
        return fn()
    except Exception as exc:
        if is_connection_error(exc):
            raise_unreachable(_url(w3), exc)
        raise ChainError(f"{what} failed: {rpc_error_message(exc)}") from exc


def _block_hash(w3: Web3, number: int) -> str | None:
    try:
        block = w3.eth.get_block(number)
    except Exception as exc:
        if is_connection_error(exc):
            raise
        return None  # BlockNotFound: the chain got shorter
    return hex32(block["hash"])


def follow(
    w3: Web3,
    *,
    address: Address = None,
    topics: Topics = None,
    from_block: int,
    confirmations: int = 0,
    poll_interval: float = 2.0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    stop: threading.Event | None = None,
    reorg_window: int = 256,
    max_outage: float = 300.0,
) -> Iterator[RawLog]:
    """Yield logs from ``from_block`` on, forever (until ``stop`` is set), each once it is
    ``confirmations`` blocks deep; withdrawn logs of re-orged blocks come back with
    ``removed=True`` before the logs of the new branch. Connection errors are retried for up
    to ``max_outage`` seconds, then NodeUnreachableError."""
    if confirmations < 0 or reorg_window < 1:
        raise InvalidInputError("confirmations must be >= 0, reorg_window >= 1", field="follow")
    next_block = from_block
    seen: dict[tuple[str, int], RawLog] = {}
    hashes: dict[int, str] = {}  # block number → hash, for blocks we read (with logs, and tips)
    outage_since: float | None = None
    while stop is None or not stop.is_set():
        try:
            rewind = _find_fork(w3, hashes)
            if rewind is not None:
                _log.warning("re-org detected: re-reading logs from block %d", rewind)
                gone = sorted(
                    (log for log in seen.values() if log.block_number >= rewind),
                    key=lambda x: (x.block_number, x.log_index),
                    reverse=True,
                )
                for log in gone:
                    del seen[log.key]
                    yield log.model_copy(update={"removed": True})
                for number in [n for n in hashes if n >= rewind]:
                    del hashes[number]
                next_block = min(next_block, rewind)
            head = int(w3.eth.block_number)
            safe = head - confirmations
            if safe >= next_block:
                # The batch counts only if the last block it covers did not change while it was
                # read: then every log in it belongs to that block's chain (else: next round).
                tip = _block_hash(w3, safe)
                fresh = list(
                    iter_logs(
                        w3,
                        address=address,
                        topics=topics,
                        from_block=next_block,
                        to_block=safe,
                        chunk_size=chunk_size,
                    )
                )
                consistent = tip is not None and tip == _block_hash(w3, safe)
                if consistent and all(
                    log.block_hash == tip for log in fresh if log.block_number == safe
                ):
                    for log in fresh:
                        if log.key in seen:
                            continue
                        seen[log.key] = log
                        hashes[log.block_number] = log.block_hash
                        yield log
                    hashes[safe] = str(tip)
                    next_block = safe + 1
                    floor = safe - reorg_window
                    for key in [k for k, v in seen.items() if v.block_number < floor]:
                        del seen[key]
                    for number in [n for n in hashes if n < floor]:
                        del hashes[number]
            outage_since = None
        except NodeUnreachableError:
            outage_since = _outage(outage_since, max_outage, w3, None)
        except ChainError:
            raise
        except Exception as exc:
            if not is_connection_error(exc):
                raise ChainError(f"following logs failed: {rpc_error_message(exc)}") from exc
            outage_since = _outage(outage_since, max_outage, w3, exc)
        if stop is not None:
            if stop.wait(poll_interval):
                return
        else:
            time.sleep(poll_interval)


def _outage(since: float | None, max_outage: float, w3: Web3, exc: BaseException | None) -> float:
    now = time.monotonic()
    since = now if since is None else since
    if now - since >= max_outage:
        if exc is not None:
            raise_unreachable(_url(w3), exc)
        raise NodeUnreachableError(_url(w3), f"unreachable for {max_outage:g} s")
    _log.warning("node %s unreachable; retrying", _url(w3))
    return since


def _find_fork(w3: Web3, hashes: dict[int, str]) -> int | None:
    """The first block to re-read when a remembered block hash changed; None if all match."""
    if not hashes:
        return None
    numbers = sorted(hashes, reverse=True)
    if _block_hash(w3, numbers[0]) == hashes[numbers[0]]:
        return None
    for number in numbers[1:]:
        if _block_hash(w3, number) == hashes[number]:
            return number + 1
    return numbers[-1]
