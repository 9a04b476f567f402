"""Money out for every receiver: push with full gas, credit when the push fails, pull with withdraw;
reentrancy through a malicious token and a malicious receiver is tried and fails."""

from brownie import chain, web3
from escrow_helpers import (
    ACCEPT,
    BURN,
    DAY,
    NATIVE,
    REENTER,
    REENTRANT_CALL,
    REJECT,
    SETTLED,
    SHIPMENT,
    SPEC,
    ZERO,
    assert_events,
    err,
    native_balance,
    now,
    refs,
    reverts,
    terms,
)

ETH = 10**18


def wallet_call(wallet, owner, target, fn, *args, value=0, **tx):
    """Make `wallet` call `fn(*args)` on `target` (the wallet's owner signs)."""
    return wallet.execute(
        target, value, fn.encode_input(*args), {"from": owner, "value": value, **tx}
    )


def wallet_order(
    escrow, make_devices, create_order, wallet_seller, admin, buyer, amount, token=NATIVE
):
    """A native (or token) order sold by a contract wallet, shipped and accepted."""
    wallet, ids = wallet_seller(1)
    _, order_id = create_order(ids, token=token, amount=amount, seller=wallet)
    wallet_call(wallet, admin, escrow, escrow.markShipped, order_id, terms(order_id), SHIPMENT)
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    return wallet, order_id, ids


def test_multisig_like_receiver_is_paid_with_full_gas(
    escrow, devices, make_devices, create_order, wallet_seller, admin, buyer, outsider
):
    wallet, order_id, ids = wallet_order(
        escrow, make_devices, create_order, wallet_seller, admin, buyer, 5 * ETH
    )
    # its receive() books the deposit in storage: far more than the 2300 gas of transfer/send
    assert (
        web3.eth.estimate_gas({"from": str(buyer), "to": str(wallet), "value": 1}) - 21_000 > 2300
    )
    wallet_before, escrow_before = native_balance(wallet), native_balance(escrow)

    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})

    assert_events(
        tx, wallet, [("Deposited", {"from": escrow, "amount": 5 * ETH, "depositCount": 1})]
    )
    assert "PaymentCredited" not in tx.events
    assert native_balance(wallet) == wallet_before + 5 * ETH
    assert native_balance(escrow) == escrow_before - 5 * ETH
    assert wallet.deposits() == (1, 5 * ETH)
    assert devices.ownerOf(ids[0]) == buyer
    assert escrow.creditOf(wallet, ZERO) == 0


def test_rejecting_receiver_is_credited_and_withdraws_later(
    escrow, devices, make_devices, create_order, wallet_seller, admin, buyer, outsider
):
    wallet, order_id, ids = wallet_order(
        escrow, make_devices, create_order, wallet_seller, admin, buyer, 4 * ETH
    )
    wallet.setMode(REJECT, ZERO, b"", {"from": admin})
    escrow_before = native_balance(escrow)

    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})

    # the settlement is not blocked: devices move, the money waits as a credit
    assert_events(
        tx,
        escrow,
        [
            (
                "OrderSettled",
                {
                    "orderId": order_id,
                    "seller": wallet,
                    "buyer": buyer,
                    "amount": 4 * ETH,
                    "settledBy": outsider,
                },
            ),
            ("PaymentCredited", {"account": wallet, "token": ZERO, "amount": 4 * ETH}),
        ],
    )
    assert devices.ownerOf(ids[0]) == buyer
    assert escrow.order(order_id)[1] == SETTLED
    assert native_balance(escrow) == escrow_before
    assert escrow.creditOf(wallet, ZERO) == 4 * ETH

    # still rejecting: the withdrawal fails and the credit is kept
    with reverts(err("NativeTransferFailed(address,uint256)", wallet, 4 * ETH)):
        wallet_call(wallet, admin, escrow, escrow.withdraw, ZERO)
    assert escrow.creditOf(wallet, ZERO) == 4 * ETH

    wallet.setMode(ACCEPT, ZERO, b"", {"from": admin})
    wallet_before = native_balance(wallet)
    tx = wallet_call(wallet, admin, escrow, escrow.withdraw, ZERO)
    assert_events(
        tx, escrow, [("Withdrawn", {"account": wallet, "token": ZERO, "amount": 4 * ETH})]
    )
    assert native_balance(wallet) == wallet_before + 4 * ETH
    assert native_balance(escrow) == escrow_before - 4 * ETH
    assert escrow.creditOf(wallet, ZERO) == 0
    with reverts(err("NothingToWithdraw(address,address)", wallet, ZERO)):
        wallet_call(wallet, admin, escrow, escrow.withdraw, ZERO)


