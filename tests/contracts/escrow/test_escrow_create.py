"""createOrder: funding in ERC-20 and native coin, every validation error, fee-on-transfer refused."""

import pytest
from brownie.exceptions import VirtualMachineError
from escrow_helpers import (
    ARBITER_ROLE,
    DAY,
    FUNDED,
    MAX_DEVICES,
    MAX_INSPECTION,
    NATIVE,
    SPEC,
    ZERO,
    assert_events,
    err,
    gas_cost,
    make_terms,
    native_balance,
    next_block_at,
    now,
    order_slot,
    reverts,
    terms,
    terms_hash,
    tx_timestamp,
)

AMOUNT = 25_000 * 10**6


def test_erc20_order_pulls_exact_amount_and_records_everything(
    escrow, usdc, devices, make_devices, buyer, manufacturer, arbiter
):
    ids = make_devices(3)
    usdc.approve(escrow, AMOUNT, {"from": buyer})
    ship_by = now() + 7 * DAY
    buyer_before, escrow_before = usdc.balanceOf(buyer), usdc.balanceOf(escrow)
    assert escrow.nextOrderId() == 1

    tx = escrow.createOrder(
        manufacturer, usdc, AMOUNT, ids, SPEC, ship_by, 3 * DAY, [], {"from": buyer}
    )

    expected_terms = make_terms(
        buyer=buyer,
        seller=manufacturer,
        token=usdc,
        amount=AMOUNT,
        device_ids=ids,
        spec=SPEC,
        ship_by=ship_by,
        inspection=3 * DAY,
        arbiter=arbiter,
    )
    assert_events(
        tx,
        escrow,
        [
            (
                "OrderCreated",
                {"orderId": 1, "buyer": buyer, "seller": manufacturer, "terms": expected_terms},
            )
        ],
    )
    assert_events(tx, usdc, [("Transfer", {"from": buyer, "to": escrow, "value": AMOUNT})])
    assert usdc.balanceOf(buyer) == buyer_before - AMOUNT
    assert usdc.balanceOf(escrow) == escrow_before + AMOUNT
    assert usdc.allowance(buyer, escrow) == 0
    # one slot: the terms' digest, the state, no late dispute, not shipped
    assert order_slot(escrow, 1) == {
        "termsHash": terms_hash(expected_terms),
        "state": FUNDED,
        "disputedLate": False,
        "shippedAt": 0,
    }
    assert escrow.hashTerms(expected_terms) == terms_hash(expected_terms)
    assert terms(1) == expected_terms
    assert escrow.nextOrderId() == 2
    # devices stay with the seller, locked for the escrow: one DevicesLocked, no ERC-721 Transfer
    assert all(devices.ownerOf(i) == manufacturer for i in ids)
    assert all(devices.lockerOf(i) == escrow for i in ids)
    assert_events(
        tx,
        devices,
        [("DevicesLocked", {"locker": escrow, "owner": manufacturer, "deviceIds": ids})],
    )


def test_native_order_takes_msg_value(escrow, make_devices, buyer, manufacturer, arbiter):
    ids = make_devices(1)
    amount = 3 * 10**18
    ship_by = now() + 2 * DAY
    buyer_before, escrow_before = native_balance(buyer), native_balance(escrow)

    tx = escrow.createOrder(
        manufacturer, NATIVE, amount, ids, SPEC, ship_by, DAY, [], {"from": buyer, "value": amount}
    )

    expected_terms = make_terms(
        buyer=buyer,
        seller=manufacturer,
        token=ZERO,
        amount=amount,
        device_ids=ids,
        spec=SPEC,
        ship_by=ship_by,
        inspection=DAY,
        arbiter=arbiter,
    )
    assert_events(
        tx,
        escrow,
        [
            (
                "OrderCreated",
                {"orderId": 1, "buyer": buyer, "seller": manufacturer, "terms": expected_terms},
            )
        ],
    )
    assert native_balance(escrow) == escrow_before + amount
    assert native_balance(buyer) == buyer_before - amount - gas_cost(tx)
    slot = order_slot(escrow, 1)
    assert slot["termsHash"] == terms_hash(expected_terms) and slot["state"] == FUNDED


