"""Checking and normalising escrow inputs (addresses, amounts, ids, digests, times).

Light module: standard library, :mod:`fabtrust.errors` and the lazily hashing helpers only. Every
problem is an :class:`~fabtrust.errors.InvalidInputError` whose ``field`` names the argument.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from fabtrust.deployments import checksum_address
from fabtrust.errors import InvalidInputError

__all__ = [
    "NATIVE_TOKEN",
    "UINT16_MAX",
    "UINT64_MAX",
    "UINT256_MAX",
    "address",
    "bytes32_or_text",
    "device_id_list",
    "duration_seconds",
    "parse_amount",
    "timestamp_seconds",
    "token_address",
    "uint",
    "utc",
]

NATIVE_TOKEN = "0x0000000000000000000000000000000000000000"
"""``address(0)``: how the escrow names the chain's native coin."""

UINT16_MAX = 2**16 - 1
UINT64_MAX = 2**64 - 1
UINT256_MAX = 2**256 - 1

_BYTES32_RE = re.compile(r"0[xX][0-9a-fA-F]{64}")
# 1250 | 1,250 | 1,250,000 | with an optional fraction: 1,250.50 | .5
_AMOUNT_RE = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d*))?")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def uint(value: Any, *, field: str, bits: int = 256) -> int:
    """``value`` as an unsigned integer of ``bits`` bits."""
    if not _is_int(value):
        raise InvalidInputError(
            f"{field} must be an integer, got {type(value).__name__} {value!r}", field=field
        )
    if value < 0:
        raise InvalidInputError(f"{field} must not be negative, got {value}", field=field)
    if value >= 2**bits:
        raise InvalidInputError(
            f"{field} does not fit in uint{bits} (at most {2**bits - 1}), got {value}", field=field
        )
    return int(value)


def address(value: Any, *, field: str) -> str:
    """An EIP-55 checksummed address (0x + 40 hex digits; a mixed-case one must be checksummed)."""
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{field} must be an address string, got {type(value).__name__}", field=field
        )
    try:
        return checksum_address(value.strip())
    except ValueError as exc:
        raise InvalidInputError(f"{field}: {exc}: {value!r}", field=field) from None


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
    return address(value, field=field)


def parse_amount(text: str, decimals: int) -> int:
    """A human amount in base units: ``parse_amount("1,250.50", 6) == 1_250_500_000``.

    Accepts digits with an optional fraction and optional thousands separators (``1,250`` but not
    ``1,25``); surrounding spaces are ignored. Raises InvalidInputError (``field="amount"``) for
    empty text, a sign, letters or exponents, misplaced separators, and for more fraction digits
    than the token has ``decimals`` (the amount would not be representable).
    """
    decimals = uint(decimals, field="decimals", bits=8)
    if decimals > 77:
        raise InvalidInputError(f"decimals must be at most 77, got {decimals}", field="decimals")
    if not isinstance(text, str):
        raise InvalidInputError(
            f"amount must be text such as '1,250.50', got {type(text).__name__}", field="amount"
        )
    shown = text.strip()
    if not shown:
        raise InvalidInputError("amount is empty", field="amount")
    if shown[0] in "+-":
        raise InvalidInputError(
            f"amount must be a plain positive number without a sign: {text!r}", field="amount"
        )
    match = _AMOUNT_RE.fullmatch(shown)
    if match is None or (match.group("int") is None and not match.group("frac")):
        if "," in shown and re.fullmatch(r"[\d,]*(\.\d*)?", shown):
            problem = "thousands separators must separate groups of three digits"
        elif re.search(r"\d[eE]", shown):
            problem = "exponents are not accepted"
        else:
            problem = "not a decimal number"
        raise InvalidInputError(f"amount {text!r}: {problem}", field="amount")
    whole = (match.group("int") or "0").replace(",", "")
    frac = match.group("frac") or ""
    if len(frac) > decimals:
        significant = frac.rstrip("0")
        if len(significant) > decimals:
            raise InvalidInputError(
                f"amount {text!r} has {len(significant)} decimal places; the token has only "
                f"{decimals}",
                field="amount",
            )
        frac = significant
    value = int(whole) * int(10**decimals) + int(frac.ljust(decimals, "0") or "0")
    if value > UINT256_MAX:
        raise InvalidInputError(f"amount {text!r} is too large for uint256", field="amount")
    return value


def device_id_list(values: Any, *, field: str = "device_ids") -> list[int]:
    """uint256 device ids, in order (duplicates and an empty list are the contract's call)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidInputError(f"{field} must be a list of integer device ids", field=field)
    return [uint(v, field=field) for v in values]


def bytes32_or_text(value: Any, *, field: str) -> str:
    """A bytes32 as ``0x`` hex: 32 bytes or ``0x`` + 64 hex digits as is; other text is hashed with
    keccak-256 over its UTF-8 bytes (so ``"ISO 4409:2019"`` is its ``test_spec_id``)."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 32:
            raise InvalidInputError(
                f"{field}: bytes must be exactly 32 long, got {len(value)}", field=field
            )
        return "0x" + bytes(value).hex()
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{field} must be text or 32 bytes, got {type(value).__name__}", field=field
        )
    if _BYTES32_RE.fullmatch(value.strip()):
        return "0x" + value.strip()[2:].lower()
    if not value.strip():
        raise InvalidInputError(f"{field} must not be empty", field=field)
    if value.strip().lower().startswith("0x") and re.fullmatch(r"0[xX][0-9a-fA-F]*", value.strip()):
        # Looks like a digest with the wrong length: hashing it silently would hide the typo.
        digits = len(value.strip()) - 2
        raise InvalidInputError(
            f"{field}: a 0x digest needs 64 hex digits, got {digits}: {value!r}", field=field
        )
    from eth_hash.auto import keccak  # lazy: ~40 ms

    return "0x" + keccak(value.encode("utf-8")).hex()


def timestamp_seconds(value: Any, *, field: str) -> int:
    """Unix seconds from a timezone-aware datetime (floored) or a non-negative int (uint64)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise InvalidInputError(
                f"{field} must be a timezone-aware datetime (e.g. tzinfo=timezone.utc)",
                field=field,
            )
        # Floor to the whole second (``datetime.now(tz) + timedelta(days=7)`` has microseconds).
        return uint(math.floor(value.timestamp()), field=field, bits=64)
    if _is_int(value):
        return uint(value, field=field, bits=64)
    raise InvalidInputError(
        f"{field} must be a datetime or unix seconds, got {type(value).__name__}", field=field
    )


def duration_seconds(value: Any, *, field: str) -> int:
    """Whole seconds from a timedelta or an int (uint64, not negative)."""
    if isinstance(value, timedelta):
        if value.microseconds:
            raise InvalidInputError(f"{field} must be whole seconds, got {value}", field=field)
        return uint(int(value.total_seconds()), field=field, bits=64)
    if _is_int(value):
        return uint(value, field=field, bits=64)
    raise InvalidInputError(
        f"{field} must be a timedelta or seconds, got {type(value).__name__}", field=field
    )


def utc(seconds: int) -> datetime:
    """Unix seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
