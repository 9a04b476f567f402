"""Payments that cannot be pushed are credited: credit_of and withdraw (real Anvil)."""

from __future__ import annotations

from escrow_helpers import USDC, Market

from fabtrust.escrow import OrderState


def test_blocked_seller_is_credited_and_withdraws_later(market: Market) -> None:
    buyer, seller = market.buyer, market.seller
    token = market.deploy("BlocklistToken")
    market.send(market.admin, token, "mint", buyer.account, 800 * USDC)
    market.admin.escrow.set_token_allowed(token=token.address, allowed=True)
    devices = market.devices(2)
    for device_id in devices:
        market.certify(device_id)
    created = buyer.escrow.create_order(
        seller=seller.account,
        token=token.address,
        amount=800 * USDC,
        device_ids=devices,
        test_spec="ISO 4409:2019 hydraulic motor bench",
        ship_by=market.now() + 3600,
        inspection_period=60,
    )
    assert created.approval is not None
    seller.escrow.mark_shipped(order_id=created.order_id, shipment="x")
    market.travel(61)

    # The regulated token blocks the seller: settling must still work (credit instead of push).
    market.send(market.admin, token, "setBlocked", seller.account, True)
    tx = market.stranger.escrow.settle(order_id=created.order_id)
    credited = tx.event("PaymentCredited").args
    assert credited == {"account": seller.account, "token": token.address, "amount": 800 * USDC}
    assert buyer.escrow.get_order(order_id=created.order_id).state is OrderState.SETTLED
    assert all(market.owner_of(d) == buyer.account for d in devices)
    assert seller.escrow.credit_of(account=seller.account, token=token.address) == 800 * USDC
    assert seller.escrow.credit_of(account=seller.account, token=None) == 0

    market.send(market.admin, token, "setBlocked", seller.account, False)
    withdrawn = seller.escrow.withdraw(token=token.address)
    assert withdrawn.event("Withdrawn").args["amount"] == 800 * USDC
    assert market.token_balance(seller.account, token.address) == 800 * USDC
    assert market.token_balance(market.escrow_address, token.address) == 0
    assert seller.escrow.credit_of(account=seller.account, token=token.address) == 0
