"""Issue 10 regressions of the escrow: no order can starve a settlement batch, a device that is no
longer Active is uncertified (and the buyer's money never gets stuck), only allow-listed tokens,
registries that belong together, arbiters that are not parties, certificates presented per device
(every valid Pass counts; an order may pin its labs)."""

import pytest
from brownie import accounts, chain
from escrow_helpers import (
    ARBITER_ROLE,
    BURN,
    DAY,
    DEFAULT_ADMIN_ROLE,
    DEVICE_INACTIVE,
    DEVICE_UNCERTIFIED,
    DISPUTED,
    NATIVE,
    NO_PASS,
    READY,
    RESOLVED,
    SETTLED,
    SHIPMENT,
    SPEC,
    ZERO,
    assert_events,
    err,
    native_balance,
    pass_candidates,
    refs,
    reverts,
    terms,
    unauthorized,
)

ETH = 10**18
SUSPENDED, DECOMMISSIONED = 1, 2


def ready_native_order(escrow, make_devices, create_order, manufacturer, buyer, amount=1):
    ids = make_devices(1)
    _, order_id = create_order(ids, token=NATIVE, amount=amount)
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    return order_id, ids


# ------------------------------------------------------------------------------------------------
# 1. Settlement cannot be starved
# ------------------------------------------------------------------------------------------------


def test_gas_burning_seller_cannot_starve_a_settle_many_batch(
    escrow, devices, make_devices, create_order, wallet_seller, manufacturer, admin, buyer, outsider
):
    """The issue's scenario: 10 honest 1-device orders of 1 wei and one whose seller's receive()
    burns all gas, in one settleMany. Before: the batch ran out of gas (0 of 10 settled). Now: all
    10 settle, the bad seller is credited, and the batch costs a bounded amount of gas."""
    honest = [
        ready_native_order(escrow, make_devices, create_order, manufacturer, buyer)[0]
        for _ in range(10)
    ]
    wallet, wallet_ids = wallet_seller(1)
    _, bad = create_order(wallet_ids, token=NATIVE, amount=1, seller=wallet)
    wallet.execute(
        escrow, 0, escrow.markShipped.encode_input(bad, terms(bad), SHIPMENT), {"from": admin}
    )
    escrow.confirmDelivery(bad, terms(bad), {"from": buyer})
    wallet.setMode(BURN, ZERO, b"", {"from": admin})
    batch = [*honest[:5], bad, *honest[5:]]
    seller_before, escrow_before = native_balance(manufacturer), native_balance(escrow)

    tx = escrow.settleMany(
        batch,
        [terms(o) for o in batch],
        [refs(o) for o in batch],
        {"from": outsider, "gas": 2_000_000},
    )

    assert tx.status == 1
    assert tx.return_value == 11
    assert [e["orderId"] for e in tx.events["OrderSettled"]] == batch
    assert tx.events["PaymentCredited"]["account"] == wallet
    assert tx.events["PaymentCredited"]["amount"] == 1
    assert all(escrow.order(o)[1] == SETTLED for o in batch)
    assert native_balance(manufacturer) == seller_before + 10
    assert native_balance(escrow) == escrow_before - 10
    assert escrow.creditOf(wallet, ZERO) == 1
    assert devices.ownerOf(wallet_ids[0]) == buyer
    # bounded: the bad order costs at most its stipend more than an honest one
    assert tx.gas_used < 2_000_000
    assert escrow.NATIVE_PUSH_GAS() == 60_000 and escrow.TOKEN_CALL_GAS() == 150_000
    print(f"\ngas settleMany(10 honest + 1 gas-burning seller): {tx.gas_used}")


def test_settle_many_skips_bad_orders_with_an_event_and_checks_lengths(
    escrow, make_devices, create_order, manufacturer, buyer, outsider
):
    ok, _ = ready_native_order(escrow, make_devices, create_order, manufacturer, buyer)
    uncertified_ids = make_devices(1, certify=False)
    _, uncertified = create_order(uncertified_ids, token=NATIVE, amount=1)
    escrow.markShipped(uncertified, terms(uncertified), SHIPMENT, {"from": manufacturer})
    escrow.confirmDelivery(uncertified, terms(uncertified), {"from": buyer})

    tx = escrow.settleMany(
        [uncertified, ok],
        [terms(o) for o in [uncertified, ok]],
        [[NO_PASS], refs(ok)],
        {"from": outsider},
    )

    assert tx.return_value == 1
    assert tx.events["SettlementSkipped"]["orderId"] == uncertified
    assert tx.events["SettlementSkipped"]["status"] == DEVICE_UNCERTIFIED
    with reverts(err("LengthMismatch(uint256,uint256)", 1, 0)):
        escrow.settleMany([uncertified], [terms(o) for o in [uncertified]], [], {"from": outsider})
    with reverts(err("PassCountMismatch(uint256,uint256,uint256)", uncertified, 1, 0)):
        escrow.settle(uncertified, terms(uncertified), [], {"from": outsider})
    with reverts(err("PassCountMismatch(uint256,uint256,uint256)", uncertified, 1, 2)):
        escrow.settle(uncertified, terms(uncertified), [NO_PASS, NO_PASS], {"from": outsider})


