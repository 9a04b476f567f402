"""Whole order lifecycles on a real Anvil: TestStablecoin and native coin, balances, devices."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from escrow_helpers import SPEC_TEXT, USDC, Market

from fabtrust.errors import InvalidInputError
from fabtrust.escrow import NATIVE_TOKEN, Order, OrderState, SettleStatus
from fabtrust.escrow.client import terms_struct
from fabtrust.evidence import test_spec_id
from fabtrust.models import TxResult


def _gas_cost(*txs: TxResult | None) -> int:
    return sum(tx.gas_used * tx.effective_gas_price for tx in txs if tx is not None)


def test_stablecoin_lifecycle_moves_money_and_devices(market: Market) -> None:
    buyer, seller = market.buyer, market.seller
    token, escrow = market.stablecoin, market.escrow_address
    devices = market.devices(3)
    amount = 1_250 * USDC + 500_000
    market.mint(buyer.account, 2_000 * USDC)
    before = {a: market.token_balance(a) for a in (buyer.account, seller.account, escrow)}

    created = buyer.escrow.create_order(
        seller=seller.account,
        token=token,
        amount=amount,
        device_ids=devices,
        test_spec=SPEC_TEXT,
        ship_by=datetime.fromtimestamp(market.now() + 86400, tz=timezone.utc),
        inspection_period=timedelta(days=2),
    )
    assert created.order_id == 1
    # The allowance was short: exactly `amount` was approved first, and fully used.
    assert created.approval is not None
    assert created.approval.block_number < created.tx.block_number
    assert buyer.chain.call("TestStablecoin", "allowance", buyer.account, escrow) == 0
    assert market.token_balance(buyer.account) == before[buyer.account] - amount
    assert market.token_balance(escrow) == before[escrow] + amount

    order = buyer.escrow.get_order(order_id=created.order_id)
    assert isinstance(order, Order)
    assert order.id == 1
    assert order.buyer == buyer.account and order.seller == seller.account
    assert order.token == token and not order.is_native
    assert order.amount == amount
    assert order.device_ids == tuple(devices)
    assert order.test_spec == test_spec_id(SPEC_TEXT)
    assert order.arbiter == market.arbiter.account
    assert order.state is OrderState.FUNDED
    assert order.inspection_period == timedelta(days=2)
    assert order.shipped_at is None and order.accepted_at is None
    assert order.shipment_hash is None and order.inspection_ends_at is None
    assert all(market.owner_of(d) == seller.account for d in devices)

    # The devices stay with the seller, locked for the escrow, from createOrder to settlement.
    assert all(market.lock_of(d) == escrow for d in devices)
    shipped = seller.escrow.mark_shipped(order_id=1, shipment="BL-2024-000917")
    assert all(market.owner_of(d) == seller.account for d in devices)
    assert all(market.lock_of(d) == escrow for d in devices)
    order = seller.escrow.get_order(order_id=1)
    assert order.state is OrderState.SHIPPED
    block_time = market.w3.eth.get_block(shipped.block_number)["timestamp"]
    assert order.shipped_at == datetime.fromtimestamp(block_time, tz=timezone.utc)
    assert order.inspection_ends_at == order.shipped_at + timedelta(days=2)
    from eth_utils.crypto import keccak

    assert order.shipment_hash == "0x" + keccak(b"BL-2024-000917").hex()
    assert shipped.event("OrderShipped").args["shipmentHash"] == order.shipment_hash

    for device_id in devices:
        market.certify(device_id)
    buyer.escrow.confirm_delivery(order_id=1)
    order = buyer.escrow.get_order(order_id=1)
    assert order.state is OrderState.ACCEPTED and order.accepted_at is not None
    assert buyer.escrow.eligible_for_settlement(order_id=1).eligible

    # Anyone may settle: the stranger does.
    settled = market.stranger.escrow.settle(order_id=1)
    event = settled.event("OrderSettled")
    assert event.args["settledBy"] == market.stranger.account
    assert event.args["amount"] == amount
    assert market.token_balance(seller.account) == before[seller.account] + amount
    assert market.token_balance(escrow) == before[escrow]
    assert market.token_balance(buyer.account) == before[buyer.account] - amount
    assert all(market.owner_of(d) == buyer.account for d in devices)
    assert all(market.lock_of(d) == NATIVE_TOKEN for d in devices)  # unlocked
    assert buyer.escrow.get_order(order_id=1).state is OrderState.SETTLED
    assert buyer.escrow.can_settle(order_id=1) is SettleStatus.WRONG_STATE


def test_native_lifecycle_settles_after_inspection_without_confirmation(market: Market) -> None:
    buyer, seller = market.buyer, market.seller
    escrow = market.escrow_address
    devices = market.devices(2)
    for device_id in devices:
        market.certify(device_id)
    amount = 3 * 10**18
    before = {a: market.eth_balance(a) for a in (buyer.account, seller.account, escrow)}

    created = buyer.escrow.create_order(
        seller=seller.account,
        token="native",
        amount=amount,
        device_ids=devices,
        test_spec=test_spec_id(SPEC_TEXT),
        ship_by=market.now() + 3600,
        inspection_period=600,
    )
    assert created.approval is None
    assert market.eth_balance(escrow) == before[escrow] + amount
    assert market.eth_balance(buyer.account) == before[buyer.account] - amount - _gas_cost(
        created.tx
    )
    order = buyer.escrow.get_order(order_id=created.order_id)
    assert order.is_native and order.token == NATIVE_TOKEN
    assert order.inspection_period == timedelta(seconds=600)

    seller.escrow.mark_shipped(order_id=created.order_id, shipment=b"\x07" * 32)
    assert market.eth_balance(escrow) == before[escrow] + amount
    seller_before = market.eth_balance(seller.account)  # after shipping's gas
    assert seller.escrow.get_order(order_id=created.order_id).shipment_hash == "0x" + "07" * 32
    status = buyer.escrow.eligible_for_settlement(order_id=created.order_id)
    assert status.status is SettleStatus.INSPECTION_OPEN and not status.eligible

    market.travel(601)
    assert buyer.escrow.can_settle(order_id=created.order_id) is SettleStatus.READY
    settle = seller.escrow.settle(order_id=created.order_id)  # the seller triggers it itself
    assert market.eth_balance(escrow) == before[escrow]
    assert market.eth_balance(seller.account) == seller_before + amount - _gas_cost(settle)
    assert all(market.owner_of(d) == buyer.account for d in devices)
    assert buyer.escrow.get_order(order_id=created.order_id).state is OrderState.SETTLED


def test_existing_allowance_is_reused(market: Market) -> None:
    buyer = market.buyer
    market.mint(buyer.account, 100 * USDC)
    buyer.chain.transact("TestStablecoin", "approve", market.escrow_address, 100 * USDC)
    first = market.order(amount=40 * USDC, fund=False)
    assert first.approval is None  # 100 >= 40: no approval sent
    assert buyer.chain.call(
        "TestStablecoin", "allowance", buyer.account, market.escrow_address
    ) == (60 * USDC)
    # 60 left < 70 needed: the allowance is short, so exactly 70 is approved (not 10 more).
    market.mint(buyer.account, 70 * USDC)
    second = market.order(amount=70 * USDC, fund=False)
    assert second.approval is not None
    assert second.approval.event("Approval").args["value"] == 70 * USDC


def test_seller_approves_the_escrow_once_before_any_order(fresh_chain: Any) -> None:
    seller, buyer = fresh_chain.client(1), fresh_chain.client(3)
    market = Market(
        chain=fresh_chain,
        admin=fresh_chain.client(0),
        seller=seller,
        lab=fresh_chain.client(2),
        buyer=buyer,
        arbiter=fresh_chain.client(4),
        stranger=fresh_chain.client(5),
    )
    devices = market.devices(1)
    assert not buyer.devices.is_approved(owner=seller.account)
    # Without the approval the buyer's SDK refuses before sending anything (no token approval).
    with pytest.raises(InvalidInputError) as info:
        market.order(device_ids=devices)
    assert info.value.field == "seller"
    assert "order approve-escrow" in str(info.value) and "nothing was sent" in str(info.value)
    assert buyer.chain.call("TestStablecoin", "allowance", buyer.account, buyer.escrow.address) == 0
    assert buyer.chain.call("SupplyChainEscrow", "nextOrderId") == 1

    approval = seller.devices.approve_escrow()
    assert approval.event("ApprovalForAll").args["operator"] == buyer.escrow.address
    assert buyer.devices.is_approved(owner=seller.account)
    created = market.order(device_ids=devices, fund=False)
    assert created.order_id == 1
    approvals = [
        e
        for e in seller.chain.events("DeviceRegistry", "ApprovalForAll")
        if e.args["owner"] == seller.account
    ]
    assert len(approvals) == 1


def test_create_order_checks_the_approval_through_the_devices_client(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One implementation of the escrow's operator approval: the devices client's. The escrow
    client has no copy of its own, and create_order's pre-check asks the devices client."""
    buyer, seller = market.buyer, market.seller
    assert not hasattr(buyer.escrow, "is_escrow_approved")
    assert not hasattr(buyer.escrow, "approve_escrow")
    asked: list[tuple[str, str | None]] = []

    def is_approved(*, owner: str, operator: str | None = None) -> bool:
        asked.append((owner, operator))
        return False  # the devices client says no: create_order refuses, nothing sent

    monkeypatch.setattr(buyer.devices, "is_approved", is_approved)
    device_ids = market.devices(1)
    next_id = buyer.chain.call("SupplyChainEscrow", "nextOrderId")
    with pytest.raises(InvalidInputError) as info:
        market.order(device_ids=device_ids, fund=False)
    assert info.value.field == "seller"
    assert "DevicesClient.approve_escrow" in str(info.value)
    assert asked == [(seller.account, buyer.escrow.address)]
    assert buyer.chain.call("SupplyChainEscrow", "nextOrderId") == next_id


