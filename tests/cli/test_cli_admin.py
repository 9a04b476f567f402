"""`fabtrust admin ...` against a real Anvil."""

from __future__ import annotations

from typing import Any

from fabtrust.accounts import Signer

DEV6 = Signer.dev(6).address


def test_accredit_and_revoke_lab(cli: Any, chain: Any, expect_error: Any) -> None:
    data = cli.ok(
        "admin", "accredit-lab", "dev:6", "--name", "Flow Lab", "--valid-days", "30", account=0
    )
    assert data["lab"] == DEV6
    assert data["accreditation"]["accredited"] is True
    assert data["accreditation"]["name"] == "Flow Lab"
    assert abs(data["valid_until"] - (chain.now() + 30 * 86400)) <= 5
    record = chain.client(None).certificates.accreditation(lab=DEV6)
    assert record.accredited and record.name == "Flow Lab"

    renewed = cli.ok(
        "admin",
        "accredit-lab",
        DEV6,
        "--name",
        "Flow Lab GmbH",
        "--valid-until",
        "2099-12-31",
        account=0,
    )
    assert renewed["accreditation"]["name"] == "Flow Lab GmbH"
    assert renewed["valid_until"] == 4102444800  # 2100-01-01T00:00:00Z: through 31 December

    revoked = cli.ok("admin", "revoke-lab", "dev:6", account=0)
    assert revoked["revoked"] is True and revoked["lab"] == DEV6
    assert not chain.client(None).certificates.accreditation(lab=DEV6).accredited
    expect_error(cli("admin", "revoke-lab", "dev:6", account=0), 4, "LabNotAccredited")


def test_admin_errors(cli: Any, expect_error: Any) -> None:
    expect_error(
        cli("admin", "accredit-lab", "dev:6", "--name", "X", "--valid-days", "30", account=3),
        4,
        "AccessControlUnauthorizedAccount",
    )
    expect_error(cli("admin", "accredit-lab", "dev:6", "--name", "X", account=0), 2, "exactly one")
    expect_error(
        cli("admin", "accredit-lab", "dev:6", "--name", "X", "--valid-days", "x", account=0),
        2,
        "--valid-days: 'x'",
    )
    expect_error(
        cli(
            "admin",
            "accredit-lab",
            "dev:6",
            "--name",
            "X",
            "--valid-until",
            "2024-13-01",
            account=0,
        ),
        2,
        "--valid-until: '2024-13-01' is not a date (use YYYY-MM-DD or +7d)",
    )
    # A date in the past is the contract's decision: it reverts with the decoded error.
    expect_error(
        cli(
            "admin",
            "accredit-lab",
            "dev:6",
            "--name",
            "X",
            "--valid-until",
            "2001-01-01",
            account=0,
        ),
        4,
        "InvalidAccreditationExpiry",
    )
    expect_error(
        cli("admin", "grant-role", "minter", "dev:6", account=0), 2, "ROLE: 'minter' is not a role"
    )
    expect_error(
        cli("admin", "grant-role", "arbiter", "dev:6", "--contract", "bank", account=0),
        2,
        "--contract: 'bank'",
    )


def test_grant_roles(cli: Any, chain: Any, expect_error: Any) -> None:
    from fabtrust.deploy import role_id

    granted = cli.ok("admin", "grant-role", "manufacturer", "dev:6", account=0)
    assert granted["role"] == "MANUFACTURER_ROLE"
    assert granted["role_id"] == role_id("MANUFACTURER_ROLE")
    assert [c["contract"] for c in granted["contracts"]] == ["devices"]
    assert granted["contracts"][0]["granted"] is True
    # The new manufacturer can register a device now.
    cli.ok("device", "register", "SN-G1", "--model", "M", "--device-key", "dev:7", account=6)
    # Granting again sends nothing.
    again = cli.ok("admin", "grant-role", "manufacturer", "dev:6", account=0)
    assert again["contracts"][0]["already"] is True and again["contracts"][0]["tx"] is None

    arbiter = cli.ok("admin", "grant-role", "arbiter", "dev:6", account=0)
    assert [c["contract"] for c in arbiter["contracts"]] == ["escrow"]
    client = chain.client(None)
    assert client.chain.call(
        "SupplyChainEscrow",
        "hasRole",
        bytes.fromhex(role_id("ARBITER_ROLE")[2:]),
        Signer.dev(6).address,
    )

    admin = cli.ok("admin", "grant-role", "admin", "dev:5", account=0)
    assert [c["contract"] for c in admin["contracts"]] == ["devices", "certificates", "escrow"]
    assert all(c["granted"] for c in admin["contracts"])
    # dev:5 is an admin now: it may accredit labs.
    cli.ok("admin", "accredit-lab", "dev:8", "--name", "Lab 8", "--valid-days", "1", account=5)

    lab = cli.ok("admin", "grant-role", "lab", "dev:9", "--contract", "certificates", account=0)
    assert lab["contracts"][0]["granted"] is True
    # Only an admin grants roles.
    expect_error(
        cli("admin", "grant-role", "manufacturer", "dev:9", account=3),
        4,
        "AccessControlUnauthorizedAccount",
    )


def test_allow_token(cli: Any, chain: Any, expect_error: Any) -> None:
    escrow = chain.client(None).escrow
    token = chain.client(None).chain.deployment.contract("DeviceRegistry").address  # any contract
    assert not escrow.is_token_allowed(token=token)
    data = cli.ok("admin", "allow-token", token, account=0)
    assert data == {"token": token, "allowed": True, "tx": data["tx"]}
    assert escrow.is_token_allowed(token=token)
    data = cli.ok("admin", "allow-token", token, "--disallow", account=0)
    assert data["allowed"] is False and not escrow.is_token_allowed(token=token)
    expect_error(cli("admin", "allow-token", DEV6, account=0), 4, "InvalidToken")
    expect_error(cli("admin", "allow-token", token, account=3), 4, "AccessControlUnauthorized")
    expect_error(cli("admin", "allow-token", "0x12", account=0), 2, "TOKEN")
