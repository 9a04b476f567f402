"""Private: reading bytes32 hex values and date-times out of credentials (errors name the field).

Light module: the standard library.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fabtrust.errors import InvalidInputError

__all__ = ["hex32", "timestamp"]


def hex32(value: Any, where: str) -> str:
    text = str(value).lower().removeprefix("0x")
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InvalidInputError(f"{where} must be 32 bytes of hex, not {value!r}", field=where)
    return "0x" + text


def timestamp(value: Any, where: str) -> int:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(f"{where} {value!r} is not a date-time", field=where) from None
    if moment.tzinfo is None:
        raise InvalidInputError(f"{where} {value!r} has no time zone", field=where)
    return int(moment.timestamp())
