"""Bad inputs are refused with InvalidInputError naming the field, before anything is sent."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from escrow_helpers import SPEC_TEXT, USDC, Market

from fabtrust.errors import AccountError, InvalidInputError
from fabtrust.escrow import OrderState, parse_amount
from fabtrust.evidence import test_spec_id

# -- parse_amount (no chain) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimals", "expected"),
    [
        ("1,250.50", 6, 1_250_500_000),
        ("1250.5", 6, 1_250_500_000),
        ("  1,250,000  ", 6, 1_250_000_000_000),
        ("0.000001", 6, 1),
        (".5", 6, 500_000),
        ("7.", 2, 700),
        ("1.500000000", 6, 1_500_000),  # zeros past the token's decimals are harmless
        ("3", 0, 3),
        ("1.5", 18, 1_500_000_000_000_000_000),
        ("0", 6, 0),
    ],
)
def test_parse_amount(text: str, decimals: int, expected: int) -> None:
    assert parse_amount(text, decimals) == expected


@pytest.mark.parametrize(
    ("text", "decimals", "problem"),
    [
        ("", 6, "empty"),
        ("   ", 6, "empty"),
        ("-5", 6, "sign"),
        ("+5", 6, "sign"),
        ("1,25", 6, "groups of three"),
        ("12,50.5", 6, "groups of three"),
        ("1.2.3", 6, "not a decimal number"),
        ("1e6", 6, "exponents"),
        ("12 USDC", 6, "not a decimal number"),
        ("one", 6, "not a decimal number"),
        ("1.0000001", 6, "7 decimal places; the token has only 6"),
        ("0.5", 0, "1 decimal places; the token has only 0"),
        ("9" * 80, 0, "too large"),
    ],
)
def test_parse_amount_errors_name_the_problem(text: str, decimals: int, problem: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_amount(text, decimals)
    assert info.value.field == "amount"
    assert problem in str(info.value)


@pytest.mark.parametrize("decimals", [-1, 78, 1.5, "6", True])
def test_parse_amount_bad_decimals(decimals: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_amount("1", decimals)
    assert info.value.field == "decimals"


def test_parse_amount_needs_text() -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_amount(12.5, 6)  # type: ignore[arg-type]
    assert info.value.field == "amount"


def test_order_state_parse() -> None:
    assert OrderState.parse("Shipped") is OrderState.SHIPPED
    assert OrderState.parse(5) is OrderState.SETTLED
    assert OrderState.parse(OrderState.FUNDED) is OrderState.FUNDED
    for bad in ("posted", 9, True):
        with pytest.raises(InvalidInputError) as info:
            OrderState.parse(bad)
        assert info.value.field == "state"


def test_escrow_package_is_light() -> None:
    code = (
        "import sys, fabtrust.escrow, fabtrust.escrow.errors; "
        "heavy = [m for m in ('web3', 'eth_account') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- create_order and friends (real chain: nothing may be sent) -----------------------------------


def _nonce(market: Market) -> int:
    return int(market.w3.eth.get_transaction_count(market.buyer.account))


def _good(market: Market) -> dict[str, Any]:
    return {
        "seller": market.seller.account,
        "token": market.stablecoin,
        "amount": 10 * USDC,
        "device_ids": [1, 2],
        "test_spec": SPEC_TEXT,
        "ship_by": market.now() + 86400,
        "inspection_period": timedelta(days=1),
    }


BAD_CREATE: list[tuple[str, Any, str]] = [
    ("seller", "0x1234", "is not an address (0x + 40 hex digits)"),
    ("seller", "0x70997970C51812dc3A010C7d01b50e0d17dc79c8", "checksum"),
    ("seller", 1234, "is not an address (0x + 40 hex digits), it is a int"),
    ("token", "USDC", "'native'"),
    ("token", "eth", "'native'"),
    ("token", "0xZZ997970C51812dc3A010C7d01b50e0d17dc79C8", "address"),
    ("amount", -1, "negative"),
    ("amount", "1,250.50", "integer"),
    ("amount", 1.5, "integer"),
    ("amount", 2**256, "uint256"),
    ("device_ids", "12", "list"),
    ("device_ids", [1, -2], "negative"),
    ("device_ids", [1, "2"], "integer"),
    ("test_spec", "", "empty"),
    ("test_spec", "0x1234", "64 hex digits"),
    ("test_spec", b"\x01" * 31, "32"),
    ("ship_by", datetime(2020, 1, 1, tzinfo=timezone.utc), "not after the chain's current time"),
    ("ship_by", 1, "not after the chain's current time"),
    ("ship_by", datetime(2099, 1, 1), "timezone-aware"),
    ("ship_by", "tomorrow", "datetime or unix seconds"),
    ("ship_by", -5, "negative"),
    ("inspection_period", -1, "negative"),
    ("inspection_period", timedelta(seconds=-60), "negative"),
    ("inspection_period", timedelta(seconds=1.5), "whole seconds"),
    ("inspection_period", 2**64, "uint64"),
    ("inspection_period", "3 days", "timedelta or seconds"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_CREATE)
def test_create_order_bad_input(market: Market, field: str, value: Any, message: str) -> None:
    args = _good(market)
    args[field] = value
    nonce = _nonce(market)
    with pytest.raises(InvalidInputError) as info:
        market.buyer.escrow.create_order(**args)
    assert info.value.field == field
    assert message in str(info.value)
    assert _nonce(market) == nonce  # nothing was sent, not even an approval


def test_ship_by_datetime_is_floored_to_the_second(market: Market) -> None:
    target = market.now() + 86400
    ship_by = datetime.fromtimestamp(target + 0.75, tz=timezone(timedelta(hours=8)))
    args = _good(market) | {"token": "native", "amount": 5, "device_ids": market.devices(1)}
    created = market.buyer.escrow.create_order(**(args | {"ship_by": ship_by}))
    order = market.buyer.escrow.get_order(order_id=created.order_id)
    assert order.ship_by == datetime.fromtimestamp(target, tz=timezone.utc)
    assert order.ship_by.tzinfo is timezone.utc


def test_test_spec_and_shipment_forms(market: Market) -> None:
    devices = market.devices(1)
    spec = test_spec_id(SPEC_TEXT)
    created = market.order(device_ids=devices, token="native", amount=1)
    assert market.buyer.escrow.get_order(order_id=created.order_id).test_spec == spec
    args = _good(market) | {"token": None, "amount": 1, "device_ids": market.devices(1)}
    by_hex = market.buyer.escrow.create_order(
        **(args | {"test_spec": spec.upper().replace("0X", "0x")})
    )
    by_bytes = market.buyer.escrow.create_order(
        **(args | {"device_ids": market.devices(1), "test_spec": bytes.fromhex(spec[2:])})
    )
    for oid in (by_hex.order_id, by_bytes.order_id):
        assert market.buyer.escrow.get_order(order_id=oid).test_spec == spec

    with pytest.raises(InvalidInputError) as info:
        market.seller.escrow.mark_shipped(order_id=created.order_id, shipment="0xabc")
    assert info.value.field == "shipment"
    with pytest.raises(InvalidInputError):
        market.seller.escrow.mark_shipped(order_id=created.order_id, shipment=b"short")
    market.seller.escrow.mark_shipped(order_id=created.order_id, shipment="0x" + "AB" * 32)
    order = market.buyer.escrow.get_order(order_id=created.order_id)
    assert order.shipment_hash == "0x" + "ab" * 32


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda e: e.get_order(order_id=-1), "order_id"),
        (lambda e: e.get_order(order_id="1"), "order_id"),
        (lambda e: e.settle(order_id=True), "order_id"),
        (lambda e: e.confirm_delivery(order_id=1.0), "order_id"),
        (lambda e: e.refund(order_id=None), "order_id"),
        (lambda e: e.open_dispute(order_id=1, reason=None), "reason"),
        (lambda e: e.mark_shipped(order_id=1, shipment=None), "shipment"),
        (lambda e: e.resolve_dispute(order_id=1, seller_share_bps=-1), "seller_share_bps"),
        (lambda e: e.resolve_dispute(order_id=1, seller_share_bps=70_000), "seller_share_bps"),
        (lambda e: e.settle_many(order_ids=[]), "order_ids"),
        (lambda e: e.settle_many(order_ids=5), "order_ids"),
        (lambda e: e.settle_many(order_ids=[1, -1]), "order_ids"),
        (lambda e: e.withdraw(token="dollars"), "token"),
        (lambda e: e.credit_of(account="bob", token=None), "account"),
        (lambda e: e.list_orders(buyer="0x12"), "buyer"),
        (lambda e: e.list_orders(seller=""), "seller"),
        (lambda e: e.list_orders(state="lost"), "state"),
        (lambda e: e.eligible_for_settlement(order_id=-3), "order_id"),
        (lambda e: e.order_events(order_id=2**256), "order_id"),
        (lambda e: e.token_decimals(token="0x00"), "token"),
    ],
)
def test_other_methods_bad_input(market: Market, call: Any, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        call(market.buyer.escrow)
    assert info.value.field == field


def test_read_only_client_cannot_create(market: Market) -> None:
    import fabtrust

    reader = fabtrust.connect(rpc_url=market.chain.rpc_url, deployments=market.chain.deployments)
    with pytest.raises(AccountError):
        reader.escrow.create_order(**_good(market))
    with pytest.raises(AccountError):
        reader.escrow.settle(order_id=1)