def test_order_ids_count_up_from_one(create_order, make_devices, escrow, buyer2):
    ids = make_devices(3)
    assert create_order(ids[:1])[1] == 1
    assert create_order(ids[1:2], buyer_=buyer2)[1] == 2
    assert create_order(ids[2:], token=NATIVE)[1] == 3
    assert escrow.nextOrderId() == 4
    # a device is locked by its open order: no second order can take it
    with reverts(err("DeviceLocked(uint256,address)", ids[0], escrow)):
        create_order(ids[:1])
    assert escrow.nextOrderId() == 4


def test_maximum_inspection_period_and_device_count_are_allowed(create_order, make_devices, escrow):
    ids = make_devices(2)
    _, order_id = create_order(ids, inspection=MAX_INSPECTION)
    assert terms(order_id)[7] == MAX_INSPECTION
    assert order_slot(escrow, order_id)["state"] == FUNDED
    assert escrow.MAX_INSPECTION_PERIOD() == MAX_INSPECTION
    assert escrow.MAX_DEVICES_PER_ORDER() == MAX_DEVICES


def test_invalid_terms_revert_with_values(escrow, usdc, make_devices, buyer, manufacturer):
    ids = make_devices(1)
    usdc.approve(escrow, AMOUNT, {"from": buyer})
    ship_by = now() + DAY

    def create(seller=manufacturer, token=usdc, amount=AMOUNT, device_ids=ids, inspection=DAY):
        return escrow.createOrder(
            seller, token, amount, device_ids, SPEC, ship_by, inspection, [], {"from": buyer}
        )

    with reverts(err("InvalidSeller(address)", ZERO)):
        create(seller=ZERO)
    with reverts(err("SellerIsBuyer(address)", buyer)):
        create(seller=buyer)
    with reverts(err("TokenNotAllowed(address)", manufacturer)):
        create(token=manufacturer)
    with reverts(err("ZeroAmount()")):
        create(amount=0)
    with reverts(err("InvalidInspectionPeriod(uint64,uint64)", 0, MAX_INSPECTION)):
        create(inspection=0)
    with reverts(err("InvalidInspectionPeriod(uint64,uint64)", MAX_INSPECTION + 1, MAX_INSPECTION)):
        create(inspection=MAX_INSPECTION + 1)
    with reverts(err("NoDevices()")):
        create(device_ids=[])
    too_many = list(range(1, MAX_DEVICES + 2))
    with reverts(err("TooManyDevices(uint256,uint256)", MAX_DEVICES + 1, MAX_DEVICES)):
        create(device_ids=too_many)
    assert escrow.nextOrderId() == 1


def test_device_list_errors(escrow, usdc, devices, make_devices, buyer, manufacturer, seller2):
    mine = make_devices(2)
    theirs = make_devices(1, owner=seller2)
    unknown = 123456789
    usdc.approve(escrow, AMOUNT, {"from": buyer})
    ship_by = now() + DAY

    def create(device_ids):
        return escrow.createOrder(
            manufacturer, usdc, AMOUNT, device_ids, SPEC, ship_by, DAY, [], {"from": buyer}
        )

    with reverts(err("DuplicateDevice(uint256)", mine[0])):
        create([mine[0], mine[1], mine[0]])
    with reverts(err("DuplicateDevice(uint256)", mine[1])):
        create([mine[1], mine[1]])
    # the duplicate search runs once the registry's lock failed (a duplicate always makes it fail
    # at its second copy): a duplicate is still named before the registry's other errors
    with reverts(err("DuplicateDevice(uint256)", theirs[0])):
        create([mine[0], theirs[0], theirs[0]])
    with reverts(err("DuplicateDevice(uint256)", unknown)):
        create([unknown, mine[0], unknown])
    # existence and ownership are the registry's lock checks (its errors, nothing locked)
    with reverts(
        err("DeviceNotOwnedBy(uint256,address,address)", theirs[0], manufacturer, seller2)
    ):
        create([mine[0], theirs[0]])
    with reverts(err("DeviceNotFound(uint256)", unknown)):
        create([unknown])
    # a device the seller sold on after registration
    devices.transferFrom(manufacturer, seller2, mine[1], {"from": manufacturer})
    with reverts(err("DeviceNotOwnedBy(uint256,address,address)", mine[1], manufacturer, seller2)):
        create(mine)
    assert devices.lockerOf(mine[0]) == ZERO and escrow.nextOrderId() == 1
    # a seller that has not approved the escrow on the registry cannot be ordered from
    devices.setApprovalForAll(escrow, False, {"from": seller2})
    with reverts(err("NotApprovedOperator(address,address)", seller2, escrow)):
        escrow.createOrder(seller2, usdc, AMOUNT, theirs, SPEC, ship_by, DAY, [], {"from": buyer})


