"""Private: the certificates API's own inputs (report files and digests, the pass/fail result).

Addresses, bytes32 values, integers and times are checked by :mod:`fabtrust._validate`. Every
helper raises :class:`~fabtrust.errors.InvalidInputError` naming the field. Only the *form*
of a value is checked here (hex, sizes, types); what the contract decides (an expiry in the past,
a zero report digest, an unknown device) is left to the contract, so that its custom errors reach
the caller unchanged.

Light module: standard library, pydantic-free, no web3.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fabtrust.errors import InvalidInputError
from fabtrust.evidence.digest import normalize_digest, sha256_file

__all__ = [
    "as_digest",
    "as_result",
    "report_digest",
    "report_source",
]

ReportLike = str | bytes | os.PathLike[str]


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


def as_result(passed: Any) -> int:
    """``passed`` (a bool) as the contract's result code: 1 = Pass, 2 = Fail."""
    if not isinstance(passed, bool):
        raise InvalidInputError(
            f"passed must be True or False, got {type(passed).__name__}", field="passed"
        )
    return 1 if passed else 2
