"""Private: check and normalise leaf values against Solidity ABI type strings.

A leaf value is normalised to plain JSON-able Python: integers as ``int``, ``bytesN``/``bytes``
as ``"0x"`` + lowercase hex, addresses EIP-55 checksummed, ``bool`` and ``string`` as they are,
arrays and tuples as Python tuples. The same value in any accepted input form (e.g. ``"0xAB…"``
or ``b"…"`` for a ``bytes32``, ``"5000"`` or ``5000`` for a ``uint256``) therefore has exactly one
normal form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fabtrust import _validate
from fabtrust.errors import InvalidInputError
from fabtrust.evidence._hashing import abi_encode

__all__ = ["JS_MAX_SAFE_INTEGER", "LeafCodec", "codec_for", "to_json_safe"]

JS_MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer a JavaScript ``number`` (and so ``JSON.parse``) holds exactly."""

_DECIMAL_RE = re.compile(r"^-?[0-9]+$")
_HEX_INT_RE = re.compile(r"^(-?)0[xX]([0-9a-fA-F]+)$")


@dataclass(frozen=True)
class _Type:
    """One parsed ABI type: ``kind`` is uint/int/address/bool/bytes/string/tuple/array."""

    text: str
    kind: str
    bits: int = 0  # uint/int width
    size: int | None = None  # bytesN length (None: dynamic bytes); fixed array length
    items: tuple[_Type, ...] = ()  # tuple components, or the single array element type

    def normalize(self, value: Any, where: str) -> Any:
        kind = self.kind
        if kind in ("uint", "int"):
            return self._integer(value, where)
        if kind == "address":
            if not isinstance(value, (str, bytes, bytearray)):
                raise _bad(where, self.text, value)
            return _validate.address(value, field=where, allow_zero=True)
        if kind == "bool":
            if not isinstance(value, bool):
                raise _bad(where, self.text, value)
            return value
        if kind == "bytes":
            if not isinstance(value, (str, bytes, bytearray)):
                raise _bad(where, self.text, value)
            return "0x" + _validate.hex_bytes(value, field=where, length=self.size).hex()
        if kind == "string":
            if not isinstance(value, str):
                raise _bad(where, self.text, value)
            return value
        if isinstance(value, (str, bytes, bytearray)) or not isinstance(value, Sequence):
            raise _bad(where, self.text, value)
        if kind == "tuple":
            if len(value) != len(self.items):
                raise InvalidInputError(
                    f"{where}: {self.text} has {len(self.items)} components, got {len(value)}"
                )
            return tuple(
                t.normalize(v, f"{where}[{i}]")
                for i, (t, v) in enumerate(zip(self.items, value, strict=True))
            )
        if self.size is not None and len(value) != self.size:
            raise InvalidInputError(
                f"{where}: {self.text} needs {self.size} items, got {len(value)}"
            )
        item = self.items[0]
        return tuple(item.normalize(v, f"{where}[{i}]") for i, v in enumerate(value))

    def _integer(self, value: Any, where: str) -> int:
        if isinstance(value, bool):
            raise _bad(where, self.text, value)
        if isinstance(value, int):
            number = value
        elif isinstance(value, str) and _DECIMAL_RE.match(value):
            number = int(value, 10)
        elif isinstance(value, str) and (match := _HEX_INT_RE.match(value)):
            number = int(match.group(2), 16) * (-1 if match.group(1) else 1)
        else:
            raise _bad(where, self.text, value)
        if self.kind == "uint":
            low, high = 0, 2**self.bits - 1
        else:
            low, high = -(2 ** (self.bits - 1)), 2 ** (self.bits - 1) - 1
        if not low <= number <= high:
            raise InvalidInputError(f"{where}: {number} is out of range for {self.text}")
        return number

    def to_abi(self, value: Any) -> Any:
        """A normalised value in the form ``eth_abi.encode`` takes."""
        if self.kind == "bytes":
            return bytes.fromhex(value[2:])
        if self.kind == "tuple":
            return tuple(t.to_abi(v) for t, v in zip(self.items, value, strict=True))
        if self.kind == "array":
            return [self.items[0].to_abi(v) for v in value]
        return value

    @property
    def abi_text(self) -> str:
        """Canonical type string for ``eth_abi`` (``uint`` → ``uint256``, tuples spelt out)."""
        if self.kind in ("uint", "int"):
            return f"{self.kind}{self.bits}"
        if self.kind == "bytes":
            return "bytes" if self.size is None else f"bytes{self.size}"
        if self.kind == "tuple":
            return "(" + ",".join(t.abi_text for t in self.items) + ")"
        if self.kind == "array":
            return self.items[0].abi_text + ("[]" if self.size is None else f"[{self.size}]")
        return self.kind


