"""`fabtrust admin ...`: the consortium admin accredits labs and grants roles.

Light module: web3 and the SDK clients are imported inside the commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._context import command, settings_of
from ._parse import (
    ROLES,
    bad,
    chain_now,
    client_of,
    parse_address,
    parse_role,
    parse_when,
    problem,
)
from ._render import escape, tx_data

__all__ = ["app"]

app = typer.Typer(
    help="Consortium administration: accredit labs, grant roles (needs DEFAULT_ADMIN_ROLE).",
    no_args_is_help=True,
)

CONTRACTS: dict[str, str] = {
    "devices": "DeviceRegistry",
    "certificates": "CertificateRegistry",
    "escrow": "SupplyChainEscrow",
}
"""``--contract`` names and the deployed contract they stand for."""

_DEFAULT_CONTRACTS: dict[str, tuple[str, ...]] = {
    "MANUFACTURER_ROLE": ("devices",),
    "LAB_ROLE": ("certificates",),
    "ARBITER_ROLE": ("escrow",),
    "DEFAULT_ADMIN_ROLE": ("devices", "certificates", "escrow"),
}


@app.command("accredit-lab")
@command
def accredit_lab(
    ctx: typer.Context,
    lab: Annotated[
        str, typer.Argument(metavar="LAB", help="The lab's account (0x address or dev:N).")
    ],
    name: Annotated[
        str, typer.Option("--name", metavar="NAME", help="The lab's name, as shown to buyers.")
    ],
    valid_until: Annotated[
        str | None,
        typer.Option(
            "--valid-until",
            metavar="DATE",
            help="End of the accreditation: YYYY-MM-DD, ISO time, +1y.",
        ),
    ] = None,
    valid_days: Annotated[
        str | None, typer.Option("--valid-days", metavar="N", help="Accredit for N days from now.")
    ] = None,
) -> None:
    """Accredit a test lab (or re-accredit it: new name and expiry) so it can issue certificates."""
    out = settings_of(ctx).output
    address = parse_address(lab, option="LAB")
    if not name.strip():
        raise bad("--name", name, "is empty")
    if (valid_until is None) == (valid_days is None):
        raise problem("--valid-until/--valid-days", "give exactly one of them")
    if valid_days is not None:
        if not valid_days.strip().isdigit() or int(valid_days) < 1:
            raise bad("--valid-days", valid_days, "is not a positive number of days")
        when = parse_when(f"+{int(valid_days)}d", option="--valid-days")
    else:
        assert valid_until is not None
        when = parse_when(valid_until, option="--valid-until")
    client = client_of(ctx)
    until = when.resolve(chain_now(client))
    tx = client.certificates.accredit_lab(lab=address, name=name, valid_until=until)
    record = client.certificates.accreditation(lab=address)
    out.info(
        f"accredited {address} ({escape(name)}) until {record.valid_until or until} "
        f"in tx {tx.tx_hash} (block {tx.block_number})"
    )
    out.result(
        {
            "lab": address,
            "name": name,
            "valid_until": until,
            "accreditation": record.model_dump(mode="json"),
            "tx": tx_data(tx),
        }
    )


@app.command("revoke-lab")
@command
def revoke_lab(
    ctx: typer.Context,
    lab: Annotated[
        str, typer.Argument(metavar="LAB", help="The lab's account (0x address or dev:N).")
    ],
) -> None:
    """End a lab's accreditation: every certificate it issued until now becomes invalid, for
    ever (re-accrediting it does not revive them)."""
    out = settings_of(ctx).output
    address = parse_address(lab, option="LAB")
    client = client_of(ctx)
    tx = client.certificates.revoke_accreditation(lab=address)
    out.info(f"accreditation of {address} revoked in tx {tx.tx_hash} (block {tx.block_number})")
    out.result({"lab": address, "revoked": True, "tx": tx_data(tx)})


@app.command("allow-token")
@command
def allow_token(
    ctx: typer.Context,
    token: Annotated[
        str, typer.Argument(metavar="TOKEN", help="The ERC-20 contract (0x address).")
    ],
    disallow: Annotated[
        bool, typer.Option("--disallow", help="Stop allowing it for new orders instead.")
    ] = False,
) -> None:
    """Allow an ERC-20 token to pay new escrow orders (the native coin always may)."""
    out = settings_of(ctx).output
    address = parse_address(token, option="TOKEN")
    client = client_of(ctx)
    tx = client.escrow.set_token_allowed(token=address, allowed=not disallow)
    verb = "no longer allowed" if disallow else "allowed"
    out.info(f"token {address} {verb} for new orders in tx {tx.tx_hash} (block {tx.block_number})")
    out.result({"token": address, "allowed": not disallow, "tx": tx_data(tx)})


@app.command("grant-role")
@command
def grant_role(
    ctx: typer.Context,
    role: Annotated[str, typer.Argument(metavar="ROLE", help=f"One of: {', '.join(ROLES)}.")],
    account: Annotated[
        str, typer.Argument(metavar="ACCOUNT", help="The account (0x address or dev:N).")
    ],
    contract: Annotated[
        str | None,
        typer.Option(
            "--contract",
            metavar="CONTRACT",
            help="devices, certificates or escrow (default: where the role is used; "
            "admin: all three).",
        ),
    ] = None,
) -> None:
    """Grant an AccessControl role (manufacturer, lab, arbiter, admin). An account that holds the
    role already is left as it is (nothing is sent)."""
    out = settings_of(ctx).output
    role_name = parse_role(role)
    address = parse_address(account, option="ACCOUNT")
    if contract is not None:
        key = contract.strip().lower()
        if key not in CONTRACTS:
            raise bad("--contract", contract, f"is not a contract (one of: {', '.join(CONTRACTS)})")
        targets: tuple[str, ...] = (key,)
    else:
        targets = _DEFAULT_CONTRACTS[role_name]
    from fabtrust.deploy import role_id

    role_bytes = bytes.fromhex(role_id(role_name)[2:])
    client = client_of(ctx)
    results = []
    for key in targets:
        name = CONTRACTS[key]
        if client.chain.call(name, "hasRole", role_bytes, address):
            out.info(f"{address} already holds {role_name} on {name}")
            results.append(
                {
                    "contract": key,
                    "address": client.chain.contract(name).address,
                    "granted": False,
                    "already": True,
                    "tx": None,
                }
            )
            continue
        tx = client.chain.transact(name, "grantRole", role_bytes, address)
        out.info(f"granted {role_name} on {name} to {address} in tx {tx.tx_hash}")
        results.append(
            {
                "contract": key,
                "address": client.chain.contract(name).address,
                "granted": True,
                "already": False,
                "tx": tx_data(tx),
            }
        )
    if role_name == "LAB_ROLE":
        out.info(
            "note: a lab issues certificates only with an accreditation record: "
            "use `fabtrust admin accredit-lab`"
        )
    out.result(
        {"role": role_name, "role_id": role_id(role_name), "account": address, "contracts": results}
    )
