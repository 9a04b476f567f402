"""Private: the one place that checks and normalises input values for every client and the CLI.

One meaning per kind of value:

- **address**: ``0x`` + 40 hex digits (all-lower or all-upper case, or mixed case that is a valid
  EIP-55 checksum) or 20 raw bytes; returned EIP-55 checksummed. The zero address is refused
  unless the caller says ``allow_zero=True`` (where the contract takes ``address(0)`` as a value
  of its own, e.g. the escrow's native coin).
- **bytes32**: 32 raw bytes or ``0x`` + 64 hex digits (the prefix is required); returned as
  ``0x`` + 64 lowercase hex digits.
- **hex bytes**: raw bytes or ``0x``-prefixed hex text with an even number of digits.
- **uint**: a Python ``int`` (not ``bool``) in ``0 .. 2**bits - 1``.
- **amount**: human text such as ``1,250.50`` in a token's base units (:func:`parse_amount`).
- **time**: unix seconds (``uint64``) from a timezone-aware ``datetime`` (floored to the second)
  or an ``int``; durations from a ``timedelta`` of whole seconds or an ``int``.

Every problem is one line ``"<field>: <value> <problem>"`` in an
:class:`~fabtrust.errors.InvalidInputError` whose ``field`` names the argument (a CLI option's
leading dashes are dropped from ``field``, kept in the message).

Light module: the standard library and :mod:`fabtrust.errors`; keccak is imported on first use.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from fabtrust.errors import InvalidInputError

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "UINT8_MAX",
    "UINT16_MAX",
    "UINT64_MAX",
    "UINT256_MAX",
    "ZERO_ADDRESS",
    "ZERO_BYTES32",
    "address",
    "bad",
    "bytes32",
    "bytes32_or_text",
    "checksum",
    "duration",
    "from_validation_error",
    "hex_bytes",
    "optional_bytes32",
    "parse_amount",
    "timestamp",
    "uint",
    "utc",
]

ZERO_ADDRESS = "0x" + "00" * 20
ZERO_BYTES32 = "0x" + "00" * 32
UINT8_MAX = 2**8 - 1
UINT16_MAX = 2**16 - 1
UINT64_MAX = 2**64 - 1
UINT256_MAX = 2**256 - 1

_ADDRESS_RE = re.compile(r"0[xX]([0-9a-fA-F]{40})")
_BYTES32_RE = re.compile(r"0[xX]([0-9a-fA-F]{64})")
_HEX_RE = re.compile(r"0[xX]((?:[0-9a-fA-F]{2})*)")
# 1250 | 1,250 | 1,250,000 | with an optional fraction: 1,250.50 | .5
_AMOUNT_RE = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d*))?")


def bad(field: str, value: Any, problem: str) -> InvalidInputError:
    """The one-line error ``"<field>: <value!r> <problem>"`` (``field`` without leading dashes)."""
    return InvalidInputError(f"{field}: {value!r} {problem}", field=field.lstrip("-"))


def _kind(value: Any) -> str:
    return type(value).__name__


# -- addresses -----------------------------------------------------------------------------------


def checksum(body: str) -> str:
    """The EIP-55 checksummed ``0x`` address of 40 hex digits (any case, no prefix)."""
    # lazy; pysha3's C keccak when installed (eth_hash's pycryptodome backend loads cffi and
    # pycparser: ~50 ms of a buyer's `cert verify`)
    from fabtrust.evidence._hashing import keccak256

    lower = body.lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(lower)
    )


def address(value: Any, *, field: str, allow_zero: bool = False) -> str:
    """An address, EIP-55 checksummed (see the module text for the accepted forms)."""
    if isinstance(value, bytes | bytearray):
        if len(value) != 20:
            raise bad(field, bytes(value), f"is {len(value)} bytes, an address is 20")
        result = checksum(bytes(value).hex())
    elif isinstance(value, str):
        match = _ADDRESS_RE.fullmatch(value.strip())
        if match is None:
            raise bad(field, value, "is not an address (0x + 40 hex digits)")
        body = match.group(1)
        result = checksum(body)
        if body not in (body.lower(), body.upper()) and body != result[2:]:
            raise bad(field, value, "has a wrong EIP-55 checksum (mixed case): check for a typo")
    else:
        raise bad(field, value, f"is not an address (0x + 40 hex digits), it is a {_kind(value)}")
    if not allow_zero and result == ZERO_ADDRESS:
        raise bad(field, value, "is the zero address")
    return result


# -- bytes ---------------------------------------------------------------------------------------


def bytes32(value: Any, *, field: str) -> str:
    """32 bytes as ``0x`` + 64 lowercase hex digits (from raw bytes or ``0x`` + 64 hex digits)."""
    if isinstance(value, bytes | bytearray):
        if len(value) != 32:
            raise bad(field, bytes(value), f"is {len(value)} bytes, not 32")
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        match = _BYTES32_RE.fullmatch(value.strip())
        if match is None:
            raise bad(field, value, "is not a 32-byte hex value (0x + 64 hex digits)")
        return "0x" + match.group(1).lower()
    raise bad(
        field, value, f"is not a 32-byte hex value (0x + 64 hex digits), it is a {_kind(value)}"
    )


def optional_bytes32(value: Any, *, field: str) -> str | None:
    """None, or the zero value, as None; anything else as :func:`bytes32`."""
    if value is None:
        return None
    text = bytes32(value, field=field)
    return None if text == ZERO_BYTES32 else text


def hex_bytes(
    value: Any, *, field: str, length: int | None = None, allow_empty: bool = True
) -> bytes:
    """Bytes from raw bytes or ``0x``-prefixed hex text; checks ``length`` when given."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        match = _HEX_RE.fullmatch(value.strip())
        if match is None:
            raise bad(field, value, "is not hex bytes (0x + an even number of hex digits)")
        raw = bytes.fromhex(match.group(1))
    else:
        raise bad(field, value, f"is not bytes or 0x-prefixed hex, it is a {_kind(value)}")
    if length is not None and len(raw) != length:
        raise bad(field, value, f"is {len(raw)} bytes, not {length}")
    if not raw and not allow_empty:
        raise bad(field, value, "is empty")
    return raw


