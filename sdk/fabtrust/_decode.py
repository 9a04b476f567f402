"""Decoding event logs of the fabtrust contracts into :class:`fabtrust.models.Event`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from web3 import Web3

from fabtrust._abi import EventCodec, checksum
from fabtrust._artifacts import CONTRACT_NAMES, artifact
from fabtrust.chain import RawLog
from fabtrust.models import Event

__all__ = ["EventDecoder", "jsonable"]


def jsonable(value: Any) -> Any:
    """Normalise a decoded ABI value: bytes → 0x hex, arrays and structs → tuples. (Addresses
    come checksummed from the decoder; strings are kept exactly as emitted.)"""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return tuple(jsonable(item) for item in value)
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


class EventDecoder:
    """Decodes logs emitted by the deployed fabtrust contracts (by address and topic)."""

    def __init__(self, w3: Web3, addresses: dict[str, str]) -> None:
        self._w3 = w3
        self._by_address = {addr.lower(): name for name, addr in addresses.items()}
        self._events: dict[tuple[str, bytes], EventCodec] = {}
        for name in CONTRACT_NAMES:
            for item in artifact(name).abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    codec = EventCodec.of(item)
                    self._events[(name, codec.topic)] = codec

    def topic(self, contract: str, event: str) -> str:
        """topic0 of ``contract.event``."""
        for (name, topic), codec in self._events.items():
            if name == contract and codec.name == event:
                return "0x" + topic.hex()
        raise KeyError(f"{contract} has no event {event}")

    def decode(self, log: RawLog) -> Event | None:
        """The decoded event, or None for logs of other contracts, unknown topics or logs that
        do not fit the event's ABI."""
        contract = self._by_address.get(log.address.lower())
        if contract is None or not log.topics:
            return None
        topics = [bytes.fromhex(t[2:]) for t in log.topics]
        codec = self._events.get((contract, topics[0]))
        if codec is None:
            return None
        args = codec.decode(topics, log.data_bytes())
        if args is None:
            return None
        return Event(
            contract=contract,
            name=codec.name,
            args={key: jsonable(value) for key, value in args.items()},
            address=checksum(log.address),
            block_number=log.block_number,
            tx_hash=log.tx_hash,
            log_index=log.log_index,
        )

    def decode_all(self, logs: Iterable[RawLog]) -> tuple[Event, ...]:
        events = (self.decode(log) for log in logs)
        return tuple(event for event in events if event is not None)
