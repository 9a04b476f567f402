"""The escrow's own inputs: the token argument (``"native"`` or an ERC-20) and device id lists.

Addresses, amounts, integers, bytes32 values and times are checked by :mod:`fabtrust._validate`.
Every problem is an :class:`~fabtrust.errors.InvalidInputError` whose ``field`` names the argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fabtrust import _validate
from fabtrust.errors import InvalidInputError

__all__ = [
    "NATIVE_TOKEN",
    "device_id_list",
    "token_address",
]

NATIVE_TOKEN = "0x0000000000000000000000000000000000000000"
"""``address(0)``: how the escrow names the chain's native coin."""


def token_address(value: Any, *, field: str = "token") -> str:
    """The escrow's token argument: None or ``"native"`` → ``address(0)``, else an address."""
    if value is None:
        return NATIVE_TOKEN
    if isinstance(value, str) and value.strip().lower() == "native":
        return NATIVE_TOKEN
    if isinstance(value, str) and not value.strip().lower().startswith("0x"):
        raise InvalidInputError(
            f"{field} must be 'native' (or None) for the native coin, or an ERC-20 address; "
            f"got {value!r}",
            field=field,
        )
    return _validate.address(value, field=field, allow_zero=True)


def device_id_list(values: Any, *, field: str = "device_ids") -> list[int]:
    """uint256 device ids, in order (duplicates and an empty list are the contract's call)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidInputError(f"{field} must be a list of integer device ids", field=field)
    return [_validate.uint(v, field=field) for v in values]
