"""Refunds after a missed ship date and disputes resolved by the arbiter (real Anvil)."""

from __future__ import annotations

import pytest
from escrow_helpers import USDC, Market

from fabtrust.escrow import OrderState
from fabtrust.escrow.errors import (
    InvalidOrderStateError,
    NotSellerError,
    ShipDeadlineNotReachedError,
)


def _gas(tx) -> int:  # type: ignore[no-untyped-def]
    return int(tx.gas_used * tx.effective_gas_price)


def test_seller_declines_an_unshipped_order(market: Market) -> None:
    buyer, seller = market.buyer, market.seller
    market.mint(buyer.account, 300 * USDC)
    start = market.token_balance(buyer.account)
    created = market.order(amount=300 * USDC, fund=False)
    devices = buyer.escrow.get_order(order_id=created.order_id).device_ids
    assert all(market.lock_of(d) == market.escrow_address for d in devices)
    with pytest.raises(NotSellerError):
        buyer.escrow.decline_order(order_id=created.order_id)

    tx = seller.escrow.decline_order(order_id=created.order_id)
    args = tx.event("OrderDeclined").args
    assert (args["orderId"], args["seller"], args["buyer"], args["amount"]) == (
        created.order_id,
        seller.account,
        buyer.account,
        300 * USDC,
    )
    assert market.token_balance(buyer.account) == start
    assert market.token_balance(market.escrow_address) == 0
    assert buyer.escrow.get_order(order_id=created.order_id).state is OrderState.DECLINED
    # The devices are free again, still the seller's, and can go into a new order.
    assert all(market.owner_of(d) == seller.account for d in devices)
    assert all(market.lock_of(d) == "0x" + "00" * 20 for d in devices)
    again = market.order(device_ids=list(devices))
    seller.escrow.mark_shipped(order_id=again.order_id, shipment="BL")
    with pytest.raises(InvalidOrderStateError):  # a shipped order cannot be declined
        seller.escrow.decline_order(order_id=again.order_id)


def test_stablecoin_refund_after_ship_by(market: Market) -> None:
    buyer = market.buyer
    market.mint(buyer.account, 500 * USDC)
    start = market.token_balance(buyer.account)
    created = market.order(amount=500 * USDC, fund=False, ship_in=3600)
    order = buyer.escrow.get_order(order_id=created.order_id)
    assert market.token_balance(buyer.account) == start - 500 * USDC

    # At ship_by itself the seller may still ship: no refund yet.
    market.travel_to(int(order.ship_by.timestamp()))
    with pytest.raises(ShipDeadlineNotReachedError) as info:
        buyer.escrow.refund(order_id=created.order_id)
    assert info.value.order_id == created.order_id
    assert info.value.ship_by == int(order.ship_by.timestamp())

    market.travel(1)
    tx = buyer.escrow.refund(order_id=created.order_id)
    assert tx.event("OrderRefunded").args["amount"] == 500 * USDC
    assert market.token_balance(buyer.account) == start
    assert market.token_balance(market.escrow_address) == 0
    after = buyer.escrow.get_order(order_id=created.order_id)
    assert after.state is OrderState.REFUNDED
    # The devices never left the seller.
    assert all(market.owner_of(d) == market.seller.account for d in after.device_ids)
    names = [e.name for e in buyer.escrow.order_events(order_id=created.order_id)]
    assert names == ["OrderCreated", "OrderRefunded"]


def test_native_refund_returns_the_coin(market: Market) -> None:
    buyer = market.buyer
    amount = 2 * 10**18
    created = market.order(token="native", amount=amount, ship_in=600)
    before = market.eth_balance(buyer.account)
    market.travel(601)
    tx = buyer.escrow.refund(order_id=created.order_id)
    assert market.eth_balance(buyer.account) == before + amount - _gas(tx)
    assert market.eth_balance(market.escrow_address) == 0