def test_credits_accumulate_and_are_withdrawn_in_one_go(
    escrow, make_devices, create_order, wallet_seller, admin, buyer, buyer2, outsider
):
    wallet, ids = wallet_seller(2)
    _, first = create_order(ids[:1], token=NATIVE, amount=ETH, seller=wallet)
    _, second = create_order(ids[1:], token=NATIVE, amount=2 * ETH, seller=wallet, buyer_=buyer2)
    for order_id, order_buyer in ((first, buyer), (second, buyer2)):
        wallet_call(wallet, admin, escrow, escrow.markShipped, order_id, terms(order_id), SHIPMENT)
        escrow.confirmDelivery(order_id, terms(order_id), {"from": order_buyer})
    wallet.setMode(REJECT, ZERO, b"", {"from": admin})

    tx = escrow.settleMany(
        [first, second],
        [terms(o) for o in [first, second]],
        [refs(o) for o in [first, second]],
        {"from": outsider},
    )

    assert [dict(e) for e in tx.events["PaymentCredited"]] == [
        {"account": wallet, "token": ZERO, "amount": ETH},
        {"account": wallet, "token": ZERO, "amount": 2 * ETH},
    ]
    assert escrow.creditOf(wallet, ZERO) == 3 * ETH
    wallet.setMode(ACCEPT, ZERO, b"", {"from": admin})
    wallet_before = native_balance(wallet)
    tx = wallet_call(wallet, admin, escrow, escrow.withdraw, ZERO)
    assert tx.events["Withdrawn"]["amount"] == 3 * ETH
    assert native_balance(wallet) == wallet_before + 3 * ETH
    assert escrow.creditOf(wallet, ZERO) == 0


def test_gas_burning_receiver_cannot_block_settlement(
    escrow, devices, make_devices, create_order, wallet_seller, admin, buyer, outsider
):
    wallet, order_id, ids = wallet_order(
        escrow, make_devices, create_order, wallet_seller, admin, buyer, ETH
    )
    wallet.setMode(BURN, ZERO, b"", {"from": admin})
    tx = escrow.settle(
        order_id, terms(order_id), refs(order_id), {"from": outsider, "gas_limit": 3_000_000}
    )
    assert tx.status == 1
    assert tx.events["PaymentCredited"]["amount"] == ETH
    assert devices.ownerOf(ids[0]) == buyer
    assert escrow.creditOf(wallet, ZERO) == ETH


def test_blocked_erc20_receiver_is_credited_and_withdraws_later(
    escrow, blocklist_token, devices, shipped_order, buyer, manufacturer, outsider
):
    token = blocklist_token
    amount = 800 * 10**18
    order_id, ids = shipped_order(1, token=token, amount=amount)
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    token.setBlocked(manufacturer, True, {"from": outsider})

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
                    "amount": amount,
                    "settledBy": outsider,
                },
            ),
            ("PaymentCredited", {"account": manufacturer, "token": token, "amount": amount}),
        ],
    )
    assert_events(tx, token, [])
    assert token.balanceOf(escrow) == amount
    assert escrow.creditOf(manufacturer, token) == amount
    assert devices.ownerOf(ids[0]) == buyer

    with reverts(err("AccountBlocked(address)", manufacturer)):
        escrow.withdraw(token, {"from": manufacturer})
    token.setBlocked(manufacturer, False, {"from": outsider})
    tx = escrow.withdraw(token, {"from": manufacturer})
    assert_events(
        tx, escrow, [("Withdrawn", {"account": manufacturer, "token": token, "amount": amount})]
    )
    assert_events(tx, token, [("Transfer", {"from": escrow, "to": manufacturer, "value": amount})])
    assert token.balanceOf(manufacturer) == amount
    assert token.balanceOf(escrow) == 0
    with reverts(err("NothingToWithdraw(address,address)", manufacturer, token)):
        escrow.withdraw(token, {"from": manufacturer})


