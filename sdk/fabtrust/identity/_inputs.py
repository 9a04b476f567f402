"""Input checks shared by the identity models and client (light: no web3).

Every function raises :class:`~fabtrust.errors.InvalidInputError` naming ``field``.
"""

from __future__ import annotations

import re
from typing import Any

from fabtrust.deployments import checksum_address
from fabtrust.errors import InvalidInputError

__all__ = [
    "ZERO_ADDRESS",
    "ZERO_BYTES32",
    "check_address",
    "check_bytes",
    "check_bytes32",
    "check_device_id",
    "check_model",
    "check_serial",
    "device_id_topic",
    "model_text",
]

ZERO_ADDRESS = "0x" + "00" * 20
ZERO_BYTES32 = "0x" + "00" * 32
_HEX_RE = re.compile(r"0[xX]((?:[0-9a-fA-F]{2})*)")
_BYTES32_RE = re.compile(r"0[xX][0-9a-fA-F]{64}")
_UINT256_MAX = 2**256 - 1


def check_address(value: Any, field: str, *, allow_zero: bool = False) -> str:
    """An EIP-55 checksummed address (mixed case must be a valid checksum)."""
    if isinstance(value, bytes | bytearray) and len(value) == 20:
        value = "0x" + bytes(value).hex()
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{field} must be an address (0x + 40 hex digits), got {type(value).__name__}",
            field=field,
        )
    text = value.strip()
    try:
        address = checksum_address(text)
    except ValueError:
        raise InvalidInputError(
            f"{field} is not a valid address (0x + 40 hex digits with a correct EIP-55 "
            f"checksum): {value!r}",
            field=field,
        ) from None
    if not allow_zero and address == ZERO_ADDRESS:
        raise InvalidInputError(f"{field} must not be the zero address", field=field)
    return address


def check_bytes32(value: Any, field: str) -> str:
    """A 32-byte value (bytes, or ``0x`` + 64 hex digits) as ``0x`` + 64 lowercase hex digits."""
    if isinstance(value, bytes | bytearray):
        if len(value) != 32:
            raise InvalidInputError(
                f"{field} must be 32 bytes, got {len(value)} bytes", field=field
            )
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and _BYTES32_RE.fullmatch(value.strip()):
        return "0x" + value.strip()[2:].lower()
    raise InvalidInputError(
        f"{field} must be 32 bytes (0x + 64 hex digits), got {value!r}", field=field
    )


def check_bytes(value: Any, field: str) -> bytes:
    """Bytes from bytes or ``0x``-prefixed hex text."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        match = _HEX_RE.fullmatch(value.strip())
        if match is not None:
            return bytes.fromhex(match.group(1))
    raise InvalidInputError(f"{field} must be bytes or 0x-prefixed hex, got {value!r}", field=field)


def check_model(value: Any, field: str = "model") -> str:
    """A model identifier as a ``bytes32`` hex string.

    32 bytes or ``0x`` + 64 hex digits are taken as they are; any other text is UTF-8 encoded
    and right-padded with zero bytes (Solidity ``bytes32("HM-200")``), at most 32 bytes.
    """
    if isinstance(value, bytes | bytearray) or (
        isinstance(value, str) and _BYTES32_RE.fullmatch(value.strip())
    ):
        return check_bytes32(value, field)
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{field} must be text or 32 bytes, got {type(value).__name__}", field=field
        )
    if not value.strip():
        raise InvalidInputError(f"{field} must not be empty", field=field)
    raw = value.encode("utf-8")
    if len(raw) > 32:
        raise InvalidInputError(
            f"{field} {value!r} is {len(raw)} bytes in UTF-8; at most 32 fit a bytes32 "
            f"(or pass a 0x-prefixed 32-byte hash)",
            field=field,
        )
    return "0x" + raw.ljust(32, b"\0").hex()


def model_text(model: str) -> str | None:
    """The text of a ``bytes32`` model made by :func:`check_model` from text, else None."""
    raw = bytes.fromhex(model[2:]).rstrip(b"\0")
    if not raw or b"\0" in raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


def check_serial(value: Any, field: str = "serial") -> str:
    """A non-empty serial number (the contract takes any non-empty string)."""
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{field} must be a string, got {type(value).__name__}", field=field
        )
    if not value.strip():
        raise InvalidInputError(f"{field} must not be empty", field=field)
    return value


def check_device_id(value: Any, field: str = "device_id") -> int:
    """A device id: an integer in uint256 range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            f"{field} must be an integer, got {type(value).__name__}", field=field
        )
    if not 0 <= value <= _UINT256_MAX:
        raise InvalidInputError(f"{field} {value} is outside the uint256 range", field=field)
    return int(value)


def device_id_topic(device_id: int) -> str:
    """An indexed ``uint256 deviceId`` as an event topic."""
    return "0x" + format(device_id, "064x")
