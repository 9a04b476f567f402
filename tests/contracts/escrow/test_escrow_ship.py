"""markShipped (devices stay locked with the seller), declineOrder and confirmDelivery."""

import pytest
from brownie.exceptions import VirtualMachineError
from escrow_helpers import (
    ACCEPTED,
    DAY,
    DECLINED,
    FUNDED,
    SHIPMENT,
    SHIPPED,
    ZERO,
    assert_events,
    erc721_moves,
    err,
    next_block_at,
    now,
    order_slot,
    reverts,
    terms,
    terms_hash,
    tx_timestamp,
)


def test_seller_ships_and_devices_stay_locked_in_place(
    escrow, devices, usdc, create_order, make_devices, manufacturer
):
    ids = make_devices(3)
    _, order_id = create_order(ids)
    escrow_usdc = usdc.balanceOf(escrow)

    tx = escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})

    assert_events(
        tx,
        escrow,
        [
            (
                "OrderShipped",
                {"orderId": order_id, "shipmentHash": SHIPMENT, "shippedAt": tx.timestamp},
            )
        ],
    )
    assert erc721_moves(tx, devices) == []
    assert all(devices.ownerOf(i) == manufacturer for i in ids)
    assert all(devices.lockerOf(i) == escrow for i in ids)
    slot = order_slot(escrow, order_id)
    assert (slot["state"], slot["shippedAt"], slot["disputedLate"]) == (
        SHIPPED,
        tx.timestamp,
        False,
    )
    assert slot["termsHash"] == terms_hash(terms(order_id))
    # no money moves when shipping
    assert usdc.balanceOf(escrow) == escrow_usdc


def test_only_the_seller_ships(escrow, create_order, make_devices, buyer, outsider, admin):
    _, order_id = create_order(make_devices(1))
    for caller in (buyer, outsider, admin):
        with reverts(err("NotSeller(uint256,address)", order_id, caller)):
            escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": caller})


def test_ship_only_once_and_only_existing_orders(escrow, create_order, make_devices, manufacturer):
    _, order_id = create_order(make_devices(1))
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, SHIPPED)):
        escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    with reverts(err("OrderNotFound(uint256)", 99)):
        escrow.markShipped(99, terms(99), SHIPMENT, {"from": manufacturer})
    with reverts(err("OrderNotFound(uint256)", 0)):
        escrow.markShipped(0, terms(0), SHIPMENT, {"from": manufacturer})


def test_ship_deadline_is_inclusive(escrow, create_order, make_devices, manufacturer):
    ids = make_devices(2)
    tx1, first = create_order(ids[:1], ship_in=DAY)
    tx2, second = create_order(ids[1:], ship_in=DAY)
    ship_by_first = tx1.events["OrderCreated"]["terms"]["shipBy"]
    ship_by_second = tx2.events["OrderCreated"]["terms"]["shipBy"]

    next_block_at(ship_by_first)
    tx = escrow.markShipped(first, terms(first), SHIPMENT, {"from": manufacturer})
    assert tx.timestamp == ship_by_first
    assert escrow.order(first)[1] == SHIPPED

    at = max(ship_by_second + 1, now() + 1)
    next_block_at(at)
    with pytest.raises(VirtualMachineError) as info:
        escrow.markShipped(second, terms(second), SHIPMENT, {"from": manufacturer})
    assert tx_timestamp(info.value) == at
    with reverts(err("ShipDeadlinePassed(uint256,uint64)", second, ship_by_second)):
        raise info.value
    assert escrow.order(second)[1] == FUNDED


def test_locked_devices_cannot_leave_the_seller(
    escrow, devices, create_order, make_devices, manufacturer, seller2
):
    ids = make_devices(2)
    _, order_id = create_order(ids)
    # the seller can neither give a device away nor approve someone for it while the order is open
    with reverts(err("DeviceLocked(uint256,address)", ids[1], escrow)):
        devices.transferFrom(manufacturer, seller2, ids[1], {"from": manufacturer})
    # withdrawing the escrow's approval does not unlock anything, and shipping still works
    devices.setApprovalForAll(escrow, False, {"from": manufacturer})
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    assert all(devices.ownerOf(i) == manufacturer for i in ids)
    assert escrow.order(order_id)[1] == SHIPPED


