"""refund: the buyer takes the money back when the seller missed the ship date."""

import pytest
from brownie import chain
from brownie.exceptions import VirtualMachineError
from escrow_helpers import (
    DAY,
    NATIVE,
    REFUNDED,
    SHIPMENT,
    SHIPPED,
    assert_events,
    erc721_moves,
    err,
    gas_cost,
    native_balance,
    next_block_at,
    reverts,
    terms,
    tx_timestamp,
)

AMOUNT = 25_000 * 10**6


def test_buyer_refunds_erc20_after_ship_date(
    escrow, usdc, devices, create_order, make_devices, buyer, manufacturer
):
    ids = make_devices(2)
    _, order_id = create_order(ids, ship_in=DAY)
    chain.sleep(DAY + 1)
    buyer_before, escrow_before, seller_before = (
        usdc.balanceOf(buyer),
        usdc.balanceOf(escrow),
        usdc.balanceOf(manufacturer),
    )

    tx = escrow.refund(order_id, terms(order_id), {"from": buyer})

    assert_events(
        tx, escrow, [("OrderRefunded", {"orderId": order_id, "buyer": buyer, "amount": AMOUNT})]
    )
    assert_events(tx, usdc, [("Transfer", {"from": escrow, "to": buyer, "value": AMOUNT})])
    assert erc721_moves(tx, devices) == []
    assert usdc.balanceOf(buyer) == buyer_before + AMOUNT
    assert usdc.balanceOf(escrow) == escrow_before - AMOUNT
    assert usdc.balanceOf(manufacturer) == seller_before
    assert all(devices.ownerOf(i) == manufacturer for i in ids)
    assert escrow.order(order_id)[1] == REFUNDED


def test_buyer_refunds_native_after_ship_date(escrow, create_order, make_devices, buyer):
    amount = 2 * 10**18
    _, order_id = create_order(make_devices(1), token=NATIVE, amount=amount, ship_in=DAY)
    chain.sleep(DAY + 1)
    buyer_before, escrow_before = native_balance(buyer), native_balance(escrow)

    tx = escrow.refund(order_id, terms(order_id), {"from": buyer})

    assert tx.events["OrderRefunded"]["amount"] == amount
    assert native_balance(buyer) == buyer_before + amount - gas_cost(tx)
    assert native_balance(escrow) == escrow_before - amount


def test_refund_only_after_ship_by(escrow, create_order, make_devices, buyer):
    tx, order_id = create_order(make_devices(1), ship_in=DAY)
    ship_by = tx.events["OrderCreated"]["terms"]["shipBy"]
    with reverts(err("ShipDeadlineNotReached(uint256,uint64)", order_id, ship_by)):
        escrow.refund(order_id, terms(order_id), {"from": buyer})

    next_block_at(ship_by)
    with pytest.raises(VirtualMachineError) as info:
        escrow.refund(order_id, terms(order_id), {"from": buyer})
    assert tx_timestamp(info.value) == ship_by
    with reverts(err("ShipDeadlineNotReached(uint256,uint64)", order_id, ship_by)):
        raise info.value

    next_block_at(ship_by + 1)
    refund = escrow.refund(order_id, terms(order_id), {"from": buyer})
    assert refund.timestamp == ship_by + 1
    assert escrow.order(order_id)[1] == REFUNDED


def test_refund_errors(escrow, create_order, make_devices, buyer, manufacturer, outsider):
    ids = make_devices(2)
    _, unshipped = create_order(ids[:1], ship_in=DAY)
    _, shipped = create_order(ids[1:], ship_in=DAY)
    escrow.markShipped(shipped, terms(shipped), SHIPMENT, {"from": manufacturer})
    chain.sleep(DAY + 1)

    for caller in (manufacturer, outsider):
        with reverts(err("NotBuyer(uint256,address)", unshipped, caller)):
            escrow.refund(unshipped, terms(unshipped), {"from": caller})
    # once shipped the devices are in custody: no refund, only settlement or dispute
    with reverts(err("InvalidOrderState(uint256,uint8)", shipped, SHIPPED)):
        escrow.refund(shipped, terms(shipped), {"from": buyer})
    with reverts(err("OrderNotFound(uint256)", 55)):
        escrow.refund(55, terms(55), {"from": buyer})

    escrow.refund(unshipped, terms(unshipped), {"from": buyer})
    with reverts(err("InvalidOrderState(uint256,uint8)", unshipped, REFUNDED)):
        escrow.refund(unshipped, terms(unshipped), {"from": buyer})
    with reverts(err("InvalidOrderState(uint256,uint8)", unshipped, REFUNDED)):
        escrow.markShipped(unshipped, terms(unshipped), SHIPMENT, {"from": manufacturer})
    assert escrow.order(shipped)[1] == SHIPPED