@pytest.mark.parametrize(
    ("bps", "seller_amount", "buyer_amount", "devices_to"),
    [
        (0, 0, 1_000_001, "seller"),
        (5000, 500_000, 500_001, "buyer"),  # rounded down for the seller
        (10000, 1_000_001, 0, "buyer"),
    ],
)
def test_dispute_resolved_by_arbiter(
    market: Market, bps: int, seller_amount: int, buyer_amount: int, devices_to: str
) -> None:
    buyer, seller, arbiter = market.buyer, market.seller, market.arbiter
    amount = 1_000_001
    market.mint(buyer.account, amount)
    created = market.order(amount=amount, fund=False)
    seller.escrow.mark_shipped(order_id=created.order_id, shipment="BL-1")
    buyer_start = market.token_balance(buyer.account)
    seller_start = market.token_balance(seller.account)

    opened = buyer.escrow.open_dispute(order_id=created.order_id, reason="two motors leak oil")
    assert opened.event("DisputeOpened").args["reason"] == "two motors leak oil"
    assert buyer.escrow.get_order(order_id=created.order_id).state is OrderState.DISPUTED

    tx = arbiter.escrow.resolve_dispute(order_id=created.order_id, seller_share_bps=bps)
    event = tx.event("DisputeResolved")
    assert event.args["arbiter"] == arbiter.account
    assert event.args["sellerShareBps"] == bps
    assert (event.args["sellerAmount"], event.args["buyerAmount"]) == (seller_amount, buyer_amount)
    assert market.token_balance(seller.account) == seller_start + seller_amount
    assert market.token_balance(buyer.account) == buyer_start + buyer_amount
    assert market.token_balance(market.escrow_address) == 0
    order = buyer.escrow.get_order(order_id=created.order_id)
    assert order.state is OrderState.RESOLVED
    owner = buyer.account if devices_to == "buyer" else seller.account
    assert all(market.owner_of(d) == owner for d in order.device_ids)
    names = [e.name for e in market.stranger.escrow.order_events(order_id=created.order_id)]
    assert names == ["OrderCreated", "OrderShipped", "DisputeOpened", "DisputeResolved"]


def test_dispute_after_inspection_while_a_device_lacks_a_pass(market: Market) -> None:
    """An order that can never settle must not lock the money: dispute stays open late."""
    buyer, seller = market.buyer, market.seller
    devices = market.devices(2)
    market.certify(devices[0])
    created = market.order(device_ids=devices, token="native", amount=10**18, inspection=60)
    seller.escrow.mark_shipped(order_id=created.order_id, shipment="late")
    market.travel(3600)
    buyer.escrow.open_dispute(order_id=created.order_id, reason="device 2 never certified")
    market.arbiter.escrow.resolve_dispute(order_id=created.order_id, seller_share_bps=0)
    assert all(market.owner_of(d) == seller.account for d in devices)


def test_revoked_arbiter_is_replaced_by_the_default(market: Market) -> None:
    """arbiter_of follows the contract: a revoked order arbiter hands over to the default one."""
    from fabtrust.deploy import role_id

    created = market.order()
    market.seller.escrow.mark_shipped(order_id=created.order_id, shipment="x")
    market.buyer.escrow.open_dispute(order_id=created.order_id, reason="r")
    admin = market.admin.chain
    admin.transact(
        "SupplyChainEscrow", "grantRole", role_id("ARBITER_ROLE"), market.stranger.account
    )
    admin.transact("SupplyChainEscrow", "setDefaultArbiter", market.stranger.account)
    assert market.buyer.escrow.arbiter_of(order_id=created.order_id) == market.arbiter.account
    admin.transact(
        "SupplyChainEscrow", "revokeRole", role_id("ARBITER_ROLE"), market.arbiter.account
    )
    assert market.buyer.escrow.arbiter_of(order_id=created.order_id) == market.stranger.account
    assert (
        market.buyer.escrow.get_order(order_id=created.order_id).arbiter == market.arbiter.account
    )
    market.stranger.escrow.resolve_dispute(order_id=created.order_id, seller_share_bps=2500)
    assert market.buyer.escrow.get_order(order_id=created.order_id).state is OrderState.RESOLVED
