"""Bounded memory: 100,000 never-shipped orders (half of them overdue) in the agent's store cost a
restart and a poll at most one page of rows and a few MB, not one object per order."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent_helpers import Market, dev

from fabtrust.agent import AgentConfig, AgentStore, SettlementAgent, TrackedOrder
from fabtrust.escrow import OrderState

SPAM = 100_000
PAGE = 200


def spam_orders(market: Market, first_id: int) -> Iterator[TrackedOrder]:
    now = market.now()
    for i in range(SPAM):
        yield TrackedOrder(
            order_id=first_id + i,
            buyer=dev(7),
            seller=dev(1),
            token=market.token.address,
            amount=1,
            device_ids=(10**30 + i,),
            test_spec="0x" + "11" * 32,
            ship_by=now - 10 if i % 2 else now + 30 * 86400,  # every other one is overdue
            inspection_period=86400,
            state=OrderState.FUNDED,
            created_block=1,
            updated_block=1,
        )


def test_spam_orders_cost_one_page_per_poll(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    with SettlementAgent(connect_agent(signer, state), config=AgentConfig(state=state)) as agent:
        agent.poll_once()  # cursor at the head
        cursor = agent.store.cursor()
        assert cursor is not None
        agent.store.commit_poll(  # straight into the store, as if read from the chain
            events=[],
            orders=spam_orders(market, first_id=1_000_000),
            cursor=(cursor.block_number, cursor.block_hash, cursor.block_time),
            block_hashes=[],
            outbox=False,
            window=1024,
        )
    assert AgentStore(state).count_open() == {"funded": SPAM}

    # one real order among them, ready to settle: the agent still does its job
    devices = market.register(1, 1)
    market.certify(devices)
    order_id = market.create_order(buyer=3, seller=1, device_ids=devices)
    market.ship(1, order_id)
    market.confirm(3, order_id)

    tracemalloc.start()
    try:
        agent = SettlementAgent(
            connect_agent(signer, state),
            config=AgentConfig(state=state, page_size=PAGE, refund_overdue=True),
        )
        assert agent.store.orders_loaded == 0  # a restart reads no orders
        tracemalloc.reset_peak()
        result = agent.poll_once()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.settled == (order_id,)
    # at most a page of overdue spam reported, the new order's rows, nothing else
    assert agent.store.orders_loaded <= PAGE + 10
    assert len([e for e in agent.store.events() if e.kind == "order_overdue"]) == PAGE
    assert peak < 8 * 2**20, f"a poll allocated {peak / 2**20:.1f} MB"
    # (loading the 100,000 orders as objects, as the agent used to, allocates about 200 MB)

    market.mine()
    loaded = agent.store.orders_loaded
    agent.poll_once()  # the next page of overdue spam, no more
    assert agent.store.orders_loaded - loaded <= PAGE + 10
    assert len([e for e in agent.store.events() if e.kind == "order_overdue"]) == 2 * PAGE
    agent.close()
