"""The gateway's local store (SQLite): every reading lands here first, in arrival order.

- ``readings``: arrival index (0-based, the reading's index in the salted readings tree), channel,
  source time (ms), leaf timestamp (whole seconds), canonical value, unit, salt, the leaf hash
  committed at ingest, a ``late`` flag. ``UNIQUE(channel, source_ms)`` is the idempotency key: a
  value delivered twice (an MQTT QoS 1 redelivery, an OPC UA republish after a reconnect, a
  gateway restarted after SIGKILL that re-reads) is stored once.
- ``rejected``: values that did not become readings, with the raw value and the reason.
- ``checkpoints``: sequence, reading count, root, source time; tx hash and block once anchored.
- ``meta``: the session id, the device id and the secret salt seed.

A batch is one SQLite transaction (WAL, synchronous=FULL): after :meth:`BenchStore.ingest`
returns, its readings survive a SIGKILL or a power cut. Single writer (the gateway); readers (the
feed, the witness, the CLI) open their own connections.
"""

from __future__ import annotations

import math
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fabtrust._sqlite import open_sqlite
from fabtrust.bench._leaves import salt_and_leaf
from fabtrust.bench.chunks import GENESIS_ROOT, chain_root, chunk_root
from fabtrust.bench.models import (
    Checkpoint,
    FeedReading,
    IngestResult,
    RejectedReading,
    Sample,
)
from fabtrust.errors import InvalidInputError
from fabtrust.evidence.merkle import tree_of_leaf_hashes
from fabtrust.evidence.readings import Reading, canonical_decimal