def test_rejecting_buyer_is_credited_on_refund(
    escrow, new_wallet, make_devices, admin, manufacturer
):
    wallet = new_wallet(admin)
    ids = make_devices(1)
    amount = 2 * ETH
    tx = wallet_call(
        wallet, admin, escrow, escrow.createOrder,
        manufacturer, NATIVE, amount, ids, SPEC, now() + DAY, DAY, [],
        value=amount,
    )  # fmt: skip
    order_id = tx.events["OrderCreated"]["orderId"]
    wallet.setMode(REJECT, ZERO, b"", {"from": admin})
    chain.sleep(DAY + 1)

    tx = wallet_call(wallet, admin, escrow, escrow.refund, order_id, terms(order_id))

    assert_events(
        tx,
        escrow,
        [
            ("OrderRefunded", {"orderId": order_id, "buyer": wallet, "amount": amount}),
            ("PaymentCredited", {"account": wallet, "token": ZERO, "amount": amount}),
        ],
    )
    assert escrow.creditOf(wallet, ZERO) == amount


def test_dispute_split_credits_only_the_rejecting_party(
    escrow, devices, make_devices, create_order, wallet_seller, admin, buyer, arbiter
):
    wallet, ids = wallet_seller(1)
    _, order_id = create_order(ids, token=NATIVE, amount=3 * ETH, seller=wallet)
    wallet_call(wallet, admin, escrow, escrow.markShipped, order_id, terms(order_id), SHIPMENT)
    escrow.openDispute(order_id, terms(order_id), "wrong model delivered", {"from": buyer})
    wallet.setMode(REJECT, ZERO, b"", {"from": admin})
    buyer_before = native_balance(buyer)

    tx = escrow.resolveDispute(order_id, terms(order_id), 5000, {"from": arbiter})

    half = 3 * ETH // 2
    assert_events(
        tx,
        escrow,
        [
            (
                "DisputeResolved",
                {
                    "orderId": order_id,
                    "arbiter": arbiter,
                    "sellerShareBps": 5000,
                    "sellerAmount": half,
                    "buyerAmount": 3 * ETH - half,
                },
            ),
            ("PaymentCredited", {"account": wallet, "token": ZERO, "amount": half}),
        ],
    )
    assert native_balance(buyer) == buyer_before + 3 * ETH - 3 * ETH // 2
    assert escrow.creditOf(wallet, ZERO) == 3 * ETH // 2
    assert escrow.creditOf(buyer, ZERO) == 0
    assert devices.ownerOf(ids[0]) == buyer


def test_malicious_token_reenters_on_payout_and_fails(
    escrow, reentrant_token, devices, shipped_order, buyer, manufacturer, outsider
):
    token = reentrant_token
    amount = 500 * 10**18
    order_id, ids = shipped_order(1, token=token, amount=amount)
    escrow.confirmDelivery(order_id, terms(order_id), {"from": buyer})
    token.arm(
        escrow,
        escrow.settle.encode_input(order_id, terms(order_id), refs(order_id)),
        {"from": outsider},
    )
    seller_before, escrow_before = token.balanceOf(manufacturer), token.balanceOf(escrow)

    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})

    # it tried: the token called back into settle during the payout, and was stopped
    assert token.attempts() == 1
    assert token.lastReentry() == (False, "0x" + REENTRANT_CALL.hex())
    assert_events(
        tx,
        token,
        [
            (
                "ReentryAttempted",
                {"target": escrow, "success": False, "returnData": REENTRANT_CALL},
            ),
            ("Transfer", {"from": escrow, "to": manufacturer, "value": amount}),
        ],
    )
    # paid exactly once, settled exactly once
    assert tx.events.count("OrderSettled") == 1
    assert token.balanceOf(manufacturer) == seller_before + amount
    assert token.balanceOf(escrow) == escrow_before - amount
    assert escrow.creditOf(manufacturer, token) == 0
    assert devices.ownerOf(ids[0]) == buyer


def test_malicious_token_reenters_on_funding_and_fails(
    escrow, reentrant_token, make_devices, buyer, manufacturer, outsider
):
    token = reentrant_token
    ids = make_devices(1)
    amount = 10**18
    token.approve(escrow, 2 * amount, {"from": buyer})
    # the hook tries to withdraw and to create a second order while the first is being funded
    token.arm(
        escrow,
        escrow.createOrder.encode_input(
            manufacturer, token, amount, ids, SPEC, now() + DAY, DAY, []
        ),
        {"from": outsider},
    )
    tx = escrow.createOrder(
        manufacturer, token, amount, ids, SPEC, now() + DAY, DAY, [], {"from": buyer}
    )
    assert token.attempts() == 1
    assert token.lastReentry() == (False, "0x" + REENTRANT_CALL.hex())
    assert tx.events.count("OrderCreated") == 1
    assert escrow.nextOrderId() == 2
    assert token.balanceOf(escrow) == amount


