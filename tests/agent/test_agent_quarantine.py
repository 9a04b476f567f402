"""One bad order never starves the others: a batch whose estimate fails is bisected, every order
that settles is settled in the same poll, and an order that fails alone is quarantined (decoded
reason, one log line, a webhook event) and retried alone on its back-off schedule.

Neither Anvil test depends on how the escrow pays sellers: the issue's gas-burning order (here a
GasGuzzlerToken payment, contracts/test) poisons a batch only while the escrow forwards all gas to
the payee, so that test asserts what must hold either way (the ten honest orders settle in the
first poll); the quarantine test uses an order that needs more gas than a block holds (40
devices, Anvil's block gas limit lowered), which no escrow version can settle.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import (
    ADMIN,
    WEBHOOK_SECRET,
    Market,
    WebhookReceiver,
    dev,
)
from test_agent_crash import cli

from fabtrust.agent import AgentConfig, SettlementAgent, WebhookConfig
from fabtrust.escrow import OrderState


def eligible_order(market: Market, *, seller: int = 1, devices: int = 1, **kwargs: Any) -> int:
    """A certified, shipped, buyer-confirmed order (dev:3 buys): ready to settle now."""
    ids = market.register(seller, devices)
    market.certify(ids)
    order_id = market.create_order(buyer=3, seller=seller, device_ids=ids, **kwargs)
    market.ship(seller, order_id)
    market.confirm(3, order_id)
    return order_id


def settle_estimate(market: Market, order_ids: list[int]) -> int | None:
    """eth_estimateGas of settling ``order_ids`` (from dev:0), None when it fails."""
    escrow = market.escrow
    passes = [market.passes(o) for o in order_ids]
    terms = [market.terms(o) for o in order_ids]
    data = (
        escrow.encode_abi("settle", args=[order_ids[0], terms[0], passes[0]])
        if len(order_ids) == 1
        else escrow.encode_abi("settleMany", args=[order_ids, terms, passes])
    )
    try:
        return int(market.w3.eth.estimate_gas({"from": dev(0), "to": escrow.address, "data": data}))
    except Exception:
        return None


def test_a_gas_burning_order_does_not_starve_ten_honest_ones(
    market: Market, connect_agent: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    guzzler = market.deploy_mock("GasGuzzlerToken")
    market.do(ADMIN, "SupplyChainEscrow", "setTokenAllowed", guzzler.address, True)
    market.wait(
        [
            market.send(3, "GasGuzzlerToken", "mint", dev(3), 10**6),
            market.send(3, "GasGuzzlerToken", "approve", market.escrow.address, 2**255),
        ]
    )
    # the scenario: a 1-wei order first in the batch, its payee burning all gas
    poisoned = eligible_order(market, seller=5, amount=1, token=guzzler.address)
    market.do(0, "GasGuzzlerToken", "setGuzzle", dev(5), True)
    honest = [eligible_order(market, seller=1, devices=2) for _ in range(10)]
    everything = [poisoned, *honest]
    original_limit = market.block_gas_limit()
    market.set_block_gas_limit(30_000_000)  # as on mainnet and in the reproduction
    try:
        for order_id in honest:
            assert settle_estimate(market, [order_id]) is not None  # each settles alone
        batch_fails = settle_estimate(market, everything) is None  # today's escrow: True

        caplog.set_level(logging.INFO, logger="fabtrust.agent")
        signer = market.fund_agent()
        state = tmp_path / "agent.sqlite"
        agent = SettlementAgent(connect_agent(signer, state), config=AgentConfig(state=state))
        first = agent.poll_once()
    finally:
        market.set_block_gas_limit(original_limit)

    assert set(honest) <= set(first.settled)  # in the first poll
    assert all(market.state(o) == OrderState.SETTLED for o in honest)
    splits = [r for r in caplog.records if getattr(r, "event", None) == "batch_split"]
    if batch_fails:
        assert splits and splits[0].order_ids == everything
    else:  # an escrow that bounds the payee's gas: one batch, nothing to split
        assert not splits and market.state(poisoned) == OrderState.SETTLED
    settled_events = market.settled_events()
    assert sorted(int(e["args"]["orderId"]) for e in settled_events) == sorted(first.settled)
    second = agent.poll_once()
    assert second.actions == () and second.settled == ()
    agent.close()


def test_an_order_that_fails_alone_is_quarantined_and_retried_on_its_schedule(
    market: Market,
    connect_agent: Any,
    agent_chain: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    honest = [eligible_order(market) for _ in range(5)]
    heavy = eligible_order(market, seller=5, devices=40)
    honest += [eligible_order(market) for _ in range(5)]
    heavy_gas = settle_estimate(market, [heavy])
    batch_gas = settle_estimate(market, honest)
    assert heavy_gas is not None and batch_gas is not None and batch_gas < heavy_gas
    original_limit = market.block_gas_limit()
    receiver = WebhookReceiver()
    receiver.up()
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    agent = SettlementAgent(
        connect_agent(signer, state),
        config=AgentConfig(
            state=state,
            webhook=WebhookConfig(url=receiver.url, secret=WEBHOOK_SECRET),
            quarantine_backoff=60,
            quarantine_max_backoff=600,
        ),
    )
    caplog.set_level(logging.INFO, logger="fabtrust.agent")
    market.set_block_gas_limit((batch_gas + heavy_gas) // 2)  # the heavy order never fits
    try:
        before = time.time()
        first = agent.poll_once()
        assert sorted(first.settled) == sorted(honest)  # all ten, in the first poll
        assert first.quarantined == (heavy,)
        assert market.state(heavy) == OrderState.ACCEPTED
        item = agent.store.quarantined_order(heavy)
        assert item is not None and item.failures == 1
        assert "gas estimation" in item.reason  # (out of gas inside: no revert data)
        assert before + 60 <= item.retry_at.timestamp() <= time.time() + 60
        lines = [r for r in caplog.records if getattr(r, "event", None) == "order_quarantined"]
        assert len(lines) == 1 and lines[0].order_id == heavy and lines[0].failures == 1
        assert lines[0].levelname == "WARNING" and lines[0].reason == item.reason
        agent.deliver_webhooks()
        notices = [d for d in receiver.accepted() if d.body["kind"] == "order_quarantined"]
        assert len(notices) == 1
        assert notices[0].body["order_id"] == heavy
        assert notices[0].body["args"]["reason"] == item.reason
        assert notices[0].body["args"]["failures"] == 1
        status = agent.status()
        assert status.quarantined_total == 1 and status.quarantined[0].order_id == heavy
        shown = cli(agent_chain, market.fund_key(), "agent", "status", "--state", str(state))
        assert shown.returncode == 0, shown.stderr
        assert "quarantined: 1 order(s)" in shown.stderr
        assert any(line.strip("│┃ ").startswith(str(heavy)) for line in shown.stderr.splitlines())

        market.mine()
        second = agent.poll_once()  # not tried again in the next poll
        assert second.actions == () and second.quarantined == ()

        agent.store.reschedule_quarantine(heavy, retry_at=0)  # its time has come
        third = agent.poll_once()
        assert len(third.actions) == 1
        action = agent.store.action(third.actions[0])
        assert action is not None and action.order_ids == (heavy,)  # alone
        again = agent.store.quarantined_order(heavy)
        assert again is not None and again.failures == 2
        assert again.retry_at.timestamp() >= time.time() + 110  # 60 s doubled
        lines = [r for r in caplog.records if getattr(r, "event", None) == "order_quarantined"]
        assert len(lines) == 2 and lines[1].failures == 2
        agent.deliver_webhooks()
        assert len([d for d in receiver.accepted() if d.body["kind"] == "order_quarantined"]) == 1
    finally:
        market.set_block_gas_limit(original_limit)

    agent.store.reschedule_quarantine(heavy, retry_at=0)  # the block grew: it settles now
    fourth = agent.poll_once()
    assert fourth.settled == (heavy,) and market.state(heavy) == OrderState.SETTLED
    assert agent.store.quarantined_order(heavy) is None
    assert any(getattr(r, "event", None) == "order_released" for r in caplog.records)
    agent.close()
    receiver.down()
