"""Re-orgs: the agent acts only on events `confirmations` deep, rewinds when the block at its
cursor changed, and never settles from an orphaned event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_helpers import WEBHOOK_SECRET, Market, WebhookReceiver, dev

from fabtrust.agent import AgentConfig, AgentEvent, SettlementAgent, WebhookConfig
from fabtrust.escrow import OrderState


def settlements(market: Market, order_id: int) -> int:
    return len([e for e in market.settled_events() if e["args"]["orderId"] == order_id])


def test_a_confirmation_orphaned_before_it_was_deep_enough_is_never_acted_on(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    agent = SettlementAgent(
        connect_agent(signer, state), config=AgentConfig(state=state, confirmations=2)
    )
    order_id, _ = market.shipped_order()
    market.mine(2)
    agent.poll_once()
    snapshot = market.rpc("evm_snapshot")

    market.confirm(3, order_id)  # block B: the confirmation
    assert agent.poll_once().settled == ()  # B is the head: 0 deep
    market.mine(1)
    assert agent.poll_once().settled == ()  # 1 deep: still not trusted
    assert market.nonce(signer.address) == 0

    assert market.rpc("evm_revert", [snapshot]) is True  # the confirmation is orphaned
    market.mine(4)  # the new branch is longer, without it
    for _ in range(2):
        result = agent.poll_once()
        assert result.settled == () and result.ready == ()
    assert market.state(order_id) == OrderState.SHIPPED
    assert agent.orders()[0].accepted is False
    assert market.nonce(signer.address) == 0

    market.confirm(3, order_id)  # re-included
    assert agent.poll_once().settled == ()
    market.mine(1)
    assert agent.poll_once().settled == ()
    market.mine(1)
    assert agent.poll_once().settled == (order_id,)  # 2 deep now
    market.mine(3)
    agent.poll_once()
    assert settlements(market, order_id) == 1
    assert market.nonce(signer.address) == 1
    agent.close()


def test_a_deeper_reorg_rewinds_the_cursor_and_withdraws_events(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    receiver = WebhookReceiver()
    receiver.up()
    seen: list[AgentEvent] = []
    agent = SettlementAgent(
        connect_agent(signer, state),
        config=AgentConfig(
            state=state,
            confirmations=1,
            webhook=WebhookConfig(url=receiver.url, secret=WEBHOOK_SECRET),
        ),
        hooks={"delivery_confirmed": seen.append, "certificate_issued": seen.append},
    )
    order_id, devices = market.shipped_order(certified=False)
    market.mine(1)
    agent.poll_once()
    fork_head = market.head()
    snapshot = market.rpc("evm_snapshot")

    market.confirm(3, order_id)
    market.mine(2)
    result = agent.poll_once()  # the confirmation is 2 deep: applied
    assert result.rewound_to is None and result.settled == ()
    assert agent.orders()[0].accepted is True
    assert [e.kind for e in seen] == ["delivery_confirmed"]
    confirmed_key = seen[0].key
    agent.deliver_webhooks()
    assert confirmed_key in {d.key for d in receiver.accepted()}

    assert market.rpc("evm_revert", [snapshot]) is True  # deeper than `confirmations`
    market.certify(devices)  # the new branch certifies the devices instead
    market.mine(4)
    result = agent.poll_once()
    assert result.rewound_to is not None and result.rewound_to <= fork_head
    assert result.settled == () and result.ready == ()  # not accepted, inspection still open
    (order,) = agent.orders()
    assert order.accepted is False and order.state is OrderState.SHIPPED
    withdrawn = [e for e in seen if e.removed]
    assert [(e.kind, e.order_id) for e in withdrawn] == [("delivery_confirmed", order_id)]
    assert [e.kind for e in seen if not e.removed][-2:] == ["certificate_issued"] * 2
    assert agent.store.cursor() is not None
    cursor = agent.store.cursor()
    assert cursor is not None
    assert (
        cursor.block_hash
        == "0x" + bytes(market.w3.eth.get_block(cursor.block_number)["hash"]).hex()
    )
    agent.deliver_webhooks()
    notices = [d for d in receiver.accepted() if d.key == confirmed_key + ":removed"]
    assert len(notices) == 1 and notices[0].body["removed"] is True
    assert market.nonce(signer.address) == 0

    market.confirm(3, order_id)  # re-included in another block
    market.mine(1)
    assert agent.poll_once().settled == (order_id,)
    assert settlements(market, order_id) == 1
    assert market.nonce(signer.address) == 1
    agent.close()
    receiver.down()


def test_anvil_reorg_replacing_the_cursor_block(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    """`anvil_reorg` swaps the last two blocks for a branch holding the buyer's confirmation:
    the agent rewinds, reads the new branch and settles from it, once."""
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    agent = SettlementAgent(
        connect_agent(signer, state), config=AgentConfig(state=state, confirmations=0)
    )
    order_id, _ = market.shipped_order()
    market.mine(2)
    assert agent.poll_once().settled == ()
    before = agent.store.cursor()
    confirm = {
        "from": dev(3),
        "to": market.escrow.address,
        "data": market.escrow.encode_abi(
            "confirmDelivery", args=[order_id, market.terms(order_id)]
        ),
        "gas": hex(200_000),
    }
    market.rpc("anvil_reorg", [2, [[confirm, 1]]])  # same height, the confirmation in the tip
    result = agent.poll_once()
    after = agent.store.cursor()
    assert before is not None and after is not None
    assert result.rewound_to is not None and result.rewound_to < before.block_number
    assert after.block_hash != before.block_hash
    assert result.events == 1 and result.settled == (order_id,)
    agent.poll_once()
    assert settlements(market, order_id) == 1
    assert market.nonce(signer.address) == 1
    agent.close()
