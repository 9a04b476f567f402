"""Issuance that cannot lose evidence: the seed file and the bundle are on disk before the
transaction is sent; a SIGKILL between anchoring and the bundle's completion leaves a bundle that
verifies; `cert bundle` rebuilds it; file names that are not UTF-8 work end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_schemas import validate_schema as validate

from fabtrust.accounts import Signer
from fabtrust.cli.cert import CRASH_AFTER_ANCHOR_ENV
from fabtrust.evidence import ReadingsTree, cert_id_of, device_id_of

FABTRUST = os.fsencode(str(Path(sys.executable).parent / "fabtrust"))
LAB = Signer.dev(2).address
SPEC = "ISO 4409:2019 hydraulic motor bench test"


def _run(chain: Any, *args: bytes | str, env: dict[str, str] | None = None) -> Any:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FABTRUST_")}
    environment.update(env or {})
    common = [b"--rpc-url", chain.rpc_url, b"--deployments", str(chain.deployments), b"--json"]
    argv = [FABTRUST, *(a if isinstance(a, bytes) else os.fsencode(a) for a in [*common, *args])]
    return subprocess.run(argv, capture_output=True, timeout=120, env=environment)


def _register(cli: Any, serial: str) -> int:
    cli.ok("device", "register", serial, "--model", "HM-200", "--device-key", "dev:7", account=1)
    return device_id_of(Signer.dev(1).address, serial)


def test_sigkill_after_anchoring_leaves_a_bundle_that_verifies(
    cli: Any, chain: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    device_id = _register(cli, "SN-K9")
    bundle = tmp_path / "k9.bundle.json"
    seed_file = tmp_path / "k9.seed"
    killed = _run(
        chain,
        "--account",
        "dev:2",
        "cert",
        "issue",
        "--device",
        str(device_id),
        "--report",
        str(report_file),
        "--readings",
        str(readings_csv),
        "--seed-file",
        str(seed_file),
        "--spec",
        SPEC,
        "--pass",
        "--valid-until",
        "+365d",
        "--bundle-out",
        str(bundle),
        env={CRASH_AFTER_ANCHOR_ENV: "1"},
    )
    assert killed.returncode == -signal.SIGKILL, killed
    cert_id = cert_id_of(
        LAB, device_id, "0x" + __import__("hashlib").sha256(report_file.read_bytes()).hexdigest()
    )
    # The certificate is on chain, and the evidence written before sending is whole.
    assert cli.ok("cert", "show", cert_id)["valid"] is True
    assert seed_file.stat().st_mode & 0o777 == 0o600
    seed = seed_file.read_text().strip()
    pending = json.loads(bundle.read_text())
    validate(pending, "bundle")
    assert pending["cert_id"] == cert_id and pending["tx_hash"] is None
    assert pending["data_root"] == ReadingsTree.from_file(readings_csv, seed=seed).root
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    verdict = cli("cert", "verify", str(report_file), "--bundle", str(bundle), "--data",
                  str(readings_csv), "--seed-file", str(seed_file))  # fmt: skip
    assert verdict.exit_code == 0, verdict
    assert verdict.data["failed_checks"] == []
    # A retry is refused before sending, naming the command that rebuilds the bundle.
    retry = cli(
        "cert", "issue", "--device", str(device_id), "--report", str(report_file), "--spec", SPEC,
        "--pass", "--valid-until", "+365d", "--bundle-out", str(tmp_path / "other.json"), account=2,
    )  # fmt: skip
    assert (
        retry.exit_code == 2 and f"fabtrust cert bundle {cert_id}" in retry.data["error"]["message"]
    )
    assert not (tmp_path / "other.json").exists()
    # `cert bundle` rebuilds the complete bundle, checking readings, seed and report.
    rebuilt = tmp_path / "rebuilt.json"
    done = cli.ok(
        "cert", "bundle", cert_id, "--report", str(report_file), "--readings", str(readings_csv),
        "--seed-file", str(seed_file), "--spec", SPEC, "--out", str(rebuilt),
    )  # fmt: skip
    assert done["readings_checked"] == 3 and done["report_checked"] is True
    full = json.loads(rebuilt.read_text())
    validate(full, "bundle")
    assert full["tx_hash"] is not None and full["test_spec_text"] == SPEC
    assert cli("cert", "verify", str(report_file), "--bundle", str(rebuilt)).exit_code == 0
    # A wrong seed or a wrong spec text is refused.
    wrong = tmp_path / "wrong.seed"
    wrong.write_text("0x" + "11" * 32)
    refused = cli("cert", "bundle", cert_id, "--readings", str(readings_csv), "--seed-file",
                  str(wrong), "--out", str(tmp_path / "x.json"))  # fmt: skip
    assert refused.exit_code == 2 and "data root" in refused.data["error"]["message"]
    refused = cli(
        "cert", "bundle", cert_id, "--spec", "another spec", "--out", str(tmp_path / "x.json")
    )
    assert refused.exit_code == 2 and "does not hash" in refused.data["error"]["message"]


def test_non_utf8_file_names(cli: Any, chain: Any, tmp_path: Path) -> None:
    device_id = _register(cli, "SN-U8")
    folder = os.fsencode(tmp_path)
    report = folder + b"/rapport-\xe9t\xe9-\xff.pdf"  # Latin-1 bytes: not UTF-8
    readings = folder + b"/mesures-\xfe.csv"
    with open(report, "wb") as out:
        out.write(b"%PDF-1.7 report with a Latin-1 file name")
    with open(readings, "wb") as out:
        out.write(b"timestamp,channel,value,unit\n2024-05-01T10:00:00Z,P1,212.37,bar\n")
    issued = _run(
        chain, "--account", "dev:2", "cert", "issue", "--device", str(device_id), b"--report",
        report, b"--readings", readings, "--spec", SPEC, "--pass", "--valid-until", "+30d",
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    document = json.loads(issued.stdout)
    bundle = report + b".bundle.json"
    seed = readings + b".seed"
    assert os.path.isfile(bundle) and os.path.isfile(seed)
    assert os.stat(seed).st_mode & 0o777 == 0o600
    assert "\ufffd" in document["bundle"]  # shown with a replacement character, not a crash
    written = json.loads(Path(os.fsdecode(bundle)).read_text())
    validate(written, "bundle")
    assert written["tx_hash"] == document["tx"]["tx_hash"]
    verified = _run(chain, "cert", "verify", report, b"--bundle", bundle, b"--data", readings,
                    b"--seed-file", seed)  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["verified"] is True
    rebuilt = _run(chain, "cert", "bundle", document["cert_id"], b"--report", report,
                   b"--readings", readings, b"--seed-file", seed, b"--out", folder + b"/\xff.json")  # fmt: skip
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert os.path.isfile(folder + b"/\xff.json")


def test_inputs_checked_before_any_transaction(
    cli: Any, chain: Any, tmp_path: Path, report_file: Path
) -> None:
    device_id = _register(cli, "SN-P0")
    nonce = chain.rpc("eth_getTransactionCount", [LAB, "latest"])
    bundle = tmp_path / "past.json"
    past = cli(
        "cert", "issue", "--device", str(device_id), "--report", str(report_file), "--spec", SPEC,
        "--pass", "--valid-until", "2020-01-01", "--bundle-out", str(bundle), account=2,
    )  # fmt: skip
    assert past.exit_code == 2 and "is in the past" in past.data["error"]["message"]
    assert chain.rpc("eth_getTransactionCount", [LAB, "latest"]) == nonce
    assert not bundle.exists()


def test_sigkill_after_anchoring_a_batch_leaves_bundles_that_verify(
    cli: Any, chain: Any, tmp_path: Path
) -> None:
    ids = [_register(cli, f"SN-KB{i}") for i in range(2)]
    rows = []
    for i, device_id in enumerate(ids):
        (tmp_path / f"r{i}.pdf").write_bytes(f"batch report {i}".encode())
        rows.append(
            {"device": str(device_id), "report": f"r{i}.pdf", "spec": SPEC, "result": "pass",
             "valid_until": "+30d"}
        )  # fmt: skip
    sheet = tmp_path / "batch.json"
    sheet.write_text(json.dumps(rows))
    killed = _run(chain, "--account", "dev:2", "cert", "issue-batch", str(sheet),
                  env={CRASH_AFTER_ANCHOR_ENV: "1"})  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed
    bundles = sorted((tmp_path / "batch-bundles").glob("*.bundle.json"))
    assert len(bundles) == 2
    for path in bundles:
        pending = json.loads(path.read_text())
        validate(pending, "bundle")
        assert pending["tx_hash"] is None and pending["batch"]["proof"]
        assert pending["test_spec_text"] == SPEC
        report = tmp_path / pending["report_file"]
        verdict = cli("cert", "verify", str(report), "--bundle", str(path))
        assert verdict.exit_code == 0, verdict  # anchored on chain, proven by the pending bundle


def test_batch_with_a_past_validity_is_refused_before_sending(
    cli: Any, chain: Any, tmp_path: Path
) -> None:
    device_id = _register(cli, "SN-PB")
    (tmp_path / "r.pdf").write_bytes(b"old report")
    sheet = tmp_path / "old.json"
    sheet.write_text(json.dumps([{"device": str(device_id), "report": "r.pdf", "spec": SPEC,
                                  "result": "pass", "valid_until": "2020-01-01"}]))  # fmt: skip
    nonce = chain.rpc("eth_getTransactionCount", [LAB, "latest"])
    run = cli("cert", "issue-batch", str(sheet), account=2)
    assert run.exit_code == 2, run
    assert "old.json row 1 valid_until" in run.data["error"]["message"]
    assert "is in the past" in run.data["error"]["message"]
    assert chain.rpc("eth_getTransactionCount", [LAB, "latest"]) == nonce
    assert not (tmp_path / "old-bundles").exists()
