"""`fabtrust cert ...` against a real Anvil: issue, show, revoke, batches and the buyer's verify."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.evidence import ReadingsTree, cert_id_of, device_id_of, test_spec_id

DEV1 = Signer.dev(1).address
DEV2 = Signer.dev(2).address
SEED = "0x" + "5e" * 32
ZERO = "0x" + "00" * 32
SPEC = "ISO 4409:2019 hydraulic motor bench test"


def _seed_file(folder: Path, seed: str = SEED) -> str:
    """A seed file (the seed is never given on the command line)."""
    path = folder / f"seed-{seed[2:10]}.txt"
    path.write_text(seed + "\n")
    return str(path)


def _register(cli: Any, *serials: str) -> list[int]:
    for serial in serials:
        cli.ok(
            "device", "register", serial, "--model", "HM-200", "--device-key", "dev:7", account=1
        )
    return [device_id_of(DEV1, serial) for serial in serials]


def _digest(path: Path) -> str:
    return "0x" + hashlib.sha256(path.read_bytes()).hexdigest()


def _failed(run: Any) -> list[str]:
    return list(run.data["failed_checks"])


def test_issue_verify_revoke(
    cli: Any, expect_error: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    (device_id,) = _register(cli, "SN-C1")
    bundle = tmp_path / "bundle.json"
    issued = cli.ok(
        "cert",
        "issue",
        "--device",
        "dev:1/SN-C1",
        "--report",
        str(report_file),
        "--readings",
        str(readings_csv),
        "--seed-file",
        _seed_file(tmp_path),
        "--spec",
        SPEC,
        "--pass",
        "--valid-until",
        "+365d",
        "--bundle-out",
        str(bundle),
        account=2,
    )
    cert_id = cert_id_of(DEV2, device_id, _digest(report_file))
    assert issued["cert_id"] == cert_id
    assert issued["device_id"] == str(device_id) and issued["lab"] == DEV2
    assert issued["report_sha256"] == _digest(report_file)
    assert issued["data_root"] == ReadingsTree.from_file(readings_csv, seed=SEED).root
    assert issued["readings"] == 3
    assert issued["seed_generated"] is False and issued["seed_file"] is None
    assert SEED not in json.dumps(issued)
    assert issued["passed"] is True
    assert issued["bundle"] == str(bundle)
    written = json.loads(bundle.read_text())
    assert written["cert_id"] == cert_id and written["report_file"] == report_file.name

    shown = cli.ok("cert", "show", cert_id)
    assert shown["cert_id"] == cert_id and shown["valid"] is True
    assert shown["result_label"] == "Pass" and shown["lab"] == DEV2
    assert shown["test_spec"] == test_spec_id(SPEC)
    assert shown["data_root"] == issued["data_root"]

    # The buyer: everything checks out, with the bundle and the readings ...
    full = cli(
        "cert",
        "verify",
        str(report_file),
        "--bundle",
        str(bundle),
        "--data",
        str(readings_csv),
        "--seed-file",
        _seed_file(tmp_path),
    )
    assert full.exit_code == 0, full
    verdict = full.data
    assert verdict["verified"] is True and verdict["failed_checks"] == []
    assert verdict["cert_id"] == cert_id
    checks = {c["name"]: c for c in verdict["checks"]}
    assert checks["data_root"]["status"] == "ok"
    assert checks["bundle_matches_chain"]["status"] == "ok"
    assert checks["device_signature"]["status"] == "skipped"  # no device signature: not ok
    assert verdict["skipped_checks"] == ["batch_proof", "device_signature"]
    assert verdict["test_spec_text"] == SPEC  # kept off chain in the bundle, beside its hash
    assert written["test_spec_text"] == SPEC and written["test_spec"] == test_spec_id(SPEC)
    assert verdict["block_number"] >= issued["tx"]["block_number"]
    assert '"isValidPass(bytes32,uint256,bytes32,bytes32)(bool)" ' + cert_id in verdict["cast_call"]
    assert _digest(report_file)[2:] in verdict["cast_calls"][0]  # binds the report hash
    # ... and from the report alone (found by its digest).
    alone = cli("cert", "verify", str(report_file))
    assert alone.exit_code == 0, alone
    assert "found by the report's digest" in alone.data["checks"][0]["detail"]
    by_digest = cli("cert", "verify", _digest(report_file))
    assert by_digest.exit_code == 0 and by_digest.data["cert_id"] == cert_id

    people = cli("cert", "verify", str(report_file), "--bundle", str(bundle), json_mode=False)
    assert people.exit_code == 0 and people.stdout == ""
    for text in (
        "VERIFIED",
        "on chain",
        "issuer and accreditation",
        "validity window",
        "revocation",
        "data root vs readings",
        "device signature",
        f"read at block {verdict['block_number']}",
        "cast call",
        cert_id,
    ):
        assert text in people.stderr, text

    # A tampered report: not verified, exit 1, the failed check named.
    tampered = tmp_path / "report-tampered.pdf"
    tampered.write_bytes(report_file.read_bytes().replace(b"PASS", b"PASS!"))
    bad = cli("cert", "verify", str(tampered), "--bundle", str(bundle))
    expect_error(bad, 1, "not verified", "report digest (report_digest)")
    assert _failed(bad) == ["report_digest"]
    bad_alone = cli("cert", "verify", str(tampered), json_mode=False)
    expect_error(bad_alone, 1, "certificate_on_chain", "no certificate on chain")
    assert "NOT VERIFIED" in bad_alone.stderr
    # Tampered readings, or the wrong seed: the data root does not match.
    edited = tmp_path / "readings-edited.csv"
    edited.write_text(readings_csv.read_text().replace("212.37", "212.38"))
    wrong = cli(
        "cert",
        "verify",
        str(report_file),
        "--data",
        str(edited),
        "--seed-file",
        _seed_file(tmp_path),
    )
    expect_error(wrong, 1, "data_root")
    assert _failed(wrong) == ["data_root"]
    wrong_seed = cli(
        "cert",
        "verify",
        str(report_file),
        "--data",
        str(readings_csv),
        "--seed-file",
        _seed_file(tmp_path, "0x" + "11" * 32),
    )
    assert wrong_seed.exit_code == 1 and _failed(wrong_seed) == ["data_root"]

    revoked = cli.ok("cert", "revoke", cert_id, "--reason", "bench calibration expired", account=2)
    assert revoked["revoked"] is True
    after = cli("cert", "verify", str(report_file), "--bundle", str(bundle))
    expect_error(after, 1, "revocation (not_revoked)", "bench calibration expired")
    assert _failed(after) == ["not_revoked"]
    shown = cli.ok("cert", "show", cert_id)
    assert shown["valid"] is False and shown["revoked"] is True
    assert shown["revocation_reason"] == "bench calibration expired"
    expect_error(
        cli("cert", "revoke", cert_id, "--reason", "again", account=2),
        4,
        "CertificateAlreadyRevoked",
    )
    people_show = cli("cert", "show", cert_id, json_mode=False)
    assert "bench calibration expired" in people_show.stderr


def test_issue_variants(
    cli: Any, expect_error: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    ids = _register(cli, "SN-V1", "SN-V2", "SN-V3")
    # --readings without a seed: one is generated into READINGS.seed (0600), never printed.
    generated = cli.ok(
        "cert",
        "issue",
        "--device",
        str(ids[0]),
        "--report",
        str(report_file),
        "--readings",
        str(readings_csv),
        "--spec",
        SPEC,
        "--pass",
        "--valid-until",
        "2099-01-01",
        account=2,
    )
    assert generated["seed_generated"] is True
    seed_file = Path(generated["seed_file"])
    assert seed_file == readings_csv.with_name("readings.csv.seed")
    assert seed_file.stat().st_mode & 0o777 == 0o600
    seed = seed_file.read_text().strip()
    assert seed not in json.dumps(generated)  # the seed is never printed
    assert generated["data_root"] == ReadingsTree.from_file(readings_csv, seed=seed).root
    ok = cli(
        "cert",
        "verify",
        str(report_file),
        "--data",
        str(readings_csv),
        "--seed-file",
        str(seed_file),
    )
    assert ok.exit_code == 0, ok

    other = tmp_path / "report-2.pdf"
    other.write_bytes(b"second report")
    root = "0x" + "ab" * 32
    given = cli.ok(
        "cert",
        "issue",
        "--device",
        hex(ids[1]),
        "--report",
        str(other),
        "--data-root",
        root,
        "--spec",
        SPEC,
        "--fail",
        "--valid-until",
        "+30d",
        account=2,
    )
    assert given["data_root"] == root and given["passed"] is False
    failed = cli("cert", "verify", str(other))
    expect_error(failed, 1, "result (result_pass)")
    assert _failed(failed) == ["result_pass"]
    assert cli.ok("cert", "show", given["cert_id"])["result_label"] == "Fail"

    third = tmp_path / "report-3.pdf"
    third.write_bytes(b"third report")
    plain = cli.ok(
        "cert",
        "issue",
        "--device",
        str(ids[2]),
        "--report",
        str(third),
        "--spec",
        SPEC,
        "--pass",
        "--valid-until",
        "+1d",
        account=2,
    )
    assert plain["data_root"] == ZERO and plain["readings"] is None

    # A lab's new certificate replaces its older one for the device.
    fourth = tmp_path / "report-4.pdf"
    fourth.write_bytes(b"retest report")
    newer = cli.ok(
        "cert",
        "issue",
        "--device",
        str(ids[2]),
        "--report",
        str(fourth),
        "--spec",
        SPEC,
        "--pass",
        "--valid-until",
        "+2d",
        "--supersedes",
        plain["cert_id"],
        account=2,
    )
    stale = cli("cert", "verify", str(third))
    assert _failed(stale) == ["not_superseded"]
    assert newer["cert_id"] in stale.stderr

    # Validity ends: the verdict says so (time travel on the chain).
    cli.chain.travel(3 * 86400)
    expired = cli("cert", "verify", str(fourth))
    assert _failed(expired) == ["validity_window"]


def test_issue_and_verify_errors(
    cli: Any, expect_error: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    (device_id,) = _register(cli, "SN-E1")
    base = [
        "cert",
        "issue",
        "--device",
        str(device_id),
        "--report",
        str(report_file),
        "--spec",
        SPEC,
    ]
    expect_error(cli(*base, "--pass", "--valid-until", "+1d", account=3), 4, "LabNotAccredited")
    expect_error(cli(*base, "--pass", "--valid-until", "+1d"), 2, "--account")
    expect_error(cli(*base, "--valid-until", "+1d", account=2), 2, "--pass/--fail")
    expect_error(cli(*base, "--pass", account=2), 2, "--valid-until")
    expect_error(
        cli(*base, "--pass", "--valid-until", "31.12.2030", account=2),
        2,
        "--valid-until: '31.12.2030' is not a date (use YYYY-MM-DD or +7d)",
    )
    expect_error(
        cli(*base, "--pass", "--valid-until", "+1d", "--data-root", "0x12", account=2),
        2,
        "--data-root: '0x12' is not a 32-byte hex value",
    )
    expect_error(
        cli(
            *base,
            "--pass",
            "--valid-until",
            "+1d",
            "--data-root",
            "0x" + "ab" * 32,
            "--readings",
            str(readings_csv),
            account=2,
        ),
        2,
        "cannot be combined",
    )
    expect_error(
        cli(
            *base,
            "--pass",
            "--valid-until",
            "+1d",
            "--readings",
            str(readings_csv),
            "--seed-file",
            _seed_file(tmp_path, "secret"),
            account=2,
        ),
        2,
        "--seed-file",
    )
    broken = tmp_path / "broken.csv"
    broken.write_text("timestamp,channel,value,unit\nyesterday,P1,1,bar\n")
    expect_error(
        cli(*base, "--pass", "--valid-until", "+1d", "--readings", str(broken), account=2),
        2,
        "broken.csv",
    )
    expect_error(
        cli(
            "cert",
            "issue",
            "--device",
            "999",
            "--report",
            str(report_file),
            "--spec",
            SPEC,
            "--pass",
            "--valid-until",
            "+1d",
            account=2,
        ),
        2,
        "DeviceNotFound",
    )
    expect_error(
        cli(
            "cert",
            "issue",
            "--device",
            str(device_id),
            "--report",
            str(tmp_path / "missing.pdf"),
            "--spec",
            SPEC,
            "--pass",
            "--valid-until",
            "+1d",
            account=2,
        ),
        2,
        "--report",
        "does not exist",
    )
    expect_error(cli("cert", "show", "0x" + "12" * 32), 2, "CertificateNotFound")
    expect_error(cli("cert", "show", "12"), 2, "CERT: '12' is not a 32-byte hex value")
    expect_error(
        cli("cert", "revoke", "0x" + "12" * 32, "--reason", "x", account=2),
        2,
        "CertificateNotFound",
    )
    expect_error(
        cli("cert", "verify", str(tmp_path / "nothing.pdf")), 2, "REPORT", "does not exist"
    )
    expect_error(
        cli("cert", "verify", str(report_file), "--seed-file", _seed_file(tmp_path)),
        2,
        "--seed-file",
    )
    expect_error(
        cli("cert", "verify", str(report_file), "--bundle", str(tmp_path / "no.json")),
        2,
        "--bundle",
        "does not exist",
    )
    junk = tmp_path / "junk.json"
    junk.write_text('{"cert_id": 5}')
    expect_error(cli("cert", "verify", str(report_file), "--bundle", str(junk)), 2, "bundle")


def _reports(tmp_path: Path, count: int, prefix: str) -> list[Path]:
    paths = []
    for i in range(count):
        path = tmp_path / f"{prefix}-{i}.pdf"
        path.write_bytes(f"{prefix} report {i}".encode())
        paths.append(path)
    return paths


def test_issue_batch_json_and_csv(
    cli: Any, expect_error: Any, tmp_path: Path, readings_csv: Path
) -> None:
    ids = _register(cli, "SN-B0", "SN-B1", "SN-B2")
    reports = _reports(tmp_path, 3, "batch")
    batch = tmp_path / "batch.json"
    batch.write_text(
        json.dumps(
            [
                {
                    "device": "dev:1/SN-B0",
                    "report": reports[0].name,
                    "spec": SPEC,
                    "result": "pass",
                    "valid_until": "+365d",
                    "readings": readings_csv.name,
                    "seed": SEED,
                },
                {
                    "device": str(ids[1]),
                    "report": reports[1].name,
                    "spec": SPEC,
                    "result": "pass",
                    "valid_until": "2099-01-01",
                    "data_root": "0x" + "cd" * 32,
                },
                {
                    "device": hex(ids[2]),
                    "report": str(reports[2]),
                    "spec": SPEC,
                    "result": "fail",
                    "valid_until": "+30d",
                },
            ]
        )
    )
    anchored = cli.ok("cert", "issue-batch", str(batch), account=2)
    assert anchored["count"] == 3 and anchored["lab"] == DEV2
    assert anchored["bundle_dir"] == str(tmp_path / "batch-bundles")
    rows = anchored["certificates"]
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert [r["device_id"] for r in rows] == [str(i) for i in ids]
    for row, report in zip(rows, reports, strict=True):
        assert row["cert_id"] == cert_id_of(DEV2, int(row["device_id"]), _digest(report))
        assert Path(row["bundle"]).is_file() and row["presented_tx"] is None
    first = json.loads(Path(rows[0]["bundle"]).read_text())
    assert first["batch"]["root"] == anchored["root"]
    assert first["data_root"] == ReadingsTree.from_file(readings_csv, seed=SEED).root

    # The bundle proves a certificate that was anchored but never presented ...
    good = cli(
        "cert",
        "verify",
        str(reports[0]),
        "--bundle",
        rows[0]["bundle"],
        "--data",
        str(readings_csv),
        "--seed-file",
        _seed_file(tmp_path),
    )
    assert good.exit_code == 0, good
    assert {c["name"]: c for c in good.data["checks"]}["batch_proof"]["status"] == "ok"
    # ... while the report alone finds nothing on chain (it was not presented).
    assert _failed(cli("cert", "verify", str(reports[0]))) == ["certificate_on_chain"]
    # A Fail leaf of the batch is not verified.
    assert _failed(cli("cert", "verify", str(reports[2]), "--bundle", rows[2]["bundle"])) == [
        "result_pass"
    ]
    # The report of another batch leaf does not match this bundle.
    mixed = cli("cert", "verify", str(reports[1]), "--bundle", rows[0]["bundle"])
    assert "report_digest" in _failed(mixed)

    # CSV, with --present: the certificates are stored, so the report alone verifies.
    ids2 = _register(cli, "SN-B3", "SN-B4")
    reports2 = _reports(tmp_path, 2, "csv")
    sheet = tmp_path / "batch.csv"
    sheet.write_text(
        "device,report,spec,result,valid_until\n"
        f"{ids2[0]},{reports2[0].name},{SPEC},pass,+90d\n"
        f"dev:1/SN-B4,{reports2[1].name},{SPEC},pass,2099-06-30\n"
    )
    out_dir = tmp_path / "bundles-out"
    stored = cli.ok(
        "cert", "issue-batch", str(sheet), "--bundle-dir", str(out_dir), "--present", account=2
    )
    assert stored["count"] == 2 and stored["bundle_dir"] == str(out_dir)
    assert all(r["presented_tx"] for r in stored["certificates"])
    assert len(list(out_dir.glob("*.bundle.json"))) == 2
    for report, row in zip(reports2, stored["certificates"], strict=True):
        alone = cli("cert", "verify", str(report))
        assert alone.exit_code == 0, alone
        assert alone.data["cert_id"] == row["cert_id"]
        with_bundle = cli("cert", "verify", str(report), "--bundle", row["bundle"])
        assert with_bundle.exit_code == 0, with_bundle

    # Running it again: the certificates are stored already; refused before anything is sent.
    again = cli("cert", "issue-batch", str(sheet), account=2, json_mode=False)
    expect_error(again, 2, "row 1", "is certified already", stored["certificates"][0]["cert_id"])

    # The same batch (absolute dates: the same root) anchored twice: the contract refuses.
    ids3 = _register(cli, "SN-B5")
    (report3,) = _reports(tmp_path, 1, "twice")
    twice = tmp_path / "twice.json"
    twice.write_text(
        json.dumps(
            [
                {
                    "device": str(ids3[0]),
                    "report": report3.name,
                    "spec": SPEC,
                    "result": "pass",
                    "valid_until": "2099-01-01",
                }
            ]
        )
    )
    cli.ok("cert", "issue-batch", str(twice), account=2)
    expect_error(cli("cert", "issue-batch", str(twice), account=2), 4, "BatchAlreadyAnchored")

    # Bad batch files: one line naming the row and the field, exit 2, nothing sent.
    missing = tmp_path / "missing.csv"
    missing.write_text(f"device,report,spec,result\n{ids2[0]},{reports2[0].name},{SPEC},pass\n")
    expect_error(cli("cert", "issue-batch", str(missing), account=2), 2, "row 1", "valid_until")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(
        json.dumps(
            [
                {
                    "device": "1",
                    "report": "nope.pdf",
                    "spec": SPEC,
                    "result": "maybe",
                    "valid_until": "+1d",
                }
            ]
        )
    )
    expect_error(cli("cert", "issue-batch", str(wrong), account=2), 2, "row 1 report")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps([{"device": "1", "colour": "red"}]))
    expect_error(cli("cert", "issue-batch", str(unknown), account=2), 2, "'colour'")
    bad_result = tmp_path / "bad-result.json"
    bad_result.write_text(
        json.dumps(
            [
                {
                    "device": "1",
                    "report": reports2[0].name,
                    "spec": SPEC,
                    "result": "maybe",
                    "valid_until": "+1d",
                }
            ]
        )
    )
    expect_error(
        cli("cert", "issue-batch", str(bad_result), account=2),
        2,
        "row 1 result: 'maybe' is not a result",
    )
    not_json = tmp_path / "broken.json"
    not_json.write_text("[{")
    expect_error(cli("cert", "issue-batch", str(not_json), account=2), 2, "not valid JSON")


def test_issue_device_attested(
    cli: Any, chain: Any, expect_error: Any, tmp_path: Path, report_file: Path
) -> None:
    """`cert issue --device-signature`: the device key's attestation of the data root is checked
    before anything is sent, anchored with the certificate and kept in the bundle."""
    (device_id,) = _register(cli, "SN-ATT")
    root = "0x" + "d1" * 32
    lab = chain.client(2)
    signature = lab.certificates.sign_data_attestation(
        device=Signer.dev(7), device_id=device_id, data_root=root
    )
    stranger = lab.certificates.sign_data_attestation(
        device=Signer.dev(8), device_id=device_id, data_root=root
    )
    base = ["cert", "issue", "--device", str(device_id), "--report", str(report_file)]
    base += ["--spec", SPEC, "--pass", "--valid-until", "+30d", "--data-root", root]
    expect_error(
        cli(*base, "--device-signature", stranger, account=2),
        2,
        "--device-signature: ",
        "is not the device key's signature over this data root",
    )
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    raw = bytes.fromhex(signature[2:])
    high_s = raw[:32] + (n - int.from_bytes(raw[32:64], "big")).to_bytes(32, "big")
    malleated = "0x" + (high_s + bytes([55 - raw[64]])).hex()
    expect_error(cli(*base, "--device-signature", malleated, account=2), 2, "--device-signature")
    expect_error(
        cli(*base[:-2], "--device-signature", signature, account=2),
        2,
        "--device-signature: needs the data root",
    )
    bundle = tmp_path / "attested.bundle.json"
    issued = cli.ok(*base, "--device-signature", signature, "--bundle-out", str(bundle), account=2)
    cert = lab.certificates.get(cert_id=issued["cert_id"])
    assert cert.device_attested is True and cert.data_root == root
    assert json.loads(bundle.read_text())["device_signature"] == signature
