"""openDispute / resolveDispute: the buyer's window, the arbiter fixed into the order, the split."""

import pytest
from brownie import accounts, chain
from escrow_helpers import (
    ARBITER_ROLE,
    DAY,
    DISPUTED,
    FUNDED,
    NATIVE,
    RESOLVED,
    SETTLED,
    SHIPMENT,
    SHIPPED,
    ZERO,
    assert_events,
    erc721_moves,
    err,
    gas_cost,
    native_balance,
    next_block_at,
    refs,
    reverts,
    terms,
)

REASON = "3 of 10 motors leak at 250 bar"


@pytest.fixture(scope="module")
def arbiter2(escrow, admin):
    """accounts[7] holding ARBITER_ROLE (not the default arbiter)."""
    escrow.grantRole(ARBITER_ROLE, accounts[7], {"from": admin})
    return accounts[7]


def test_buyer_disputes_during_inspection(escrow, shipped_order, buyer):
    order_id, _ = shipped_order(1)
    tx = escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    assert_events(
        tx,
        escrow,
        [
            (
                "DisputeOpened",
                {"orderId": order_id, "buyer": buyer, "reason": REASON, "late": False},
            )
        ],
    )
    assert escrow.order(order_id)[1] == DISPUTED


def test_buyer_may_dispute_an_accepted_order_during_inspection(escrow, shipped_order, buyer):
    order_id, _ = shipped_order(1)
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    tx = escrow.openDispute(
        order_id, terms(order_id), "hidden damage found on unpacking", {"from": buyer}
    )
    assert tx.events["DisputeOpened"]["orderId"] == order_id
    assert escrow.order(order_id)[1] == DISPUTED


def test_dispute_after_inspection_is_late_and_settlement_stays_open(
    escrow, devices, create_order, make_devices, manufacturer, buyer, outsider
):
    ids = make_devices(2)
    _, early = create_order(ids[:1], inspection=DAY)
    _, late = create_order(ids[1:], inspection=DAY)
    ship_early = escrow.markShipped(early, terms(early), SHIPMENT, {"from": manufacturer})
    next_block_at(ship_early.timestamp + 10)
    ship_late = escrow.markShipped(late, terms(late), SHIPMENT, {"from": manufacturer})
    ends_early = ship_early.timestamp + DAY
    ends_late = ship_late.timestamp + DAY
    assert ends_late > ends_early

    next_block_at(ends_early - 1)
    tx = escrow.openDispute(early, terms(early), REASON, {"from": buyer})
    assert tx.timestamp == ends_early - 1
    assert tx.events["DisputeOpened"]["late"] is False
    # An in-time dispute blocks settlement until the arbiter decides.
    with reverts(err("InvalidOrderState(uint256,uint8)", early, DISPUTED)):
        escrow.settle(early, terms(early), refs(early), {"from": outsider})

    next_block_at(ends_late)
    tx = escrow.openDispute(late, terms(late), REASON, {"from": buyer})
    assert tx.timestamp == ends_late
    assert tx.events["DisputeOpened"]["late"] is True
    assert escrow.order(late)[1] == DISPUTED and escrow.order(late)[2] is True
    # A late dispute cannot block a seller whose devices are certified: anyone may still settle.
    assert escrow.canSettle(late, terms(late), refs(late))[0] is True
    settled = escrow.settle(late, terms(late), refs(late), {"from": outsider})
    assert settled.events["OrderSettled"]["orderId"] == late
    assert devices.ownerOf(ids[1]) == buyer


@pytest.mark.parametrize("accepted", [False, True])
def test_uncertified_order_can_be_disputed_at_any_time(
    escrow, create_order, make_devices, manufacturer, buyer, accepted
):
    ids = make_devices(1, certify=False)
    _, order_id = create_order(ids, inspection=DAY)
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    if accepted:
        escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    chain.sleep(30 * DAY)
    tx = escrow.openDispute(
        order_id, terms(order_id), "no pass certificate after 30 days", {"from": buyer}
    )
    assert tx.events["DisputeOpened"]["orderId"] == order_id
    assert escrow.order(order_id)[1] == DISPUTED