# ------------------------------------------------------------------------------------------------
# 2. A device that is no longer Active is uncertified; the buyer's money never gets stuck
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [SUSPENDED, DECOMMISSIONED])
def test_device_not_active_after_shipping_blocks_settlement_and_the_buyer_gets_the_money_back(
    escrow, devices, make_devices, create_order, manufacturer, buyer, arbiter, outsider, status
):
    amount = 3 * ETH
    order_id, ids = ready_native_order(
        escrow, make_devices, create_order, manufacturer, buyer, amount=amount
    )
    passes = refs(order_id)
    assert escrow.canSettle(order_id, terms(order_id), passes) == (True, READY)
    devices.setDeviceStatus(ids[0], status, {"from": manufacturer})

    assert escrow.canSettle(order_id, terms(order_id), passes) == (False, DEVICE_INACTIVE)
    with reverts(err("DeviceInactive(uint256,uint256,uint8)", order_id, ids[0], status)):
        escrow.settle(order_id, terms(order_id), passes, {"from": outsider})
    tx = escrow.settleMany([order_id], [terms(o) for o in [order_id]], [passes], {"from": outsider})
    assert tx.events["SettlementSkipped"]["status"] == DEVICE_INACTIVE

    # long after the inspection period: the buyer disputes (late) and the arbiter refunds
    chain.sleep(30 * DAY)
    dispute = escrow.openDispute(
        order_id, terms(order_id), "device decommissioned in transit", {"from": buyer}
    )
    assert dispute.events["DisputeOpened"]["late"] is True
    assert escrow.canSettle(order_id, terms(order_id), passes) == (False, DEVICE_INACTIVE)
    buyer_before, escrow_before = native_balance(buyer), native_balance(escrow)
    escrow.resolveDispute(order_id, terms(order_id), 0, {"from": arbiter})
    assert escrow.order(order_id)[1] == RESOLVED
    assert native_balance(buyer) == buyer_before + amount
    assert native_balance(escrow) == escrow_before - amount
    assert devices.ownerOf(ids[0]) == manufacturer


def test_reactivated_device_settles(
    escrow, devices, make_devices, create_order, manufacturer, buyer, outsider
):
    order_id, ids = ready_native_order(escrow, make_devices, create_order, manufacturer, buyer)
    devices.setDeviceStatus(ids[0], SUSPENDED, {"from": manufacturer})
    assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (False, DEVICE_INACTIVE)
    devices.setDeviceStatus(ids[0], 0, {"from": manufacturer})
    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})
    assert tx.events["OrderSettled"]["orderId"] == order_id


# ------------------------------------------------------------------------------------------------
# 3. Certificates presented per device: every valid Pass counts, revoked labs count for nothing,
#    an order may pin its labs
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def lab2(certs, admin):
    certs.accreditLab(accounts[7], "Second Lab", chain.time() + 365 * DAY, {"from": admin})
    return accounts[7]


def test_short_lived_pass_of_another_lab_does_not_block_settlement(
    escrow, certs, make_devices, create_order, certify, manufacturer, buyer, outsider, lab2
):
    """Before: hasValidPass read only the latest Pass, so lab2's short-lived Pass hid lab's valid one."""
    order_id, ids = ready_native_order(escrow, make_devices, create_order, manufacturer, buyer)
    report = b"\x01" * 32
    certs.issueCertificate(ids[0], report, report, SPEC, 1, chain.time() + 100, {"from": lab2})
    chain.sleep(200)
    chain.mine()
    assert len(pass_candidates(ids[0], SPEC)) == 2
    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})
    assert tx.events["OrderSettled"]["orderId"] == order_id


def test_revoking_the_lab_uncertifies_its_devices(
    escrow, certs, make_devices, create_order, manufacturer, buyer, admin, outsider, lab
):
    order_id, ids = ready_native_order(escrow, make_devices, create_order, manufacturer, buyer)
    passes = refs(order_id)
    chain.sleep(1)
    certs.revokeAccreditation(lab, {"from": admin})
    assert escrow.canSettle(order_id, terms(order_id), passes) == (False, DEVICE_UNCERTIFIED)
    with reverts(err("DeviceNotCertified(uint256,uint256)", order_id, ids[0])):
        escrow.settle(order_id, terms(order_id), passes, {"from": outsider})


def test_order_pins_the_labs_it_accepts(
    escrow, certs, make_devices, create_order, manufacturer, buyer, outsider, lab, lab2
):
    ids = make_devices(1)  # certified by `lab`
    tx, order_id = create_order(ids, token=NATIVE, amount=1, labs=[lab2])
    # the pinned labs are part of the terms the order's digest commits to
    assert tx.events["OrderCreated"]["terms"]["labs"] == [lab2]
    assert terms(order_id)[9] == [str(lab2)]
    with reverts(err("TermsMismatch(uint256)", order_id)):
        escrow.markShipped(order_id, (*terms(order_id)[:9], []), SHIPMENT, {"from": manufacturer})
    escrow.markShipped(order_id, terms(order_id), SHIPMENT, {"from": manufacturer})
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    lab_pass = pass_candidates(ids[0], SPEC)
    assert escrow.canSettle(order_id, terms(order_id), lab_pass) == (False, DEVICE_UNCERTIFIED)
    report = b"\x02" * 32
    certs.issueCertificate(ids[0], report, report, SPEC, 1, chain.time() + DAY, {"from": lab2})
    assert escrow.canSettle(order_id, terms(order_id), refs(order_id)) == (True, READY)
    assert escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider}).events[
        "OrderSettled"
    ]


