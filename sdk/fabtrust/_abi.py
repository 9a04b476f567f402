"""Direct ABI encoding and decoding with eth-abi, for the hot paths.

web3's contract layer passes every argument and every decoded value through several recursive
normalising walks (about 1 ms per struct row, about 1 ms per event log); eth-abi alone, with the
types read once from the ABI, takes a few microseconds. The values produced are the same as
web3's: addresses checksummed, ``bytesN`` as bytes, structs as tuples.

Encoding accepts what the SDK's clients pass: hex strings or bytes for ``bytes``/``bytesN``,
checksummed addresses, tuples or name-keyed mappings for structs. Anything eth-abi cannot encode
raises :class:`AbiInputError`; :class:`~fabtrust._binding.Binding` then lets web3 encode it, so
a bad argument still gets web3's validation message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from eth_abi import decode as abi_decode  # type: ignore[attr-defined]
from eth_abi import encode as abi_encode  # type: ignore[attr-defined]
from eth_abi.exceptions import DecodingError, EncodingError
from eth_utils.abi import collapse_if_tuple, event_abi_to_log_topic, function_abi_to_4byte_selector
from eth_utils.address import to_checksum_address

from fabtrust._artifacts import artifact

__all__ = [
    "AbiInputError",
    "EventCodec",
    "FunctionCodec",
    "checksum",
    "function_codec",
]

Param = Mapping[str, Any]
_HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})*")


class AbiInputError(ValueError):
    """Arguments eth-abi cannot encode for a function's parameter types."""


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """EIP-55 checksummed form of a 20-byte hex address (memoised: hashing it is the cost)."""
    return str(to_checksum_address(address))


def _prepare(param: Param, value: Any) -> Any:
    """``value`` in the shape eth-abi encodes for ``param`` (hex → bytes, mapping → tuple)."""
    kind = str(param["type"])
    what = param.get("name") or kind
    if kind.endswith("]"):
        if not isinstance(value, list | tuple):
            raise AbiInputError(f"{what}: expected a list")
        inner = {**param, "type": kind[: kind.rindex("[")]}
        return [_prepare(inner, item) for item in value]
    if kind == "tuple":
        components = param["components"]
        if isinstance(value, Mapping):
            try:
                value = [value[c["name"]] for c in components]
            except KeyError as exc:
                raise AbiInputError(f"missing struct field {exc}") from None
        if not isinstance(value, list | tuple) or len(value) != len(components):
            raise AbiInputError(f"{what}: expected {len(components)} fields")
        return tuple(_prepare(c, v) for c, v in zip(components, value, strict=True))
    if kind.startswith("bytes"):
        if isinstance(value, str):
            if not _HEX.fullmatch(value):
                raise AbiInputError(f"{what}: not 0x-prefixed hex of whole bytes")
            value = bytes.fromhex(value[2:])
        if kind != "bytes" and isinstance(value, bytes | bytearray) and len(value) != int(kind[5:]):
            raise AbiInputError(f"{what}: expected {kind[5:]} bytes")
        return value
    if kind == "address" and isinstance(value, str):
        try:
            checksummed = checksum(value)
        except ValueError:  # not 20 bytes of hex (an ENS name, say): web3 decides
            raise AbiInputError(f"{what}: not an address") from None
        if value != checksummed:
            raise AbiInputError(f"{what}: not a checksummed address")
    return value


def _normalise(kind: str, value: Any) -> Any:
    """A decoded value as web3 returns it: addresses checksummed, arrays as lists, structs as
    tuples."""
    if kind == "address":
        return checksum(value)
    if kind.endswith("]"):
        inner = kind[: kind.rindex("[")]
        return [_normalise(inner, item) for item in value]
    if kind.startswith("("):
        return tuple(_normalise(k, v) for k, v in zip(_split_tuple(kind), value, strict=True))
    return value


@cache
def _split_tuple(kind: str) -> tuple[str, ...]:
    """Component types of a tuple type string ``(a,b[],(c,d))``."""
    body = kind[1 : kind.rindex(")")]
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(body):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    if body:
        parts.append(body[start:])
    return tuple(parts)