__all__ = ["BenchStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readings (
    idx INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    source_ms INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    salt BLOB NOT NULL,
    leaf BLOB NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel, source_ms)
);
CREATE TABLE IF NOT EXISTS rejected (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    source_ms INTEGER,
    raw TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
    sequence INTEGER PRIMARY KEY,
    reading_count INTEGER NOT NULL,
    root TEXT NOT NULL,
    chunk_root TEXT NOT NULL,
    source_ms INTEGER NOT NULL,
    tx_hash TEXT,
    block_number INTEGER,
    gas_used INTEGER
);
"""

_MAX_RAW = 200


class BenchStore:
    """The store of one bench session (see the module notes).

    ``units`` maps each configured channel to its unit: a sample for another channel, or stating
    another unit, is rejected. ``device_id`` is recorded on creation and must match on reopening.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        device_id: int,
        units: dict[str, str],
        max_clock_skew_ms: int = 5_000,
    ) -> None:
        self.path = Path(path)
        self._db = open_sqlite(
            self.path, schema=_SCHEMA, timeout=30.0, what="bench store", field="store"
        )
        self._lock = threading.RLock()  # the feed server reads from its own thread
        self._units = dict(units)
        self._skew_ms = max_clock_skew_ms
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not meta:
            meta = {
                "device_id": str(device_id),
                "session_id": "0x" + secrets.token_hex(32),
                "seed": secrets.token_hex(32),
                "finished": "",
            }
            with self._tx():
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        elif int(meta["device_id"]) != device_id:
            raise InvalidInputError(
                f"the bench store {self.path} belongs to device {meta['device_id']}, "
                f"not {device_id}: use another store file for another device",
                field="store",
            )
        self.device_id = device_id
        self.session_id: str = meta["session_id"]
        self._key = bytes.fromhex(meta["seed"])
        self._count = int(self._db.execute("SELECT COUNT(*) FROM readings").fetchone()[0])
        self._leaves: list[bytes] = [
            bytes(row[0]) for row in self._db.execute("SELECT leaf FROM readings ORDER BY idx")
        ]
        latest = self.latest_checkpoint()
        self._covered_ms = latest.source_ms if latest else -1
        row = self._db.execute("SELECT MIN(source_ms), MAX(source_ms) FROM readings").fetchone()
        self._first_ms = -1 if row[0] is None else int(row[0])
        self._last_ms = -1 if row[1] is None else int(row[1])

    # ---- meta ------------------------------------------------------------------------------------

    @property
    def seed(self) -> str:
        """The secret salt seed (hex): with the readings it rebuilds every root. Keep it private."""
        return self._key.hex()

    def __len__(self) -> int:
        return self._count

    def meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self._tx():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ---- ingest ----------------------------------------------------------------------------------

    def ingest(self, samples: Iterable[Sample], *, now_ms: int) -> IngestResult:
        """Check and store ``samples`` in one transaction, in the order given.

        Rejected (recorded, never raised): an unknown channel, a unit other than the configured
        one, a value that is not a finite decimal number (text, NaN, inf), no or a negative source
        time, a source time more than the clock skew ahead of ``now_ms``. A sample whose
        ``(channel, source_ms)`` is stored already is a duplicate (skipped, counted). A sample
        older than the latest checkpoint's source time is *late*: stored (it goes into the next
        checkpoint, with its own timestamp) and flagged.

        The common case (no value stored before) is one ``executemany``; a batch that meets a
        stored value is stored again row by row (``INSERT OR IGNORE``) in the same way.
        """
        samples = list(samples)
        with self._lock:
            try:
                with self._tx():
                    staged = self._stage(samples, now_ms, fast=True)
            except sqlite3.IntegrityError:  # a value stored before: row by row (rolled back)
                with self._tx():
                    staged = self._stage(samples, now_ms, fast=False)
            leaves, first_ms, last_ms, result = staged
            if leaves:
                if self._first_ms < 0:
                    self._first_ms = first_ms
                self._count += len(leaves)
                self._leaves.extend(leaves)
                self._last_ms = max(self._last_ms, last_ms)
        return result

    def _stage(
        self, samples: list[Sample], now_ms: int, *, fast: bool
    ) -> tuple[list[bytes], int, int, IngestResult]:
        """Insert ``samples`` inside the caller's transaction; the in-memory state is updated by
        the caller once the transaction committed."""
        rows: list[tuple[Any, ...]] = []
        leaves: list[bytes] = []
        rejected: list[RejectedReading] = []
        keys: set[tuple[str, int]] = set()
        duplicates = late = 0
        first_ms = last_ms = -1
        index = self._count
        key, covered, cursor = self._key, self._covered_ms, self._db.cursor()
        for sample in samples:
            checked = self._check(sample, now_ms)
            if isinstance(checked, RejectedReading):
                rejected.append(checked)
                continue
            source_ms, value, unit = checked
            channel = sample.channel
            if (channel, source_ms) in keys:
                duplicates += 1
                continue
            keys.add((channel, source_ms))
            timestamp = source_ms // 1000
            salt, leaf = salt_and_leaf(key, index, timestamp, channel, value, unit)
            is_late = source_ms < covered
            row = (index, channel, source_ms, timestamp, value, unit, salt, leaf, int(is_late))
            if not fast:
                cursor.execute("INSERT OR IGNORE INTO readings VALUES (?,?,?,?,?,?,?,?,?)", row)
                if cursor.rowcount != 1:
                    duplicates += 1
                    continue
            rows.append(row)
            leaves.append(leaf)
            if first_ms < 0:
                first_ms = source_ms
            last_ms = max(last_ms, source_ms)
            late += is_late
            index += 1
        if fast and rows:
            cursor.executemany("INSERT INTO readings VALUES (?,?,?,?,?,?,?,?,?)", rows)
        if rejected:
            cursor.executemany(
                "INSERT INTO rejected (channel, source_ms, raw, reason) VALUES (?,?,?,?)",
                [(r.channel, r.source_ms, r.raw, r.reason) for r in rejected],
            )
        result = IngestResult(
            stored=len(rows), duplicates=duplicates, late=late, rejected=tuple(rejected)
        )
        return leaves, first_ms, last_ms, result

    def _check(self, sample: Sample, now_ms: int) -> tuple[int, str, str] | RejectedReading:
        def reject(reason: str) -> RejectedReading:
            raw = repr(sample.value)
            return RejectedReading(
                channel=str(sample.channel)[:_MAX_RAW],
                source_ms=sample.source_ms,
                raw=raw if len(raw) <= _MAX_RAW else raw[: _MAX_RAW - 1] + "…",
                reason=reason,
            )

        unit = self._units.get(sample.channel)
        if unit is None:
            return reject(f"unknown channel {sample.channel!r} (not in the bench configuration)")
        if sample.unit is not None and sample.unit != unit:
            return reject(f"unit {sample.unit!r} is not the configured {unit!r}")
        if sample.source_ms is None or sample.source_ms < 0:
            return reject("no source timestamp")
        if sample.source_ms > now_ms + self._skew_ms:
            ahead = (sample.source_ms - now_ms) / 1000
            return reject(f"timestamp from the future ({ahead:.1f} s ahead of the gateway clock)")
        value = _decimal_text(sample.value)
        if value is None:
            return reject("not a finite number")
        return sample.source_ms, value, unit

    # ---- checkpoints -----------------------------------------------------------------------------

    def root_of(self, count: int) -> str:
        """The root of the first ``count`` readings (the readings tree of that prefix; the
        certificate's data root when ``count`` is every reading). O(count log count): checkpoints
        use :meth:`add_checkpoint`'s chunk roots instead."""
        if not 1 <= count <= self._count:
            raise InvalidInputError(f"no prefix of {count} readings (store has {self._count})")
        return "0x" + tree_of_leaf_hashes(self._leaves[:count])[0].hex()

    def add_checkpoint(self) -> Checkpoint | None:
        """Record the next checkpoint over the readings stored since the last one (None when no
        reading came since): its chunk root, chained to the previous checkpoint's root
        (:mod:`fabtrust.bench.chunks`). Anchoring it is the gateway's job
        (:meth:`mark_anchored`)."""
        with self._lock:
            latest = self.latest_checkpoint()
            count = self._count
            start = latest.reading_count if latest else 0
            if count == 0 or count <= start:
                return None
            chunk = chunk_root(self._leaves[start:count])
            checkpoint = Checkpoint(
                sequence=(latest.sequence + 1) if latest else 1,
                reading_count=count,
                root=chain_root(latest.root if latest else GENESIS_ROOT, chunk, start, count),
                chunk_root=chunk,
                source_ms=max(self._last_ms, self._covered_ms),
            )
            with self._tx():
                self._db.execute(
                    "INSERT INTO checkpoints "
                    "(sequence, reading_count, root, chunk_root, source_ms) VALUES (?,?,?,?,?)",
                    (checkpoint.sequence, checkpoint.reading_count, checkpoint.root,
                     checkpoint.chunk_root, checkpoint.source_ms),
                )  # fmt: skip
            self._covered_ms = checkpoint.source_ms
            return checkpoint

    def mark_anchored(
        self, *, sequence: int, tx_hash: str, block_number: int, gas_used: int | None
    ) -> None:
        with self._lock, self._tx():
            self._db.execute(
                "UPDATE checkpoints SET tx_hash = ?, block_number = ?, gas_used = ? "
                "WHERE sequence = ?",
                (tx_hash, block_number, gas_used, sequence),
            )

    def checkpoints(self) -> list[Checkpoint]:
        with self._lock:
            rows = self._db.execute(_CHECKPOINTS + " ORDER BY sequence").fetchall()
        return [_checkpoint(row) for row in rows]

    def pending_checkpoints(self) -> list[Checkpoint]:
        """Checkpoints not anchored yet, in sequence order (they are sent in this order)."""
        with self._lock:
            rows = self._db.execute(
                _CHECKPOINTS + " WHERE tx_hash IS NULL ORDER BY sequence"
            ).fetchall()
        return [_checkpoint(row) for row in rows]

    def latest_checkpoint(self) -> Checkpoint | None:
        with self._lock:
            row = self._db.execute(_CHECKPOINTS + " ORDER BY sequence DESC LIMIT 1").fetchone()
        return None if row is None else _checkpoint(row)

    @property
    def last_source_ms(self) -> int:
        """The newest source time stored (-1 when empty)."""
        return self._last_ms

    def last_source_ms_by_channel(self) -> dict[str, int]:
        """The newest source time stored per channel (where a restarted source resumes)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT channel, MAX(source_ms) FROM readings GROUP BY channel"
            ).fetchall()
        return {str(channel): int(ms) for channel, ms in rows}

    @property
    def first_source_ms(self) -> int:
        """The oldest source time stored (-1 when empty)."""
        return self._first_ms

    # ---- reading back ----------------------------------------------------------------------------

    def feed(self, *, after: int = -1, limit: int = 5_000) -> list[FeedReading]:
        """Stored readings with index > ``after``, in arrival order, as the feed serves them."""
        with self._lock:
            rows = self._db.execute(
                "SELECT idx, channel, source_ms, timestamp, value, unit, salt, leaf, late "
                "FROM readings WHERE idx > ? ORDER BY idx LIMIT ?",
                (after, limit),
            ).fetchall()
        return [_feed_reading(row) for row in rows]

    def readings(self) -> list[Reading]:
        """Every stored reading in arrival order (the readings file of the certificate)."""
        return [r.reading for r in self.feed(limit=2**62)]

    def rejected(self) -> list[RejectedReading]:
        rows = self._db.execute(
            "SELECT channel, source_ms, raw, reason FROM rejected ORDER BY id"
        ).fetchall()
        return [
            RejectedReading(channel=c, source_ms=s, raw=raw, reason=reason)
            for c, s, raw, reason in rows
        ]

    def close(self) -> None:
        self._db.close()

    # ---- internals -------------------------------------------------------------------------------

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


_CHECKPOINTS = (
    "SELECT sequence, reading_count, root, chunk_root, source_ms, tx_hash, block_number, gas_used "
    "FROM checkpoints"
)


def _checkpoint(row: Sequence[Any]) -> Checkpoint:
    return Checkpoint(
        sequence=row[0], reading_count=row[1], root=row[2], chunk_root=row[3], source_ms=row[4],
        tx_hash=row[5], block_number=row[6], gas_used=row[7],
    )  # fmt: skip


def _feed_reading(row: Sequence[Any]) -> FeedReading:
    idx, channel, source_ms, timestamp, value, unit, salt, leaf, late = row
    return FeedReading(
        index=idx,
        reading=Reading.model_construct(
            timestamp=timestamp, channel=channel, value=value, unit=unit
        ),
        salt="0x" + bytes(salt).hex(),
        leaf="0x" + bytes(leaf).hex(),
        source_ms=source_ms,
        late=bool(late),
    )


_CANONICAL_RE = re.compile(r"-?(?:0|[1-9][0-9]{0,40})(?:\.[0-9]{0,38}[1-9])?")


def _decimal_text(value: Any) -> str | None:
    """Canonical decimal text of a finite number (int, float, Decimal, numeric text), else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, float):
            if not math.isfinite(value):
                return None
            text = repr(value)
            if _CANONICAL_RE.fullmatch(text) and text != "-0":
                return text  # already canonical (the common case): no Decimal round trip
            return canonical_decimal(Decimal(text))
        if isinstance(value, str) and _CANONICAL_RE.fullmatch(value) and value != "-0":
            return value
        if isinstance(value, (int, Decimal, str)):
            return canonical_decimal(value)
    except (InvalidInputError, InvalidOperation, ValueError):
        return None
    return None


class _Transaction:
    """``with`` = BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an exception)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