def test_passes_and_can_settle_take_known_terms_without_reading_logs(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the order's terms, settlement_passes / can_settle read no OrderCreated log; the
    answers are the same as with the terms read from the log."""
    buyer, seller, anyone = market.buyer, market.seller, market.stranger
    devices = market.devices(2)
    for device_id in devices:
        market.certify(device_id)
    created = market.order(device_ids=devices)
    seller.escrow.mark_shipped(order_id=created.order_id, shipment="x")
    buyer.escrow.confirm_delivery(order_id=created.order_id)
    terms = terms_struct(anyone.escrow.get_order(order_id=created.order_id))
    read_passes = anyone.escrow.settlement_passes(order_id=created.order_id)
    assert all(int(p.cert_id, 16) != 0 for p in read_passes)

    def no_logs(**_: Any) -> Any:
        raise AssertionError("the order's events were read")

    monkeypatch.setattr(anyone.escrow, "order_events", no_logs)
    assert anyone.escrow.settlement_passes(order_id=created.order_id, terms=terms) == read_passes
    assert anyone.escrow.can_settle(order_id=created.order_id, terms=terms) is SettleStatus.READY
    with pytest.raises(AssertionError, match="events were read"):
        anyone.escrow.settlement_passes(order_id=created.order_id)


def test_settle_many_settles_ready_orders_and_skips_others(market: Market) -> None:
    buyer, seller = market.buyer, market.seller
    ready = [market.order(amount=(i + 1) * USDC) for i in range(2)]
    not_shipped = market.order(amount=5 * USDC)
    for created in ready:
        order = buyer.escrow.get_order(order_id=created.order_id)
        for device_id in order.device_ids:
            market.certify(device_id)
        seller.escrow.mark_shipped(order_id=created.order_id, shipment="x")
        buyer.escrow.confirm_delivery(order_id=created.order_id)

    ids = [ready[0].order_id, not_shipped.order_id, 999, ready[1].order_id]
    result = market.stranger.escrow.settle_many(order_ids=ids)
    assert result.settled_order_ids == (ready[0].order_id, ready[1].order_id)
    assert result.settled == 2
    assert buyer.escrow.get_order(order_id=not_shipped.order_id).state is OrderState.FUNDED
    nothing = market.stranger.escrow.settle_many(order_ids=ids)
    assert nothing.settled_order_ids == ()


def test_list_orders_filters_by_buyer_seller_and_state(market: Market) -> None:
    a = market.order(amount=1 * USDC)
    b = market.order(amount=2 * USDC, token="native")
    other_buyer = market.stranger
    c = market.order(amount=3 * USDC, buyer=other_buyer)
    market.seller.escrow.mark_shipped(order_id=b.order_id, shipment="b")

    everything = market.buyer.escrow.list_orders()
    assert [o.id for o in everything] == [a.order_id, b.order_id, c.order_id]
    mine = market.buyer.escrow.list_orders(buyer=market.buyer.account)
    assert [o.id for o in mine] == [a.order_id, b.order_id]
    assert [o.id for o in market.buyer.escrow.list_orders(buyer=other_buyer.account)] == [
        c.order_id
    ]
    assert len(market.buyer.escrow.list_orders(seller=market.seller.account)) == 3
    assert market.buyer.escrow.list_orders(seller=market.buyer.account) == []
    shipped = market.buyer.escrow.list_orders(state="shipped")
    assert [(o.id, o.state) for o in shipped] == [(b.order_id, OrderState.SHIPPED)]
    funded = market.buyer.escrow.list_orders(buyer=market.buyer.account, state=OrderState.FUNDED)
    assert [o.id for o in funded] == [a.order_id]
    assert [o.id for o in market.buyer.escrow.list_orders(state=1)] == [a.order_id, c.order_id]


def test_order_events_tell_the_story_of_one_order(market: Market) -> None:
    buyer, seller = market.buyer, market.seller
    created = market.order()
    market.order()  # another order's events must not show up
    order = buyer.escrow.get_order(order_id=created.order_id)
    for device_id in order.device_ids:
        market.certify(device_id)
    seller.escrow.mark_shipped(order_id=created.order_id, shipment="s")
    buyer.escrow.confirm_delivery(order_id=created.order_id)
    buyer.escrow.settle(order_id=created.order_id)

    events = market.stranger.escrow.order_events(order_id=created.order_id)
    assert [e.name for e in events] == [
        "OrderCreated",
        "OrderShipped",
        "DeliveryConfirmed",
        "OrderSettled",
    ]
    assert all(e.args["orderId"] == created.order_id for e in events)
    # OrderCreated carries the whole terms, exactly as the later calls pass them back.
    buyer_, seller_, token, amount, device_ids, *_ = events[0].args["terms"]
    assert (buyer_, seller_, token, amount) == (
        buyer.account,
        seller.account,
        order.token,
        order.amount,
    )
    assert tuple(device_ids) == order.device_ids
    digest = market.stranger.chain.call("SupplyChainEscrow", "hashTerms", terms_struct(order))
    assert market.stranger.chain.call("SupplyChainEscrow", "order", created.order_id)[0] == digest
    assert events[0].args["buyer"] == buyer.account
    assert market.stranger.escrow.order_events(order_id=12345) == []


def test_read_only_reads_and_credit_default(market: Market) -> None:
    import fabtrust

    created = market.order()
    reader = fabtrust.connect(rpc_url=market.chain.rpc_url, deployments=market.chain.deployments)
    assert reader.escrow.get_order(order_id=created.order_id).amount == 1_250 * USDC
    assert reader.escrow.credit_of(account=market.seller.account, token=None) == 0
    assert reader.escrow.credit_of(account=market.seller.account, token=market.stablecoin) == 0
    assert reader.escrow.token_decimals(token=market.stablecoin) == 6
    assert reader.escrow.token_decimals(token="native") == 18
    assert reader.escrow.arbiter_of(order_id=created.order_id) == market.arbiter.account