def bytes32_or_text(value: Any, *, field: str) -> str:
    """A ``bytes32`` id: 32 bytes or ``0x`` + 64 hex digits as they are; any other text is hashed
    (keccak-256 of its UTF-8 bytes, e.g. a test specification's ``test_spec_id``). Text that looks
    like a mistyped id (``0x`` + hex of another length, or 64 hex digits without ``0x``) is refused
    rather than hashed."""
    if isinstance(value, bytes | bytearray):
        return bytes32(value, field=field)
    if not isinstance(value, str):
        raise bad(field, value, f"is not text or 32 bytes, it is a {_kind(value)}")
    text = value.strip()
    if _BYTES32_RE.fullmatch(text):
        return bytes32(text, field=field)
    if not text:
        raise bad(field, value, "is empty")
    if re.fullmatch(r"0[xX][0-9a-fA-F]*", text):
        raise bad(field, value, f"is not 32 bytes: 0x + 64 hex digits, got {len(text) - 2}")
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise bad(field, value, "looks like a 32-byte id without its 0x prefix")
    from fabtrust.evidence._hashing import keccak256

    return "0x" + keccak256(value.encode("utf-8")).hex()


# -- numbers -------------------------------------------------------------------------------------


def uint(value: Any, *, field: str, bits: int = 256) -> int:
    """A non-negative ``int`` (never a ``bool``) that fits ``uint<bits>``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(field, value, f"is not an integer, it is a {_kind(value)}")
    if value < 0:
        raise bad(field, value, "is negative")
    if value >= 2**bits:
        raise bad(field, value, f"does not fit uint{bits} (at most {2**bits - 1})")
    return int(value)


def parse_amount(text: Any, decimals: int, *, field: str = "amount") -> int:
    """A human amount in base units: ``parse_amount("1,250.50", 6) == 1_250_500_000``.

    Accepts digits with an optional fraction and optional thousands separators (``1,250`` but not
    ``1,25``); surrounding spaces are ignored. Refuses empty text, a sign, letters or exponents,
    misplaced separators, and more significant fraction digits than the token has ``decimals``.
    """
    decimals = uint(decimals, field="decimals", bits=8)
    if decimals > 77:
        raise bad("decimals", decimals, "is above 77")
    if not isinstance(text, str):
        raise bad(field, text, f"is not text such as '1,250.50', it is a {_kind(text)}")
    shown = text.strip()
    if not shown:
        raise bad(field, text, "is not an amount (it is empty)")
    if shown[0] in "+-":
        raise bad(field, text, "is not an amount (a plain positive number, without a sign)")
    match = _AMOUNT_RE.fullmatch(shown)
    if match is None or (match.group("int") is None and not match.group("frac")):
        if "," in shown and re.fullmatch(r"[\d,]*(\.\d*)?", shown):
            problem = "thousands separators must separate groups of three digits"
        elif re.search(r"\d[eE]", shown):
            problem = "exponents are not accepted"
        else:
            problem = "not a decimal number"
        raise bad(field, text, f"is not an amount ({problem})")
    whole = (match.group("int") or "0").replace(",", "")
    frac = match.group("frac") or ""
    if len(frac) > decimals:
        significant = frac.rstrip("0")
        if len(significant) > decimals:
            raise bad(
                field,
                text,
                f"is not an amount ({len(significant)} decimal places; the token has only "
                f"{decimals})",
            )
        frac = significant
    value = int(whole) * int(10**decimals) + int(frac.ljust(decimals, "0") or "0")
    if value > UINT256_MAX:
        raise bad(field, text, "is not an amount (too large for uint256)")
    return value


# -- time ----------------------------------------------------------------------------------------


def timestamp(value: Any, *, field: str) -> int:
    """Unix seconds (``uint64``) from a timezone-aware datetime (floored) or an ``int``."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise bad(
                field, value, "is a naive datetime: give a timezone-aware one (tzinfo=timezone.utc)"
            )
        seconds = math.floor(value.timestamp())
        if seconds < 0:
            raise bad(field, value, "is before 1970")
        return uint(seconds, field=field, bits=64)
    if isinstance(value, int) and not isinstance(value, bool):
        return uint(value, field=field, bits=64)
    raise bad(field, value, f"is not a datetime or unix seconds, it is a {_kind(value)}")


def duration(value: Any, *, field: str) -> int:
    """Whole seconds (``uint64``) from a ``timedelta`` or an ``int``."""
    if isinstance(value, timedelta):
        if value.microseconds:
            raise bad(field, value, "is not whole seconds")
        return uint(int(value.total_seconds()), field=field, bits=64)
    if isinstance(value, int) and not isinstance(value, bool):
        return uint(value, field=field, bits=64)
    raise bad(field, value, f"is not a timedelta or seconds, it is a {_kind(value)}")


def utc(seconds: int) -> datetime:
    """Unix seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def from_validation_error(exc: ValidationError) -> InvalidInputError:
    """The InvalidInputError behind a pydantic ValidationError (a field validator that called
    this module raised it and pydantic wrapped it), else a new one naming the first bad field
    (dotted path) with pydantic's message. Raise it ``from None``."""
    for error in exc.errors():
        original = (error.get("ctx") or {}).get("error")
        if isinstance(original, InvalidInputError):
            return original
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or None
    return InvalidInputError(f"{field}: {first.get('msg')}", field=field)
