"""`fabtrust order ...` against a real Anvil: the escrow lifecycle from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.evidence import device_id_of

DEV1 = Signer.dev(1).address
DEV3 = Signer.dev(3).address
SPEC = "ISO 4409:2019 hydraulic motor bench test"


def _register(cli: Any, *serials: str, approve: bool = True) -> list[int]:
    """dev:1 registers devices and (once, as every seller must before orders) approves the
    escrow on the DeviceRegistry."""
    for serial in serials:
        cli.ok(
            "device", "register", serial, "--model", "HM-200", "--device-key", "dev:7", account=1
        )
    if approve:
        cli.ok("order", "approve-escrow", account=1)
    return [device_id_of(DEV1, serial) for serial in serials]


def _certify(cli: Any, tmp_path: Path, device_id: int) -> str:
    report = tmp_path / f"report-{device_id}.pdf"
    report.write_bytes(f"bench test of device {device_id}: PASS".encode())
    issued = cli.ok(
        "cert",
        "issue",
        "--device",
        str(device_id),
        "--report",
        str(report),
        "--spec",
        SPEC,
        "--pass",
        "--valid-until",
        "+365d",
        account=2,
    )
    return str(issued["cert_id"])


def _tusd(chain: Any, account: str) -> int:
    return int(chain.client(None).chain.call("TestStablecoin", "balanceOf", account))


def test_order_lifecycle_in_tusd(cli: Any, chain: Any, expect_error: Any, tmp_path: Path) -> None:
    first, second = _register(cli, "SN-O1", "SN-O2", approve=False)
    _certify(cli, tmp_path, first)
    seller_before = _tusd(chain, DEV1)
    create = [
        "order",
        "create",
        "--seller",
        "dev:1",
        "--amount",
        "1,250.00",
        "--token",
        "tusd",
        "--devices",
        f"{first},{hex(second)}",
        "--spec",
        SPEC,
        "--ship-by",
        "+7d",
        "--inspection",
        "3d",
    ]
    # The seller has not approved the escrow yet: refused before anything is sent, naming the fix.
    expect_error(cli(*create, account=3), 2, "has not approved the escrow", "order approve-escrow")
    escrow = chain.client(None).escrow.address
    assert chain.client(None).chain.call("TestStablecoin", "allowance", DEV3, escrow) == 0
    approved = cli.ok("order", "approve-escrow", account=1)
    assert approved["seller"] == DEV1 and approved["escrow"] == escrow
    assert approved["approved"] is True and approved["tx"]["tx_hash"]
    again = cli.ok("order", "approve-escrow", account=1)
    assert again["approved"] is True and again["tx"] is None  # nothing sent the second time

    created = cli.ok(*create, account=3)
    order_id = created["order_id"]
    assert created["amount"] == "1250000000" and created["amount_text"] == "1,250.00"
    assert created["device_ids"] == [str(first), str(second)]
    assert created["approval_tx"] is not None and created["tx"]["tx_hash"]
    assert created["inspection_seconds"] == 3 * 86400
    assert abs(created["ship_by"] - (chain.now() + 7 * 86400)) <= 5
    oid = str(order_id)

    shown = cli.ok("order", "show", oid)
    assert shown["state_label"] == "Funded" and shown["buyer"] == DEV3
    assert shown["seller"] == DEV1 and shown["token_label"] == "tUSD"
    assert shown["amount_text"] == "1,250.00"
    assert shown["eligibility"]["eligible"] is False
    assert shown["eligibility"]["status_label"] == "wrong_state"

    early = cli("order", "settle", oid, account=0)
    expect_error(early, 1, f"order {order_id} cannot be settled now", "Funded")
    assert early.data["settled"] is False

    expect_error(cli("order", "ship", oid, "--shipment", "BOL-1", account=3), 4, "NotSeller")
    shipped = cli.ok("order", "ship", oid, "--shipment", "BOL-2024-0001", account=1)
    assert shipped["order_id"] == order_id and shipped["shipment_hash"].startswith("0x")
    # The devices stay with the seller (locked for the escrow) until settlement.
    assert cli.ok("device", "show", str(first))["owner"] == DEV1

    expect_error(cli("order", "confirm", oid, account=1), 4, "NotBuyer")
    cli.ok("order", "confirm", oid, account=3)
    assert cli.ok("order", "show", oid)["state_label"] == "Accepted"

    # The second device has no pass for the spec yet: not eligible, nothing sent, exit 1.
    blocked = cli("order", "settle", oid, account=0)
    expect_error(blocked, 1, "device_uncertified", str(second))
    assert blocked.data["eligibility"]["uncertified_device_ids"] == [str(second)]

    _certify(cli, tmp_path, second)
    settled = cli.ok("order", "settle", oid, account=0)
    assert settled["settled"] is True
    assert cli.ok("order", "show", oid)["state_label"] == "Settled"
    assert cli.ok("device", "show", str(second))["owner"] == DEV3
    assert _tusd(chain, DEV1) - seller_before == 1_250_000_000
    expect_error(cli("order", "settle", oid, account=0), 1, "Settled")

    assert [o["id"] for o in cli.ok("order", "list", "--buyer", "dev:3")["orders"]] == [order_id]
    assert cli.ok("order", "list", "--state", "settled")["count"] == 1
    assert cli.ok("order", "list", "--seller", "dev:5")["orders"] == []
    assert cli.ok("order", "list", "--state", "funded")["count"] == 0

    people = cli("order", "show", oid, json_mode=False)
    assert people.exit_code == 0 and people.stdout == ""
    for text in ("Order", "Settled", "1,250.00 tUSD", "certificate", DEV3):
        assert text in people.stderr, text
    listed = cli("order", "list", json_mode=False)
    assert "1 order(s)" in listed.stderr and "1,250.00 tUSD" in listed.stderr


def test_native_refund_dispute_resolve(cli: Any, chain: Any, expect_error: Any) -> None:
    late, disputed = _register(cli, "SN-N1", "SN-N2")
    common = ["--seller", "dev:1", "--token", "native", "--spec", SPEC, "--inspection", "1d"]
    first = cli.ok(
        "order",
        "create",
        *common,
        "--amount",
        "2",
        "--devices",
        str(late),
        "--ship-by",
        "+1d",
        account=3,
    )
    assert first["amount"] == str(2 * 10**18) and first["approval_tx"] is None
    a = str(first["order_id"])
    assert cli.ok("order", "show", a)["token_label"] == "native"
    expect_error(cli("order", "refund", a, account=3), 4, "ShipDeadlineNotReached")
    chain.travel(2 * 86400)
    refunded = cli.ok("order", "refund", a, account=3)
    assert refunded["order_id"] == first["order_id"]
    assert cli.ok("order", "show", a)["state_label"] == "Refunded"

    second = cli.ok(
        "order",
        "create",
        *common,
        "--amount",
        "0.5",
        "--devices",
        str(disputed),
        "--ship-by",
        "+7d",
        account=3,
    )
    b = str(second["order_id"])
    cli.ok("order", "ship", b, "--shipment", "0x" + "ab" * 32, account=1)
    opened = cli.ok("order", "dispute", b, "--reason", "leaks at 200 bar", account=3)
    assert opened["reason"] == "leaks at 200 bar"
    assert cli.ok("order", "show", b)["state_label"] == "Disputed"
    expect_error(cli("order", "settle", b, account=0), 1, "dispute")
    expect_error(
        cli("order", "resolve", b, "--seller-share-bps", "2500", account=3), 4, "NotArbiter"
    )
    resolved = cli.ok("order", "resolve", b, "--seller-share-bps", "2500", account=4)
    assert resolved["seller_share_bps"] == 2500
    assert cli.ok("order", "show", b)["state_label"] == "Resolved"
    assert cli.ok("device", "show", str(disputed))["owner"] == DEV3
    assert [o["id"] for o in cli.ok("order", "list", "--seller", "dev:1")["orders"]] == [
        first["order_id"],
        second["order_id"],
    ]


def test_order_errors(cli: Any, expect_error: Any) -> None:
    (device,) = _register(cli, "SN-X1")
    base = [
        "order",
        "create",
        "--seller",
        "dev:1",
        "--devices",
        str(device),
        "--spec",
        SPEC,
        "--inspection",
        "7d",
        "--ship-by",
        "+7d",
    ]
    expect_error(
        cli(*base, "--amount", "1,25", "--token", "tusd", account=3),
        2,
        "--amount: '1,25' is not an amount",
    )
    expect_error(
        cli(*base, "--amount", "1.1234567", "--token", "tusd", account=3),
        2,
        "--amount",
        "decimal places",
    )
    expect_error(cli(*base, "--amount", "0", account=3), 2, "--amount: '0' is zero")
    expect_error(cli(*base, "--amount", "1", "--token", "gold", account=3), 2, "--token: 'gold'")
    expect_error(
        cli(*base[:-2], "--ship-by", "2001-01-01", "--amount", "1", account=3),
        2,
        "--ship-by: '2001-01-01' is not in the future",
    )
    expect_error(
        cli(*base[:-2], "--ship-by", "soon", "--amount", "1", account=3),
        2,
        "--ship-by: 'soon' is not a date (use YYYY-MM-DD or +7d)",
    )
    expect_error(
        cli(
            "order",
            "create",
            "--seller",
            "dev:1",
            "--devices",
            "x",
            "--spec",
            SPEC,
            "--inspection",
            "7d",
            "--ship-by",
            "+7d",
            "--amount",
            "1",
            account=3,
        ),
        2,
        "--devices: 'x' is not a device id",
    )
    expect_error(
        cli(
            "order",
            "create",
            "--seller",
            "dev:1",
            "--devices",
            str(device),
            "--spec",
            SPEC,
            "--inspection",
            "0",
            "--ship-by",
            "+7d",
            "--amount",
            "1",
            account=3,
        ),
        2,
        "--inspection",
    )
    expect_error(cli(*base, "--amount", "1", account=1), 4, "SellerIsBuyer")
    to_dev5 = [
        "order",
        "create",
        "--seller",
        "dev:5",
        "--devices",
        str(device),
        "--spec",
        SPEC,
        "--inspection",
        "7d",
        "--ship-by",
        "+7d",
        "--amount",
        "1",
    ]
    # dev:5 has not approved the escrow: refused by the SDK before sending, naming the fix.
    expect_error(cli(*to_dev5, account=3), 2, "has not approved the escrow", "approve-escrow")
    # Devices the seller does not own: the registry's decoded lock error, exit 4.
    cli.ok("order", "approve-escrow", account=5)
    expect_error(cli(*to_dev5, account=3), 4, "DeviceNotOwnedBy", f"device {device} belongs to")
    # A device already in an open order is locked: it cannot be sold twice.
    cli.ok(*base, "--amount", "1", account=3)
    expect_error(cli(*base, "--amount", "1", account=3), 4, "DeviceLocked", "in an open order")
    expect_error(cli("order", "show", "999"), 2, "OrderNotFound")
    expect_error(cli("order", "show", "abc"), 2, "ORDER: 'abc' is not an order id")
    expect_error(
        cli("order", "resolve", "1", "--seller-share-bps", "10001", account=4),
        2,
        "--seller-share-bps",
    )
    expect_error(cli("order", "dispute", "1", "--reason", " ", account=3), 2, "--reason")
    expect_error(cli("order", "list", "--state", "lost"), 2, "--state: 'lost'")
    expect_error(cli("order", "list", "--buyer", "0xabc"), 2, "--buyer")
    settle_missing = cli("order", "settle", "999", account=0)
    expect_error(settle_missing, 1, "does not exist")


def test_seller_declines_an_unshipped_order(cli: Any, chain: Any, expect_error: Any) -> None:
    (device,) = _register(cli, "SN-D1")
    create = ["order", "create", "--seller", "dev:1", "--token", "native", "--spec", SPEC]
    create += ["--inspection", "1d", "--ship-by", "+7d", "--amount", "3", "--devices", str(device)]
    oid = str(cli.ok(*create, account=3)["order_id"])
    before = chain.client(None).chain.w3.eth.get_balance(DEV3)
    expect_error(cli("order", "decline", oid, account=3), 4, "NotSeller")
    declined = cli.ok("order", "decline", oid, account=1)
    assert declined["order_id"] == int(oid) and declined["tx"]["tx_hash"]
    assert chain.client(None).chain.w3.eth.get_balance(DEV3) == before + 3 * 10**18
    shown = cli.ok("order", "show", oid)
    assert shown["state_label"] == "Declined" and shown["device_ids"] == [str(device)]
    expect_error(cli("order", "decline", oid, account=1), 4, "order", "is Declined")
    # The device is free again: it goes into a new order.
    assert cli.ok(*create, account=3)["order_id"] == int(oid) + 1


def test_order_pins_its_labs(cli: Any, chain: Any, expect_error: Any, tmp_path: Path) -> None:
    pinned_other, pinned_lab = _register(cli, "SN-L1", "SN-L2")
    for device_id in (pinned_other, pinned_lab):
        _certify(cli, tmp_path, device_id)  # by dev:2, the accredited lab
    base = ["order", "create", "--seller", "dev:1", "--token", "native", "--spec", SPEC]
    base += ["--inspection", "1d", "--ship-by", "+7d", "--amount", "1"]
    expect_error(
        cli(*base, "--devices", str(pinned_other), "--labs", "dev:2,0x12", account=3),
        2,
        "--labs: '0x12'",
    )
    dev6 = Signer.dev(6).address
    other = cli.ok(*base, "--devices", str(pinned_other), "--labs", "dev:6", account=3)
    mine = cli.ok(*base, "--devices", str(pinned_lab), "--labs", "dev:2,dev:6", account=3)
    escrow = chain.client(None).escrow
    assert escrow.get_order(order_id=other["order_id"]).labs == (dev6,)
    assert escrow.get_order(order_id=mine["order_id"]).labs == (Signer.dev(2).address, dev6)
    for created in (other, mine):
        oid = str(created["order_id"])
        cli.ok("order", "ship", oid, "--shipment", "BL-1", account=1)
        cli.ok("order", "confirm", oid, account=3)
    # The only Pass of the first order's device is from dev:2, which that order does not accept.
    expect_error(cli("order", "settle", str(other["order_id"]), account=0), 1, "no valid pass")
    settled = cli.ok("order", "settle", str(mine["order_id"]), account=0)
    assert settled["settled"] is True
