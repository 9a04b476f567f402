"""eligible_for_settlement in every order state, checked against the contract's canSettle."""

from __future__ import annotations

from datetime import timedelta

from escrow_helpers import FAIL, OTHER_SPEC_TEXT, Market

from fabtrust.errors import ContractError
from fabtrust.escrow import Eligibility, OrderState, SettleStatus
from fabtrust.escrow.client import _NO_TERMS, terms_struct


def _check(market: Market, order_id: int) -> Eligibility:
    """The SDK's answer, asserted to agree with canSettle at the very same block."""
    result = market.stranger.escrow.eligible_for_settlement(order_id=order_id)
    try:
        refs = market.stranger.escrow.settlement_passes(
            order_id=order_id, block=result.block_number
        )
    except ContractError:  # an unknown order: nothing to present
        refs = []
    order = market.stranger.escrow._try_order(order_id, block=result.block_number)
    ok, status = market.stranger.chain.call(
        "SupplyChainEscrow",
        "canSettle",
        order_id,
        _NO_TERMS if order is None else terms_struct(order),
        [r.as_struct() for r in refs],
        block=result.block_number,
    )
    assert SettleStatus(status) is result.status, (result, status)
    assert ok is result.eligible
    assert result.eligible is (result.status is SettleStatus.READY)
    assert result.reasons == tuple(c.detail for c in result.checks if not c.ok)
    block = market.w3.eth.get_block(result.block_number)
    assert int(result.block_time.timestamp()) == block["timestamp"]
    return result


def _by_kind(result: Eligibility, kind: str) -> list[str]:
    return [c.detail for c in result.checks if c.kind == kind]


def test_unknown_order(market: Market) -> None:
    result = _check(market, 42)
    assert result.status is SettleStatus.UNKNOWN_ORDER and result.state is OrderState.NONE
    assert result.reasons == ("order 42 does not exist",)


def test_states_from_funded_to_settled(market: Market) -> None:
    devices = market.devices(3)
    market.certify(devices[0])
    market.certify(devices[1], result=FAIL)  # a Fail certificate is no pass
    market.certify(devices[2], spec=OTHER_SPEC_TEXT)  # a pass for another spec neither
    created = market.order(device_ids=devices, inspection=timedelta(hours=1))
    oid = created.order_id

    funded = _check(market, oid)
    assert funded.status is SettleStatus.WRONG_STATE and funded.state is OrderState.FUNDED
    assert "not shipped yet" in funded.reasons[0]
    assert funded.uncertified_device_ids == (devices[1], devices[2])
    assert [c.ok for c in funded.checks if c.kind == "certificate"] == [True, False, False]
    assert [c.device_id for c in funded.checks if c.kind == "certificate"] == devices
    assert any("not shipped yet" in r for r in _by_kind(funded, "delivery"))
    assert funded.inspection_ends_at is None

    market.seller.escrow.mark_shipped(order_id=oid, shipment="BL")
    shipped = _check(market, oid)
    assert shipped.status is SettleStatus.INSPECTION_OPEN and shipped.state is OrderState.SHIPPED
    ends = market.buyer.escrow.get_order(order_id=oid).inspection_ends_at
    assert shipped.inspection_ends_at == ends and ends is not None
    delivery = _by_kind(shipped, "delivery")[0]
    assert "inspection period ends at" in delivery
    assert ends.strftime("%Y-%m-%d %H:%M:%S UTC") in delivery
    assert f"device {devices[1]} has no valid pass" in " ".join(shipped.reasons)

    market.travel(3600)
    after_inspection = _check(market, oid)
    assert after_inspection.status is SettleStatus.DEVICE_UNCERTIFIED
    assert "inspection period ended at" in _by_kind(after_inspection, "delivery")[0]
    assert len(after_inspection.reasons) == 2  # the two uncertified devices

    market.certify(devices[1])
    market.certify(devices[2])
    ready = _check(market, oid)
    assert ready.status is SettleStatus.READY and ready.eligible
    assert ready.reasons == () and ready.uncertified_device_ids == ()

    market.stranger.escrow.settle(order_id=oid)
    settled = _check(market, oid)
    assert settled.status is SettleStatus.WRONG_STATE and settled.state is OrderState.SETTLED
    assert settled.reasons == ("order is Settled already",)


