"""The agent settles an order once it may settle - by the buyer's confirmation or by the end of
the inspection period - exactly once, and never an order that may not settle."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import FAIL, USDC, Market, dev

from fabtrust.agent import AgentConfig, AgentEvent, JsonLogFormatter, SettlementAgent
from fabtrust.errors import InvalidInputError
from fabtrust.escrow import OrderState, SettleStatus


@pytest.fixture
def agent_for(market: Market, connect_agent: Any, tmp_path: Path) -> Any:
    made: list[SettlementAgent] = []

    def make(**options: Any) -> SettlementAgent:
        signer = options.pop("signer", None) or market.fund_agent()
        state = options.pop("state", tmp_path / "agent.sqlite")
        client = connect_agent(signer, state)
        hooks = options.pop("hooks", None)
        agent = SettlementAgent(client, config=AgentConfig(state=state, **options), hooks=hooks)
        made.append(agent)
        return agent

    yield make
    for agent in made:
        agent.close()


def settled_by(market: Market, order_id: int) -> list[str]:
    return [
        e["args"]["settledBy"]
        for e in market.settled_events()
        if int(e["args"]["orderId"]) == order_id
    ]


def test_settles_on_delivery_confirmation_exactly_once(market: Market, agent_for: Any) -> None:
    agent = agent_for()
    order_id, devices = market.shipped_order(buyer=3, seller=1, amount=1_250 * USDC)
    seller_before = int(market.call("TestStablecoin", "balanceOf", dev(1)))

    first = agent.poll_once()
    assert first.events >= 2  # created + shipped (and the certificates)
    assert first.settled == () and first.actions == ()
    assert agent.orders()[0].state is OrderState.SHIPPED
    assert market.nonce(agent.account) == 0  # inspection still open: nothing sent

    market.confirm(3, order_id)
    second = agent.poll_once()
    assert second.settled == (order_id,)
    assert settled_by(market, order_id) == [agent.account]
    assert market.state(order_id) == OrderState.SETTLED
    assert int(market.call("TestStablecoin", "balanceOf", dev(1))) == seller_before + 1_250 * USDC
    assert all(market.call("DeviceRegistry", "ownerOf", d) == dev(3) for d in devices)

    for _ in range(3):
        again = agent.poll_once()
        assert again.actions == ()
    assert market.nonce(agent.account) == 1
    (action,) = agent.actions()
    assert action.kind == "settle" and action.status == "mined"
    assert action.order_ids == (order_id,) and action.done_order_ids == (order_id,)
    assert action.tx_hash is not None and action.tx_hashes == (action.tx_hash,)
    assert agent.orders() == []  # closed once its OrderSettled event was read
    closed = agent.store.order(order_id)
    assert closed is not None and closed.state is OrderState.SETTLED
    assert closed.settled_tx == action.tx_hash


def test_stored_terms_spare_the_order_created_log_reads(
    market: Market, agent_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent passes the terms it stored to ``settlement_passes``: finding the passes for
    ``canSettle`` and ``settle`` reads no ``OrderCreated`` log of a stored order (the only
    eth_getLogs are the poll's block-range reads, never filtered by order id)."""
    from web3 import HTTPProvider

    sent: list[tuple[str, Any]] = []
    single, batch = HTTPProvider.make_request, HTTPProvider.make_batch_request

    def make_request(self: Any, method: str, params: Any) -> Any:
        sent.append((method, params))
        return single(self, method, params)

    def make_batch_request(self: Any, requests: Any) -> Any:
        sent.extend((method, params) for method, params in requests)
        return batch(self, requests)

    monkeypatch.setattr(HTTPProvider, "make_request", make_request)
    monkeypatch.setattr(HTTPProvider, "make_batch_request", make_batch_request)
    agent = agent_for()
    order_id, _ = market.shipped_order()
    agent.poll_once()
    assert agent.store.order(order_id) is not None  # its terms are stored now
    market.confirm(3, order_id)
    sent.clear()
    polled = agent.poll_once()  # canSettle, then settle, with passes for the stored order
    assert polled.settled == (order_id,)
    calls = [method for method, _ in sent]
    assert "eth_call" in calls and "eth_sendRawTransaction" in calls
    order_topic = "0x" + order_id.to_bytes(32, "big").hex()
    by_order = [
        params
        for method, params in sent
        if method == "eth_getLogs"
        and any(
            order_topic in (topic if isinstance(topic, list) else [topic])
            for topic in (params[0].get("topics") or [])[1:]
        )
    ]
    assert by_order == []


