"""`fabtrust cert ...`: labs issue (one, or a Merkle batch) and revoke test certificates; anyone
shows them; a buyer verifies a report against the chain (`cert verify`).

Light module: web3 and the SDK clients are imported inside the commands.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fabtrust.errors import InvalidInputError

from ._context import command, settings_of
from ._files import display_name, read_seed, write_atomic, write_secret
from ._output import Output
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
    batch_view,
    certificate_view,
    escape,
    fmt_time,
    iso_time,
    tx_data,
)
from ._verify_cmd import device_words, verify_report

if TYPE_CHECKING:
    from fabtrust.certificates import BatchFileRow
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


def _data_root(
    readings: str | None, seed: str | None, data_root: str | None, *, allow_generated: bool
) -> tuple[str | None, str | None, bool, int | None]:
    """(data root, seed, seed generated, number of readings) from the readings options.

    ``readings`` (a CSV) with ``seed`` (0x hex) rebuilds the salted readings tree (without a seed
    one is generated when allowed); ``data_root`` gives the root directly; neither: no data.
    """
    if data_root is not None and (readings is not None or seed is not None):
        raise bad("--data-root", data_root, "cannot be combined with --readings/--seed-file")
    if data_root is not None:
        return parse_bytes32(data_root, option="--data-root"), None, False, None
    if readings is None:
        if seed is not None:
            raise problem("--seed-file", "is only used with --readings")
        return None, None, False, None
    from fabtrust.evidence import ReadingsTree, generate_seed

    path = parse_readable_file(readings, option="--readings")
    generated = False
    if seed is None:
        if not allow_generated:
            raise bad("--readings", readings, "needs the lab's salt seed (seed column)")
        seed_hex = "0x" + generate_seed().hex()
        generated = True
    else:
        seed_hex = parse_bytes32(seed, option="seed")
    tree = ReadingsTree.from_file(path, seed=seed_hex)
    return tree.root, seed_hex, generated, len(tree)


def _result_flag(text: str, *, option: str) -> bool:
    value = text.strip().lower()
    if value in ("pass", "passed", "1", "true"):
        return True
    if value in ("fail", "failed", "2", "false"):
        return False
    raise bad(option, text, "is not a result (use pass or fail)")


def _cert_data(client: Fabtrust, cert_id: str) -> tuple[dict[str, Any], bool]:
    cert = client.certificates.get(cert_id=cert_id)
    valid = client.certificates.is_valid(cert_id=cert_id)
    data: dict[str, Any] = cert.model_dump(mode="json")
    data["result_label"] = "Pass" if cert.passed else "Fail"
    data["valid"] = valid
    data["device"] = device_words(client, cert.device_id)
    return data, valid


CRASH_AFTER_ANCHOR_ENV = "FABTRUST_CERT_CRASH_AFTER_ANCHOR"
"""Test hook: when set to 1, `cert issue` and `cert issue-batch` kill themselves (SIGKILL) right
after the certificate or batch was anchored, before the bundles are completed with the receipt."""

VerifyDataOption = Annotated[
    str | None,
    typer.Option(
        "--data",
        metavar="CSV",
        help="Raw readings CSV (with --seed-file), or disclosed proofs (JSON).",
    ),
]
"""The readings option of the verifying commands (`cert verify`, `cert verify-credential`)."""

VerifySeedOption = Annotated[
    Path | None,
    typer.Option(
        "--seed-file",
        metavar="FILE",
        help="The lab's salt seed (or FABTRUST_SEED), to rebuild the data root from --data.",
    ),
]
"""The seed option of the verifying commands (`cert verify`, `cert verify-credential`)."""

SeedFileOption = Annotated[
    Path | None,
    typer.Option(
        "--seed-file",
        metavar="FILE",
        help="The lab's secret salt seed (0x + 64 hex) is read from FILE, or FABTRUST_SEED; "
        "with --readings and neither, a new seed is written to FILE (mode 0600; default: "
        "READINGS.seed) before anything is sent. Never printed.",
    ),
]


def _spec_text(spec: str) -> str | None:
    """The specification's text to keep in a bundle (None when a bytes32 id was given)."""
    return None if _DIGEST_RE.fullmatch(spec.strip()) else spec


