"""200 orders across 5 buyers and 3 sellers with random timings, the agent running throughout:
every eligible order settled exactly once, none that is not, and the escrow holds exactly the
money of the orders still open."""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_helpers import BUYERS, FAIL, LAB, PASS, SELLERS, USDC, Market, wait_polls, wait_until
from web3.logs import DISCARD

from fabtrust.agent import AgentConfig, SettlementAgent
from fabtrust.escrow import OrderState

ORDERS = 200


@dataclass
class Model:
    """What the test did, from its own receipts (not from the agent, not from canSettle)."""

    buyer: int
    seller: int
    devices: list[int]
    amount: int
    ship_by: int
    shipped: bool = False
    confirmed: bool = False
    disputed: bool = False
    disputed_late: bool = False  # after the inspection period: settlement stays possible
    refunded: bool = False


@dataclass
class Certs:
    passes: dict[int, list[str]] = field(default_factory=dict)  # device → Pass certificate ids
    revoked: set[str] = field(default_factory=set)

    def valid(self, device: int) -> bool:
        """Some Pass of the device is not revoked (the chain's "some valid Pass exists")."""
        return any(cert not in self.revoked for cert in self.passes.get(device, ()))


def test_200_orders_with_random_timings(market: Market, connect_agent: Any, tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("AGENT_TEST_SEED", "20240607")))
    pool = {s: market.register(s, 150) for s in SELLERS}
    models: dict[int, Model] = {}
    pending: list[tuple[str, Model]] = []
    now = market.now()
    with market.batch():
        for _ in range(ORDERS):
            seller, buyer = rng.choice(SELLERS), rng.choice(BUYERS)
            devices = [pool[seller].pop() for _ in range(rng.choice((1, 1, 2)))]
            amount = rng.randint(1, 5_000) * USDC
            ship_in = rng.randint(3_600, 4 * 86_400)
            tx = market.create_order_tx(
                buyer=buyer,
                seller=seller,
                device_ids=devices,
                amount=amount,
                ship_in=ship_in,
                inspection=rng.randint(3_600, 3 * 86_400),
            )
            pending.append((tx, Model(buyer, seller, devices, amount, now + ship_in)))
    receipts = market.wait([tx for tx, _ in pending])
    for order_id, (_, model) in zip(market.order_ids(receipts), pending, strict=True):
        models[order_id] = model
    certs = Certs()

    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    agent = SettlementAgent(
        connect_agent(signer, state),
        config=AgentConfig(state=state, confirmations=1, poll_interval=0.05),
    )
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    try:
        for _ in range(8):
            now = market.now()
            funded = [o for o, m in models.items() if not m.shipped and not m.refunded]
            # certificates (passes, some fails; some only after shipping), revocations of earlier
            # passes before shipping, shipping before ship-by, refunds after it: one batch
            certify = [
                (d, FAIL if rng.random() < 0.1 else PASS)
                for o, m in models.items()
                if not m.refunded
                for d in m.devices
                if not (m.shipped and certs.valid(d)) and rng.random() < 0.3
            ]
            fresh = {d for d, _ in certify}
            revoke = [
                [c for c in certs.passes[d] if c not in certs.revoked][-1]  # its newest valid Pass
                for o in funded
                for d in models[o].devices
                if d not in fresh and certs.valid(d) and rng.random() < 0.05
            ]
            ship = [o for o in funded if now + 60 < models[o].ship_by and rng.random() < 0.4]
            late = [o for o in funded if now > models[o].ship_by and rng.random() < 0.5]
            with market.batch():
                cert_txs = [market.certify_tx(d, r) for d, r in certify]
                other_txs = [
                    market.send(
                        LAB, "CertificateRegistry", "revokeCertificate", bytes.fromhex(c[2:]), "x"
                    )
                    for c in revoke
                ]
                other_txs += [
                    market.send(
                        m.seller,
                        "SupplyChainEscrow",
                        "markShipped",
                        o,
                        market.terms(o),
                        b"\x07" * 32,
                    )
                    for o in ship
                    for m in [models[o]]
                ]
                other_txs += [
                    market.send(models[o].buyer, "SupplyChainEscrow", "refund", o, market.terms(o))
                    for o in late
                ]
            market.wait(other_txs)
            issued = market.contracts["CertificateRegistry"].events.CertificateIssued()
            for (device, result), receipt in zip(certify, market.wait(cert_txs), strict=True):
                if result == PASS:
                    event = issued.process_receipt(receipt, errors=DISCARD)[0]
                    certs.passes.setdefault(device, []).append(
                        "0x" + bytes(event["args"]["certId"]).hex()
                    )
            certs.revoked.update(revoke)
            for o in ship:
                models[o].shipped = True
            for o in late:
                models[o].refunded = True
            # confirmations and disputes race with the agent: keep only what succeeded
            open_shipped = [
                o for o, m in models.items() if m.shipped and not m.disputed and not m.confirmed
            ]
            confirm = [o for o in open_shipped if rng.random() < 0.3]
            dispute = [o for o in open_shipped if o not in confirm and rng.random() < 0.06]
            with market.batch():
                sent = [
                    (
                        o,
                        "confirmed",
                        market.send(
                            models[o].buyer,
                            "SupplyChainEscrow",
                            "confirmDelivery",
                            o,
                            market.terms(o),
                        ),
                    )
                    for o in confirm
                ] + [
                    (
                        o,
                        "disputed",
                        market.send(
                            models[o].buyer,
                            "SupplyChainEscrow",
                            "openDispute",
                            o,
                            market.terms(o),
                            "dent",
                        ),
                    )
                    for o in dispute
                ]
            for (o, what, _), receipt in zip(
                sent, market.receipts([t for _, _, t in sent]), strict=True
            ):
                if receipt["status"] == 1:
                    setattr(models[o], what, True)
                    if what == "disputed":
                        opened = market.escrow.events.DisputeOpened().process_receipt(
                            receipt, errors=DISCARD
                        )
                        models[o].disputed_late = bool(opened[0]["args"]["late"])
            market.travel(rng.randint(2 * 3_600, 20 * 3_600))
        market.travel(10 * 86_400)  # every inspection period is over
        market.mine(2)
        eligible = {
            o
            for o, m in models.items()
            if m.shipped
            and not m.disputed
            and not m.refunded
            and all(certs.valid(d) for d in m.devices)
        }
        assert len(eligible) > 40 and len(models) - len(eligible) > 30  # a meaningful mix
        wait_until(
            lambda: all(market.state(o) == OrderState.SETTLED for o in eligible),
            timeout=60,
            what="every eligible order settled",
        )
        market.mine(2)
        wait_until(
            lambda: (
                not any(
                    o.state is OrderState.SHIPPED and o.order_id in eligible for o in agent.orders()
                )
            ),
            what="the agent to read the settlements",
        )
        wait_polls(agent, market, polls=3)  # a few more polls: nothing else may settle
    finally:
        agent.stop()
        thread.join(30)
    assert not thread.is_alive()

    settled = Counter(int(e["args"]["orderId"]) for e in market.settled_events())
    # A late dispute (issue 10) leaves a certified order settleable: whether the agent settled it
    # first or saw the dispute first is a race, so those orders count either way.
    late = {o for o, m in models.items() if m.disputed_late}
    assert set(settled) - late == eligible  # all eligible ones, and none that is not
    assert set(settled.values()) == {1}
    assert {e["args"]["settledBy"] for e in market.settled_events()} == {signer.address}
    actions = agent.actions(limit=10_000)
    done = Counter(o for a in actions for o in a.done_order_ids)
    assert set(done) - late == eligible and set(done.values()) == {
        1
    }  # the agent's own record agrees
    assert all(a.status == "mined" for a in actions)
    assert market.nonce(signer.address) == len(actions)

    states = {o: OrderState(market.state(o)) for o in models}
    open_amount = sum(
        models[o].amount
        for o, s in states.items()
        if s in (OrderState.FUNDED, OrderState.SHIPPED, OrderState.ACCEPTED, OrderState.DISPUTED)
    )
    assert int(market.call("TestStablecoin", "balanceOf", market.escrow.address)) == open_amount
    assert {o for o, s in states.items() if s is OrderState.REFUNDED} == {
        o for o, m in models.items() if m.refunded
    }
    agent.close()