def test_wrong_terms_revert_terms_mismatch(
    escrow, create_order, make_devices, manufacturer, seller2
):
    ids = make_devices(2)
    _, order_id = create_order(ids)
    real = terms(order_id)
    forged = [
        (str(seller2), *real[1:]),  # another buyer
        (*real[:3], real[3] - 1, *real[4:]),  # a lower price
        (*real[:4], [ids[0]], *real[5:]),  # fewer devices
        (*real[:6], real[6] + 1, *real[7:]),  # a later ship date
        (*real[:9], [str(seller2)]),  # pinned labs
    ]
    for bad in forged:
        with reverts(err("TermsMismatch(uint256)", order_id)):
            escrow.markShipped(order_id, bad, SHIPMENT, {"from": manufacturer})
    # the terms of another order do not fit either
    _, other = create_order(make_devices(1))
    with reverts(err("TermsMismatch(uint256)", order_id)):
        escrow.markShipped(order_id, terms(other), SHIPMENT, {"from": manufacturer})
    assert escrow.order(order_id)[1] == FUNDED


def test_seller_declines_an_unshipped_order(
    escrow, devices, usdc, create_order, make_devices, buyer, manufacturer, outsider
):
    ids = make_devices(2)
    _, order_id = create_order(ids, amount=7_000)
    buyer_before, escrow_before = usdc.balanceOf(buyer), usdc.balanceOf(escrow)
    for caller in (buyer, outsider):
        with reverts(err("NotSeller(uint256,address)", order_id, caller)):
            escrow.declineOrder(order_id, terms(order_id), {"from": caller})

    tx = escrow.declineOrder(order_id, terms(order_id), {"from": manufacturer})

    assert_events(
        tx,
        escrow,
        [
            (
                "OrderDeclined",
                {"orderId": order_id, "seller": manufacturer, "buyer": buyer, "amount": 7_000},
            )
        ],
    )
    assert usdc.balanceOf(buyer) == buyer_before + 7_000
    assert usdc.balanceOf(escrow) == escrow_before - 7_000
    assert erc721_moves(tx, devices) == []
    assert all(devices.lockerOf(i) == ZERO and devices.ownerOf(i) == manufacturer for i in ids)
    assert escrow.order(order_id)[1] == DECLINED
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, DECLINED)):
        escrow.declineOrder(order_id, terms(order_id), {"from": manufacturer})
    # the devices are free again: another order can lock them
    _, again = create_order(ids)
    assert devices.lockerOf(ids[0]) == escrow and again == order_id + 1


def test_decline_only_before_shipping(escrow, shipped_order, manufacturer):
    order_id, _ = shipped_order(1)
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, SHIPPED)):
        escrow.declineOrder(order_id, terms(order_id), {"from": manufacturer})
    with reverts(err("OrderNotFound(uint256)", 77)):
        escrow.declineOrder(77, terms(77), {"from": manufacturer})


def test_buyer_confirms_delivery(escrow, shipped_order, buyer):
    order_id, _ = shipped_order(2)
    tx = escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    assert_events(
        tx,
        escrow,
        [
            (
                "DeliveryConfirmed",
                {"orderId": order_id, "buyer": buyer, "acceptedAt": tx.timestamp},
            )
        ],
    )
    assert escrow.order(order_id)[1] == ACCEPTED


def test_confirm_delivery_errors(escrow, create_order, make_devices, buyer, manufacturer, outsider):
    _, order_id = create_order(make_devices(1))
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, FUNDED)):
        escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    for caller in (manufacturer, outsider):
        with reverts(err("NotBuyer(uint256,address)", order_id, caller)):
            escrow.confirmDelivery(order_id, terms(order_id), {"from": caller})
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, ACCEPTED)):
        escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    with reverts(err("OrderNotFound(uint256)", 42)):
        escrow.confirmDelivery(42, terms(42), {"from": buyer})