def test_accepted_order_waits_for_certificates_not_for_inspection(market: Market) -> None:
    devices = market.devices(2)
    market.certify(devices[0])
    created = market.order(device_ids=devices, inspection=timedelta(days=30))
    market.seller.escrow.mark_shipped(order_id=created.order_id, shipment="x")
    market.buyer.escrow.confirm_delivery(order_id=created.order_id)
    accepted = _check(market, created.order_id)
    assert accepted.state is OrderState.ACCEPTED
    assert accepted.status is SettleStatus.DEVICE_UNCERTIFIED
    assert _by_kind(accepted, "delivery")[0].startswith("delivery confirmed at")
    assert accepted.uncertified_device_ids == (devices[1],)
    market.certify(devices[1])
    assert _check(market, created.order_id).eligible


def test_revoked_pass_makes_an_order_ineligible_again(market: Market) -> None:
    devices = market.devices(1)
    cert = market.certify(devices[0])
    created = market.order(device_ids=devices)
    market.seller.escrow.mark_shipped(order_id=created.order_id, shipment="x")
    market.buyer.escrow.confirm_delivery(order_id=created.order_id)
    assert _check(market, created.order_id).eligible
    market.lab.chain.transact(
        "CertificateRegistry", "revokeCertificate", bytes.fromhex(cert[2:]), "bench miscalibrated"
    )
    revoked = _check(market, created.order_id)
    assert revoked.status is SettleStatus.DEVICE_UNCERTIFIED
    assert revoked.uncertified_device_ids == tuple(devices)


def test_disputed_refunded_and_resolved_orders(market: Market) -> None:
    disputed = market.order()
    market.seller.escrow.mark_shipped(order_id=disputed.order_id, shipment="x")
    market.buyer.escrow.open_dispute(order_id=disputed.order_id, reason="wrong model")
    d = _check(market, disputed.order_id)
    assert d.status is SettleStatus.WRONG_STATE and d.state is OrderState.DISPUTED
    assert [c.ok for c in d.checks if c.kind == "dispute"] == [False]
    assert any("dispute" in r for r in d.reasons)

    market.arbiter.escrow.resolve_dispute(order_id=disputed.order_id, seller_share_bps=5000)
    r = _check(market, disputed.order_id)
    assert r.state is OrderState.RESOLVED and r.status is SettleStatus.WRONG_STATE
    assert "Resolved" in r.reasons[0]

    refunded = market.order(ship_in=60)
    market.travel(61)
    market.buyer.escrow.refund(order_id=refunded.order_id)
    f = _check(market, refunded.order_id)
    assert f.state is OrderState.REFUNDED and f.status is SettleStatus.WRONG_STATE
    assert "Refunded" in f.reasons[0]


def test_inactive_device_and_late_dispute(market: Market) -> None:
    """Issue 10: a device suspended after shipping is uncertified (DEVICE_INACTIVE); the buyer may
    dispute after the inspection period, and such a late dispute still settles once the device is
    Active again."""
    devices = market.devices(2)
    for device_id in devices:
        market.certify(device_id)
    created = market.order(device_ids=devices, inspection=timedelta(hours=1))
    oid = created.order_id
    market.seller.escrow.mark_shipped(order_id=oid, shipment="x")
    market.travel(3600)
    assert _check(market, oid).eligible
    market.seller.chain.transact("DeviceRegistry", "setDeviceStatus", devices[1], 1)
    inactive = _check(market, oid)
    assert inactive.status is SettleStatus.DEVICE_INACTIVE
    assert inactive.inactive_device_ids == (devices[1],)
    assert "is Suspended, not Active" in _by_kind(inactive, "device")[0]
    assert market.stranger.escrow.can_settle(order_id=oid) is SettleStatus.DEVICE_INACTIVE

    tx = market.buyer.escrow.open_dispute(order_id=oid, reason="device suspended in transit")
    assert tx.event("DisputeOpened")["late"] is True
    order = market.buyer.escrow.get_order(order_id=oid)
    assert order.state is OrderState.DISPUTED and order.disputed_late
    assert _check(market, oid).status is SettleStatus.DEVICE_INACTIVE

    market.seller.chain.transact("DeviceRegistry", "setDeviceStatus", devices[1], 0)
    late = _check(market, oid)
    assert late.eligible and late.state is OrderState.DISPUTED
    passes = market.stranger.escrow.settlement_passes(order_id=oid)
    assert [p.cert_id for p in passes] == [
        market.stranger.certificates.valid_pass_refs(device_id=d, test_spec=order.test_spec)[
            0
        ].cert_id
        for d in devices
    ]
    market.stranger.escrow.settle(order_id=oid, passes=passes)
    assert market.buyer.escrow.get_order(order_id=oid).state is OrderState.SETTLED