def _default_bundle(report: Path) -> Path:
    return report.with_name(report.name + ".bundle.json")


def _save_bundle(bundle: Any, path: Path) -> Path:
    return write_atomic(path, (bundle.to_json() + "\n").encode("utf-8"))


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
        str,
        typer.Option(
            "--spec",
            metavar="TEXT",
            help="Test specification text (kept in the bundle; its keccak-256 goes on chain).",
        ),
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
    seed_file: SeedFileOption = None,
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
            "--bundle-out",
            metavar="FILE",
            help="The certificate bundle (JSON), written before the transaction is sent and "
            "completed after it (default: REPORT.bundle.json).",
        ),
    ] = None,
    device_signature: Annotated[
        str | None,
        typer.Option(
            "--device-signature",
            metavar="HEX",
            help="The device key's EIP-712 DataAttestation signature over the data root (0x "
            "hex): the certificate records that the device attested its readings.",
        ),
    ] = None,
) -> None:
    """Issue a certificate as the connected, accredited lab: the report's SHA-256, the Merkle
    root of the raw readings, the test specification, the result and the validity window.
    With --device-signature the device's own signature over the data root is checked (by the
    contract's rules) before anything is sent, and anchored with the certificate.

    Nothing is lost: the seed file and the bundle are written (atomically) before the
    transaction is sent, and the bundle is completed with the receipt; after a crash,
    `fabtrust cert bundle CERT` rebuilds it."""
    import signal

    from fabtrust import _validate
    from fabtrust.certificates import CertificateBundle
    from fabtrust.errors import TransactionRevertedError
    from fabtrust.evidence import CertificateResult, cert_id_of

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
    if seed_file is not None and readings is None:
        raise problem("--seed-file", "is only used with --readings")
    seed_given: str | None = None
    if readings is not None and seed_file is None:
        seed_given = read_seed(None)  # FABTRUST_SEED
    elif seed_file is not None and seed_file.exists():
        seed_given = read_seed(seed_file)
    root, seed_hex, generated, count = _data_root(
        readings, seed_given, data_root, allow_generated=True
    )
    seed_path: Path | None = None
    if generated:
        assert readings is not None
        seed_path = seed_file or Path(readings).with_name(Path(readings).name + ".seed")
        if seed_path.exists():
            raise bad("--seed-file", display_name(seed_path), "exists already (not overwritten)")
    attestation: str | None = None
    if device_signature is not None:
        if root is None:
            raise problem("--device-signature", "needs the data root (--readings or --data-root)")
        raw = _validate.hex_bytes(device_signature, field="--device-signature", allow_empty=False)
        attestation = "0x" + raw.hex()
    bundle_path = bundle_out or _default_bundle(report_path)
    client = client_of(ctx)
    if (
        attestation is not None
        and root is not None
        and not client.certificates.verify_device_signature(
            device_id=ref.device_id, data_root=root, signature=attestation
        )
    ):
        raise bad(
            "--device-signature",
            device_signature,
            "is not the device key's signature over this data root (by the contract's rules)",
        )
    now = chain_now(client)
    until = when.resolve(now)
    if until <= now:
        raise bad(
            "--valid-until", valid_until, f"is in the past (the chain's time is {fmt_time(now)})"
        )
    digest = report_sha256(report_path, out)
    lab = client.chain.address
    cert_id = cert_id_of(lab, ref.device_id, digest)
    _refuse_existing(client, cert_id)
    pending = CertificateBundle(
        chain_id=client.chain.connection.chain_id,
        registry=client.certificates.registry,
        cert_id=cert_id,
        device_id=ref.device_id,
        lab=lab,
        report_sha256=digest,
        report_file=display_name(report_path.name),
        data_root=root or "0x" + "00" * 32,
        test_spec=_validate.bytes32_or_text(spec, field="test_spec"),
        test_spec_text=_spec_text(spec),
        result=CertificateResult(1 if passed else 2),
        valid_until=until,
        tx_hash=None,
        block_number=None,
        device_signature=attestation,
    )
    # Evidence first: the seed (secret) and the bundle are on disk before anything is sent.
    if seed_path is not None:
        assert seed_hex is not None
        write_secret(seed_path, seed_hex + "\n")
        out.info(
            f"salt seed written to {escape(display_name(seed_path))} (mode 0600): keep it "
            "secret and safe, it rebuilds the data root for buyers you show the readings to"
        )
    _save_bundle(pending, bundle_path)
    try:
        issued = client.certificates.issue(
            device_id=ref.device_id,
            report=digest,
            data_root=root or "0x" + "00" * 32,
            test_spec=spec,
            passed=passed,
            valid_until=until,
            supersedes=replaced,
            device_signature=attestation,
        )
    except TransactionRevertedError:
        # Refused by the chain: nothing was anchored, so the evidence written for it goes.
        bundle_path.unlink(missing_ok=True)
        if seed_path is not None:
            seed_path.unlink(missing_ok=True)
        raise
    if os.environ.get(CRASH_AFTER_ANCHOR_ENV) == "1":
        os.kill(os.getpid(), signal.SIGKILL)
    bundle = client.certificates.make_bundle(
        cert_id=issued.cert_id, report=digest, test_spec_text=spec, device_signature=attestation
    )
    bundle = bundle.model_copy(update={"report_file": pending.report_file})
    _save_bundle(bundle, bundle_path)
    out.info(
        f"issued certificate {issued.cert_id} for device {ref} "
        f"({'Pass' if passed else 'Fail'}, valid until {fmt_time(until)}) in tx "
        f"{issued.tx.tx_hash} (block {issued.tx.block_number})"
    )
    if count is not None:
        out.info(
            f"data root {root} commits to {count} readings of {escape(display_name(str(readings)))}"
        )
    out.info(f"bundle written to {escape(display_name(bundle_path))}")
    out.result(
        {
            "cert_id": issued.cert_id,
            "device_id": issued.device_id,
            "lab": issued.lab,
            "report_sha256": issued.report_sha256,
            "data_root": root or "0x" + "00" * 32,
            "test_spec": pending.test_spec,
            "test_spec_text": pending.test_spec_text,
            "readings": count,
            "seed_file": display_name(seed_path) if seed_path is not None else None,
            "seed_generated": generated,
            "passed": passed,
            "result_label": "Pass" if passed else "Fail",
            "valid_until": until,
            "valid_until_iso": iso_time(until),
            "bundle": display_name(bundle_path),
            "tx": tx_data(issued.tx),
        }
    )


