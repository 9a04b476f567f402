"""A durable record of transactions in flight, so a restarted process neither repeats nor loses one.

The sender writes an entry (sender, nonce, signed raw transaction, its hash) *before* broadcasting
it, adds every fee-bumped replacement as another attempt before broadcasting that, and marks the
entry when the outcome is known. After a crash, :meth:`TransactionSender.resume
<fabtrust.chain.TransactionSender.resume>` settles every ``pending`` entry against the chain.

Storage: one SQLite file (stdlib ``sqlite3``), WAL mode, one connection guarded by a lock (safe for
any number of threads; several processes may share the file). Raw transactions are stored as
signed: they become public when broadcast and contain no key material.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from fabtrust._sqlite import open_sqlite
from fabtrust.errors import FabtrustError, InvalidInputError

__all__ = ["Journal", "JournalAttempt", "JournalEntry", "JournalStatus"]

JournalStatus = Literal["pending", "mined", "reverted", "dropped", "failed"]
"""pending: signed, maybe broadcast, outcome unknown · mined: succeeded · reverted: mined with
status 0 · dropped: its nonce was used by another transaction · failed: never accepted by the
node."""

_STATUSES = ("pending", "mined", "reverted", "dropped", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_id     INTEGER NOT NULL,
    sender       TEXT    NOT NULL,
    nonce        INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'mined', 'reverted', 'dropped', 'failed')),
    mined_hash   TEXT,
    block_number INTEGER,
    label        TEXT,
    error        TEXT,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_pending ON transactions (status, chain_id, sender);
CREATE TABLE IF NOT EXISTS attempts (
    tx_hash        TEXT    PRIMARY KEY,
    transaction_id INTEGER NOT NULL REFERENCES transactions (id),
    raw_tx         BLOB    NOT NULL,
    tx_json        TEXT    NOT NULL,
    fee_ceiling    INTEGER NOT NULL,
    created_at     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_tx ON attempts (transaction_id);
"""


class JournalAttempt(BaseModel):
    """One signed version of a journalled transaction (the first send or a fee bump)."""

    model_config = ConfigDict(frozen=True)

    tx_hash: str
    raw_tx: bytes
    tx: dict[str, Any]
    fee_ceiling: int
    created_at: datetime


class JournalEntry(BaseModel):
    """A transaction the sender took responsibility for; ``attempts`` oldest first."""

    model_config = ConfigDict(frozen=True)

    id: int
    chain_id: int
    sender: str
    nonce: int
    status: JournalStatus
    mined_hash: str | None
    block_number: int | None
    label: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    attempts: tuple[JournalAttempt, ...]

    @property
    def tx_hashes(self) -> tuple[str, ...]:
        """Hashes of every attempt, oldest first."""
        return tuple(a.tx_hash for a in self.attempts)

    @property
    def latest(self) -> JournalAttempt:
        """The most recent attempt (highest fee): the one to rebroadcast."""
        return self.attempts[-1]


