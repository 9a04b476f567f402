"""Decoding event logs of the fabtrust contracts into :class:`fabtrust.models.Event`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_utils.abi import event_abi_to_log_topic
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3._utils.events import get_event_data

from fabtrust._artifacts import CONTRACT_NAMES, artifact
from fabtrust.chain import RawLog
from fabtrust.models import Event

__all__ = ["EventDecoder", "jsonable"]


def jsonable(value: Any) -> Any:
    """Normalise a decoded ABI value: bytes → 0x hex, addresses checksummed, tuples kept."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
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
        self._events: dict[tuple[str, bytes], dict[str, Any]] = {}
        for name in CONTRACT_NAMES:
            for item in artifact(name).abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    self._events[(name, event_abi_to_log_topic(item))] = item  # type: ignore[arg-type]

    def topic(self, contract: str, event: str) -> str:
        """topic0 of ``contract.event``."""
        for (name, topic), abi in self._events.items():
            if name == contract and abi["name"] == event:
                return "0x" + topic.hex()
        raise KeyError(f"{contract} has no event {event}")

    def decode(self, log: RawLog) -> Event | None:
        """The decoded event, or None for logs of other contracts or unknown topics."""
        contract = self._by_address.get(log.address.lower())
        if contract is None or not log.topics:
            return None
        abi = self._events.get((contract, bytes.fromhex(log.topics[0][2:])))
        if abi is None:
            return None
        data = get_event_data(self._w3.codec, abi, log.to_web3())  # type: ignore[arg-type,unused-ignore]
        return Event(
            contract=contract,
            name=abi["name"],
            args={key: jsonable(value) for key, value in data["args"].items()},
            address=to_checksum_address(log.address),
            block_number=log.block_number,
            tx_hash=log.tx_hash,
            log_index=log.log_index,
        )

    def decode_all(self, logs: Iterable[RawLog]) -> tuple[Event, ...]:
        events = (self.decode(log) for log in logs)
        return tuple(event for event in events if event is not None)
