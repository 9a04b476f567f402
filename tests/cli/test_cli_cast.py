"""The printed independent check is right for every kind of certificate: each `cast call` that
`cert verify` prints is run through the real `cast` binary against the test Anvil, and its
answer (every command prints true) is compared with the verdict."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fabtrust.accounts import Signer
from fabtrust.evidence import device_id_of

SPEC = "ISO 4409:2019 hydraulic motor bench test"
LAB = Signer.dev(2).address


def _cast_binary() -> str:
    local = Path(sys.executable).parent / "cast"
    found = str(local) if local.exists() else shutil.which("cast")
    if found is None:
        pytest.skip("cast is not installed")
    return found


def _cast_says(verdict: dict[str, Any]) -> bool:
    """Run every printed command as a user would paste it; True when each prints true."""
    binary = _cast_binary()
    commands = verdict["cast_calls"]
    assert commands, verdict
    answers = []
    for command in commands:
        argv = shlex.split(command)
        assert argv[:2] == ["cast", "call"], command
        done = subprocess.run(
            [binary, *argv[1:]], capture_output=True, text=True, timeout=60, check=True
        )
        answers.append(done.stdout.strip())
    assert set(answers) <= {"true", "false"}, answers
    return all(answer == "true" for answer in answers)


def _agree(cli: Any, *args: str) -> dict[str, Any]:
    run = cli("cert", "verify", *args)
    assert run.exit_code in (0, 1), run
    verdict: dict[str, Any] = run.data
    assert _cast_says(verdict) == verdict["verified"], verdict
    return verdict


def _register(cli: Any, *serials: str) -> list[int]:
    for serial in serials:
        cli.ok(
            "device", "register", serial, "--model", "HM-200", "--device-key", "dev:7", account=1
        )
    return [device_id_of(Signer.dev(1).address, s) for s in serials]


def test_single_certificate(cli: Any, chain: Any, tmp_path: Path, report_file: Path) -> None:
    (device,) = _register(cli, "SN-CAST1")
    bundle = tmp_path / "single.json"
    issued = cli.ok(
        "cert", "issue", "--device", str(device), "--report", str(report_file), "--spec", SPEC,
        "--pass", "--valid-until", "+10d", "--bundle-out", str(bundle), account=2,
    )  # fmt: skip
    good = _agree(cli, str(report_file), "--bundle", str(bundle))
    assert good["verified"] is True
    assert "verifyCertificateFields" in good["cast_calls"][0]
    # Another file presented with the same bundle: the printed check binds its SHA-256.
    other = tmp_path / "other.pdf"
    other.write_bytes(b"a different report")
    tampered = _agree(cli, str(other), "--bundle", str(bundle))
    assert tampered["failed_checks"] == ["report_digest"]
    # Expired: both say no.
    chain.travel(11 * 86400)
    expired = _agree(cli, str(report_file), "--bundle", str(bundle))
    assert "validity_window" in expired["failed_checks"]
    chain.revert()
    # Revoked.
    (device2,) = _register(cli, "SN-CAST2")
    bundle2 = tmp_path / "single2.json"
    issued = cli.ok(
        "cert", "issue", "--device", str(device2), "--report", str(report_file), "--spec", SPEC,
        "--pass", "--valid-until", "+10d", "--bundle-out", str(bundle2), account=2,
    )  # fmt: skip
    cli.ok("cert", "revoke", issued["cert_id"], "--reason", "recalled", account=2)
    revoked = _agree(cli, str(report_file), "--bundle", str(bundle2))
    assert revoked["failed_checks"] == ["not_revoked"]


def _issue(cli: Any, device: int, report: Path, bundle: Path, result: str = "--pass") -> str:
    issued = cli.ok(
        "cert", "issue", "--device", str(device), "--report", str(report), "--spec", SPEC,
        result, "--valid-until", "+10d", "--bundle-out", str(bundle), account=2,
    )  # fmt: skip
    return str(issued["cert_id"])


def test_stored_fail_certificate(cli: Any, tmp_path: Path, report_file: Path) -> None:
    # A stored Fail: the fields match and it is valid, but the printed check asks for a Pass.
    (device,) = _register(cli, "SN-CASTF")
    bundle = tmp_path / "fail.json"
    _issue(cli, device, report_file, bundle, "--fail")
    verdict = _agree(cli, str(report_file), "--bundle", str(bundle))
    assert verdict["failed_checks"] == ["result_pass"]
    assert "isValidPass(bytes32,uint256,bytes32,bytes32)" in verdict["cast_calls"][1]


def test_lab_revoked(cli: Any, chain: Any, tmp_path: Path, report_file: Path) -> None:
    (device,) = _register(cli, "SN-CAST3")
    bundle = tmp_path / "lab.json"
    _issue(cli, device, report_file, bundle)
    cli.ok("admin", "revoke-lab", LAB, account=0)
    verdict = _agree(cli, str(report_file), "--bundle", str(bundle))
    assert verdict["failed_checks"] == ["issuer_accredited"]
    # Accredited again: what it issued up to the revocation stays invalid, on both sides.
    cli.ok("admin", "accredit-lab", LAB, "--name", "Lab again", "--valid-days", "30", account=0)
    again = _agree(cli, str(report_file), "--bundle", str(bundle))
    assert again["failed_checks"] == ["issuer_accredited"]
    # A certificate issued after the new accreditation verifies. The chain compares seconds: one
    # issued in the very second of the revocation counts as issued before it (Anvil mines blocks
    # of one second with the same timestamp), so the clock moves on first.
    chain.travel(1)
    other = tmp_path / "after.pdf"
    other.write_bytes(b"a report issued after the re-accreditation")
    after = tmp_path / "after.json"
    _issue(cli, device, other, after)
    assert _agree(cli, str(other), "--bundle", str(after))["verified"] is True


def test_lab_accreditation_expired(cli: Any, chain: Any, tmp_path: Path, report_file: Path) -> None:
    # Expiry stops the lab from issuing; what it issued before stays valid, on both sides.
    cli.ok("admin", "accredit-lab", LAB, "--name", "Short lab", "--valid-days", "2", account=0)
    (device,) = _register(cli, "SN-CAST4")
    bundle = tmp_path / "expired-lab.json"
    _issue(cli, device, report_file, bundle)
    chain.travel(3 * 86400)
    verdict = _agree(cli, str(report_file), "--bundle", str(bundle))
    assert verdict["verified"] is True


def test_device_suspended(cli: Any, tmp_path: Path, report_file: Path) -> None:
    (device,) = _register(cli, "SN-CAST5")
    bundle = tmp_path / "suspended.json"
    _issue(cli, device, report_file, bundle)
    cli.ok("device", "status", str(device), "suspended", account=1)
    verdict = _agree(cli, str(report_file), "--bundle", str(bundle))
    assert verdict["failed_checks"] == ["device_registered"]
    cli.ok("device", "status", str(device), "active", account=1)
    assert _agree(cli, str(report_file), "--bundle", str(bundle))["verified"] is True


def test_batch_certificates_not_presented(cli: Any, chain: Any, tmp_path: Path) -> None:
    ids = _register(cli, "SN-CB1", "SN-CB2")
    reports = []
    for i in range(2):
        path = tmp_path / f"batch-report-{i}.pdf"
        path.write_bytes(f"batch report {i}".encode())
        reports.append(path)
    sheet = tmp_path / "batch.json"
    sheet.write_text(
        json.dumps(
            [
                {"device": str(ids[0]), "report": reports[0].name, "spec": SPEC,
                 "result": "pass", "valid_until": "+10d"},
                {"device": str(ids[1]), "report": reports[1].name, "spec": SPEC,
                 "result": "fail", "valid_until": "+10d"},
            ]
        )
    )  # fmt: skip
    anchored = cli.ok("cert", "issue-batch", str(sheet), account=2)
    rows = anchored["certificates"]
    good = _agree(cli, str(reports[0]), "--bundle", rows[0]["bundle"])
    assert good["verified"] is True
    assert "verifyBatchCertificate" in good["cast_calls"][0]
    assert all("isValid(" not in call for call in good["cast_calls"])  # not stored: false there
    # A Fail leaf: the printed check asks for a Pass, and the proof does not hold for it.
    fail = _agree(cli, str(reports[1]), "--bundle", rows[1]["bundle"])
    assert fail["failed_checks"] == ["result_pass"]
    # The other report with this leaf's bundle: the leaf (with its SHA-256) is not in the tree.
    mixed = _agree(cli, str(reports[1]), "--bundle", rows[0]["bundle"])
    assert "report_digest" in mixed["failed_checks"]
    # The batch revoked by its lab: the leaf no longer verifies, on either side.
    chain.client(2).certificates.revoke_batch(root=anchored["root"], reason="bench fault")
    revoked = _agree(cli, str(reports[0]), "--bundle", rows[0]["bundle"])
    assert not revoked["verified"]


def test_batch_leaf_of_a_revoked_lab(cli: Any, tmp_path: Path) -> None:
    # A leaf anchored before its lab's revocation: neither side accepts it, not even after the
    # lab is accredited again.
    (device,) = _register(cli, "SN-CB3")
    report = tmp_path / "batch-report.pdf"
    report.write_bytes(b"batch report of a revoked lab")
    sheet = tmp_path / "batch.json"
    sheet.write_text(
        json.dumps(
            [{"device": str(device), "report": report.name, "spec": SPEC, "result": "pass",
              "valid_until": "+10d"}]
        )
    )  # fmt: skip
    anchored = cli.ok("cert", "issue-batch", str(sheet), account=2)
    leaf_bundle = anchored["certificates"][0]["bundle"]
    assert _agree(cli, str(report), "--bundle", leaf_bundle)["verified"] is True
    cli.ok("admin", "revoke-lab", LAB, account=0)
    revoked = _agree(cli, str(report), "--bundle", leaf_bundle)
    assert "issuer_accredited" in revoked["failed_checks"]
    cli.ok("admin", "accredit-lab", LAB, "--name", "Lab again", "--valid-days", "30", account=0)
    again = _agree(cli, str(report), "--bundle", leaf_bundle)
    assert "issuer_accredited" in again["failed_checks"]