def test_ship_by_must_be_in_the_future(escrow, usdc, make_devices, buyer, manufacturer):
    ids = make_devices(1)
    usdc.approve(escrow, AMOUNT, {"from": buyer})
    past = now() - 10
    with pytest.raises(VirtualMachineError) as info:
        escrow.createOrder(manufacturer, usdc, AMOUNT, ids, SPEC, past, DAY, [], {"from": buyer})
    mined_at = tx_timestamp(info.value)
    with reverts(err("ShipByNotInFuture(uint64,uint256)", past, mined_at)):
        raise info.value
    # shipBy equal to the block time is not in the future either
    at = now() + 100
    next_block_at(at)
    with pytest.raises(VirtualMachineError) as info:
        escrow.createOrder(manufacturer, usdc, AMOUNT, ids, SPEC, at, DAY, [], {"from": buyer})
    assert tx_timestamp(info.value) == at
    with reverts(err("ShipByNotInFuture(uint64,uint256)", at, at)):
        raise info.value


def test_payment_mismatch_reverts(escrow, usdc, make_devices, buyer, manufacturer):
    ids = make_devices(1)
    ship_by = now() + DAY
    amount = 10**18
    with reverts(err("IncorrectPayment(uint256,uint256)", amount, amount - 1)):
        escrow.createOrder(
            manufacturer,
            NATIVE,
            amount,
            ids,
            SPEC,
            ship_by,
            DAY,
            [],
            {"from": buyer, "value": amount - 1},
        )
    with reverts(err("IncorrectPayment(uint256,uint256)", amount, amount + 1)):
        escrow.createOrder(
            manufacturer,
            NATIVE,
            amount,
            ids,
            SPEC,
            ship_by,
            DAY,
            [],
            {"from": buyer, "value": amount + 1},
        )
    # an ERC-20 order must not carry native coin
    usdc.approve(escrow, AMOUNT, {"from": buyer})
    with reverts(err("IncorrectPayment(uint256,uint256)", 0, 1)):
        escrow.createOrder(
            manufacturer, usdc, AMOUNT, ids, SPEC, ship_by, DAY, [], {"from": buyer, "value": 1}
        )


def test_missing_allowance_or_balance_reverts(
    escrow, usdc, make_devices, buyer, outsider, manufacturer
):
    ids = make_devices(1)
    ship_by = now() + DAY
    usdc.approve(escrow, AMOUNT - 1, {"from": buyer})
    with reverts(
        err("ERC20InsufficientAllowance(address,uint256,uint256)", escrow, AMOUNT - 1, AMOUNT)
    ):
        escrow.createOrder(manufacturer, usdc, AMOUNT, ids, SPEC, ship_by, DAY, [], {"from": buyer})
    usdc.approve(escrow, AMOUNT, {"from": outsider})
    with reverts(err("ERC20InsufficientBalance(address,uint256,uint256)", outsider, 0, AMOUNT)):
        escrow.createOrder(
            manufacturer, usdc, AMOUNT, ids, SPEC, ship_by, DAY, [], {"from": outsider}
        )


def test_fee_on_transfer_token_is_refused(escrow, fee_token, make_devices, buyer, manufacturer):
    ids = make_devices(1)
    amount = 1000 * 10**18
    fee_token.approve(escrow, amount, {"from": buyer})
    before = fee_token.balanceOf(buyer)
    received = amount - amount * 100 // 10_000
    with reverts(
        err("FeeOnTransferNotSupported(address,uint256,uint256)", fee_token, amount, received)
    ):
        escrow.createOrder(
            manufacturer, fee_token, amount, ids, SPEC, now() + DAY, DAY, [], {"from": buyer}
        )
    assert fee_token.balanceOf(buyer) == before
    assert fee_token.balanceOf(escrow) == 0
    assert escrow.nextOrderId() == 1


def test_creation_needs_a_default_arbiter_holding_the_role(
    escrow, create_order, make_devices, admin, arbiter
):
    ids = make_devices(1)
    escrow.revokeRole(ARBITER_ROLE, arbiter, {"from": admin})
    with reverts(err("ArbiterRoleMissing(address)", arbiter)):
        create_order(ids)
    escrow.grantRole(ARBITER_ROLE, arbiter, {"from": admin})
    assert create_order(ids)[1] == 1
