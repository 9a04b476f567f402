"""`fabtrust agent run` killed (SIGKILL) right after broadcasting a settlement, before recording
its receipt: restarted, it does not send again and records the settlement."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from agent_helpers import Market

from fabtrust.accounts import Signer
from fabtrust.escrow import OrderState

FABTRUST = str(Path(sys.executable).parent / "fabtrust")


def cli(chain: Any, key: str, *args: str, crash: bool = False, timeout: float = 60) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FABTRUST_")}
    env["FABTRUST_PRIVATE_KEY"] = key  # a raw key is refused on the command line
    if crash:
        env["FABTRUST_AGENT_CRASH_AFTER_SEND"] = "1"
    return subprocess.run(
        [
            FABTRUST,
            "--rpc-url",
            chain.rpc_url,
            "--deployments",
            str(chain.deployments),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def actions(state: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(state) as db:
        return db.execute(
            "SELECT id, status, tx_hashes, tx_hash, done_order_ids FROM agent_actions ORDER BY id"
        ).fetchall()


def test_killed_after_send_restarts_without_sending_again(
    market: Market, agent_chain: Any, tmp_path: Path
) -> None:
    key = market.fund_key()
    signer = Signer.from_key(key)
    order_id, _ = market.shipped_order()
    market.confirm(3, order_id)
    state = tmp_path / "agent.sqlite"

    crashed = cli(
        agent_chain, key, "agent", "run", "--state", str(state), "--poll", "0.1", crash=True
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    lines = [json.loads(x) for x in crashed.stderr.splitlines() if x.startswith("{")]
    sent_hash = next(x["tx_hash"] for x in lines if x.get("event") == "crash_after_send")
    ((action_id, status, hashes, tx_hash, done),) = actions(state)
    assert status == "sent" and json.loads(hashes) == [sent_hash] and tx_hash is None
    assert done == "[]"  # the receipt was never recorded
    market.w3.eth.wait_for_transaction_receipt(sent_hash)  # type: ignore[arg-type]
    assert market.state(order_id) == OrderState.SETTLED
    assert market.nonce(signer.address) == 1

    restarted = cli(agent_chain, key, "--json", "agent", "run", "--state", str(state), "--once")
    assert restarted.returncode == 0, restarted.stderr
    assert json.loads(restarted.stdout)["actions"] == []
    assert market.nonce(signer.address) == 1  # nothing sent again
    assert actions(state) == [
        (action_id, "mined", json.dumps([sent_hash]), sent_hash, json.dumps([order_id]))
    ]
    recovered = [json.loads(x) for x in restarted.stderr.splitlines() if x.startswith("{")]
    assert any(x.get("event") == "action_recovered" for x in recovered)
    assert len([e for e in market.settled_events() if e["args"]["orderId"] == order_id]) == 1

    shown = cli(agent_chain, key, "--json", "agent", "status", "--state", str(state))
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["last_actions"][0]["tx_hash"] == sent_hash
    assert report["unresolved_actions"] == 0
    assert report["lag"] is not None


def test_killed_while_the_transaction_is_still_pending(
    market: Market, agent_chain: Any, tmp_path: Path
) -> None:
    """The settlement is broadcast but not mined when the agent dies; on restart the journal
    resumes it (same signed bytes) and the agent records it - still one transaction."""
    key = market.fund_key()
    signer = Signer.from_key(key)
    order_id, _ = market.shipped_order()
    market.confirm(3, order_id)
    state = tmp_path / "agent.sqlite"
    market.rpc("evm_setAutomine", [False])
    try:
        crashed = cli(agent_chain, key, "agent", "run", "--state", str(state), crash=True)
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr
        ((_, status, hashes, _, _),) = actions(state)
        (sent_hash,) = json.loads(hashes)
        assert status == "sent"
        assert market.state(order_id) == OrderState.ACCEPTED  # in the mempool only
        timer = threading.Timer(2.0, lambda: market.rpc("evm_mine"))
        timer.start()
        started = time.monotonic()
        restarted = cli(agent_chain, key, "--json", "agent", "run", "--state", str(state), "--once")
        timer.join()
    finally:
        market.rpc("evm_setAutomine", [True])
    assert restarted.returncode == 0, restarted.stderr
    assert time.monotonic() - started >= 1.5  # it waited for the pending transaction
    assert market.nonce(signer.address) == 1
    assert market.state(order_id) == OrderState.SETTLED
    ((_, status, _, tx_hash, done),) = actions(state)
    assert (status, tx_hash, done) == ("mined", sent_hash, json.dumps([order_id]))


def test_a_transaction_still_pending_blocks_a_second_send(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    """In process: the receipt does not come in time (the block is not mined); the next polls
    see the transaction in the node's pool and send nothing new for its order."""
    from fabtrust.agent import AgentConfig, SettlementAgent

    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    client = connect_agent(signer, state)
    client.chain.sender.receipt_timeout = 1.0
    agent = SettlementAgent(client, config=AgentConfig(state=state))
    order_id, _ = market.shipped_order()
    market.confirm(3, order_id)
    market.rpc("evm_setAutomine", [False])
    try:
        first = agent.poll_once()  # sends, then gives up waiting for the receipt
        assert first.actions and first.settled == ()
        (action,) = agent.actions()
        assert action.status == "sent" and len(action.tx_hashes) == 1
        for _ in range(2):
            assert agent.poll_once().actions == ()
        assert market.w3.eth.get_transaction_count(signer.address, "pending") == 1  # type: ignore[arg-type]
    finally:
        market.rpc("evm_setAutomine", [True])
    market.mine(1)
    agent.poll_once()
    (action,) = agent.actions()
    assert action.status == "mined" and action.done_order_ids == (order_id,)
    assert action.tx_hash == action.tx_hashes[0]
    assert market.nonce(signer.address) == 1
    agent.close()