def _refuse_existing(client: Fabtrust, cert_id: str) -> None:
    """Refuse, before anything is sent, a certificate this lab stored already for this report."""
    from fabtrust.certificates.errors import CertificateNotFoundError

    try:
        stored = client.certificates.get(cert_id=cert_id)
    except CertificateNotFoundError:
        return
    raise InvalidInputError(
        f"this lab certified this report for this device already: certificate {cert_id} "
        f"(block {stored.block_number}); rebuild its bundle with: fabtrust cert bundle {cert_id}",
        field="report",
    )


def report_sha256(path: Path, out: Output) -> str:
    """The SHA-256 of a report file; a progress bar on a terminal for reports over 100 MB."""
    import hashlib

    size = path.stat().st_size
    digest = hashlib.sha256()
    show = size > PROGRESS_BYTES and not out.json_mode and out.console.is_terminal
    with path.open("rb") as file:
        if not show:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                digest.update(chunk)
        else:
            from rich.progress import Progress

            with Progress(console=out.console, transient=True) as progress:
                task = progress.add_task(f"hashing {escape(path.name)}", total=size)
                for chunk in iter(lambda: file.read(1 << 20), b""):
                    digest.update(chunk)
                    progress.advance(task, len(chunk))
    return "0x" + digest.hexdigest()