def test_settles_when_the_inspection_period_runs_out(market: Market, agent_for: Any) -> None:
    agent = agent_for()
    order_id, _ = market.shipped_order(inspection=86_400)
    ends = agent.poll_once() and agent.orders()[0].inspection_ends_at
    assert ends is not None

    market.rpc("evm_mine", [ends - 60])  # a block one minute before the end
    assert agent.poll_once().settled == ()
    assert market.state(order_id) == OrderState.SHIPPED

    market.rpc("evm_mine", [ends])  # the first block at which settle is allowed
    assert agent.poll_once().settled == (order_id,)
    assert settled_by(market, order_id) == [agent.account]
    assert agent.poll_once().actions == ()
    assert market.nonce(agent.account) == 1


def test_never_settles_an_order_that_may_not(market: Market, agent_for: Any) -> None:
    agent = agent_for(recheck_interval=3600)
    uncertified, devices = market.shipped_order(certified=False)
    failed, failed_devices = market.shipped_order(certified=False)
    market.certify(failed_devices, result=FAIL)
    disputed, _ = market.shipped_order()
    market.do(3, "SupplyChainEscrow", "openDispute", disputed, market.terms(disputed), "scratch")
    unshipped = market.create_order(buyer=3, seller=1, device_ids=market.register(1, 1))
    market.confirm(3, uncertified)
    market.confirm(3, failed)
    market.travel(10 * 86_400)  # every inspection period is over

    result = agent.poll_once()
    assert result.settled == () and result.actions == ()
    assert result.not_ready == {
        uncertified: SettleStatus.DEVICE_UNCERTIFIED,
        failed: SettleStatus.DEVICE_UNCERTIFIED,
    }
    # Not asked again before recheck_interval unless a certificate event touches the order.
    assert agent.poll_once().not_ready == {}
    market.certify(devices)  # the missing passes arrive
    result = agent.poll_once()
    assert result.settled == (uncertified,)
    assert {o: market.state(o) for o in (uncertified, failed, disputed, unshipped)} == {
        uncertified: OrderState.SETTLED,
        failed: OrderState.ACCEPTED,
        disputed: OrderState.DISPUTED,
        unshipped: OrderState.FUNDED,
    }
    assert market.nonce(agent.account) == 1


def test_a_batch_is_settled_with_settle_many(market: Market, agent_for: Any) -> None:
    agent = agent_for(batch_size=4)
    orders = [market.shipped_order(buyer=b, seller=s)[0] for b, s in [(3, 1), (7, 5), (8, 6)] * 3]
    market.travel(4 * 86_400)
    result = agent.poll_once()
    assert sorted(result.settled) == sorted(orders)
    actions = sorted(agent.actions(), key=lambda a: a.id)
    assert [len(a.order_ids) for a in actions] == [4, 4, 1]
    assert market.nonce(agent.account) == 3
    assert all(settled_by(market, o) == [agent.account] for o in orders)