def test_open_dispute_errors(
    escrow, create_order, make_devices, shipped_order, buyer, manufacturer, outsider
):
    _, funded = create_order(make_devices(1))
    with reverts(err("InvalidOrderState(uint256,uint8)", funded, FUNDED)):
        escrow.openDispute(funded, terms(funded), REASON, {"from": buyer})
    order_id, _ = shipped_order(1)
    for caller in (manufacturer, outsider):
        with reverts(err("NotBuyer(uint256,address)", order_id, caller)):
            escrow.openDispute(order_id, terms(order_id), REASON, {"from": caller})
    escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, DISPUTED)):
        escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    settled, _ = shipped_order(1)
    escrow.confirmDelivery(settled, terms(settled), {"from": buyer})
    escrow.settle(settled, terms(settled), refs(settled), {"from": outsider})
    with reverts(err("InvalidOrderState(uint256,uint8)", settled, SETTLED)):
        escrow.openDispute(settled, terms(settled), REASON, {"from": buyer})
    with reverts(err("OrderNotFound(uint256)", 404)):
        escrow.openDispute(404, terms(404), REASON, {"from": buyer})


@pytest.mark.parametrize("bps", [0, 5000, 10000])
def test_resolve_erc20(escrow, usdc, devices, shipped_order, buyer, manufacturer, arbiter, bps):
    amount = 25_000 * 10**6
    order_id, ids = shipped_order(2, amount=amount)
    escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    seller_share, buyer_share = amount * bps // 10_000, amount - amount * bps // 10_000
    before = {a: usdc.balanceOf(a) for a in (buyer, manufacturer, escrow)}

    tx = escrow.resolveDispute(order_id, terms(order_id), bps, {"from": arbiter})

    assert_events(
        tx,
        escrow,
        [
            (
                "DisputeResolved",
                {
                    "orderId": order_id,
                    "arbiter": arbiter,
                    "sellerShareBps": bps,
                    "sellerAmount": seller_share,
                    "buyerAmount": buyer_share,
                },
            )
        ],
    )
    transfers = []
    if seller_share:
        transfers.append(("Transfer", {"from": escrow, "to": manufacturer, "value": seller_share}))
    if buyer_share:
        transfers.append(("Transfer", {"from": escrow, "to": buyer, "value": buyer_share}))
    assert_events(tx, usdc, transfers)
    assert usdc.balanceOf(manufacturer) == before[manufacturer] + seller_share
    assert usdc.balanceOf(buyer) == before[buyer] + buyer_share
    assert usdc.balanceOf(escrow) == before[escrow] - amount
    # devices go to the buyer when the seller gets anything (one move each, seller -> buyer), and
    # are unlocked in place with the seller on a full refund
    receiver = buyer if bps > 0 else manufacturer
    m, b = str(manufacturer).lower(), str(buyer).lower()
    assert erc721_moves(tx, devices) == ([(m, b, i) for i in ids] if bps > 0 else [])
    assert all(devices.ownerOf(i) == receiver for i in ids)
    assert all(devices.lockerOf(i) == ZERO for i in ids)
    assert escrow.order(order_id)[1] == RESOLVED


@pytest.mark.parametrize("bps", [0, 5000, 10000])
def test_resolve_native(escrow, devices, shipped_order, buyer, manufacturer, arbiter, bps):
    amount = 3 * 10**18 + 1
    order_id, ids = shipped_order(1, token=NATIVE, amount=amount)
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    seller_share = amount * bps // 10_000
    buyer_share = amount - seller_share
    before = {a: native_balance(a) for a in (buyer, manufacturer, escrow, arbiter)}

    tx = escrow.resolveDispute(order_id, terms(order_id), bps, {"from": arbiter})

    event = tx.events["DisputeResolved"]
    assert (event["sellerAmount"], event["buyerAmount"]) == (seller_share, buyer_share)
    assert native_balance(manufacturer) == before[manufacturer] + seller_share
    assert native_balance(buyer) == before[buyer] + buyer_share
    assert native_balance(escrow) == before[escrow] - amount
    assert native_balance(arbiter) == before[arbiter] - gas_cost(tx)
    assert devices.ownerOf(ids[0]) == (buyer if bps else manufacturer)
    assert "PaymentCredited" not in tx.events


def test_split_rounds_down_for_the_seller(
    escrow, usdc, shipped_order, buyer, manufacturer, arbiter
):
    order_id, _ = shipped_order(1, amount=1001)
    escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    tx = escrow.resolveDispute(order_id, terms(order_id), 3333, {"from": arbiter})
    assert tx.events["DisputeResolved"]["sellerAmount"] == 333  # 1001 * 0.3333 = 333.63
    assert tx.events["DisputeResolved"]["buyerAmount"] == 668


