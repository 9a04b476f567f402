"""Frozen models shared by every domain: decoded events and transaction results.

Light module: :class:`~fabtrust._record.Record`s (no pydantic), read by the buyer's verify too.
"""

from __future__ import annotations

from typing import Any

from fabtrust._record import Record

__all__ = ["Event", "TxResult"]


class Event(Record):
    """One decoded contract event. ``args`` values are JSON-friendly: ints, ``0x`` hex strings
    for bytes, checksummed addresses, strings, bools, and tuples of those."""

    contract: str
    name: str
    args: dict[str, Any]
    address: str
    block_number: int
    tx_hash: str
    log_index: int

    def __getitem__(self, key: str) -> Any:
        return self.args[key]


class TxResult(Record):
    """A mined, successful transaction and the events it emitted (decoded)."""

    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    effective_gas_price: int
    events: tuple[Event, ...] = ()

    def events_named(self, name: str) -> tuple[Event, ...]:
        """The events called ``name``, in log order."""
        return tuple(event for event in self.events if event.name == name)

    def event(self, name: str) -> Event:
        """The single event called ``name`` (ValueError when there is not exactly one)."""
        found = self.events_named(name)
        if len(found) != 1:
            raise ValueError(f"expected one {name} event, found {len(found)}")
        return found[0]
