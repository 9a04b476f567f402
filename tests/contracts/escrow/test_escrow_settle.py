"""settle / settleMany / canSettle: money to the seller and device records to the buyer at once."""

import pytest
from brownie import chain
from brownie.exceptions import VirtualMachineError
from escrow_helpers import (
    ACCEPTED,
    DAY,
    DEVICE_INACTIVE,
    DEVICE_UNCERTIFIED,
    DISPUTED,
    FAIL,
    FUNDED,
    INSPECTION_OPEN,
    NATIVE,
    NO_PASS,
    OTHER_SPEC,
    READY,
    REFUNDED,
    SETTLED,
    SHIPMENT,
    SHIPPED,
    UNKNOWN_ORDER,
    WRONG_STATE,
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
    tx_timestamp,
)

AMOUNT = 25_000 * 10**6


def test_third_party_settles_accepted_erc20_order(
    escrow, usdc, devices, shipped_order, buyer, manufacturer, outsider
):
    order_id, ids = shipped_order(3)
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (True, READY)
    seller_before, buyer_before, escrow_before = (
        usdc.balanceOf(manufacturer),
        usdc.balanceOf(buyer),
        usdc.balanceOf(escrow),
    )

    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})

    assert_events(
        tx,
        escrow,
        [
            (
                "OrderSettled",
                {
                    "orderId": order_id,
                    "seller": manufacturer,
                    "buyer": buyer,
                    "amount": AMOUNT,
                    "settledBy": outsider,
                },
            )
        ],
    )
    assert_events(tx, usdc, [("Transfer", {"from": escrow, "to": manufacturer, "value": AMOUNT})])
    # each device moves once, seller -> buyer, and is unlocked
    m, b = str(manufacturer).lower(), str(buyer).lower()
    assert erc721_moves(tx, devices) == [(m, b, i) for i in ids]
    assert all(devices.lockerOf(i) == ZERO for i in ids)
    assert usdc.balanceOf(manufacturer) == seller_before + AMOUNT
    assert usdc.balanceOf(escrow) == escrow_before - AMOUNT
    assert usdc.balanceOf(buyer) == buyer_before
    assert all(devices.ownerOf(i) == buyer for i in ids)
    assert escrow.order(order_id)[1] == SETTLED
    assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (False, WRONG_STATE)
    assert escrow.creditOf(manufacturer, usdc) == 0


def test_native_settlement_pays_the_seller_exactly(
    escrow, devices, shipped_order, buyer, manufacturer, outsider
):
    amount = 7 * 10**18
    order_id, ids = shipped_order(2, token=NATIVE, amount=amount)
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    seller_before, escrow_before, outsider_before = (
        native_balance(manufacturer),
        native_balance(escrow),
        native_balance(outsider),
    )

    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})

    assert tx.events["OrderSettled"]["amount"] == amount
    assert native_balance(manufacturer) == seller_before + amount
    assert native_balance(escrow) == escrow_before - amount
    assert native_balance(outsider) == outsider_before - gas_cost(tx)
    assert all(devices.ownerOf(i) == buyer for i in ids)
    assert "PaymentCredited" not in tx.events


def test_inspection_timeout_settles_without_confirmation(
    escrow, usdc, devices, create_order, make_devices, manufacturer, buyer, outsider
):
    ids = make_devices(2)
    _, order_id = create_order(ids, inspection=3 * DAY)
    ship = escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    ends_at = ship.timestamp + 3 * DAY

    with reverts(err("InspectionPeriodActive(uint256,uint64)", order_id, ends_at)):
        escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})
    assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (False, INSPECTION_OPEN)

    chain.sleep(3 * DAY)
    chain.mine()
    assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (True, READY)
    seller_before = usdc.balanceOf(manufacturer)
    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})
    assert tx.events["OrderSettled"]["settledBy"] == outsider
    assert usdc.balanceOf(manufacturer) == seller_before + AMOUNT
    assert all(devices.ownerOf(i) == buyer for i in ids)
    assert escrow.order(order_id)[1] == SETTLED  # never accepted: no DeliveryConfirmed


def test_inspection_period_ends_exactly_at_shipped_at_plus_period(
    escrow, create_order, make_devices, manufacturer, outsider
):
    _, order_id = create_order(make_devices(1), inspection=DAY)
    ship = escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    ends_at = ship.timestamp + DAY

    next_block_at(ends_at - 1)
    with pytest.raises(VirtualMachineError) as info:
        escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})
    assert tx_timestamp(info.value) == ends_at - 1
    with reverts(err("InspectionPeriodActive(uint256,uint64)", order_id, ends_at)):
        raise info.value

    next_block_at(ends_at)
    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})
    assert tx.timestamp == ends_at
    assert escrow.order(order_id)[1] == SETTLED