def test_an_action_journalled_but_never_recorded_as_sent_is_recovered(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    """The process died after the journal took the signed transaction but before the agent saw
    it leave (no hash in the action); the journal resumed it. The agent finds it by its label."""
    from fabtrust.agent import AgentConfig, AgentStore, SettlementAgent

    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    order_id, _ = market.shipped_order()
    market.confirm(3, order_id)
    with AgentStore(state) as store:
        action_id = store.begin_action(kind="settle", order_ids=[order_id])
    client = connect_agent(signer, state)
    passes = [r.as_struct() for r in client.escrow.settlement_passes(order_id=order_id)]
    tx = client.chain.transact(
        "SupplyChainEscrow",
        "settle",
        order_id,
        market.terms(order_id),
        passes,
        label=f"fabtrust-agent:settle:{action_id}",
    )
    agent = SettlementAgent(client, config=AgentConfig(state=state))
    assert agent.poll_once().actions == ()
    action = agent.store.action(action_id)
    assert action is not None
    assert (action.status, action.tx_hash, action.done_order_ids) == (
        "mined",
        tx.tx_hash,
        (order_id,),
    )
    assert market.nonce(signer.address) == 1
    agent.close()


def test_cli_refuses_bad_input(market: Market, agent_chain: Any, tmp_path: Path) -> None:
    key = market.fund_key()
    missing = cli(agent_chain, key, "agent", "status", "--state", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and "no agent state" in missing.stderr
    bad_hook = cli(
        agent_chain, key, "agent", "run", "--once", "--state", str(tmp_path / "a.sqlite"),
        "--webhook", "ftp://example.com/hook",
    )  # fmt: skip
    assert bad_hook.returncode == 2 and "webhook" in bad_hook.stderr
    secret_file = tmp_path / "hook.secret"
    secret_file.write_text("x" * 32 + "\n")
    plain_http = cli(
        agent_chain, key, "agent", "run", "--once", "--state", str(tmp_path / "a.sqlite"),
        "--webhook", "http://mes.example/hook", "--webhook-secret-file", str(secret_file),
    )  # fmt: skip
    assert plain_http.returncode == 2 and "must use https://" in plain_http.stderr
    unsigned = cli(
        agent_chain, key, "agent", "run", "--once", "--state", str(tmp_path / "a.sqlite"),
        "--webhook", "http://127.0.0.1:9/hook",
    )  # fmt: skip
    assert unsigned.returncode == 2 and "--webhook-secret-file" in unsigned.stderr
    assert "--insecure-unsigned-webhooks" in unsigned.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("FABTRUST_")}
    no_account = subprocess.run(
        [FABTRUST, "--rpc-url", agent_chain.rpc_url, "agent", "run", "--once"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert no_account.returncode == 2 and "--account" in no_account.stderr


def test_cli_status_for_people(market: Market, agent_chain: Any, tmp_path: Path) -> None:
    key = market.fund_key()
    order_id, _ = market.shipped_order()
    market.confirm(3, order_id)
    waiting, _ = market.shipped_order(buyer=7, seller=5)
    state = str(tmp_path / "agent.sqlite")
    ran = cli(agent_chain, key, "agent", "run", "--once", "--state", state)
    assert ran.returncode == 0, ran.stderr
    logged = [json.loads(x) for x in ran.stderr.splitlines() if x.startswith("{")]
    assert any(x.get("event") == "settled" and x["order_ids"] == [order_id] for x in logged)
    again = cli(agent_chain, key, "agent", "run", "--once", "--state", state)  # reads it
    assert again.returncode == 0, again.stderr
    shown = cli(agent_chain, key, "agent", "status", "--state", state)
    assert shown.returncode == 0, shown.stderr
    assert "cursor: block" in shown.stderr and "lag" in shown.stderr
    assert "last actions" in shown.stderr and "mined" in shown.stderr
    assert "open orders: 1 (1 shipped)" in shown.stderr, shown.stderr
    row = next(
        line
        for line in shown.stderr.splitlines()
        if line.startswith(("│ " + str(waiting), "┃ " + str(waiting)))
    )
    assert "shipped" in row