PROGRESS_BYTES = 100 * 1024 * 1024
"""Reports larger than this show a progress bar while they are hashed (on a terminal)."""


@app.command("bundle")
@command
def bundle_command(
    ctx: typer.Context,
    cert: CertArg,
    report: Annotated[
        str | None,
        typer.Option("--report", metavar="FILE", help="The report (checked against the chain)."),
    ] = None,
    spec: Annotated[
        str | None,
        typer.Option(
            "--spec", metavar="TEXT", help="The specification's text, kept in the bundle."
        ),
    ] = None,
    readings: Annotated[
        str | None,
        typer.Option(
            "--readings", metavar="CSV", help="The raw readings, checked against the data root."
        ),
    ] = None,
    seed_file: Annotated[
        Path | None,
        typer.Option(
            "--seed-file", metavar="FILE", help="The salt seed of --readings (or FABTRUST_SEED)."
        ),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE", help="Where to write it (default: REPORT.bundle.json)."
        ),
    ] = None,
) -> None:
    """Rebuild the bundle of a certificate stored on chain (after a crash, or a lost file):
    the report, the readings with their seed and the specification's text are checked against
    the chain before the bundle is written."""
    out = settings_of(ctx).output
    cert_id = parse_bytes32(cert, option="CERT")
    report_path = parse_optional_file(report, option="--report")
    if out_file is None and report_path is None:
        raise problem(
            "--out", "missing: give --out FILE (or --report, to write REPORT.bundle.json)"
        )
    seed = read_seed(seed_file)
    if seed is not None and readings is None:
        raise problem("--seed-file", "is only used with --readings")
    client = client_of(ctx, signer=False)
    stored = client.certificates.get(cert_id=cert_id)
    count: int | None = None
    if readings is not None:
        if seed is None:
            raise problem(
                "--readings", "needs the lab's salt seed: --seed-file FILE or FABTRUST_SEED"
            )
        root, _, _, count = _data_root(readings, seed, None, allow_generated=False)
        if root != stored.data_root:
            raise bad(
                "--readings",
                display_name(str(readings)),
                f"with this seed give the data root {root}, the certificate commits to "
                f"{stored.data_root}",
            )
    digest = report_sha256(report_path, out) if report_path is not None else None
    built = client.certificates.make_bundle(cert_id=cert_id, report=digest, test_spec_text=spec)
    if report_path is not None:
        built = built.model_copy(update={"report_file": display_name(report_path.name)})
    path = out_file or _default_bundle(report_path)  # type: ignore[arg-type]
    _save_bundle(built, path)
    out.info(f"bundle of certificate {cert_id} written to {escape(display_name(path))}")
    out.result(
        {
            "cert_id": cert_id,
            "bundle": display_name(path),
            "report_checked": report_path is not None,
            "readings_checked": count,
            "test_spec_text": built.test_spec_text,
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


def _parse_batch_row(row: BatchFileRow, file: Path) -> _BatchRow:
    """The values of one batch-file row (its shape was checked by read_batch_file)."""
    where = f"{file.name} row {row.row}"
    root, _, _, _ = _data_root(
        str(row.readings) if row.readings is not None else None,
        row.seed,
        row.data_root,
        allow_generated=False,
    )
    return _BatchRow(
        row=row.row,
        device_id=parse_device_ref(row.device, option=f"{where} device").device_id,
        report=parse_readable_file(row.report, option=f"{where} report"),
        spec=row.spec,
        passed=_result_flag(row.result, option=f"{where} result"),
        valid_until=parse_when(row.valid_until, option=f"{where} valid_until"),
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
    certificate, with its Merkle proof, for the buyer (written before anchorBatch is sent and
    completed after it)."""
    import signal

    from fabtrust.certificates import (
        BatchCertificate,
        BundleBatch,
        CertificateBundle,
        read_batch_file,
    )
    from fabtrust.errors import TransactionRevertedError
    from fabtrust.evidence import BATCH_LEAF_ENCODING, StandardMerkleTree, cert_id_of

    out = settings_of(ctx).output
    parse_readable_file(file, option="FILE")
    rows = [_parse_batch_row(row, file) for row in read_batch_file(file)]
    folder = bundle_dir or file.with_name(f"{file.stem}-bundles")
    client = client_of(ctx)
    now = chain_now(client)
    for row in rows:
        if row.valid_until.resolve(now) <= now:
            raise bad(
                f"{file.name} row {row.row} valid_until",
                fmt_time(row.valid_until.resolve(now)),
                f"is in the past (the chain's time is {fmt_time(now)})",
            )
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
    # Evidence first: every bundle, with its Merkle proof, is on disk before anchorBatch is sent.
    lab = client.chain.address
    tree = StandardMerkleTree.of([leaf.leaf for leaf in leaves], BATCH_LEAF_ENCODING)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i, (row, leaf) in enumerate(zip(rows, leaves, strict=True)):
        cert_id = cert_id_of(lab, leaf.device_id, leaf.report_sha256)
        pending = CertificateBundle(
            chain_id=client.chain.connection.chain_id,
            registry=client.certificates.registry,
            cert_id=cert_id,
            device_id=leaf.device_id,
            lab=lab,
            report_sha256=leaf.report_sha256,
            report_file=display_name(row.report.name),
            data_root=leaf.data_root,
            test_spec=leaf.test_spec,
            test_spec_text=_spec_text(row.spec),
            result=leaf.result,
            valid_until=leaf.valid_until,
            batch=BundleBatch(root=tree.root, leaf=leaf, proof=tuple(tree.get_proof(i))),
            tx_hash=None,
            block_number=None,
        )
        paths.append(folder / f"{row.report.stem}-{cert_id[2:10]}.bundle.json")
        _save_bundle(pending, paths[-1])
    try:
        anchored = client.certificates.anchor_batch(certificates=leaves)
    except TransactionRevertedError:
        for path in paths:  # refused by the chain: nothing was anchored
            path.unlink(missing_ok=True)
        raise
    if os.environ.get(CRASH_AFTER_ANCHOR_ENV) == "1":
        os.kill(os.getpid(), signal.SIGKILL)
    out.info(
        f"anchored {anchored.count} certificate(s) under root {anchored.root} in tx "
        f"{anchored.tx.tx_hash} (block {anchored.tx.block_number})"
    )
    items: list[dict[str, Any]] = []
    for row, proof, path in zip(rows, anchored.certificates, paths, strict=True):
        presented: str | None = None
        if present:
            stored = client.certificates.present_batch_certificate(
                lab=anchored.lab, root=anchored.root, leaf=proof.leaf, proof=proof.proof
            )
            presented = stored.tx.tx_hash
        bundle = client.certificates.make_bundle(
            batch=proof, report=row.report, test_spec_text=row.spec
        )
        bundle = bundle.model_copy(update={"report_file": display_name(row.report.name)})
        _save_bundle(bundle, path)
        items.append(
            {
                "row": row.row,
                "cert_id": proof.cert_id,
                "device_id": row.device_id,
                "report": display_name(row.report),
                "bundle": display_name(path),
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
    data: VerifyDataOption = None,
    seed_file: VerifySeedOption = None,
) -> None:
    """Check a report against the chain: is it certified, by an accredited lab, for a registered
    device, passed, in its validity window, not revoked; do the readings and the device signature
    match? Without a bundle the certificate is found from the report's digest alone.
    Exit 0 verified, 1 not verified. With only --rpc-url, --deployments and --json before
    `cert`, the command starts without the CLI framework, so a buyer's check is fast; --help and
    the other global options go through the full CLI, with the same result."""
    # One body for this command and the light start-up path (fabtrust.cli._light).
    code = verify_report(
        settings_of(ctx), report=report, bundle=bundle, data=data, seed_file=seed_file
    )
    if code:
        raise typer.Exit(code)
