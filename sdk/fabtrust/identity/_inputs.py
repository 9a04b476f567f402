"""Input checks shared by the identity models and client (light: no web3).

Every function raises :class:`~fabtrust.errors.InvalidInputError` naming ``field``. Addresses,
bytes32 values and integers are checked by :mod:`fabtrust._validate`; what is here is the
identity domain's own: model identifiers, serials and device ids.
"""

from __future__ import annotations

from typing import Any

from fabtrust import _validate
from fabtrust._modeltext import model_text
from fabtrust.errors import InvalidInputError

__all__ = [
    "check_device_id",
    "check_model",
    "check_serial",
    "device_id_topic",
    "model_text",
]


def check_model(value: Any, field: str = "model") -> str:
    """A model identifier as a ``bytes32`` hex string.

    32 bytes or ``0x`` + 64 hex digits are taken as they are; any other text is UTF-8 encoded
    and right-padded with zero bytes (Solidity ``bytes32("HM-200")``), at most 32 bytes.
    """
    if isinstance(value, bytes | bytearray) or (
        isinstance(value, str) and value.strip()[:2].lower() == "0x" and len(value.strip()) == 66
    ):
        return _validate.bytes32(value, field=field)
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
    return _validate.uint(value, field=field)


def device_id_topic(device_id: int) -> str:
    """An indexed ``uint256 deviceId`` as an event topic."""
    return "0x" + format(device_id, "064x")