def test_every_device_needs_a_valid_pass_for_the_orders_spec(
    escrow, devices, certs, lab, create_order, make_devices, certify, manufacturer, buyer, outsider
):
    good = make_devices(1)
    bad = make_devices(1, certify=False)
    _, order_id = create_order(good + bad)
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})

    def blocked():
        assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (
            False,
            DEVICE_UNCERTIFIED,
        )
        with reverts(err("DeviceNotCertified(uint256,uint256)", order_id, bad[0])):
            escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})

    blocked()
    certify(bad[0], spec=OTHER_SPEC)  # a pass for another specification
    blocked()
    certify(bad[0], result=FAIL)  # a failed test
    blocked()
    cert_id = certify(bad[0])
    assert refs(order_id)[1][0] == str(cert_id).lower()
    assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (True, READY)
    # the pass is revoked before settlement: blocked again
    certs.revokeCertificate(cert_id, "bench calibration out of date", {"from": lab})
    blocked()
    certify(bad[0])
    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})
    assert devices.ownerOf(bad[0]) == buyer and devices.ownerOf(good[0]) == buyer
    assert tx.events["OrderSettled"]["orderId"] == order_id


def test_expired_pass_blocks_settlement(
    escrow, create_order, make_devices, certify, manufacturer, outsider
):
    ids = make_devices(1, certify=False)
    certify(ids[0], valid_for=2 * DAY)
    _, order_id = create_order(ids, inspection=3 * DAY)
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    chain.sleep(3 * DAY + 1)
    chain.mine()
    assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (
        False,
        DEVICE_UNCERTIFIED,
    )
    with reverts(err("DeviceNotCertified(uint256,uint256)", order_id, ids[0])):
        escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})


def test_settle_rejects_other_states(
    escrow, create_order, make_devices, shipped_order, manufacturer, buyer, outsider
):
    _, funded = create_order(make_devices(1), ship_in=DAY)
    with reverts(err("InvalidOrderState(uint256,uint8)", funded, FUNDED)):
        escrow.settle(funded, terms(funded), refs(funded), {"from": outsider})
    assert escrow.canSettle(funded, terms(funded), refs(funded)) == (False, WRONG_STATE)

    disputed, _ = shipped_order(1)
    escrow.openDispute(disputed, terms(disputed), "two motors leak", {"from": buyer})
    with reverts(err("InvalidOrderState(uint256,uint8)", disputed, DISPUTED)):
        escrow.settle(disputed, terms(disputed), refs(disputed), {"from": outsider})
    assert escrow.canSettle(disputed, terms(disputed), refs(disputed)) == (False, WRONG_STATE)

    settled, _ = shipped_order(1)
    escrow.confirmDelivery(settled, terms(settled), {"from": buyer})
    escrow.settle(settled, terms(settled), refs(settled), {"from": outsider})
    with reverts(err("InvalidOrderState(uint256,uint8)", settled, SETTLED)):
        escrow.settle(settled, terms(settled), refs(settled), {"from": outsider})

    chain.sleep(DAY + 1)
    escrow.refund(funded, terms(funded), {"from": buyer})
    with reverts(err("InvalidOrderState(uint256,uint8)", funded, REFUNDED)):
        escrow.settle(funded, terms(funded), refs(funded), {"from": outsider})

    with reverts(err("OrderNotFound(uint256)", 77)):
        escrow.settle(77, terms(77), refs(77), {"from": outsider})
    assert escrow.canSettle(77, terms(77), refs(77)) == (False, UNKNOWN_ORDER)
    assert escrow.canSettle(0, terms(0), refs(0)) == (False, UNKNOWN_ORDER)


