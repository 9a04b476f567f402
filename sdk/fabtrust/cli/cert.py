"""`fabtrust cert ...`: labs issue (one, or a Merkle batch) and revoke test certificates; anyone
shows them; a buyer verifies a report against the chain (`cert verify`).

Light module: web3 and the SDK clients are imported inside the commands.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._context import command, settings_of
from ._exit import ExitCode
from ._parse import (
    When,
    bad,
    chain_now,
    client_of,
    parse_bytes32,
    parse_device_ref,
    parse_optional_file,
    parse_readable_file,
    parse_when,
    problem,
)
from ._render import (
    CHECK_LABELS,
    batch_view,
    certificate_view,
    escape,
    fmt_time,
    tx_data,
    verdict_view,
)

if TYPE_CHECKING:
    from fabtrust.client import Fabtrust

__all__ = ["app"]

app = typer.Typer(
    help="Test certificates: issue (one or a batch), revoke, show, and verify a report.",
    no_args_is_help=True,
)

CertArg = Annotated[
    str, typer.Argument(metavar="CERT", help="The certificate id (0x + 64 hex digits).")
]
_DIGEST_RE = re.compile(r"(0[xX])?[0-9a-fA-F]{64}")
_BATCH_FIELDS = (
    "device",
    "report",
    "spec",
    "result",
    "valid_until",
    "data_root",
    "readings",
    "seed",
)
_BATCH_REQUIRED = ("device", "report", "spec", "result", "valid_until")


def _data_root(
    readings: str | None, seed: str | None, data_root: str | None, *, allow_generated: bool
) -> tuple[str | None, str | None, bool, int | None]:
    """(data root, seed, seed generated, number of readings) from the readings options.

    ``--readings CSV`` with ``--seed HEX`` rebuilds the salted readings tree (without a seed one
    is generated when allowed); ``--data-root HEX`` gives the root directly; neither: no data.
    """
    if data_root is not None and (readings is not None or seed is not None):
        raise bad("--data-root", data_root, "cannot be combined with --readings/--seed")
    if data_root is not None:
        return parse_bytes32(data_root, option="--data-root"), None, False, None
    if readings is None:
        if seed is not None:
            raise problem("--seed", "is only used with --readings")
        return None, None, False, None
    from fabtrust.evidence import ReadingsTree, generate_seed

    path = parse_readable_file(readings, option="--readings")
    generated = False
    if seed is None:
        if not allow_generated:
            raise bad("--readings", readings, "needs the lab's salt seed (--seed / seed column)")
        seed_hex = "0x" + generate_seed().hex()
        generated = True
    else:
        seed_hex = parse_bytes32(seed, option="--seed")
    tree = ReadingsTree.from_file(path, seed=seed_hex)
    return tree.root, seed_hex, generated, len(tree)


def _result_flag(text: str, *, option: str) -> bool:
    value = text.strip().lower()
    if value in ("pass", "passed", "1", "true"):
        return True
    if value in ("fail", "failed", "2", "false"):
        return False
    raise bad(option, text, "is not a result (use pass or fail)")


def _report_arg(report: str) -> str | Path:
    """The REPORT argument: a file, or (when no such file exists) a SHA-256 digest."""
    path = Path(report)
    if path.exists():
        return parse_readable_file(path, option="REPORT")
    if _DIGEST_RE.fullmatch(report.strip()):
        return report.strip()
    raise bad("REPORT", report, "does not exist (give the report file or its SHA-256)")


def _cert_data(client: Fabtrust, cert_id: str) -> tuple[dict[str, Any], bool]:
    cert = client.certificates.get(cert_id=cert_id)
    valid = client.certificates.is_valid(cert_id=cert_id)
    data: dict[str, Any] = cert.model_dump(mode="json")
    data["result_label"] = "Pass" if cert.passed else "Fail"
    data["valid"] = valid
    return data, valid


@app.command("issue")
@command
def issue(
    ctx: typer.Context,
    device: Annotated[
        str,
        typer.Option(
            "--device", metavar="DEVICE", help="Device id (decimal or 0x) or MANUFACTURER/SERIAL."
        ),
    ],
    report: Annotated[
        str, typer.Option("--report", metavar="FILE", help="The report file (SHA-256 anchored).")
    ],
    spec: Annotated[
        str, typer.Option("--spec", metavar="TEXT", help="Test specification text (or 0x bytes32).")
    ],
    passed: Annotated[
        bool | None, typer.Option("--pass/--fail", help="The test result.", show_default=False)
    ] = None,
    valid_until: Annotated[
        str | None,
        typer.Option(
            "--valid-until",
            metavar="DATE",
            help="End of validity: YYYY-MM-DD (through that day), ISO time or +365d.",
        ),
    ] = None,
    readings: Annotated[
        str | None,
        typer.Option(
            "--readings", metavar="CSV", help="Raw readings CSV (timestamp,channel,value,unit)."
        ),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option(
            "--seed",
            metavar="HEX",
            help="The lab's secret salt seed (0x + 64 hex); generated if absent.",
        ),
    ] = None,
    data_root: Annotated[
        str | None,
        typer.Option("--data-root", metavar="HEX", help="The readings' Merkle root, if known."),
    ] = None,
    supersedes: Annotated[
        str | None,
        typer.Option(
            "--supersedes", metavar="CERT", help="A certificate of yours this one replaces."
        ),
    ] = None,
    bundle_out: Annotated[
        Path | None,
        typer.Option(
            "--bundle-out", metavar="FILE", help="Write the certificate bundle (JSON) here."
        ),
    ] = None,
) -> None:
    """Issue a certificate as the connected, accredited lab: the report's SHA-256, the Merkle
    root of the raw readings, the test specification, the result and the validity window."""
    out = settings_of(ctx).output
    ref = parse_device_ref(device, option="--device")
    report_path = parse_readable_file(report, option="--report")
    if passed is None:
        raise problem("--pass/--fail", "missing: give the result with --pass or --fail")
    if valid_until is None:
        raise problem("--valid-until", "missing: give YYYY-MM-DD or +365d")
    when = parse_when(valid_until, option="--valid-until")
    if not spec.strip():
        raise bad("--spec", spec, "is empty")
    replaced = parse_bytes32(supersedes, option="--supersedes") if supersedes else None
    root, seed_hex, generated, count = _data_root(readings, seed, data_root, allow_generated=True)
    client = client_of(ctx)
    until = when.resolve(chain_now(client))
    issued = client.certificates.issue(
        device_id=ref.device_id,
        report=report_path,
        data_root=root or "0x" + "00" * 32,
        test_spec=spec,
        passed=passed,
        valid_until=until,
        supersedes=replaced,
    )
    out.info(
        f"issued certificate {issued.cert_id} for device {ref} "
        f"({'Pass' if passed else 'Fail'}, valid until {fmt_time(until)}) in tx "
        f"{issued.tx.tx_hash} (block {issued.tx.block_number})"
    )
    if count is not None:
        out.info(f"data root {root} commits to {count} readings of {escape(str(readings))}")
    if generated:
        out.info(
            f"generated salt seed {seed_hex}: keep it secret and safe, it rebuilds the data "
            "root for buyers you show the readings to"
        )
    bundle_path: str | None = None
    if bundle_out is not None:
        bundle = client.certificates.make_bundle(cert_id=issued.cert_id, report=report_path)
        bundle_path = str(bundle.save(bundle_out))
        out.info(f"bundle written to {escape(bundle_path)}")
    out.result(
        {
            "cert_id": issued.cert_id,
            "device_id": issued.device_id,
            "lab": issued.lab,
            "report_sha256": issued.report_sha256,
            "data_root": root or "0x" + "00" * 32,
            "readings": count,
            "seed": seed_hex if generated else None,
            "seed_generated": generated,
            "passed": passed,
            "valid_until": until,
            "bundle": bundle_path,
            "tx": tx_data(issued.tx),
        }
    )


@dataclass(frozen=True)
class _BatchRow:
    row: int
    device_id: int
    report: Path
    spec: str
    passed: bool
    valid_until: When
    data_root: str | None


def _batch_rows(file: Path) -> list[dict[str, str]]:
    """The rows of a batch file: a JSON list of objects (or {"certificates": [...]}) or a CSV
    with a header line."""
    text = file.read_text(encoding="utf-8-sig")
    if file.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise bad("FILE", str(file), f"is not valid JSON ({exc})") from None
        if isinstance(data, Mapping):
            data = data.get("certificates")
        if not isinstance(data, list) or not all(isinstance(i, Mapping) for i in data):
            raise bad("FILE", str(file), "must hold a JSON list of certificate objects")
        rows: list[dict[str, str]] = []
        for i, item in enumerate(data, start=1):
            unknown = sorted(set(item) - set(_BATCH_FIELDS))
            if unknown:
                raise bad(
                    f"{file.name} row {i}",
                    unknown[0],
                    f"is not a known field (use {', '.join(_BATCH_FIELDS)})",
                )
            rows.append({k: str(v) for k, v in item.items() if v is not None})
        return rows
    reader = csv.DictReader(line for line in text.splitlines() if line.strip())
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in _BATCH_FIELDS]
    if unknown:
        raise bad(
            "FILE",
            str(file),
            f"has an unknown column {unknown[0]!r} (use {', '.join(_BATCH_FIELDS)})",
        )
    return [
        {(k or "").strip(): (v or "").strip() for k, v in row.items() if v and v.strip()}
        for row in reader
    ]


def _parse_batch_row(file: Path, number: int, row: Mapping[str, str]) -> _BatchRow:
    where = f"{file.name} row {number}"
    for name in _BATCH_REQUIRED:
        if not row.get(name):
            raise bad(where, name, "is missing")
    report = row["report"]
    report_path = Path(report) if Path(report).is_absolute() else file.parent / report
    root, _, _, _ = _data_root(
        str(file.parent / row["readings"]) if row.get("readings") else None,
        row.get("seed"),
        row.get("data_root"),
        allow_generated=False,
    )
    return _BatchRow(
        row=number,
        device_id=parse_device_ref(row["device"], option=f"{where} device").device_id,
        report=parse_readable_file(report_path, option=f"{where} report"),
        spec=row["spec"],
        passed=_result_flag(row["result"], option=f"{where} result"),
        valid_until=parse_when(row["valid_until"], option=f"{where} valid_until"),
        data_root=root,
    )


def _refuse_stored(client: Fabtrust, rows: list[_BatchRow], leaves: list[Any]) -> None:
    """Refuse (before anything is sent) a batch with a certificate this lab stored already: its
    id (lab, device, report) is taken, so the new leaf could never be presented."""
    from fabtrust.certificates.errors import CertificateNotFoundError
    from fabtrust.evidence import cert_id_of

    lab = client.chain.address
    for row, leaf in zip(rows, leaves, strict=True):
        cert_id = cert_id_of(lab, leaf.device_id, leaf.report_sha256)
        try:
            stored = client.certificates.get(cert_id=cert_id)
        except CertificateNotFoundError:
            continue
        raise bad(
            f"row {row.row}",
            str(row.report),
            f"is certified already by this lab for device {leaf.device_id}: certificate "
            f"{cert_id} (block {stored.block_number}); revoke it or leave the row out",
        )


@app.command("issue-batch")
@command
def issue_batch(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="JSON list or CSV with device,report,spec,result,valid_until"
            "[,data_root | ,readings,seed] (paths relative to the file).",
            show_default=False,
        ),
    ],
    bundle_dir: Annotated[
        Path | None,
        typer.Option(
            "--bundle-dir",
            metavar="DIR",
            help="Where to write the bundles (default: FILE-bundles/).",
        ),
    ] = None,
    present: Annotated[
        bool,
        typer.Option("--present", help="Also store each certificate on chain (one tx each)."),
    ] = False,
) -> None:
    """Anchor many certificates with one Merkle root (anchorBatch) and write one bundle per
    certificate, with its Merkle proof, for the buyer."""
    from fabtrust.certificates import BatchCertificate

    out = settings_of(ctx).output
    parse_readable_file(file, option="FILE")
    raw = _batch_rows(file)
    if not raw:
        raise bad("FILE", str(file), "has no certificate rows")
    rows = [_parse_batch_row(file, i, row) for i, row in enumerate(raw, start=1)]
    folder = bundle_dir or file.with_name(f"{file.stem}-bundles")
    client = client_of(ctx)
    now = chain_now(client)
    leaves = [
        BatchCertificate.create(
            device_id=row.device_id,
            report=row.report,
            test_spec=row.spec,
            passed=row.passed,
            valid_until=row.valid_until.resolve(now),
            data_root=row.data_root or "0x" + "00" * 32,
        )
        for row in rows
    ]
    _refuse_stored(client, rows, leaves)
    anchored = client.certificates.anchor_batch(certificates=leaves)
    out.info(
        f"anchored {anchored.count} certificate(s) under root {anchored.root} in tx "
        f"{anchored.tx.tx_hash} (block {anchored.tx.block_number})"
    )
    folder.mkdir(parents=True, exist_ok=True)
    items: list[dict[str, Any]] = []
    for row, proof in zip(rows, anchored.certificates, strict=True):
        presented: str | None = None
        if present:
            stored = client.certificates.present_batch_certificate(
                lab=anchored.lab, root=anchored.root, leaf=proof.leaf, proof=proof.proof
            )
            presented = stored.tx.tx_hash
        bundle = client.certificates.make_bundle(batch=proof, report=row.report)
        path = bundle.save(folder / f"{row.report.stem}-{proof.cert_id[2:10]}.bundle.json")
        items.append(
            {
                "row": row.row,
                "cert_id": proof.cert_id,
                "device_id": row.device_id,
                "report": str(row.report),
                "bundle": str(path),
                "presented_tx": presented,
            }
        )
    out.info(f"{len(items)} bundle(s) written to {escape(str(folder))}")
    out.result(
        {
            "root": anchored.root,
            "lab": anchored.lab,
            "count": anchored.count,
            "tx": tx_data(anchored.tx),
            "bundle_dir": str(folder),
            "certificates": items,
        },
        batch_view("certificates", items, ("row", "cert_id", "device_id", "bundle")),
    )


@app.command("revoke")
@command
def revoke(
    ctx: typer.Context,
    cert: CertArg,
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why (recorded on chain).")
    ],
) -> None:
    """Revoke a certificate (its lab or an admin)."""
    out = settings_of(ctx).output
    cert_id = parse_bytes32(cert, option="CERT")
    if not reason.strip():
        raise bad("--reason", reason, "is empty")
    client = client_of(ctx)
    tx = client.certificates.revoke(cert_id=cert_id, reason=reason)
    out.info(f"certificate {cert_id} revoked in tx {tx.tx_hash} (block {tx.block_number})")
    out.result({"cert_id": cert_id, "revoked": True, "reason": reason, "tx": tx_data(tx)})


@app.command("show")
@command
def show(ctx: typer.Context, cert: CertArg) -> None:
    """Show a certificate as stored on chain, and whether it is valid now."""
    out = settings_of(ctx).output
    cert_id = parse_bytes32(cert, option="CERT")
    client = client_of(ctx, signer=False)
    data, valid = _cert_data(client, cert_id)
    out.result(data, certificate_view(data, valid=valid))


@app.command("verify")
@command
def verify(
    ctx: typer.Context,
    report: Annotated[
        str, typer.Argument(metavar="REPORT", help="The report file you received (or its SHA-256).")
    ],
    bundle: Annotated[
        str | None,
        typer.Option(
            "--bundle", metavar="FILE", help="The certificate bundle (JSON) from the lab."
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            metavar="CSV",
            help="Raw readings CSV (with --seed), or disclosed proofs (JSON).",
        ),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option(
            "--seed", metavar="HEX", help="The lab's salt seed, to rebuild the data root."
        ),
    ] = None,
) -> None:
    """Check a report against the chain: is it certified, by an accredited lab, for a registered
    device, passed, in its validity window, not revoked; do the readings and the device signature
    match? Without a bundle the certificate is found from the report's digest alone.
    Exit 0 verified, 1 not verified."""
    out = settings_of(ctx).output
    report_value = _report_arg(report)
    bundle_path = parse_optional_file(bundle, option="--bundle")
    data_path = parse_optional_file(data, option="--data")
    seed_hex = parse_bytes32(seed, option="--seed") if seed is not None else None
    if seed_hex is not None and data_path is None:
        raise problem("--seed", "is only used with --data READINGS.csv")
    client = client_of(ctx, signer=False)
    verdict = client.certificates.verify_bundle(
        bundle=bundle_path,
        report=report_value,
        readings=data_path,
        readings_seed=seed_hex,
    )
    document: dict[str, Any] = verdict.model_dump(mode="json")
    document["failed_checks"] = [c.name for c in verdict.failures]
    out.result(document, verdict_view(document))
    if not verdict.verified:
        failed = "; ".join(
            f"{CHECK_LABELS.get(c.name, c.name)} ({c.name}): {c.detail}" for c in verdict.failures
        )
        out.error(f"not verified: {escape(failed)}")
        raise typer.Exit(int(ExitCode.NOT_VERIFIED))