def test_pinned_labs_are_checked(escrow, make_devices, create_order, lab):
    ids = make_devices(1)
    with reverts(err("ZeroLab()")):
        create_order(ids, token=NATIVE, amount=1, labs=[lab, ZERO])
    with reverts(err("TooManyLabs(uint256,uint256)", 9, 8)):
        create_order(ids, token=NATIVE, amount=1, labs=[lab] * 9)
    _, order_id = create_order(ids, token=NATIVE, amount=1)
    assert terms(order_id)[9] == []
    assert escrow.MAX_LABS_PER_ORDER() == 8


# ------------------------------------------------------------------------------------------------
# 4. Tokens: only allow-listed ones; registries must belong together
# ------------------------------------------------------------------------------------------------


def test_only_allow_listed_tokens_pay_orders(
    escrow, TestStablecoin, make_devices, create_order, admin, buyer, outsider
):
    token = TestStablecoin.deploy({"from": admin})
    token.mint(buyer, 10**12, {"from": admin})
    ids = make_devices(1)
    assert not escrow.isTokenAllowed(token) and escrow.isTokenAllowed(NATIVE)
    with reverts(err("TokenNotAllowed(address)", token)):
        create_order(ids, token=token, amount=10**6)
    with reverts(unauthorized(outsider, DEFAULT_ADMIN_ROLE)):
        escrow.setTokenAllowed(token, True, {"from": outsider})
    for not_a_contract in (ZERO, outsider):
        with reverts(err("InvalidToken(address)", not_a_contract)):
            escrow.setTokenAllowed(not_a_contract, True, {"from": admin})

    tx = escrow.setTokenAllowed(token, True, {"from": admin})
    assert_events(tx, escrow, [("TokenAllowListUpdated", {"token": token, "allowed": True})])
    _, order_id = create_order(ids, token=token, amount=10**6)
    assert terms(order_id)[2] == token

    tx = escrow.setTokenAllowed(token, False, {"from": admin})
    assert_events(tx, escrow, [("TokenAllowListUpdated", {"token": token, "allowed": False})])
    with reverts(err("TokenNotAllowed(address)", token)):
        create_order(make_devices(1), token=token, amount=10**6)


def test_constructor_checks_that_the_registries_belong_together(
    SupplyChainEscrow, DeviceRegistry, certs, devices, admin, arbiter
):
    other = DeviceRegistry.deploy(admin, {"from": admin})
    with reverts(err("RegistryMismatch(address,address)", other, devices)):
        SupplyChainEscrow.deploy(admin, other, certs, arbiter, {"from": admin})


# ------------------------------------------------------------------------------------------------
# 5. The arbiter is never a party
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_arbiter_cannot_be_a_party_at_creation(
    escrow, make_devices, create_order, admin, buyer, manufacturer, party
):
    account = buyer if party == "buyer" else manufacturer
    escrow.grantRole(ARBITER_ROLE, account, {"from": admin})
    escrow.setDefaultArbiter(account, {"from": admin})
    with reverts(err("ArbiterIsParty(address,address,address)", account, buyer, manufacturer)):
        create_order(make_devices(1), token=NATIVE, amount=1)


def test_arbiter_that_became_a_party_cannot_resolve(
    escrow, shipped_order, admin, buyer, manufacturer, arbiter
):
    order_id, _ = shipped_order(1)
    escrow.openDispute(order_id, terms(order_id), "leaks", {"from": buyer})
    # the order's arbiter loses its role; the default arbiter that replaces it is the buyer
    escrow.grantRole(ARBITER_ROLE, buyer, {"from": admin})
    escrow.setDefaultArbiter(buyer, {"from": admin})
    escrow.revokeRole(ARBITER_ROLE, arbiter, {"from": admin})
    assert escrow.arbiterOf(order_id, terms(order_id)) == buyer
    with reverts(err("ArbiterIsParty(address,address,address)", buyer, buyer, manufacturer)):
        escrow.resolveDispute(order_id, terms(order_id), 0, {"from": buyer})
    assert escrow.order(order_id)[1] == DISPUTED
    # the admin appoints a neutral default arbiter again; it resolves
    escrow.grantRole(ARBITER_ROLE, arbiter, {"from": admin})
    escrow.setDefaultArbiter(arbiter, {"from": admin})
    tx = escrow.resolveDispute(order_id, terms(order_id), 10_000, {"from": arbiter})
    assert tx.events["DisputeResolved"]["arbiter"] == arbiter