def test_share_that_rounds_to_zero_is_a_full_refund_devices_included(
    escrow, usdc, devices, shipped_order, buyer, manufacturer, arbiter
):
    # Found by the forge invariant campaign: 209 units at 19 bps pay the seller 0 (3.971 rounds
    # down), so the buyer must not keep the devices as well as the whole amount.
    order_id, ids = shipped_order(2, amount=209)
    escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    before = {a: usdc.balanceOf(a) for a in (buyer, manufacturer)}

    tx = escrow.resolveDispute(order_id, terms(order_id), 19, {"from": arbiter})

    event = tx.events["DisputeResolved"]
    assert (event["sellerShareBps"], event["sellerAmount"], event["buyerAmount"]) == (19, 0, 209)
    assert usdc.balanceOf(buyer) == before[buyer] + 209
    assert usdc.balanceOf(manufacturer) == before[manufacturer]
    assert erc721_moves(tx, devices) == []
    assert all(devices.ownerOf(i) == manufacturer and devices.lockerOf(i) == ZERO for i in ids)


def test_resolve_errors(escrow, shipped_order, buyer, manufacturer, outsider, admin, arbiter):
    order_id, _ = shipped_order(1)
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, SHIPPED)):
        escrow.resolveDispute(order_id, terms(order_id), 5000, {"from": arbiter})
    escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    for caller in (outsider, buyer, manufacturer, admin):
        with reverts(err("NotArbiter(uint256,address)", order_id, caller)):
            escrow.resolveDispute(order_id, terms(order_id), 5000, {"from": caller})
    with reverts(err("InvalidShare(uint16)", 10_001)):
        escrow.resolveDispute(order_id, terms(order_id), 10_001, {"from": arbiter})
    with reverts(err("InvalidShare(uint16)", 65_535)):
        escrow.resolveDispute(order_id, terms(order_id), 65_535, {"from": arbiter})
    escrow.resolveDispute(order_id, terms(order_id), 10_000, {"from": arbiter})
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, RESOLVED)):
        escrow.resolveDispute(order_id, terms(order_id), 10_000, {"from": arbiter})
    with reverts(err("OrderNotFound(uint256)", 31337)):
        escrow.resolveDispute(31337, terms(31337), 0, {"from": arbiter})


def test_arbiter_is_fixed_into_the_order(
    escrow, create_order, make_devices, manufacturer, buyer, admin, arbiter, arbiter2
):
    ids = make_devices(2)
    _, old = create_order(ids[:1])
    escrow.setDefaultArbiter(arbiter2, {"from": admin})
    tx, new = create_order(ids[1:])
    assert tx.events["OrderCreated"]["terms"]["arbiter"] == arbiter2
    assert terms(old)[8] == arbiter and terms(new)[8] == arbiter2
    assert (
        escrow.arbiterOf(old, terms(old)) == arbiter
        and escrow.arbiterOf(new, terms(new)) == arbiter2
    )
    for order_id in (old, new):
        escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
        escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    with reverts(err("NotArbiter(uint256,address)", old, arbiter2)):
        escrow.resolveDispute(old, terms(old), 5000, {"from": arbiter2})
    with reverts(err("NotArbiter(uint256,address)", new, arbiter)):
        escrow.resolveDispute(new, terms(new), 5000, {"from": arbiter})
    assert (
        escrow.resolveDispute(old, terms(old), 5000, {"from": arbiter}).events["DisputeResolved"][
            "arbiter"
        ]
        == arbiter
    )
    assert (
        escrow.resolveDispute(new, terms(new), 5000, {"from": arbiter2}).events["DisputeResolved"][
            "arbiter"
        ]
        == arbiter2
    )


def test_revoked_arbiter_is_replaced_by_the_default_arbiter(
    escrow, shipped_order, buyer, admin, arbiter, arbiter2
):
    order_id, _ = shipped_order(1)
    escrow.openDispute(order_id, terms(order_id), REASON, {"from": buyer})
    escrow.setDefaultArbiter(arbiter2, {"from": admin})
    escrow.revokeRole(ARBITER_ROLE, arbiter, {"from": admin})
    assert terms(order_id)[8] == arbiter
    assert escrow.arbiterOf(order_id, terms(order_id)) == arbiter2
    with reverts(err("NotArbiter(uint256,address)", order_id, arbiter)):
        escrow.resolveDispute(order_id, terms(order_id), 0, {"from": arbiter})
    # a default arbiter that lost its role cannot resolve either
    escrow.revokeRole(ARBITER_ROLE, arbiter2, {"from": admin})
    with reverts(err("NotArbiter(uint256,address)", order_id, arbiter2)):
        escrow.resolveDispute(order_id, terms(order_id), 0, {"from": arbiter2})
    escrow.grantRole(ARBITER_ROLE, arbiter2, {"from": admin})
    tx = escrow.resolveDispute(order_id, terms(order_id), 0, {"from": arbiter2})
    assert tx.events["DisputeResolved"]["arbiter"] == arbiter2
    assert escrow.order(order_id)[1] == RESOLVED