def test_hooks_logs_and_overdue_refund(
    market: Market, agent_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    buyer = market.fund_agent()  # the agent runs for this buyer: it may refund
    market.rpc("anvil_impersonateAccount", [buyer.address])
    market.do(0, "TestStablecoin", "mint", buyer.address, 10_000 * USDC)
    market.do(buyer.address, "TestStablecoin", "approve", market.escrow.address, 2**255)
    late = market.create_order(
        buyer=buyer.address,
        seller=1,
        device_ids=market.register(1, 1),
        ship_in=3600,  # type: ignore[arg-type]
    )
    not_ours = market.create_order(
        buyer=3, seller=1, device_ids=market.register(1, 1), ship_in=3600
    )
    market.rpc("anvil_stopImpersonatingAccount", [buyer.address])
    seen: list[AgentEvent] = []
    agent = agent_for(
        signer=buyer,
        refund_overdue=True,
        hooks={
            "order_created": seen.append,
            "order_overdue": [seen.append],
            "order_refunded": seen.append,
        },
    )
    agent.on(kind="dispute_opened", callback=lambda e: (_ for _ in ()).throw(RuntimeError("boom")))
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    caplog.set_level(logging.INFO, logger="fabtrust.agent")

    agent.poll_once()
    assert [e.kind for e in seen] == ["order_created", "order_created"]
    market.travel(2 * 3600)
    result = agent.poll_once()
    assert result.refunded == (late,)
    assert [(e.kind, e.order_id) for e in seen[2:]] == [
        ("order_overdue", late),
        ("order_overdue", not_ours),
    ]
    assert market.state(late) == OrderState.REFUNDED
    assert market.state(not_ours) == OrderState.FUNDED  # only the buyer may refund
    agent.poll_once()
    assert [(e.kind, e.order_id) for e in seen[4:]] == [("order_refunded", late)]
    agent.poll_once()
    assert len(seen) == 5  # overdue is reported once

    lines = [json.loads(handler.format(r)) for r in caplog.records if r.name == "fabtrust.agent"]
    refunded = [line for line in lines if line.get("event") == "refunded"]
    assert (
        refunded and refunded[0]["order_ids"] == [late] and refunded[0]["tx_hash"].startswith("0x")
    )
    assert all({"ts", "level", "logger", "msg"} <= line.keys() for line in lines)


def test_a_failing_hook_does_not_stop_the_agent(market: Market, agent_for: Any) -> None:
    def boom(event: AgentEvent) -> None:
        raise RuntimeError("MES is down")

    agent = agent_for(hooks={"order_shipped": boom})
    order_id, _ = market.shipped_order()
    market.confirm(3, order_id)
    assert agent.poll_once().settled == (order_id,)


def test_status_reports_cursor_lag_orders_and_actions(market: Market, agent_for: Any) -> None:
    agent = agent_for()
    open_id, _ = market.shipped_order()
    done_id, _ = market.shipped_order()
    market.confirm(3, done_id)
    agent.poll_once()
    agent.poll_once()
    market.mine(3)
    status = agent.status()
    assert status.cursor is not None and status.head == market.head()
    assert status.lag == 3
    assert [o.order_id for o in status.open_orders] == [open_id]
    assert status.open_by_state == {"shipped": 1}
    assert [a.done_order_ids for a in status.last_actions] == [(done_id,)]
    assert status.unresolved_actions == 0


def test_bad_options_are_refused(market: Market, connect_agent: Any, tmp_path: Path) -> None:
    client = connect_agent(market.fund_agent(), tmp_path / "s.sqlite")
    cases = {
        "confirmations": {"confirmations": -1},
        "poll_interval": {"poll_interval": 0},
        "batch_size": {"batch_size": 501},
        "webhook": {"webhook": "ftp://example.com/hook"},
        "state": {"state": 42},
    }
    for field, options in cases.items():
        kwargs: dict[str, Any] = {"state": tmp_path / "s.sqlite", **options}
        with pytest.raises(InvalidInputError) as info:
            AgentConfig(**kwargs)
        assert info.value.field == field
    agent = SettlementAgent(client, config=AgentConfig(state=tmp_path / "s.sqlite"))
    with pytest.raises(InvalidInputError) as info:
        agent.on(kind="order_paid", callback=print)  # type: ignore[arg-type]
    assert info.value.field == "kind"
    agent.close()


def test_state_file_of_another_escrow_is_refused(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    from fabtrust.agent import AgentStore

    state = tmp_path / "agent.sqlite"
    with AgentStore(state) as store:
        store.bind(chain_id=31337, genesis_hash="0x" + "11" * 32, escrow=dev(9))
    client = connect_agent(market.fund_agent(), tmp_path / "journal.sqlite")
    with pytest.raises(InvalidInputError) as info:
        SettlementAgent(client, config=AgentConfig(state=state))
    assert info.value.field == "state"