def _dump(tx: dict[str, Any]) -> str:
    def default(value: object) -> str:
        if isinstance(value, bytes | bytearray):
            return "0x" + bytes(value).hex()
        raise TypeError(f"cannot store {type(value).__name__} in the journal")

    return json.dumps(tx, sort_keys=True, default=default)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class Journal:
    """SQLite journal of in-flight transactions. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._conn = open_sqlite(
            self.path,
            schema=_SCHEMA,
            timeout=timeout,
            what="transaction journal",
            field="journal",
            foreign_keys=True,
        )
        self._lock = threading.Lock()

    # -- writing -------------------------------------------------------------------------------

    def record(
        self,
        *,
        chain_id: int,
        sender: str,
        nonce: int,
        tx_hash: str,
        raw_tx: bytes,
        tx: dict[str, Any],
        fee_ceiling: int,
        label: str | None = None,
    ) -> int:
        """Add a pending entry with its first attempt (call before broadcasting); returns its id."""
        now = _now()
        with self._lock, self._errors(), self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO transactions (chain_id, sender, nonce, label, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (chain_id, sender, nonce, label, now, now),
            )
            entry_id = int(cursor.lastrowid or 0)
            conn.execute(
                "INSERT INTO attempts"
                " (tx_hash, transaction_id, raw_tx, tx_json, fee_ceiling, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (tx_hash.lower(), entry_id, raw_tx, _dump(tx), fee_ceiling, now),
            )
        return entry_id

    def add_attempt(
        self,
        entry_id: int,
        *,
        tx_hash: str,
        raw_tx: bytes,
        tx: dict[str, Any],
        fee_ceiling: int,
    ) -> None:
        """Record a replacement (same nonce, higher fees) before broadcasting it."""
        now = _now()
        with self._lock, self._errors(), self._transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO attempts"
                " (tx_hash, transaction_id, raw_tx, tx_json, fee_ceiling, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (tx_hash.lower(), entry_id, raw_tx, _dump(tx), fee_ceiling, now),
            )
            conn.execute("UPDATE transactions SET updated_at = ? WHERE id = ?", (now, entry_id))

    def mark(
        self,
        entry_id: int,
        status: JournalStatus,
        *,
        mined_hash: str | None = None,
        block_number: int | None = None,
        error: str | None = None,
    ) -> None:
        """Set the outcome of an entry."""
        if status not in _STATUSES:
            raise InvalidInputError(f"unknown journal status {status!r}", field="status")
        with self._lock, self._errors(), self._transaction() as conn:
            conn.execute(
                "UPDATE transactions SET status = ?, mined_hash = ?, block_number = ?, error = ?,"
                " updated_at = ? WHERE id = ?",
                (
                    status,
                    mined_hash.lower() if mined_hash else None,
                    block_number,
                    error,
                    _now(),
                    entry_id,
                ),
            )

    # -- reading -------------------------------------------------------------------------------

    def get(self, entry_id: int) -> JournalEntry | None:
        """One entry by id."""
        entries = self._select("WHERE id = ?", (entry_id,))
        return entries[0] if entries else None

    def pending(
        self, *, chain_id: int | None = None, sender: str | None = None
    ) -> list[JournalEntry]:
        """Entries whose outcome is unknown, oldest first (optionally for one chain / sender)."""
        where = "WHERE status = 'pending'"
        params: list[object] = []
        if chain_id is not None:
            where += " AND chain_id = ?"
            params.append(chain_id)
        if sender is not None:
            where += " AND lower(sender) = ?"
            params.append(sender.lower())
        return self._select(where, tuple(params))

    def entries(self, *, limit: int = 100) -> list[JournalEntry]:
        """The most recent entries, newest first."""
        return self._select("ORDER BY id DESC LIMIT ?", (limit,), order=False)

    def find_by_hash(self, tx_hash: str) -> JournalEntry | None:
        """The entry one of whose attempts has this hash."""
        with self._lock, self._errors():
            row = self._conn.execute(
                "SELECT transaction_id FROM attempts WHERE tx_hash = ?", (tx_hash.lower(),)
            ).fetchone()
        return self.get(int(row[0])) if row else None

    def _select(
        self, clause: str, params: tuple[object, ...], *, order: bool = True
    ) -> list[JournalEntry]:
        sql = (
            "SELECT id, chain_id, sender, nonce, status, mined_hash, block_number, label, error,"
            f" created_at, updated_at FROM transactions {clause}"
        )
        if order:
            sql += " ORDER BY id"
        with self._lock, self._errors():
            rows = self._conn.execute(sql, params).fetchall()
            attempts: dict[int, list[JournalAttempt]] = {}
            if rows:
                ids = [row[0] for row in rows]
                marks = ",".join("?" * len(ids))
                for tx_id, tx_hash, raw, tx_json, ceiling, created in self._conn.execute(
                    "SELECT transaction_id, tx_hash, raw_tx, tx_json, fee_ceiling, created_at"
                    f" FROM attempts WHERE transaction_id IN ({marks}) ORDER BY rowid",
                    ids,
                ):
                    attempts.setdefault(tx_id, []).append(
                        JournalAttempt(
                            tx_hash=tx_hash,
                            raw_tx=bytes(raw),
                            tx=json.loads(tx_json),
                            fee_ceiling=ceiling,
                            created_at=datetime.fromisoformat(created),
                        )
                    )
        return [
            JournalEntry(
                id=row[0],
                chain_id=row[1],
                sender=row[2],
                nonce=row[3],
                status=row[4],
                mined_hash=row[5],
                block_number=row[6],
                label=row[7],
                error=row[8],
                created_at=datetime.fromisoformat(row[9]),
                updated_at=datetime.fromisoformat(row[10]),
                attempts=tuple(attempts.get(row[0], ())),
            )
            for row in rows
        ]

    # -- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise FabtrustError(f"transaction journal {self.path}: {exc}") from exc

    def _transaction(self) -> _Tx:
        return _Tx(self._conn)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock, self._errors():
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")
