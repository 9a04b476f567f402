"""Private: checking and normalising the inputs of the certificates API.

Every helper raises :class:`~fabtrust.errors.InvalidInputError` naming the field. Only the *form*
of a value is checked here (hex, sizes, types); what the contract decides (an expiry in the past,
a zero report digest, an unknown device) is left to the contract, so that its custom errors reach
the caller unchanged.

Light module: standard library, pydantic-free, no web3.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fabtrust.deployments import checksum_address
from fabtrust.errors import InvalidInputError
from fabtrust.evidence.digest import normalize_digest, sha256_file
from fabtrust.evidence.typed_data import ZERO_BYTES32, test_spec_id

__all__ = [
    "ZERO_BYTES32",
    "as_address",
    "as_bytes32",
    "as_digest",
    "as_optional_bytes32",
    "as_result",
    "as_signature",
    "as_test_spec",
    "as_timestamp",
    "as_uint",
    "from_timestamp",
    "report_digest",
    "report_source",
]

_BYTES32_RE = re.compile(r"^(?:0[xX])?([0-9a-fA-F]{64})$")
_HEX_RE = re.compile(r"^(?:0[xX])?((?:[0-9a-fA-F]{2})*)$")
_UINT64_MAX = 2**64 - 1

ReportLike = str | bytes | os.PathLike[str]


def as_uint(value: Any, *, field: str, bits: int = 256) -> int:
    """A non-negative integer that fits ``uint<bits>``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            f"{field} must be an integer, got {type(value).__name__}", field=field
        )
    if value < 0:
        raise InvalidInputError(f"{field} must not be negative, got {value}", field=field)
    if value >= 2**bits:
        raise InvalidInputError(f"{field} {value} does not fit uint{bits}", field=field)
    return int(value)


def as_bytes32(value: Any, *, field: str) -> str:
    """32 bytes (``0x`` hex, bare hex, or raw bytes) as ``0x`` + 64 lowercase hex digits."""
    if isinstance(value, bytes | bytearray):
        if len(value) != 32:
            raise InvalidInputError(f"{field} must be 32 bytes, got {len(value)}", field=field)
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        match = _BYTES32_RE.match(value.strip())
        if match is None:
            raise InvalidInputError(
                f"{field} must be 32 bytes as 0x + 64 hex digits, got {value!r}", field=field
            )
        return "0x" + match.group(1).lower()
    raise InvalidInputError(f"{field} must be 32 bytes (hex or bytes)", field=field)


def as_optional_bytes32(value: Any, *, field: str) -> str | None:
    """None (or the zero value) → None; otherwise :func:`as_bytes32`."""
    if value is None:
        return None
    text = as_bytes32(value, field=field)
    return None if text == ZERO_BYTES32 else text


def as_digest(value: Any, *, field: str) -> str:
    """A SHA-256 digest in any form :func:`~fabtrust.evidence.normalize_digest` accepts."""
    if not isinstance(value, str | bytes | bytearray):
        raise InvalidInputError(f"{field} must be a SHA-256 digest", field=field)
    try:
        return normalize_digest(value)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{field}: {exc}", field=field) from None


def report_digest(report: Any, *, field: str = "report") -> str:
    """The SHA-256 of a report given as a file path or as its digest (see :func:`report_source`)."""
    return report_source(report, field=field)[0]


def report_source(report: Any, *, field: str = "report") -> tuple[str, str | None]:
    """The SHA-256 of a report and its file name (None when the digest was given).

    A :class:`os.PathLike` is always a file; 32 raw bytes are a digest; text that reads as a
    digest (64 hex digits, optionally ``0x``, or a ``sha256sum`` line) is a digest, any other text
    is a file path.
    """
    if isinstance(report, os.PathLike):
        path = Path(report)
        return _file_digest(path, field), path.name
    if isinstance(report, bytes | bytearray):
        return as_digest(report, field=field), None
    if isinstance(report, str):
        if not report.strip():
            raise InvalidInputError(f"{field} is empty: give a file path or a digest", field=field)
        try:
            return normalize_digest(report), None
        except InvalidInputError:
            path = Path(report)
            return _file_digest(path, field), path.name
    raise InvalidInputError(
        f"{field} must be a file path or a SHA-256 digest, got {type(report).__name__}",
        field=field,
    )


def _file_digest(path: Path, field: str) -> str:
    if not path.is_file():
        raise InvalidInputError(
            f"{field}: {path} is not a file (and not a SHA-256 digest)", field=field
        )
    try:
        return sha256_file(path)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{field}: {exc}", field=field) from None


def as_test_spec(value: Any, *, field: str = "test_spec") -> str:
    """A test specification: a ``bytes32`` id (hex or bytes) as is, any other text hashed with
    :func:`~fabtrust.evidence.test_spec_id`."""
    if isinstance(value, bytes | bytearray):
        return as_bytes32(value, field=field)
    if isinstance(value, str):
        if _BYTES32_RE.match(value.strip()):
            return as_bytes32(value, field=field)
        if not value.strip():
            raise InvalidInputError(f"{field} must not be empty", field=field)
        return test_spec_id(value)
    raise InvalidInputError(
        f"{field} must be the specification's text or its bytes32 id", field=field
    )


def as_timestamp(value: Any, *, field: str) -> int:
    """Unix seconds from an aware datetime or a non-negative int (fits ``uint64``)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInputError(
                f"{field} must be a timezone-aware datetime (e.g. tzinfo=timezone.utc)",
                field=field,
            )
        seconds = value.timestamp()
        if seconds < 0:
            raise InvalidInputError(f"{field} is before 1970", field=field)
        return as_uint(int(seconds), field=field, bits=64)
    return as_uint(value, field=field, bits=64)


def from_timestamp(seconds: int) -> datetime:
    """An aware UTC datetime from unix seconds."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def as_result(passed: Any) -> int:
    """``passed`` (a bool) as the contract's result code: 1 = Pass, 2 = Fail."""
    if not isinstance(passed, bool):
        raise InvalidInputError(
            f"passed must be True or False, got {type(passed).__name__}", field="passed"
        )
    return 1 if passed else 2


def as_address(value: Any, *, field: str) -> str:
    """An EIP-55 checksummed address (the zero address is accepted: the contract decides)."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{field} must be an address (0x + 40 hex digits)", field=field)
    try:
        return checksum_address(value.strip())
    except ValueError as exc:
        raise InvalidInputError(f"{field}: {exc}: {value!r}", field=field) from None


def as_signature(value: Any, *, field: str) -> bytes:
    """Signature bytes from raw bytes or hex text (may not be empty)."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        match = _HEX_RE.match(value.strip())
        if match is None:
            raise InvalidInputError(f"{field} is not hex: {value!r}", field=field)
        raw = bytes.fromhex(match.group(1))
    else:
        raise InvalidInputError(f"{field} must be bytes or hex text", field=field)
    if not raw:
        raise InvalidInputError(f"{field} is empty", field=field)
    return raw
