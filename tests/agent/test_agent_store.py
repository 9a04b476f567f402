"""The agent's store without a chain: paging queries and their schedule columns, quarantine, and
a state file written before the paging columns existed (migrated on open)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fabtrust.agent import AgentStore, TrackedOrder
from fabtrust.escrow import OrderState

BUYER = "0x" + "B" * 40


def order(order_id: int, state: OrderState, **update: object) -> TrackedOrder:
    base = TrackedOrder(
        order_id=order_id,
        buyer=BUYER,
        seller="0x" + "5" * 40,
        token="0x" + "7" * 40,
        amount=10,
        device_ids=(1000 + order_id, 2000 + order_id),
        test_spec="0x" + "0" * 64,
        ship_by=500,
        inspection_period=100,
        state=state,
        shipped_at=400 if state >= OrderState.SHIPPED else None,
        accepted=state is OrderState.ACCEPTED,
        created_block=1,
        updated_block=1,
    )
    return base.model_copy(update=update)


def put(store: AgentStore, orders: list[TrackedOrder], **kwargs: object) -> None:
    store.commit_poll(
        events=[],
        orders=orders,
        cursor=(10, "0x" + "1" * 64, 1000),
        block_hashes=[],
        outbox=False,
        window=100,
        **kwargs,  # type: ignore[arg-type]
    )


def due(store: AgentStore, *, now: float = 50.0, after: int = -1, limit: int = 100) -> list[int]:
    found = store.due_orders(safe_time=1000, safe_block=10, now=now, after=after, limit=limit)
    return [o.order_id for o in found]


def test_due_orders_follow_the_schedule_columns(tmp_path: Path) -> None:
    store = AgentStore(tmp_path / "s.sqlite")
    put(
        store,
        [
            order(1, OrderState.FUNDED),
            order(2, OrderState.SHIPPED),  # inspection over at 500
            order(3, OrderState.SHIPPED, inspection_period=10_000),  # still open
            order(4, OrderState.ACCEPTED, shipped_at=990, inspection_period=10_000),
            order(5, OrderState.DISPUTED),
            order(6, OrderState.SETTLED),
            order(7, OrderState.ACCEPTED),
        ],
    )
    assert due(store) == [2, 4, 7]
    assert due(store, after=2, limit=1) == [4]  # keyset pages
    store.defer([4], until=100.0)
    assert due(store) == [2, 7] and due(store, now=100.0) == [2, 4, 7]
    put(store, [], recheck_devices=[1004])  # a certificate event for one of its devices
    assert due(store) == [2, 4, 7]
    store.defer([2, 7], until=100.0)
    put(store, [], recheck_all=True)
    assert due(store) == [2, 4, 7]
    store.hold([7], block=11)  # our transaction for it, mined above the safe block
    assert due(store) == [2, 4]
    store.quarantine(2, reason="out of gas", error="TransactionError: out of gas", retry_at=60.0)
    assert due(store) == [4]
    assert [o.order_id for o in store.quarantine_due(now=59.0, limit=10)] == []
    assert [o.order_id for o in store.quarantine_due(now=60.0, limit=10)] == [2]
    again = store.quarantine(2, reason="out of gas", error="e", retry_at=120.0)
    assert again.failures == 2 and store.quarantined_count() == 1
    put(store, [order(2, OrderState.SETTLED)])  # closed by anyone: out of quarantine
    assert store.quarantined_count() == 0
    late = store.overdue_orders(block_time=501, limit=10)
    assert [o.order_id for o in late] == [1]
    mine = store.refundable_orders(
        buyer=BUYER.lower(), safe_time=501, safe_block=10, now=50.0, after=-1, limit=10
    )
    assert [o.order_id for o in mine] == [1]
    assert store.count_open() == {"funded": 1, "shipped": 1, "accepted": 2, "disputed": 1}
    store.close()


OLD_SCHEMA = """
CREATE TABLE agent_orders (
    order_id INTEGER PRIMARY KEY,
    state    INTEGER NOT NULL,
    is_open  INTEGER NOT NULL,
    body     TEXT    NOT NULL
);
CREATE INDEX agent_orders_open ON agent_orders (is_open);
"""


def test_a_state_file_from_before_paging_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        for item in (order(1, OrderState.FUNDED), order(2, OrderState.ACCEPTED)):
            db.execute(
                "INSERT INTO agent_orders VALUES (?, ?, ?, ?)",
                (item.order_id, int(item.state), 1, item.model_dump_json()),
            )
    store = AgentStore(path)
    assert due(store) == [2]
    assert [o.order_id for o in store.overdue_orders(block_time=501, limit=10)] == [1]
    put(store, [], recheck_devices=[1002])  # the device table was filled too
    store.close()
    with sqlite3.connect(path) as db:
        devices = db.execute("SELECT count(*) FROM agent_order_devices").fetchone()[0]
        indexes = {row[1] for row in db.execute("PRAGMA index_list(agent_orders)")}
    assert devices == 4
    assert {"agent_orders_due", "agent_orders_overdue", "agent_orders_buyer"} <= indexes
    AgentStore(path).close()  # opening again changes nothing


def test_paging_queries_use_their_indexes(tmp_path: Path) -> None:
    store = AgentStore(tmp_path / "s.sqlite")
    plans: list[str] = []
    conn = store._conn

    class Explaining:
        def execute(self, sql: str, params: object = ()) -> object:
            if sql.lstrip().startswith("SELECT") and "agent_orders" in sql:
                rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
                plans.append(" | ".join(row[3] for row in rows))
            return conn.execute(sql, params)

    store._conn = Explaining()  # type: ignore[assignment]
    due(store)
    store.overdue_orders(block_time=501, limit=10)
    store.refundable_orders(buyer=BUYER, safe_time=1, safe_block=1, now=1.0, after=-1, limit=10)
    store.quarantine_due(now=1.0, limit=10)
    store._conn = conn
    store.close()
    assert len(plans) == 4
    assert "USING INDEX agent_orders_due" in plans[0]
    assert "USING INDEX agent_orders_overdue" in plans[1]
    assert "USING INDEX agent_orders_buyer" in plans[2]
    assert "agent_quarantine_retry" in plans[3] or "SCAN q" in plans[3]
    assert not any("SCAN agent_orders" in p or "SCAN o" in p for p in plans)  # no full scans


def test_the_store_keeps_the_terms_of_order_created_and_a_declined_order_closes() -> None:
    """The escrow keeps only a digest of an order's terms: the agent's record holds all of them
    (from ``OrderCreated``), and passes them back exactly, in struct order."""
    from fabtrust.agent._escrow import terms
    from fabtrust.agent._orders import agent_event, fold

    lab, arbiter = "0x" + "1" * 40, "0x" + "4" * 40
    spec = "0x" + "ab" * 32
    struct = (BUYER, "0x" + "5" * 40, "0x" + "7" * 40, 10, [11, 12], spec, 500, 100, arbiter, [lab])
    events = [
        agent_event(
            chain_id=1,
            contract="SupplyChainEscrow",
            name=name,
            args=args,
            block_number=n,
            block_hash=f"0x{n:064x}",
            tx_hash="0x" + "e" * 64,
            log_index=0,
        )
        for n, (name, args) in enumerate(
            [
                ("OrderCreated", {"orderId": 7, "buyer": BUYER, "terms": struct}),
                (
                    "OrderDeclined",
                    {"orderId": 7, "seller": struct[1], "buyer": BUYER, "amount": 10},
                ),
            ],
            start=1,
        )
    ]
    assert events[0] is not None and events[0].kind == "order_created"
    assert events[0].args["amount"] == 10 and events[0].args["labs"] == [lab]  # reported by name
    assert events[1] is not None and events[1].kind == "order_declined"
    created = fold([e for e in events[:1] if e is not None])
    assert created is not None and created.is_open
    assert (created.arbiter, created.labs, created.device_ids) == (arbiter, (lab,), (11, 12))
    assert terms(created) == (*struct[:5], bytes.fromhex("ab" * 32), *struct[6:])
    declined = fold([e for e in events if e is not None])
    assert declined is not None and declined.state is OrderState.DECLINED
    assert not declined.is_open
