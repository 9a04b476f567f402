"""The node goes away for a while and comes back: the agent waits, reconnects and catches up."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import LAB, SELLERS, Market, NodeProxy, dev, wait_until

from fabtrust.agent import AgentConfig, SettlementAgent
from fabtrust.escrow import OrderState
from fabtrust.testing import LocalAnvil


def start(agent: SettlementAgent) -> threading.Thread:
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    return thread


def outages(caplog: pytest.LogCaptureFixture) -> int:
    """How many ``node_unreachable`` lines the agent logged (one per failed poll)."""
    return sum(getattr(r, "event", "") == "node_unreachable" for r in caplog.records)


def settled_by(market: Market) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for event in market.settled_events():
        found.setdefault(int(event["args"]["orderId"]), []).append(event["args"]["settledBy"])
    return found


def test_agent_waits_for_the_node_and_catches_up(
    market: Market,
    agent_chain: Any,
    connect_agent: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="fabtrust.agent")
    proxy = NodeProxy(int(agent_chain.rpc_url.rsplit(":", 1)[1]))
    proxy.up()
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    agent = SettlementAgent(
        connect_agent(signer, state, rpc_url=proxy.url),
        config=AgentConfig(state=state, poll_interval=0.1),
    )
    first, _ = market.shipped_order(buyer=3, seller=1)
    thread = start(agent)
    try:
        wait_until(lambda: [o.order_id for o in agent.orders()] == [first], what="first order")
        proxy.down()  # the agent's node is gone; the chain goes on without it
        market.confirm(3, first)
        second, _ = market.shipped_order(buyer=7, seller=5)
        market.confirm(7, second)
        wait_until(lambda: outages(caplog) >= 3, what="the agent to notice the outage, twice more")
        assert market.state(first) == OrderState.ACCEPTED  # nothing could be sent meanwhile
        assert thread.is_alive()

        proxy.up()
        wait_until(
            lambda: market.state(first) == market.state(second) == OrderState.SETTLED,
            timeout=30,
            what="both orders settled after the node came back",
        )
        wait_until(lambda: agent.orders() == [], what="the agent to read its settlements")
    finally:
        agent.stop()
        thread.join(30)
        proxy.down()
    assert not thread.is_alive()
    assert settled_by(market) == {first: [signer.address], second: [signer.address]}
    events = [getattr(r, "event", None) for r in caplog.records]
    assert "node_reachable" in events
    assert events.index("node_unreachable") < events.index("node_reachable")
    agent.close()


def test_agent_survives_a_node_restart(
    tmp_path: Path, connect_agent: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A real Anvil stopped (its state dumped) and started again on the same port."""
    caplog.set_level(logging.INFO, logger="fabtrust.agent")
    from fabtrust.accounts import Signer
    from fabtrust.chain import connect_web3
    from fabtrust.client import connect
    from fabtrust.deploy import LabGrant, RoleConfig, deploy_contracts
    from fabtrust.deployments import save_deployment

    chain_state = tmp_path / "anvil-state.json"
    node = LocalAnvil(extra_args=("--state", str(chain_state))).start()
    agent: SettlementAgent | None = None
    thread: threading.Thread | None = None
    try:
        connection = connect_web3(node.url)
        now = int(connection.w3.eth.get_block("latest")["timestamp"])
        deployment = deploy_contracts(
            connection,
            connection.sender(Signer.dev(0)),
            RoleConfig(
                default_arbiter=dev(4),
                manufacturers=[dev(s) for s in SELLERS],
                labs=[LabGrant(dev(LAB), "Lab", now + 10**8)],
                test_stablecoin=True,
            ),
        )
        save_deployment(deployment, tmp_path / "deployments")
        market = Market(rpc_url=node.url, deployment=deployment)
        market.approve_all()
        signer = market.fund_agent()
        state = tmp_path / "agent.sqlite"
        client = connect(
            rpc_url=node.url, account=signer, deployments=tmp_path / "deployments", journal=state
        )
        agent = SettlementAgent(client, config=AgentConfig(state=state, poll_interval=0.1))
        order_id, _ = market.shipped_order()
        thread = start(agent)
        wait_until(lambda: len(agent.orders()) == 1, what="the order")  # type: ignore[union-attr]

        caplog.clear()
        node.stop()  # SIGTERM: Anvil writes its state
        wait_until(lambda: outages(caplog) >= 2, what="the agent to notice the node gone, twice")
        assert thread.is_alive()
        node = LocalAnvil(port=node.port, extra_args=("--state", str(chain_state))).start()
        market.confirm(3, order_id)
        wait_until(lambda: market.state(order_id) == OrderState.SETTLED, timeout=30, what="settle")
        assert [e["args"]["settledBy"] for e in market.settled_events()] == [signer.address]
    finally:
        if agent is not None:
            agent.stop()
        if thread is not None:
            thread.join(30)
        if agent is not None:
            agent.close()
        node.stop()