def _bad(where: str, type_text: str, value: Any) -> InvalidInputError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InvalidInputError(f"{where}: not a valid {type_text} value: {shown}")


_BASIC_RE = re.compile(r"^(uint|int|address|bool|bytes|string)([0-9]*)$")
_ARRAY_RE = re.compile(r"^(.*)\[([0-9]*)\]$", re.DOTALL)


def _parse(text: str) -> _Type:
    source = text
    text = text.strip()
    array = _ARRAY_RE.match(text)
    if array is not None:
        inner, length = array.groups()
        if length.startswith("0") and length:
            raise InvalidInputError(f"unsupported ABI type {source!r}: bad array length")
        item = _parse(inner)
        return _Type(source, "array", size=int(length) if length else None, items=(item,))
    if text.startswith("(") and text.endswith(")"):
        return _Type(source, "tuple", items=tuple(_parse(p) for p in _split_components(text[1:-1])))
    basic = _BASIC_RE.match(text)
    if basic is None:
        raise InvalidInputError(f"unsupported ABI type {source!r}")
    base, digits = basic.groups()
    if base in ("uint", "int"):
        bits = int(digits) if digits else 256
        if not (8 <= bits <= 256 and bits % 8 == 0) or (digits.startswith("0")):
            raise InvalidInputError(f"unsupported ABI type {source!r}: bad integer width")
        return _Type(source, base, bits=bits)
    if base == "bytes":
        if not digits:
            return _Type(source, "bytes")
        size = int(digits)
        if not 1 <= size <= 32 or digits.startswith("0"):
            raise InvalidInputError(f"unsupported ABI type {source!r}: bytesN needs 1 <= N <= 32")
        return _Type(source, "bytes", size=size)
    if digits:
        raise InvalidInputError(f"unsupported ABI type {source!r}")
    return _Type(source, base)


def _split_components(body: str) -> list[str]:
    if not body.strip():
        raise InvalidInputError("empty tuple types are not supported")
    parts, depth, start = [], 0, 0
    for i, char in enumerate(body):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise InvalidInputError(f"unbalanced parentheses in tuple type ({body})")
        elif char == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    if depth:
        raise InvalidInputError(f"unbalanced parentheses in tuple type ({body})")
    parts.append(body[start:])
    return parts


class LeafCodec:
    """Normalises and ABI-encodes leaf values for one leaf encoding (a list of type strings)."""

    def __init__(self, leaf_encoding: tuple[str, ...]) -> None:
        if not leaf_encoding:
            raise InvalidInputError("the leaf encoding must name at least one type")
        self.leaf_encoding = leaf_encoding
        self._types = tuple(_parse(t) for t in leaf_encoding)
        self._abi_types = [t.abi_text for t in self._types]

    def normalize(self, value: Any) -> tuple[Any, ...]:
        """The leaf value in normal form; InvalidInputError if it does not fit the encoding."""
        if isinstance(value, (str, bytes, bytearray)) or not isinstance(value, Sequence):
            raise InvalidInputError(
                f"a leaf value must be a list of {len(self._types)} items, "
                f"got {type(value).__name__}"
            )
        if len(value) != len(self._types):
            raise InvalidInputError(
                f"leaf value has {len(value)} items but the leaf encoding "
                f"{list(self.leaf_encoding)} has {len(self._types)}"
            )
        return tuple(
            t.normalize(v, f"leaf item {i} ({t.text})")
            for i, (t, v) in enumerate(zip(self._types, value, strict=True))
        )

    def encode(self, normalized: tuple[Any, ...]) -> bytes:
        """``abi.encode`` of a normalised leaf value."""
        return abi_encode(
            self._abi_types, [t.to_abi(v) for t, v in zip(self._types, normalized, strict=True)]
        )


@lru_cache(maxsize=64)
def codec_for(leaf_encoding: tuple[str, ...]) -> LeafCodec:
    """A cached codec for a leaf encoding."""
    return LeafCodec(leaf_encoding)


def to_json_safe(value: Any) -> Any:
    """A normalised value for JSON: tuples become lists, integers a JavaScript ``number`` cannot
    hold exactly (beyond ±(2**53 - 1)) become decimal strings, as OpenZeppelin's docs write them."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -JS_MAX_SAFE_INTEGER <= value <= JS_MAX_SAFE_INTEGER else str(value)
    if isinstance(value, (tuple, list)):
        return [to_json_safe(v) for v in value]
    return value
