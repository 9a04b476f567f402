"""`fabtrust cert export | verify-credential | status-list`: certificates as UNTP Digital
Conformity Credentials (VC 2.0, signed ES256K by the lab), their verification, and the lab's
Bitstring Status Lists. Registered on the `cert` group by :func:`register`.

Light module: the SDK's credentials package is imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ._context import command, settings_of
from ._exit import ExitCode
from ._files import read_seed
from ._parse import bad, client_of, parse_bytes32, parse_optional_file, parse_readable_file, problem
from ._render import CHECK_LABELS, escape, verdict_view
from .cert import VerifyDataOption, VerifySeedOption

__all__ = ["demo_credential", "export", "register", "status_list", "verify_credential"]

_FORMATS = ("untp-dcc",)


def _write_json(path: Path, document: Any) -> str:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise bad("--out", str(path), f"cannot be written ({exc.strerror or exc})") from None
    return str(path)


@command
def export(
    ctx: typer.Context,
    cert: Annotated[
        str, typer.Argument(metavar="CERT", help="The certificate id (0x + 64 hex digits).")
    ],
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="Export format: untp-dcc.")
    ] = "untp-dcc",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Where to write it (default: <first 16 hex digits of CERT>.untp-dcc.json).",
        ),
    ] = None,
    bundle: Annotated[
        str | None,
        typer.Option(
            "--bundle",
            metavar="FILE",
            help="The certificate bundle: its batch proof (needed for a batch leaf not presented "
            "yet) and report file name go into the credential.",
        ),
    ] = None,
    metadata: Annotated[
        str | None,
        typer.Option(
            "--metadata",
            metavar="FILE",
            help="The device's metadata document (JSON, its SHA-256 on chain); its gtin makes "
            "the product id a GS1 Digital Link.",
        ),
    ] = None,
    spec: Annotated[
        str | None,
        typer.Option(
            "--spec", metavar="TEXT", help="The test specification's text (checked against its id)."
        ),
    ] = None,
    topic: Annotated[
        str, typer.Option("--topic", metavar="CODE", help="UNTP conformity topic code.")
    ] = "governance.compliance",
    status_base: Annotated[
        str | None,
        typer.Option(
            "--status-base",
            metavar="URL",
            help="Where you publish your status lists (<URL>/revocation, <URL>/refresh).",
        ),
    ] = None,
    resolver: Annotated[
        str, typer.Option("--resolver", metavar="URL", help="GS1 Digital Link resolver domain.")
    ] = "https://id.gs1.org",
) -> None:
    """Export a certificate as a UNTP Digital Conformity Credential (W3C VC 2.0), signed ES256K by
    the connected lab (a VC-JOSE JWT in an EnvelopedVerifiableCredential) and carrying its
    on-chain anchor and status-list entries."""
    from fabtrust.certificates import BatchProof, CertificateBundle
    from fabtrust.credentials import export_credential
    from fabtrust.credentials.dcc import CONFORMITY_TOPICS

    out_ = settings_of(ctx).output
    if fmt not in _FORMATS:
        raise bad("--format", fmt, f"is not a known format (use {', '.join(_FORMATS)})")
    if topic not in CONFORMITY_TOPICS:
        raise bad(
            "--topic", topic, f"is not a UNTP conformity topic ({', '.join(CONFORMITY_TOPICS)})"
        )
    cert_id = parse_bytes32(cert, option="CERT")
    proof: BatchProof | None = None
    report_name: str | None = None
    if bundle is not None:
        loaded = CertificateBundle.load(parse_readable_file(bundle, option="--bundle"))
        if loaded.cert_id != cert_id:
            raise bad("--bundle", bundle, f"is the bundle of certificate {loaded.cert_id}")
        report_name = loaded.report_file
        if loaded.batch is not None:
            proof = BatchProof(
                root=loaded.batch.root,
                lab=loaded.lab,
                cert_id=loaded.cert_id,
                leaf=loaded.batch.leaf,
                proof=loaded.batch.proof,
            )
    metadata_path = parse_optional_file(metadata, option="--metadata")
    client = client_of(ctx)
    exported = export_credential(
        client,
        cert_id=cert_id,
        batch=proof,
        metadata=metadata_path,
        spec_text=spec,
        report_name=report_name,
        topic=topic,
        resolver=resolver,
        status_base=status_base,
    )
    path = out or Path(f"{cert_id[:18]}.untp-dcc.json")
    written = _write_json(path, exported.document)
    subject = exported.credential["credentialSubject"]
    product = subject["assessment"][0]["assessedProduct"][0]["product"]["id"]
    out_.info(
        f"credential for certificate {cert_id} signed by {exported.credential['issuer']['id']} "
        f"written to {escape(written)}"
    )
    out_.info(f"assessed product: {escape(product)}")
    out_.result(
        {
            "cert_id": cert_id,
            "format": fmt,
            "path": written,
            "issuer": exported.credential["issuer"]["id"],
            "product": product,
            "jwt": exported.jwt,
            "credential": exported.credential,
        }
    )


@command
def verify_credential(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="The credential (EnvelopedVerifiableCredential JSON) to verify."
        ),
    ],
    report: Annotated[
        str | None,
        typer.Option("--report", metavar="FILE", help="The report file, to hash against it."),
    ] = None,
    data: VerifyDataOption = None,
    seed_file: VerifySeedOption = None,
    status_list: Annotated[
        list[str] | None,
        typer.Option(
            "--status-list",
            metavar="FILE",
            help="A status list credential of the lab (repeatable) to look the entries up in.",
        ),
    ] = None,
) -> None:
    """Verify a credential: its JWT signature (the lab's key), its shape (UNTP schema and the
    shipped JSON-LD contexts, no network), and its anchor on chain with every check of `cert
    verify`. Exit 0 verified, 1 not verified, 2 bad input, 3 chain unreachable or another chain."""
    from fabtrust.credentials import verify_credential as verify

    out = settings_of(ctx).output
    path = parse_readable_file(file, option="FILE")
    report_path = parse_optional_file(report, option="--report")
    data_path = parse_optional_file(data, option="--data")
    if seed_file is not None and data_path is None:
        raise problem("--seed-file", "is only used with --data READINGS.csv")
    seed_hex = read_seed(seed_file) if data_path is not None else None
    lists = [parse_readable_file(item, option="--status-list") for item in status_list or []]
    from fabtrust.credentials import load_credential

    load_credential(path)  # bad input (not JSON, malformed JWT) before connecting
    client = client_of(ctx, signer=False)
    verdict = verify(
        client,
        path,
        report=report_path,
        readings=data_path,
        readings_seed=seed_hex,
        status_lists=lists,
    )
    document: dict[str, Any] = verdict.model_dump(mode="json")
    document["failed_checks"] = [c.name for c in verdict.failures]
    out.result(document, verdict_view(document))
    if not verdict.verified:
        failed = "; ".join(
            f"{CHECK_LABELS.get(c.name, c.name)} ({c.name}): {c.detail}" for c in verdict.failures
        )
        out.error(f"not verified: {failed}")
        raise typer.Exit(int(ExitCode.NOT_VERIFIED))


@command
def status_list(
    ctx: typer.Context,
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out-dir", metavar="DIR", help="Where to write revocation.json, refresh.json."
        ),
    ] = Path("status"),
    status_base: Annotated[
        str | None,
        typer.Option(
            "--status-base",
            metavar="URL",
            help="Where you publish them (as given to `cert export --status-base`).",
        ),
    ] = None,
) -> None:
    """Derive the connected lab's Bitstring Status List credentials (revocation, and refresh for
    superseded certificates, naming each successor) from the chain, and sign them."""
    from fabtrust.credentials import export_status_lists

    out = settings_of(ctx).output
    client = client_of(ctx)
    lists = export_status_lists(client, status_base=status_base)
    written: dict[str, str] = {}
    for purpose, exported in lists.items():
        written[purpose] = _write_json(out_dir / f"{purpose}.json", exported.document)
        out.info(
            f"{purpose} list {exported.credential['id']} written to {escape(written[purpose])}"
        )
    out.result(
        {
            purpose: {
                "id": exported.credential["id"],
                "path": written[purpose],
                "credential": exported.credential,
            }
            for purpose, exported in lists.items()
        }
    )


def register(cert_app: typer.Typer) -> None:
    """Add the credential commands to the `cert` group."""
    cert_app.command("export")(export)
    cert_app.command("verify-credential")(verify_credential)
    cert_app.command("status-list")(status_list)


def demo_credential(
    output: Any, lab: Any, *, cert_id: str, metadata: Path, spec: str, path: Path
) -> tuple[str, str | None]:
    """The demo exports the first motor's certificate as a UNTP DCC signed by the ``lab`` client
    (its product id the device's GS1 Digital Link from ``metadata``) to ``path``, and says how to
    check it. Returns the file written and the Digital Link (None without a GTIN)."""
    from fabtrust.credentials import digital_link_of, export_credential

    exported = export_credential(lab, cert_id=cert_id, metadata=metadata, spec_text=spec)
    written = _write_json(path, exported.document)
    device = lab.devices.get(device_id=lab.certificates.get(cert_id=cert_id).device_id)
    link: str | None = digital_link_of(device, metadata)
    output.info(f"  credential (UNTP DCC, signed by the lab) written to {escape(written)}")
    output.info(f"  check it: fabtrust cert verify-credential {escape(written)}")
    return written, link
