"""markShipped (device records into custody) and confirmDelivery."""

import pytest
from brownie.exceptions import VirtualMachineError
from escrow_helpers import (
    ACCEPTED,
    DAY,
    FUNDED,
    SHIPMENT,
    SHIPPED,
    assert_events,
    erc721_moves,
    err,
    next_block_at,
    now,
    reverts,
    tx_timestamp,
)


def test_seller_ships_and_records_move_into_custody(
    escrow, devices, usdc, create_order, make_devices, manufacturer
):
    ids = make_devices(3)
    _, order_id = create_order(ids)
    escrow_usdc = usdc.balanceOf(escrow)

    tx = escrow.markShipped(order_id, SHIPMENT, {"from": manufacturer})

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
    m, e = str(manufacturer).lower(), str(escrow).lower()
    assert erc721_moves(tx, devices) == [(m, e, i) for i in ids]
    assert all(devices.ownerOf(i) == escrow for i in ids)
    order = escrow.order(order_id)
    assert order[2] == SHIPPED
    assert order[4] == tx.timestamp
    assert order[11] == "0x" + SHIPMENT.hex()
    # no money moves when shipping
    assert usdc.balanceOf(escrow) == escrow_usdc


def test_only_the_seller_ships(escrow, create_order, make_devices, buyer, outsider, admin):
    _, order_id = create_order(make_devices(1))
    for caller in (buyer, outsider, admin):
        with reverts(err("NotSeller(uint256,address)", order_id, caller)):
            escrow.markShipped(order_id, SHIPMENT, {"from": caller})


def test_ship_only_once_and_only_existing_orders(escrow, create_order, make_devices, manufacturer):
    _, order_id = create_order(make_devices(1))
    escrow.markShipped(order_id, SHIPMENT, {"from": manufacturer})
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, SHIPPED)):
        escrow.markShipped(order_id, SHIPMENT, {"from": manufacturer})
    with reverts(err("OrderNotFound(uint256)", 99)):
        escrow.markShipped(99, SHIPMENT, {"from": manufacturer})
    with reverts(err("OrderNotFound(uint256)", 0)):
        escrow.markShipped(0, SHIPMENT, {"from": manufacturer})


def test_ship_deadline_is_inclusive(escrow, create_order, make_devices, manufacturer):
    ids = make_devices(2)
    tx1, first = create_order(ids[:1], ship_in=DAY)
    tx2, second = create_order(ids[1:], ship_in=DAY)
    ship_by_first = tx1.events["OrderCreated"]["shipBy"]
    ship_by_second = tx2.events["OrderCreated"]["shipBy"]

    next_block_at(ship_by_first)
    tx = escrow.markShipped(first, SHIPMENT, {"from": manufacturer})
    assert tx.timestamp == ship_by_first
    assert escrow.order(first)[2] == SHIPPED

    at = max(ship_by_second + 1, now() + 1)
    next_block_at(at)
    with pytest.raises(VirtualMachineError) as info:
        escrow.markShipped(second, SHIPMENT, {"from": manufacturer})
    assert tx_timestamp(info.value) == at
    with reverts(err("ShipDeadlinePassed(uint256,uint64)", second, ship_by_second)):
        raise info.value
    assert escrow.order(second)[2] == FUNDED


def test_ship_needs_approval_and_ownership(
    escrow, devices, create_order, make_devices, manufacturer, seller2
):
    ids = make_devices(2)
    _, order_id = create_order(ids)
    devices.setApprovalForAll(escrow, False, {"from": manufacturer})
    with reverts(err("ERC721InsufficientApproval(address,uint256)", escrow, ids[0])):
        escrow.markShipped(order_id, SHIPMENT, {"from": manufacturer})
    devices.setApprovalForAll(escrow, True, {"from": manufacturer})
    # the seller gave one device away after the order was made: the whole shipment fails
    devices.transferFrom(manufacturer, seller2, ids[1], {"from": manufacturer})
    with reverts(err("ERC721InsufficientApproval(address,uint256)", escrow, ids[1])):
        escrow.markShipped(order_id, SHIPMENT, {"from": manufacturer})
    assert devices.ownerOf(ids[0]) == manufacturer
    assert escrow.order(order_id)[2] == FUNDED


def test_device_in_two_orders_ships_only_once(escrow, create_order, make_devices, manufacturer):
    ids = make_devices(1)
    _, first = create_order(ids)
    _, second = create_order(ids)
    escrow.markShipped(first, SHIPMENT, {"from": manufacturer})
    with reverts(
        err("ERC721IncorrectOwner(address,uint256,address)", manufacturer, ids[0], escrow)
    ):
        escrow.markShipped(second, SHIPMENT, {"from": manufacturer})


def test_buyer_confirms_delivery(escrow, shipped_order, buyer):
    order_id, _ = shipped_order(2)
    tx = escrow.confirmDelivery(order_id, {"from": buyer})
    assert_events(tx, escrow, [("DeliveryConfirmed", {"orderId": order_id, "buyer": buyer})])
    order = escrow.order(order_id)
    assert order[2] == ACCEPTED
    assert order[8] == tx.timestamp


def test_confirm_delivery_errors(escrow, create_order, make_devices, buyer, manufacturer, outsider):
    _, order_id = create_order(make_devices(1))
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, FUNDED)):
        escrow.confirmDelivery(order_id, {"from": buyer})
    escrow.markShipped(order_id, SHIPMENT, {"from": manufacturer})
    for caller in (manufacturer, outsider):
        with reverts(err("NotBuyer(uint256,address)", order_id, caller)):
            escrow.confirmDelivery(order_id, {"from": caller})
    escrow.confirmDelivery(order_id, {"from": buyer})
    with reverts(err("InvalidOrderState(uint256,uint8)", order_id, ACCEPTED)):
        escrow.confirmDelivery(order_id, {"from": buyer})
    with reverts(err("OrderNotFound(uint256)", 42)):
        escrow.confirmDelivery(42, {"from": buyer})
