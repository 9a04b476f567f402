"""Opening the SDK's SQLite files (transaction journal, agent state): standard library only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fabtrust.errors import InvalidInputError

__all__ = ["open_sqlite"]


def open_sqlite(
    path: Path, *, schema: str, timeout: float, what: str, field: str, foreign_keys: bool = False
) -> sqlite3.Connection:
    """A connection to ``path`` (its folder created) in autocommit mode, shareable across
    threads (callers serialise with their own lock), WAL journal, synchronous=FULL (a commit is
    on disk when it returns), ``schema`` applied. A file or folder that cannot be opened →
    InvalidInputError ``"cannot open <what> <path>: ..."`` naming ``field``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=timeout, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        if foreign_keys:
            conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(schema)
    except (sqlite3.Error, OSError) as exc:
        raise InvalidInputError(f"cannot open {what} {path}: {exc}", field=field) from None
    return conn
