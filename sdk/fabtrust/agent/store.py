"""The settlement agent's state in one SQLite file: cursor, orders, events, actions, outbox.

Light module (standard library and pydantic). Tables are prefixed ``agent_`` so the file can also
hold the SDK's transaction :class:`~fabtrust.chain.Journal` (the CLI uses one file for both).
Every write is one ``BEGIN IMMEDIATE`` transaction with ``synchronous=FULL``: an action is on disk
before its transaction is broadcast, and a poll's events, order states, outbox entries and cursor
are stored together or not at all. One connection guarded by a lock serves every thread of the
process (the agent's loop and its webhook sender); ``fabtrust agent status`` may read the file
from another process at any time (WAL mode).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from fabtrust._sqlite import open_sqlite
from fabtrust.agent.models import (
    ActionKind,
    ActionStatus,
    AgentAction,
    AgentEvent,
    AgentStatus,
    Cursor,
    QuarantinedOrder,
    TrackedOrder,
)
from fabtrust.errors import FabtrustError, InvalidInputError
from fabtrust.escrow.models import OrderState

__all__ = ["UNRESOLVED", "AgentStore", "OutboxItem"]

UNRESOLVED: tuple[ActionStatus, ...] = ("pending", "sent")
"""Action statuses whose outcome is not known yet."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agent_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agent_cursor (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    block_number INTEGER NOT NULL,
    block_hash   TEXT    NOT NULL,
    block_time   INTEGER NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS agent_blocks (
    number INTEGER PRIMARY KEY,
    hash   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agent_events (
    key          TEXT PRIMARY KEY,
    block_number INTEGER NOT NULL,
    block_hash   TEXT    NOT NULL,
    log_index    INTEGER,
    kind         TEXT    NOT NULL,
    order_id     INTEGER,
    device_id    TEXT,
    body         TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS agent_events_block ON agent_events (block_number);
CREATE INDEX IF NOT EXISTS agent_events_order ON agent_events (order_id);
CREATE TABLE IF NOT EXISTS agent_orders (
    order_id INTEGER PRIMARY KEY,
    state    INTEGER NOT NULL,
    is_open  INTEGER NOT NULL,
    body     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS agent_orders_open ON agent_orders (is_open);
CREATE TABLE IF NOT EXISTS agent_order_devices (
    device_id TEXT    NOT NULL,
    order_id  INTEGER NOT NULL,
    PRIMARY KEY (device_id, order_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agent_quarantine (
    order_id        INTEGER PRIMARY KEY,
    reason          TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    failures        INTEGER NOT NULL,
    quarantined_at  TEXT    NOT NULL,
    last_failure_at TEXT    NOT NULL,
    retry_at        REAL    NOT NULL
);
CREATE INDEX IF NOT EXISTS agent_quarantine_retry ON agent_quarantine (retry_at);
CREATE TABLE IF NOT EXISTS agent_actions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT    NOT NULL,
    order_ids      TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    tx_hashes      TEXT    NOT NULL DEFAULT '[]',
    tx_hash        TEXT,
    block_number   INTEGER,
    gas_used       INTEGER,
    done_order_ids TEXT    NOT NULL DEFAULT '[]',
    error          TEXT,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS agent_actions_status ON agent_actions (status);
CREATE TABLE IF NOT EXISTS agent_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT    NOT NULL UNIQUE,
    event_key       TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL    NOT NULL DEFAULT 0,
    delivered_at    TEXT,
    last_error      TEXT
);
CREATE INDEX IF NOT EXISTS agent_outbox_due ON agent_outbox (delivered_at, id);
"""

# Columns of agent_orders added for paging (state files written before them are migrated on open):
# settleable 1 when Shipped or Accepted; ready_at the time from which the order may settle (0 once
# the buyer confirmed, the inspection end when shipped, NULL otherwise); buyer in lower case;
# next_check_at (unix time) before which the order is not asked canSettle again; hold_until_block:
# our settlement transaction for it was mined in that block (wait until the safe block passes it).
_ORDER_COLUMNS = (
    ("settleable", "INTEGER NOT NULL DEFAULT 0"),
    ("ready_at", "INTEGER"),
    ("ship_by", "INTEGER NOT NULL DEFAULT 0"),
    ("buyer", "TEXT NOT NULL DEFAULT ''"),
    ("overdue_reported", "INTEGER NOT NULL DEFAULT 0"),
    ("next_check_at", "REAL NOT NULL DEFAULT 0"),
    ("hold_until_block", "INTEGER NOT NULL DEFAULT -1"),
)
_ORDER_INDEXES = """
CREATE INDEX IF NOT EXISTS agent_orders_due ON agent_orders (settleable, order_id);
CREATE INDEX IF NOT EXISTS agent_orders_overdue ON agent_orders (state, overdue_reported, ship_by);
CREATE INDEX IF NOT EXISTS agent_orders_buyer ON agent_orders (buyer, state, ship_by);
"""
_MIGRATE_PAGE = 1_000


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class OutboxItem:
    """One webhook delivery waiting in the outbox (internal to the agent's webhook sender)."""

    __slots__ = ("attempts", "body", "id", "key")

    def __init__(self, id: int, key: str, body: str, attempts: int) -> None:
        self.id = id
        self.key = key
        self.body = body
        self.attempts = attempts


class AgentStore:
    """SQLite state of a settlement agent (see the module docstring). Close it when done."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._conn = open_sqlite(
            self.path, schema=_SCHEMA, timeout=timeout, what="the agent state", field="state"
        )
        self._lock = threading.RLock()
        self.orders_loaded = 0
        """How many order rows were read into memory so far (paging is bounded: a test aid)."""
        self._migrate()

    def _migrate(self) -> None:
        """Add the paging columns and indexes to a state file written before them."""
        with self._write() as conn:
            have = {row[1] for row in conn.execute("PRAGMA table_info(agent_orders)")}
            missing = [(n, t) for n, t in _ORDER_COLUMNS if n not in have]
            for name, sql_type in missing:
                conn.execute(f"ALTER TABLE agent_orders ADD COLUMN {name} {sql_type}")
            if missing:  # one pass over the old rows, a page at a time
                after = -1
                while True:
                    rows = conn.execute(
                        "SELECT order_id, body FROM agent_orders WHERE order_id > ?"
                        " ORDER BY order_id LIMIT ?",
                        (after, _MIGRATE_PAGE),
                    ).fetchall()
                    if not rows:
                        break
                    for _, body in rows:
                        self._put_order(conn, TrackedOrder.model_validate_json(body))
                    after = rows[-1][0]
            for statement in _ORDER_INDEXES.strip().splitlines():
                conn.execute(statement)

    # -- plumbing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise FabtrustError(f"agent state {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise FabtrustError(f"agent state {self.path}: {exc}") from exc
            try:
                yield self._conn
            except BaseException as exc:
                self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise FabtrustError(f"agent state {self.path}: {exc}") from exc
                raise
            else:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> AgentStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AgentStore({str(self.path)!r})"

    # -- identity of the chain --------------------------------------------------------------------

    def bind(self, *, chain_id: int, genesis_hash: str, escrow: str) -> None:
        """Tie the state to one chain and escrow; InvalidInputError if it belongs to another."""
        wanted = {"chain_id": str(chain_id), "genesis_hash": genesis_hash.lower(), "escrow": escrow}
        with self._write() as conn:
            have = dict(conn.execute("SELECT key, value FROM agent_meta").fetchall())
            for key, value in wanted.items():
                if key in have and have[key].lower() != value.lower():
                    raise InvalidInputError(
                        f"the agent state {self.path} belongs to another chain or escrow "
                        f"({key} {have[key]}, not {value}); use another --state file",
                        field="state",
                    )
            conn.executemany(
                "INSERT OR IGNORE INTO agent_meta (key, value) VALUES (?, ?)", wanted.items()
            )

    def meta(self) -> dict[str, str]:
        """What the state was bound to (chain_id, genesis_hash, escrow)."""
        with self._read() as conn:
            return dict(conn.execute("SELECT key, value FROM agent_meta").fetchall())

    # -- cursor and blocks ------------------------------------------------------------------------

    def cursor(self) -> Cursor | None:
        """The last applied block, or None before the first poll."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT block_number, block_hash, block_time, updated_at FROM agent_cursor"
            ).fetchone()
        if row is None:
            return None
        return Cursor(
            block_number=row[0],
            block_hash=row[1],
            block_time=row[2],
            updated_at=datetime.fromisoformat(row[3]),
        )

    def block_hashes(self) -> list[tuple[int, str]]:
        """Remembered (block number, hash) pairs, newest first."""
        with self._read() as conn:
            return [
                (int(n), str(h))
                for n, h in conn.execute(
                    "SELECT number, hash FROM agent_blocks ORDER BY number DESC"
                )
            ]

    # -- events and orders ------------------------------------------------------------------------

    def known_event_keys(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` already stored."""
        wanted = list(keys)
        found: set[str] = set()
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                found.update(
                    row[0]
                    for row in conn.execute(
                        f"SELECT key FROM agent_events WHERE key IN ({marks})", part
                    )
                )
        return found

    def events(
        self, *, order_id: int | None = None, after_block: int | None = None
    ) -> list[AgentEvent]:
        """Stored events (of one order, or after a block), in chain order."""
        sql = "SELECT body FROM agent_events"
        clauses: list[str] = []
        params: list[object] = []
        if order_id is not None:
            clauses.append("order_id = ?")
            params.append(order_id)
        if after_block is not None:
            clauses.append("block_number > ?")
            params.append(after_block)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY block_number, log_index"
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [AgentEvent.model_validate_json(row[0]) for row in rows]

    def orders(self, *, open_only: bool = True) -> list[TrackedOrder]:
        """Tracked orders by id (only the open ones by default). All of them: the agent itself
        reads orders a page at a time (:meth:`due_orders` and friends)."""
        sql = "SELECT body FROM agent_orders"
        if open_only:
            sql += " WHERE is_open = 1"
        return self._load(sql + " ORDER BY order_id", ())

    def order(self, order_id: int) -> TrackedOrder | None:
        """One tracked order."""
        found = self._load("SELECT body FROM agent_orders WHERE order_id = ?", (order_id,))
        return found[0] if found else None

    def orders_by_id(self, order_ids: Iterable[int]) -> dict[int, TrackedOrder]:
        """The tracked orders among ``order_ids``."""
        wanted = sorted(set(order_ids))
        found: dict[int, TrackedOrder] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            for order in self._load(
                f"SELECT body FROM agent_orders WHERE order_id IN ({marks})", part
            ):
                found[order.order_id] = order
        return found

    def due_orders(
        self, *, safe_time: int, safe_block: int, now: float, after: int, limit: int
    ) -> list[TrackedOrder]:
        """A page (ids above ``after``, ascending) of the open orders that may settle by
        ``safe_time``: Shipped with the inspection over, or Accepted; not deferred past ``now``,
        not held by one of our transactions mined above ``safe_block``, not quarantined."""
        return self._load(
            "SELECT o.body FROM agent_orders o WHERE o.settleable = 1 AND o.order_id > ?"
            " AND o.ready_at <= ? AND o.next_check_at <= ? AND o.hold_until_block <= ?"
            " AND NOT EXISTS (SELECT 1 FROM agent_quarantine q WHERE q.order_id = o.order_id)"
            " ORDER BY o.order_id LIMIT ?",
            (after, safe_time, now, safe_block, limit),
        )

    def overdue_orders(self, *, block_time: int, limit: int) -> list[TrackedOrder]:
        """Up to ``limit`` Funded orders whose ``ship_by`` is before ``block_time`` and that were
        not reported overdue yet (oldest ship-by first)."""
        return self._load(
            "SELECT body FROM agent_orders WHERE state = ? AND overdue_reported = 0"
            " AND ship_by < ? ORDER BY ship_by, order_id LIMIT ?",
            (int(OrderState.FUNDED), block_time, limit),
        )

    def refundable_orders(
        self, *, buyer: str, safe_time: int, safe_block: int, now: float, after: int, limit: int
    ) -> list[TrackedOrder]:
        """A page (ids above ``after``) of Funded orders of ``buyer`` past ``ship_by`` at
        ``safe_time``, neither deferred past ``now`` nor held by our transaction mined above
        ``safe_block``."""
        return self._load(
            "SELECT body FROM agent_orders WHERE buyer = ? AND state = ? AND ship_by < ?"
            " AND order_id > ? AND next_check_at <= ? AND hold_until_block <= ?"
            " ORDER BY order_id LIMIT ?",
            (buyer.lower(), int(OrderState.FUNDED), safe_time, after, now, safe_block, limit),
        )

    def _load(self, sql: str, params: Sequence[object]) -> list[TrackedOrder]:
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        self.orders_loaded += len(rows)
        return [TrackedOrder.model_validate_json(row[0]) for row in rows]

    def count_open(self) -> dict[str, int]:
        """Open orders per state name."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT state, count(*) FROM agent_orders WHERE is_open = 1 GROUP BY state"
            ).fetchall()
        return {OrderState(int(state)).name.lower(): int(n) for state, n in rows}

    # -- scheduling -------------------------------------------------------------------------------

    def defer(self, order_ids: Iterable[int], *, until: float) -> None:
        """Do not ask ``canSettle`` of these orders again before ``until`` (unix time) - unless a
        certificate event for one of their devices comes first."""
        with self._write() as conn:
            conn.executemany(
                "UPDATE agent_orders SET next_check_at = ? WHERE order_id = ?",
                [(until, o) for o in order_ids],
            )

    def hold(self, order_ids: Iterable[int], *, block: int) -> None:
        """Our transaction for these orders was mined in ``block``: leave them alone until the
        safe block reaches it (their events are read by then)."""
        with self._write() as conn:
            conn.executemany(
                "UPDATE agent_orders SET hold_until_block = ? WHERE order_id = ?",
                [(block, o) for o in order_ids],
            )

    # -- quarantine -------------------------------------------------------------------------------

    def quarantine(
        self,
        order_id: int,
        *,
        reason: str,
        error: str,
        retry_at: float,
        event: AgentEvent | None = None,
    ) -> QuarantinedOrder:
        """Put an order whose settlement fails on its own in quarantine (or count one more
        failure of a quarantined order) until ``retry_at``; ``event`` (the ``order_quarantined``
        notice) is queued for the webhook in the same transaction."""
        now = _now()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO agent_quarantine (order_id, reason, error, failures, quarantined_at,"
                " last_failure_at, retry_at) VALUES (?, ?, ?, 1, ?, ?, ?)"
                " ON CONFLICT (order_id) DO UPDATE SET reason = excluded.reason,"
                " error = excluded.error, failures = failures + 1,"
                " last_failure_at = excluded.last_failure_at, retry_at = excluded.retry_at",
                (order_id, reason, error[:2000], now, now, retry_at),
            )
            if event is not None:
                self._enqueue(conn, event, now)
        found = self.quarantined_order(order_id)
        assert found is not None
        return found

    def reschedule_quarantine(self, order_id: int, *, retry_at: float) -> None:
        """Move a quarantined order's next retry (no failure counted)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE agent_quarantine SET retry_at = ? WHERE order_id = ?", (retry_at, order_id)
            )

    def release(self, order_id: int) -> bool:
        """Take an order out of quarantine; whether it was in."""
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM agent_quarantine WHERE order_id = ?", (order_id,))
            return cursor.rowcount > 0

    def quarantined_order(self, order_id: int) -> QuarantinedOrder | None:
        """One quarantined order."""
        found = self._select_quarantine("WHERE order_id = ?", [order_id])
        return found[0] if found else None

    def quarantined(self, *, limit: int = 100) -> list[QuarantinedOrder]:
        """Quarantined orders, next retry first."""
        return self._select_quarantine("ORDER BY retry_at, order_id LIMIT ?", [limit])

    def quarantined_count(self) -> int:
        """How many orders are in quarantine."""
        with self._read() as conn:
            return int(conn.execute("SELECT count(*) FROM agent_quarantine").fetchone()[0])

    def quarantine_due(self, *, now: float, limit: int) -> list[TrackedOrder]:
        """Up to ``limit`` open quarantined orders whose retry time has come (earliest first)."""
        return self._load(
            # (CROSS JOIN: SQLite walks the small quarantine by retry_at, never all open orders)
            "SELECT o.body FROM agent_quarantine q CROSS JOIN agent_orders o"
            " ON o.order_id = q.order_id WHERE q.retry_at <= ? AND o.is_open = 1"
            " ORDER BY q.retry_at, q.order_id LIMIT ?",
            (now, limit),
        )

    def _select_quarantine(self, clause: str, params: list[object]) -> list[QuarantinedOrder]:
        sql = (
            "SELECT order_id, reason, error, failures, quarantined_at, last_failure_at, retry_at"
            f" FROM agent_quarantine {clause}"
        )
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [
            QuarantinedOrder(
                order_id=row[0],
                reason=row[1],
                error=row[2],
                failures=row[3],
                quarantined_at=datetime.fromisoformat(row[4]),
                last_failure_at=datetime.fromisoformat(row[5]),
                retry_at=datetime.fromtimestamp(row[6], timezone.utc),
            )
            for row in rows
        ]

    def commit_poll(
        self,
        *,
        events: Sequence[AgentEvent],
        orders: Iterable[TrackedOrder],
        cursor: tuple[int, str, int],
        block_hashes: Iterable[tuple[int, str]],
        outbox: bool,
        window: int,
        recheck_devices: Iterable[int] = (),
        recheck_all: bool = False,
    ) -> None:
        """Store one poll at once: its events, the orders they changed, their webhook deliveries
        (``outbox``), the remembered block hashes and the new cursor (number, hash, time).
        Orders holding a device of ``recheck_devices`` (a certificate event named it), or every
        order with ``recheck_all``, are no longer deferred."""
        number, block_hash, block_time = cursor
        now = _now()
        with self._write() as conn:
            for event in events:
                conn.execute(
                    "INSERT OR IGNORE INTO agent_events (key, block_number, block_hash, log_index,"
                    " kind, order_id, device_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.key,
                        event.block_number,
                        event.block_hash,
                        event.log_index,
                        event.kind,
                        event.order_id,
                        None if event.device_id is None else str(event.device_id),
                        event.model_dump_json(),
                    ),
                )
                if outbox:
                    self._enqueue(conn, event, now)
            for order in orders:
                self._put_order(conn, order)
            conn.executemany(
                "INSERT OR REPLACE INTO agent_blocks (number, hash) VALUES (?, ?)",
                [*block_hashes, (number, block_hash)],
            )
            conn.execute("DELETE FROM agent_blocks WHERE number < ?", (number - window,))
            if recheck_all:
                conn.execute("UPDATE agent_orders SET next_check_at = 0 WHERE next_check_at > 0")
            else:
                conn.executemany(
                    "UPDATE agent_orders SET next_check_at = 0 WHERE next_check_at > 0 AND"
                    " order_id IN (SELECT order_id FROM agent_order_devices WHERE device_id = ?)",
                    [(str(d),) for d in set(recheck_devices)],
                )
            conn.execute(
                "INSERT OR REPLACE INTO agent_cursor (id, block_number, block_hash, block_time,"
                " updated_at) VALUES (1, ?, ?, ?, ?)",
                (number, block_hash, block_time, now),
            )

    def rewind(
        self,
        *,
        to: tuple[int, str, int] | None,
        orphaned: Sequence[AgentEvent],
        orders: Iterable[TrackedOrder],
        dropped_orders: Iterable[int],
        outbox: bool,
    ) -> list[AgentEvent]:
        """Undo a re-org: delete the ``orphaned`` events, store the rebuilt ``orders`` (and delete
        ``dropped_orders``, whose creation was orphaned), forget block hashes above the fork and
        move the cursor back to ``to`` (None: before the first block). With ``outbox``, an
        orphaned event not yet delivered is withdrawn from the outbox and one already delivered
        gets a ``removed`` notice. Returns the removal notices queued."""
        from fabtrust.agent._orders import removed_copy

        notices: list[AgentEvent] = []
        now = _now()
        with self._write() as conn:
            for event in orphaned:
                conn.execute("DELETE FROM agent_events WHERE key = ?", (event.key,))
                if not outbox:
                    continue
                row = conn.execute(
                    "SELECT delivered_at FROM agent_outbox WHERE key = ?", (event.key,)
                ).fetchone()
                if row is None:
                    continue
                if row[0] is None:
                    conn.execute("DELETE FROM agent_outbox WHERE key = ?", (event.key,))
                else:
                    notice = removed_copy(event)
                    self._enqueue(conn, notice, now, event_key=event.key)
                    notices.append(notice)
            for order in orders:
                self._put_order(conn, order)
            for order_id in dropped_orders:
                self._delete_order(conn, order_id)
            # what was deferred or held for a block that may be gone is looked at again
            conn.execute(
                "UPDATE agent_orders SET next_check_at = 0, hold_until_block = -1"
                " WHERE next_check_at > 0 OR hold_until_block >= 0"
            )
            if to is None:
                conn.execute("DELETE FROM agent_blocks")
                conn.execute("DELETE FROM agent_cursor")
            else:
                number, block_hash, block_time = to
                conn.execute("DELETE FROM agent_blocks WHERE number > ?", (number,))
                conn.execute(
                    "INSERT OR REPLACE INTO agent_cursor (id, block_number, block_hash,"
                    " block_time, updated_at) VALUES (1, ?, ?, ?, ?)",
                    (number, block_hash, block_time, now),
                )
        return notices

    @staticmethod
    def _put_order(conn: sqlite3.Connection, order: TrackedOrder) -> None:
        """Insert or update an order's facts (its scheduling columns stay as they are)."""
        settleable = order.state in (OrderState.SHIPPED, OrderState.ACCEPTED)
        ready_at = (0 if order.accepted else order.inspection_ends_at) if settleable else None
        conn.execute(
            "INSERT INTO agent_orders (order_id, state, is_open, body, settleable, ready_at,"
            " ship_by, buyer, overdue_reported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (order_id) DO UPDATE SET state = excluded.state,"
            " is_open = excluded.is_open, body = excluded.body, settleable = excluded.settleable,"
            " ready_at = excluded.ready_at, ship_by = excluded.ship_by, buyer = excluded.buyer,"
            " overdue_reported = excluded.overdue_reported",
            (
                order.order_id,
                int(order.state),
                int(order.is_open),
                order.model_dump_json(),
                int(settleable),
                ready_at,
                order.ship_by,
                order.buyer.lower(),
                int(order.overdue_reported),
            ),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO agent_order_devices (device_id, order_id) VALUES (?, ?)",
            [(str(d), order.order_id) for d in order.device_ids],
        )
        if not order.is_open:
            conn.execute("DELETE FROM agent_quarantine WHERE order_id = ?", (order.order_id,))

    @staticmethod
    def _delete_order(conn: sqlite3.Connection, order_id: int) -> None:
        conn.execute("DELETE FROM agent_orders WHERE order_id = ?", (order_id,))
        conn.execute("DELETE FROM agent_order_devices WHERE order_id = ?", (order_id,))
        conn.execute("DELETE FROM agent_quarantine WHERE order_id = ?", (order_id,))

    @staticmethod
    def _enqueue(
        conn: sqlite3.Connection, event: AgentEvent, now: str, *, event_key: str | None = None
    ) -> None:
        body = json.dumps(event.payload(), sort_keys=True, separators=(",", ":"))
        conn.execute(
            "INSERT OR IGNORE INTO agent_outbox (key, event_key, body, created_at)"
            " VALUES (?, ?, ?, ?)",
            (event.key, event_key or event.key, body, now),
        )

    # -- actions ----------------------------------------------------------------------------------

    def begin_action(self, *, kind: ActionKind, order_ids: Sequence[int]) -> int:
        """Write an action (status ``pending``) before anything is sent; returns its id."""
        now = _now()
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO agent_actions (kind, order_ids, status, created_at, updated_at)"
                " VALUES (?, ?, 'pending', ?, ?)",
                (kind, json.dumps(list(order_ids)), now, now),
            )
            return int(cursor.lastrowid or 0)

    def record_broadcast(self, action_id: int, tx_hash: str) -> None:
        """Add ``tx_hash`` to the action (status ``sent``) - called before the bytes go out."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT tx_hashes, status FROM agent_actions WHERE id = ?", (action_id,)
            ).fetchone()
            if row is None:
                return
            hashes: list[str] = json.loads(row[0])
            if tx_hash.lower() not in hashes:
                hashes.append(tx_hash.lower())
            status = "sent" if row[1] in UNRESOLVED else row[1]
            conn.execute(
                "UPDATE agent_actions SET tx_hashes = ?, status = ?, updated_at = ? WHERE id = ?",
                (json.dumps(hashes), status, _now(), action_id),
            )

    def finish_action(
        self,
        action_id: int,
        *,
        status: ActionStatus,
        tx_hash: str | None = None,
        block_number: int | None = None,
        gas_used: int | None = None,
        done_order_ids: Sequence[int] = (),
        error: str | None = None,
    ) -> None:
        """Record the outcome of an action (after its receipt, or when it is known lost)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE agent_actions SET status = ?, tx_hash = ?, block_number = ?, gas_used = ?,"
                " done_order_ids = ?, error = ?, updated_at = ? WHERE id = ?",
                (
                    status,
                    tx_hash.lower() if tx_hash else None,
                    block_number,
                    gas_used,
                    json.dumps(list(done_order_ids)),
                    error,
                    _now(),
                    action_id,
                ),
            )

    def actions(
        self, *, limit: int = 20, statuses: Sequence[ActionStatus] | None = None
    ) -> list[AgentAction]:
        """The most recent actions, newest first (optionally only some statuses)."""
        where = ""
        params: list[object] = []
        if statuses is not None:
            where = f"WHERE status IN ({','.join('?' * len(statuses))})"
            params.extend(statuses)
        return self._select_actions(where + " ORDER BY id DESC LIMIT ?", [*params, limit])

    def action(self, action_id: int) -> AgentAction | None:
        """One action by id."""
        found = self._select_actions("WHERE id = ?", [action_id])
        return found[0] if found else None

    def _select_actions(self, clause: str, params: list[object]) -> list[AgentAction]:
        sql = (
            "SELECT id, kind, order_ids, status, tx_hashes, tx_hash, block_number, gas_used,"
            f" done_order_ids, error, created_at, updated_at FROM agent_actions {clause}"
        )
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [
            AgentAction(
                id=row[0],
                kind=row[1],
                order_ids=tuple(json.loads(row[2])),
                status=row[3],
                tx_hashes=tuple(json.loads(row[4])),
                tx_hash=row[5],
                block_number=row[6],
                gas_used=row[7],
                done_order_ids=tuple(json.loads(row[8])),
                error=row[9],
                created_at=datetime.fromisoformat(row[10]),
                updated_at=datetime.fromisoformat(row[11]),
            )
            for row in rows
        ]

    def unresolved_actions(self) -> list[AgentAction]:
        """Actions whose outcome is unknown (``pending`` / ``sent``), oldest first."""
        marks = ",".join("?" * len(UNRESOLVED))
        return self._select_actions(f"WHERE status IN ({marks}) ORDER BY id", [*UNRESOLVED])

    # -- outbox -----------------------------------------------------------------------------------

    def outbox_due(self, *, now: float | None = None, limit: int = 50) -> list[OutboxItem]:
        """Undelivered webhook deliveries in order, up to the first one not due yet."""
        moment = time.time() if now is None else now
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, key, body, attempts, next_attempt_at FROM agent_outbox"
                " WHERE delivered_at IS NULL ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        items: list[OutboxItem] = []
        for row in rows:
            if row[4] > moment:
                break
            items.append(OutboxItem(row[0], row[1], row[2], row[3]))
        return items

    def outbox_next_attempt(self) -> float | None:
        """When the first undelivered item is due (unix time), None when all were delivered."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT next_attempt_at FROM agent_outbox WHERE delivered_at IS NULL"
                " ORDER BY id LIMIT 1"
            ).fetchone()
        return None if row is None else float(row[0])

    def outbox_delivered(self, item_id: int) -> None:
        """Mark a delivery done."""
        with self._write() as conn:
            conn.execute(
                "UPDATE agent_outbox SET delivered_at = ?, attempts = attempts + 1,"
                " last_error = NULL WHERE id = ?",
                (_now(), item_id),
            )

    def outbox_failed(self, item_id: int, *, error: str, retry_at: float) -> None:
        """Count a failed delivery and when to try again."""
        with self._write() as conn:
            conn.execute(
                "UPDATE agent_outbox SET attempts = attempts + 1, last_error = ?,"
                " next_attempt_at = ? WHERE id = ?",
                (error[:500], retry_at, item_id),
            )

    def outbox_counts(self) -> tuple[int, int]:
        """(undelivered, delivered) webhook deliveries."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT sum(delivered_at IS NULL), sum(delivered_at IS NOT NULL) FROM agent_outbox"
            ).fetchone()
        return int(row[0] or 0), int(row[1] or 0)

    # -- status -----------------------------------------------------------------------------------

    def status(
        self, *, head: int | None = None, last_actions: int = 10, open_limit: int = 1_000
    ) -> AgentStatus:
        """Cursor, lag behind ``head`` (when given), open orders (the first ``open_limit`` by id,
        and counts of all), quarantined orders, last actions and outbox."""
        meta = self.meta()
        cursor = self.cursor()
        open_orders = tuple(
            self._load(
                "SELECT body FROM agent_orders WHERE is_open = 1 ORDER BY order_id LIMIT ?",
                (open_limit,),
            )
        )
        by_state = self.count_open()
        pending, delivered = self.outbox_counts()
        lag = None
        if head is not None:
            lag = max(0, head - cursor.block_number) if cursor is not None else None
        return AgentStatus(
            chain_id=int(meta["chain_id"]) if "chain_id" in meta else None,
            escrow=meta.get("escrow"),
            cursor=cursor,
            head=head,
            lag=lag,
            open_orders=open_orders,
            open_total=sum(by_state.values()),
            open_by_state=by_state,
            quarantined=tuple(self.quarantined(limit=open_limit)),
            quarantined_total=self.quarantined_count(),
            last_actions=tuple(self.actions(limit=last_actions)),
            unresolved_actions=len(self.unresolved_actions()),
            outbox_pending=pending,
            outbox_delivered=delivered,
        )