def test_malicious_receiver_reenters_and_fails(
    escrow, devices, make_devices, create_order, wallet_seller, admin, buyer, outsider
):
    """The settlement push carries NATIVE_PUSH_GAS only: a receiver that re-enters (or does anything
    costly) runs out of it and is credited; when it pulls its credit with full gas, the re-entry
    into settleMany hits the reentrancy guard."""
    wallet, order_id, _ids = wallet_order(
        escrow, make_devices, create_order, wallet_seller, admin, buyer, 2 * ETH
    )
    _, other_id, _ = wallet_order(
        escrow, make_devices, create_order, wallet_seller, admin, buyer, ETH
    )
    reentry = escrow.settleMany.encode_input(
        [other_id], [terms(o) for o in [other_id]], [refs(other_id)]
    )
    wallet.setMode(REENTER, escrow, reentry, {"from": admin})
    wallet_before, escrow_before = native_balance(wallet), native_balance(escrow)

    tx = escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})

    assert wallet.attempts() == 0  # its hook ran out of the stipend and was rolled back
    assert tx.events.count("OrderSettled") == 1
    assert tx.events["PaymentCredited"]["amount"] == 2 * ETH
    assert native_balance(wallet) == wallet_before
    assert native_balance(escrow) == escrow_before
    assert escrow.creditOf(wallet, ZERO) == 2 * ETH

    pull = wallet_call(wallet, admin, escrow, escrow.withdraw, ZERO)

    assert wallet.attempts() == 1
    assert wallet.lastReentry() == (False, "0x" + REENTRANT_CALL.hex())
    assert_events(
        pull,
        wallet,
        [
            (
                "ReentryAttempted",
                {"target": escrow, "success": False, "returnData": REENTRANT_CALL},
            ),
            ("Deposited", {"from": escrow, "amount": 2 * ETH, "depositCount": 1}),
        ],
    )
    assert pull.events.count("OrderSettled") == 0
    assert native_balance(wallet) == wallet_before + 2 * ETH
    assert native_balance(escrow) == escrow_before - 2 * ETH
    assert escrow.creditOf(wallet, ZERO) == 0


def test_reentrant_withdraw_pays_once(
    escrow, make_devices, create_order, wallet_seller, admin, buyer, outsider
):
    wallet, order_id, _ = wallet_order(
        escrow, make_devices, create_order, wallet_seller, admin, buyer, 3 * ETH
    )
    wallet.setMode(REJECT, ZERO, b"", {"from": admin})
    escrow.settle(order_id, terms(order_id), refs(order_id), {"from": outsider})
    assert escrow.creditOf(wallet, ZERO) == 3 * ETH
    wallet.setMode(REENTER, escrow, escrow.withdraw.encode_input(ZERO), {"from": admin})
    wallet_before, escrow_before = native_balance(wallet), native_balance(escrow)

    tx = wallet_call(wallet, admin, escrow, escrow.withdraw, ZERO)

    assert wallet.attempts() == 1
    assert wallet.lastReentry() == (False, "0x" + REENTRANT_CALL.hex())
    assert tx.events.count("Withdrawn") == 1
    assert native_balance(wallet) == wallet_before + 3 * ETH
    assert native_balance(escrow) == escrow_before - 3 * ETH
    assert escrow.creditOf(wallet, ZERO) == 0


def test_withdraw_without_credit(escrow, usdc, outsider):
    with reverts(err("NothingToWithdraw(address,address)", outsider, ZERO)):
        escrow.withdraw(ZERO, {"from": outsider})
    with reverts(err("NothingToWithdraw(address,address)", outsider, usdc)):
        escrow.withdraw(usdc, {"from": outsider})


def test_wallet_owner_only(new_wallet, admin, outsider, escrow):
    wallet = new_wallet(admin)
    with reverts(err("NotOwner(address)", outsider)):
        wallet.execute(escrow, 0, b"", {"from": outsider})
    with reverts(err("NotOwner(address)", outsider)):
        wallet.setMode(REJECT, ZERO, b"", {"from": outsider})
