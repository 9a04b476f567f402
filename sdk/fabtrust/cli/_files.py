"""Files the CLI writes so that nothing is lost: atomic replacement (temporary file in the same
folder, fsync, rename, fsync of the folder) and secret files (mode 0600, never overwritten).

Any file name works, including names that are not UTF-8 (bytes kept through ``os.fsencode``);
:func:`display_name` shows such a name to people and in JSON without failing.
Light module: the standard library only.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from fabtrust.errors import InvalidInputError

__all__ = [
    "SEED_ENV",
    "display_name",
    "read_seed",
    "write_atomic",
    "write_secret",
]

SEED_ENV = "FABTRUST_SEED"
"""Environment variable holding a lab's salt seed (0x + 64 hex), instead of --seed-file."""

_SEED_RE = re.compile(r"(0[xX])?[0-9a-fA-F]{64}")


def display_name(path: str | os.PathLike[str]) -> str:
    """The path as text for people and JSON: undecodable bytes become U+FFFD."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="replace")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> Path:
    """Replace ``path`` with ``data`` atomically: a reader sees the old or the new content, and
    after a crash (even SIGKILL) the file is whole. Returns ``path``."""
    folder = path.parent if str(path.parent) else Path(".")
    tmp = folder / (os.fsdecode(b"." + os.fsencode(path.name)) + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
    return path


def write_secret(path: Path, text: str) -> Path:
    """Create ``path`` with ``text``, readable by its owner only (0600), fsynced; an existing
    file is never overwritten (InvalidInputError)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInputError(
            f"{display_name(path)} exists already: it is not overwritten (it may hold a seed)",
            field="seed-file",
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    _fsync_dir(path.parent if str(path.parent) else Path("."))
    return path


def read_seed(path: Path | None, *, option: str = "--seed-file") -> str | None:
    """The salt seed from ``path`` (first non-empty line) or else ``$FABTRUST_SEED``, lowercase
    ``0x`` hex; None when neither is given. The seed is never echoed in errors."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidInputError(
                f"{option}: file not found: {display_name(path)}", field="seed-file"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(
                f"{option}: cannot read {display_name(path)}: {type(exc).__name__}",
                field="seed-file",
            ) from None
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        value = lines[0] if lines else ""
        where = f"{option}: {display_name(path)}"
    else:
        value = os.environ.get(SEED_ENV, "").strip()
        if not value:
            return None
        where = SEED_ENV
    if not _SEED_RE.fullmatch(value):
        raise InvalidInputError(
            f"{where} does not hold a seed (0x + 64 hex digits)", field="seed-file"
        )
    return "0x" + value.lower().removeprefix("0x")
