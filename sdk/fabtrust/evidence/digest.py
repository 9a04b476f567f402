"""SHA-256 digests of report files, in the form certificates commit to.

A certificate stores the report's SHA-256 as a ``bytes32``; these helpers produce and normalise it
as ``"0x"`` + 64 lowercase hex digits, so it matches ``sha256sum report.pdf`` digit for digit.

Light module: standard library only.
"""

from __future__ import annotations

import hashlib
import io
import os
import re

from fabtrust.errors import InvalidInputError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "normalize_digest",
    "sha256_bytes",
    "sha256_file",
]

DEFAULT_CHUNK_SIZE = 1 << 20
"""Read size of the streaming loop: 1 MiB."""

# "<64 hex>" or "0x<64 hex>", optionally followed by sha256sum's "  <file>" (text mode) or
# " *<file>" (binary mode); a leading backslash marks a file name that sha256sum escaped.
_DIGEST_RE = re.compile(r"^\\?(?:0[xX])?([0-9a-fA-F]{64})(?: [ *].*)?$")
# BSD style, as printed by ``sha256sum --tag`` and ``shasum -a 256 --tag``.
_TAG_RE = re.compile(r"^\\?SHA256 \(.*\) = ([0-9a-fA-F]{64})$")


def sha256_file(path: str | os.PathLike[str], *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> str:
    """SHA-256 of a file's contents as ``"0x"`` + 64 lowercase hex digits.

    The file is streamed, so memory stays constant whatever its size: with the default chunk size
    the standard library's ``hashlib.file_digest`` is used where available (Python 3.11+, a fixed
    256 KiB buffer); otherwise, or with an explicit ``chunk_size``, one reusable buffer of
    ``chunk_size`` bytes is filled with ``readinto``.

    Raises:
        InvalidInputError: the path cannot be read (missing, a directory, no permission), or
            ``chunk_size`` is not positive.
    """
    if chunk_size <= 0:
        raise InvalidInputError(f"chunk_size must be positive, got {chunk_size}")
    try:
        with open(path, "rb") as file:
            if chunk_size == DEFAULT_CHUNK_SIZE and hasattr(hashlib, "file_digest"):
                digest = hashlib.file_digest(file, "sha256").digest()
            else:
                digest = _stream_digest(file, chunk_size)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInputError(f"cannot read {os.fspath(path)!s}: {reason}") from exc
    return "0x" + digest.hex()


def _stream_digest(file: io.BufferedIOBase, chunk_size: int) -> bytes:
    hasher = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    while True:
        count = file.readinto(buffer)
        if not count:
            break
        hasher.update(view[:count])
    return hasher.digest()


def sha256_bytes(data: bytes | bytearray | memoryview) -> str:
    """SHA-256 of in-memory data as ``"0x"`` + 64 lowercase hex digits."""
    return "0x" + hashlib.sha256(data).hexdigest()


def normalize_digest(value: str | bytes | bytearray) -> str:
    """A SHA-256 digest in canonical form: ``"0x"`` + 64 lowercase hex digits.

    Accepts 64 hex digits with or without ``0x`` (any case), a line of ``sha256sum`` output
    (``"<hex>  <file>"``, ``"<hex> *<file>"``, or the ``--tag`` form ``"SHA256 (<file>) = <hex>"``),
    or 32 raw bytes. Surrounding whitespace is ignored.

    Raises:
        InvalidInputError: anything else.
    """
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 32:
            raise InvalidInputError(f"a SHA-256 digest is 32 bytes, got {len(value)}")
        return "0x" + bytes(value).hex()
    if not isinstance(value, str):
        raise InvalidInputError(f"expected a digest string, got {type(value).__name__}")
    text = value.strip()
    match = _DIGEST_RE.match(text) or _TAG_RE.match(text)
    if match is None:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise InvalidInputError(
            f"not a SHA-256 digest (expected 64 hex digits, optionally 0x-prefixed): {shown!r}"
        )
    return "0x" + match.group(1).lower()
