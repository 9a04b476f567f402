"""The webhook: a receiver that is down, then up but failing, then healthy gets every event, in
chain order, none lost; repeats carry the same idempotency key; the outbox survives a restart."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from agent_helpers import WEBHOOK_SECRET, Market, WebhookReceiver, wait_until

from fabtrust.agent import AgentConfig, SettlementAgent, WebhookConfig
from fabtrust.agent.webhooks import verify
from fabtrust.escrow import OrderState


def attempts(state: Path) -> list[int]:
    with sqlite3.connect(state) as db:
        return [row[0] for row in db.execute("SELECT attempts FROM agent_outbox ORDER BY id")]


def run_in_thread(agent: SettlementAgent) -> threading.Thread:
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    return thread


def test_every_event_is_delivered_at_least_once(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    receiver = WebhookReceiver()  # not listening yet: connection refused
    config = WebhookConfig(
        url=receiver.url,
        initial_backoff=0.05,
        max_backoff=0.4,
        timeout=2,
        secret=WEBHOOK_SECRET,
    )
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"

    first = SettlementAgent(
        connect_agent(signer, state),
        config=AgentConfig(state=state, poll_interval=0.1, webhook=config),
    )
    thread = run_in_thread(first)
    try:
        order_id, _ = market.shipped_order()
        market.confirm(3, order_id)
        wait_until(lambda: market.state(order_id) == OrderState.SETTLED, what="settlement")
        wait_until(lambda: first.orders() == [], what="the settlement event")
        wait_until(lambda: first.store.outbox_counts() == (6, 0), what="the outbox to fill")
        wait_until(lambda: attempts(state)[0] >= 3, what="retries of the first delivery")
    finally:
        first.stop()
        thread.join(30)
        first.close()
    assert attempts(state)[1:] == [0] * 5  # later events wait behind the first one

    receiver.fail_next = 3  # up, but the first three answers are 500
    receiver.up()
    second = SettlementAgent(
        connect_agent(signer, state),
        config=AgentConfig(state=state, poll_interval=0.1, webhook=config),
    )
    thread = run_in_thread(second)
    try:
        wait_until(lambda: second.store.outbox_counts()[0] == 0, what="the outbox to drain")
    finally:
        second.stop()
        thread.join(30)
    events = second.store.events()
    kinds = [e.kind for e in events]
    assert kinds == [
        "certificate_issued",
        "certificate_issued",
        "order_created",
        "order_shipped",
        "delivery_confirmed",
        "order_settled",
    ]
    accepted = receiver.accepted()
    assert [d.key for d in accepted] == [e.key for e in events]  # all, once, in chain order
    assert [d.body["kind"] for d in accepted] == kinds
    failed = [d for d in receiver.deliveries if d.status != 200]
    assert len(failed) == 3 and {d.key for d in failed} == {events[0].key}  # the head, repeated
    by_key = {d.key: d.body for d in accepted}
    assert all(d.body == by_key[d.key] for d in failed)  # a repeat is the same document
    assert all(d.body["idempotency_key"] == d.key for d in receiver.deliveries)
    for d in receiver.deliveries:  # each attempt signed: body and timestamp
        assert d.signature is not None and d.signature.startswith("t=")
        verify(secret=WEBHOOK_SECRET, header=d.signature, body=d.raw)
    settled = by_key[events[-1].key]
    assert settled["order_id"] == order_id and settled["args"]["settledBy"] == signer.address
    assert second.store.outbox_counts() == (0, len(events))
    second.close()
    receiver.down()