def test_settle_many_settles_what_it_can_and_skips_the_rest(
    escrow, usdc, devices, create_order, make_devices, shipped_order, manufacturer, buyer, outsider
):
    ready_erc20, ids_a = shipped_order(1)
    escrow.confirmDelivery(ready_erc20, terms(ready_erc20), {"from": buyer})
    inspecting, _ = shipped_order(1)
    _, funded = create_order(make_devices(1))
    uncertified_ids = make_devices(1, certify=False)
    _, uncertified = create_order(uncertified_ids)
    escrow.markShipped(uncertified, terms(uncertified), SHIPMENT, {"from": manufacturer})
    escrow.confirmDelivery(uncertified, terms(uncertified), {"from": buyer})
    ready_native, ids_e = shipped_order(1, token=NATIVE, amount=10**18)
    escrow.confirmDelivery(ready_native, terms(ready_native), {"from": buyer})

    batch = [ready_erc20, inspecting, 999, funded, uncertified, ready_native, ready_erc20, 0]
    passes = [refs(o) for o in batch]
    assert escrow.settleMany.call(batch, [terms(o) for o in batch], passes, {"from": outsider}) == 2
    seller_usdc, seller_eth = usdc.balanceOf(manufacturer), native_balance(manufacturer)

    tx = escrow.settleMany(batch, [terms(o) for o in batch], passes, {"from": outsider})

    assert_events(
        tx,
        escrow,
        [
            (
                "OrderSettled",
                {
                    "orderId": ready_erc20,
                    "seller": manufacturer,
                    "buyer": buyer,
                    "amount": AMOUNT,
                    "settledBy": outsider,
                },
            ),
            (
                "SettlementSkipped",
                {"orderId": inspecting, "status": INSPECTION_OPEN},
            ),
            ("SettlementSkipped", {"orderId": 999, "status": UNKNOWN_ORDER}),
            ("SettlementSkipped", {"orderId": funded, "status": WRONG_STATE}),
            ("SettlementSkipped", {"orderId": uncertified, "status": DEVICE_UNCERTIFIED}),
            (
                "OrderSettled",
                {
                    "orderId": ready_native,
                    "seller": manufacturer,
                    "buyer": buyer,
                    "amount": 10**18,
                    "settledBy": outsider,
                },
            ),
            ("SettlementSkipped", {"orderId": ready_erc20, "status": WRONG_STATE}),
            ("SettlementSkipped", {"orderId": 0, "status": UNKNOWN_ORDER}),
        ],
    )
    assert usdc.balanceOf(manufacturer) == seller_usdc + AMOUNT
    assert native_balance(manufacturer) == seller_eth + 10**18
    assert devices.ownerOf(ids_a[0]) == buyer and devices.ownerOf(ids_e[0]) == buyer
    states = {
        i: escrow.order(i)[1] for i in (ready_erc20, inspecting, funded, uncertified, ready_native)
    }
    assert states == {
        ready_erc20: SETTLED,
        inspecting: SHIPPED,
        funded: FUNDED,
        uncertified: ACCEPTED,
        ready_native: SETTLED,
    }
    assert escrow.settleMany.call(batch, [terms(o) for o in batch], passes, {"from": outsider}) == 0
    assert escrow.settleMany.call([], [terms(o) for o in []], [], {"from": outsider}) == 0
    empty = escrow.settleMany([], [terms(o) for o in []], [], {"from": outsider})
    assert len(empty.events) == 0


SUSPENDED_STATUS = 1


def test_first_failing_device_wins_in_device_order(
    escrow, devices, create_order, make_devices, certify, manufacturer, buyer, outsider
):
    # Statuses and passes come from one registry call each (statusesOf, passLabs): the answer must
    # still be the first device, in the order's device order, that is inactive or uncertified, and
    # for one device its status before its pass.
    a, c = make_devices(1), make_devices(1)
    b = make_devices(1, certify=False)
    ids = a + b + c
    _, order_id = create_order(ids)
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})

    def blocked(status, error):
        assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (False, status)
        with reverts(error):
            escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})

    devices.setDeviceStatus(c[0], SUSPENDED_STATUS, {"from": manufacturer})
    blocked(DEVICE_UNCERTIFIED, err("DeviceNotCertified(uint256,uint256)", order_id, b[0]))
    devices.setDeviceStatus(
        b[0], SUSPENDED_STATUS, {"from": manufacturer}
    )  # inactive and uncertified
    blocked(
        DEVICE_INACTIVE,
        err("DeviceInactive(uint256,uint256,uint8)", order_id, b[0], SUSPENDED_STATUS),
    )
    devices.setDeviceStatus(b[0], 0, {"from": manufacturer})
    certify(b[0])
    blocked(
        DEVICE_INACTIVE,
        err("DeviceInactive(uint256,uint256,uint8)", order_id, c[0], SUSPENDED_STATUS),
    )
    devices.setDeviceStatus(a[0], SUSPENDED_STATUS, {"from": manufacturer})
    blocked(
        DEVICE_INACTIVE,
        err("DeviceInactive(uint256,uint256,uint8)", order_id, a[0], SUSPENDED_STATUS),
    )
    devices.setDeviceStatus(a[0], 0, {"from": manufacturer})
    devices.setDeviceStatus(c[0], 0, {"from": manufacturer})

    # canSettle/settleMany take any number of passes: devices beyond them are uncertified, passes
    # beyond the devices are ignored
    passes = refs(order_id)
    assert escrow.canSettle(order_id, terms(order_id), passes[:2]) == (False, DEVICE_UNCERTIFIED)
    assert escrow.canSettle(order_id, terms(order_id), []) == (False, DEVICE_UNCERTIFIED)
    assert escrow.canSettle(order_id, terms(order_id), [*passes, NO_PASS]) == (True, READY)
    tx = escrow.settleMany([order_id], [terms(order_id)], [passes[:2]], {"from": outsider})
    assert tx.return_value == 0
    assert_events(
        tx, escrow, [("SettlementSkipped", {"orderId": order_id, "status": DEVICE_UNCERTIFIED})]
    )
    tx = escrow.settleMany([order_id], [terms(order_id)], [[*passes, NO_PASS]], {"from": outsider})
    assert tx.return_value == 1
    assert [devices.ownerOf(i) for i in ids] == [buyer] * 3