@dataclass(frozen=True)
class FunctionCodec:
    """Calldata encoding and return-data decoding of one ABI function."""

    name: str
    selector: bytes
    inputs: tuple[Param, ...]
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]

    @classmethod
    def of(cls, abi: Param) -> FunctionCodec:
        inputs = tuple(abi.get("inputs", ()))
        return cls(
            name=str(abi["name"]),
            selector=function_abi_to_4byte_selector(abi),  # type: ignore[arg-type]
            inputs=inputs,
            input_types=tuple(collapse_if_tuple(dict(p)) for p in inputs),
            output_types=tuple(collapse_if_tuple(dict(p)) for p in abi.get("outputs", ())),
        )

    def encode(self, args: Sequence[Any]) -> str:
        """``0x`` calldata for ``args``; AbiInputError when they do not fit the types."""
        if len(args) != len(self.inputs):
            raise AbiInputError(f"{self.name} takes {len(self.inputs)} arguments, got {len(args)}")
        values = [_prepare(p, a) for p, a in zip(self.inputs, args, strict=True)]
        try:
            data = abi_encode(self.input_types, values)
        except (EncodingError, TypeError, ValueError, OverflowError) as exc:
            raise AbiInputError(f"{self.name}: {exc}") from None
        return "0x" + (self.selector + data).hex()

    def decode(self, data: bytes) -> Any:
        """Return data as web3 gives it: the value for one output, a list for several."""
        try:
            values = abi_decode(self.output_types, data)
        except (DecodingError, UnicodeDecodeError) as exc:
            raise AbiInputError(f"{self.name} returned undecodable data: {exc}") from None
        out = [_normalise(k, v) for k, v in zip(self.output_types, values, strict=True)]
        return out[0] if len(out) == 1 else out


@cache
def function_codec(contract: str, function: str) -> FunctionCodec:
    """The codec of ``contract.function`` from the shipped ABI; AbiInputError when the name is
    unknown or overloaded (web3 then picks the overload by the arguments)."""
    matches = [
        item
        for item in artifact(contract).abi
        if item.get("type") == "function" and item.get("name") == function
    ]
    if len(matches) != 1:
        raise AbiInputError(f"{contract} has {len(matches)} functions named {function}")
    return FunctionCodec.of(matches[0])


@dataclass(frozen=True)
class EventCodec:
    """Decoding of one (non-anonymous) ABI event's topics and data."""

    name: str
    topic: bytes
    indexed: tuple[tuple[str, str], ...]  # (name, type) in topic order
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]

    @classmethod
    def of(cls, abi: Param) -> EventCodec:
        inputs = [dict(p) for p in abi.get("inputs", ())]
        return cls(
            name=str(abi["name"]),
            topic=event_abi_to_log_topic(abi),  # type: ignore[arg-type]
            indexed=tuple((p["name"], collapse_if_tuple(p)) for p in inputs if p.get("indexed")),
            data_names=tuple(p["name"] for p in inputs if not p.get("indexed")),
            data_types=tuple(collapse_if_tuple(p) for p in inputs if not p.get("indexed")),
        )

    def decode(self, topics: Sequence[bytes], data: bytes) -> dict[str, Any] | None:
        """Arguments by name (indexed first, as web3 orders them); None when the log does not
        fit this event (wrong topic count or undecodable data). An indexed argument of a dynamic
        type is its 32-byte hash, as on the chain."""
        if len(topics) != len(self.indexed) + 1:
            return None
        args: dict[str, Any] = {}
        try:
            for (name, kind), topic in zip(self.indexed, topics[1:], strict=True):
                args[name] = _topic_value(kind, topic)
            values = abi_decode(self.data_types, data) if self.data_types else ()
        except (DecodingError, UnicodeDecodeError):  # not this event's layout, or not UTF-8 text
            return None
        for name, kind, value in zip(self.data_names, self.data_types, values, strict=True):
            args[name] = _normalise(kind, value)
        return args


def _topic_value(kind: str, topic: bytes) -> Any:
    """One indexed argument from its topic. The common static types are read straight from the
    32 bytes (this runs for every log of every receipt); dynamic types stay their hash."""
    if _is_dynamic(kind):
        return topic
    if len(topic) != 32:
        raise DecodingError(f"a topic must be 32 bytes, got {len(topic)}")
    if kind == "address" and not any(topic[:12]):
        return checksum("0x" + topic[12:].hex())
    if kind == "uint256":
        return int.from_bytes(topic, "big")
    if kind == "bytes32":
        return topic
    return _normalise(kind, abi_decode([kind], topic)[0])


def _is_dynamic(kind: str) -> bool:
    """True for types stored in topics as their hash (strings, bytes, arrays, structs)."""
    return kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")
