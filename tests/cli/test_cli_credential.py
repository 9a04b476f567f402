"""`fabtrust cert export --format untp-dcc`, `cert verify-credential`, `cert status-list` against a
real Anvil: single and batch certificates round-trip, every tampered field is caught by a named
check, bad input gives one line and the documented exit code, revocation flips a status bit."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fabtrust.accounts import Signer
from fabtrust.credentials.envelope import enveloped, read_jwt, sign_credential
from fabtrust.credentials.status_list import decode_list, is_set
from fabtrust.evidence import device_id_of

DEV1 = Signer.dev(1).address
DEV2 = Signer.dev(2).address
SEED = "0x" + "5e" * 32
SEED_ENV = {"FABTRUST_SEED": SEED}  # the seed is never on argv
SPEC = "ISO 4409:2019 hydraulic motor bench test"
GTIN = "09520123456788"


def _digest(path: Path) -> str:
    return "0x" + hashlib.sha256(path.read_bytes()).hexdigest()


def _metadata(tmp_path: Path) -> Path:
    path = tmp_path / "hm200-meta.json"
    path.write_text(json.dumps({"gtin": "9520123456788", "rated_pressure_bar": 250}))
    return path


def _register(cli: Any, serial: str, metadata: Path | None = None) -> int:
    extra = ["--metadata", str(metadata)] if metadata is not None else []
    cli.ok(
        "device",
        "register",
        serial,
        "--model",
        "HM-200",
        "--device-key",
        "dev:7",
        *extra,
        account=1,
    )
    return device_id_of(DEV1, serial)


def _issue(cli: Any, serial: str, report: Path, readings: Path, *extra: str) -> str:
    issued = cli.ok(
        "cert", "issue", "--device", f"dev:1/{serial}", "--report", str(report),
        "--readings", str(readings), "--spec", SPEC, "--pass",
        "--valid-until", "+365d", *extra, account=2, env=SEED_ENV,
    )  # fmt: skip
    return str(issued["cert_id"])


def _export(cli: Any, cert_id: str, out: Path, *extra: str, account: int = 2) -> Any:
    return cli.ok("cert", "export", cert_id, "--format", "untp-dcc", "--out", str(out), *extra,
                  account=account)  # fmt: skip


def _payload(path: Path) -> dict[str, Any]:
    jwt = json.loads(path.read_text())["id"].split(",", 1)[1]
    return read_jwt(jwt)[1]


def _resealed(path: Path, payload: dict[str, Any], out: Path) -> Path:
    """``payload`` under the original header and signature (what a forger can do without the key)."""
    head, _body, sig = json.loads(path.read_text())["id"].split(",", 1)[1].split(".")
    raw = json.dumps(payload, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    out.write_text(json.dumps(enveloped(f"{head}.{body}.{sig}")))
    return out


def _resigned(payload: dict[str, Any], signer: Signer, out: Path, chain_id: int = 31337) -> Path:
    out.write_text(
        json.dumps(enveloped(sign_credential(payload, signer=signer, chain_id=chain_id)))
    )
    return out


def _failed(run: Any) -> list[str]:
    return list(run.data["failed_checks"])


@pytest.fixture
def single(cli: Any, tmp_path: Path, report_file: Path, readings_csv: Path) -> dict[str, Any]:
    metadata = _metadata(tmp_path)
    device_id = _register(cli, "SN-D1", metadata)
    cert_id = _issue(cli, "SN-D1", report_file, readings_csv)
    out = tmp_path / "cert.untp-dcc.json"
    exported = _export(cli, cert_id, out, "--metadata", str(metadata), "--spec", SPEC)
    return {"cert_id": cert_id, "device_id": device_id, "path": out, "exported": exported}


def test_export_maps_the_certificate_to_untp_terms(
    single: dict[str, Any], report_file: Path
) -> None:
    exported = single["exported"]
    credential = _payload(single["path"])
    assert credential == exported["credential"]
    assert credential["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/",
    ]
    assert credential["type"] == ["DigitalConformityCredential", "VerifiableCredential"]
    assert credential["issuer"]["id"] == f"did:pkh:eip155:31337:{DEV2}"
    assert credential["issuer"]["name"] == "Hydraulics Test Centre"
    subject = credential["credentialSubject"]
    assert subject["conformityCertificate"]["hashDigest"] == _digest(report_file)[2:]
    assert subject["conformityCertificate"]["hashMethod"] == "SHA-256"
    assessment = subject["assessment"][0]
    assert assessment["conformance"] is True
    assert assessment["referenceStandard"]["name"] == SPEC
    product = assessment["assessedProduct"][0]["product"]
    assert product["id"] == f"https://id.gs1.org/01/{GTIN}/21/SN-D1"
    assert product["serialNumber"] == "SN-D1" and product["name"] == "HM-200"
    anchor = credential["evidence"][0]
    assert anchor["certificateId"] == single["cert_id"] and anchor["chainId"] == 31337
    assert anchor["deviceId"] == str(single["device_id"])
    header = read_jwt(exported["jwt"])[0]
    assert header.pop("jwk")["crv"] == "secp256k1"
    assert header == {
        "alg": "ES256K",
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": f"did:pkh:eip155:31337:{DEV2}#blockchainAccountId",
    }


def test_round_trip_verifies_with_report_and_readings(
    cli: Any, single: dict[str, Any], report_file: Path, readings_csv: Path
) -> None:
    run = cli("cert", "verify-credential", str(single["path"]), "--report", str(report_file),
              "--data", str(readings_csv), env=SEED_ENV)  # fmt: skip
    assert run.exit_code == 0, run
    checks = {c["name"]: c for c in run.data["checks"]}
    assert list(checks)[:5] == [
        "credential_signature", "credential_schema", "credential_jsonld", "credential_anchor",
        "credential_status",
    ]  # fmt: skip
    assert all(c["ok"] for c in checks.values())
    for name in ("credential_signature", "credential_schema", "credential_jsonld",
                 "bundle_matches_chain", "report_digest", "data_root"):  # fmt: skip
        assert not checks[name]["skipped"], name
    assert run.data["cert_id"] == single["cert_id"] and run.data["verified"] is True


# A one-byte change of each field: the signature check names it; fields the anchor maps to the
# chain also fail their chain check when a (lying) lab signs the changed credential.
TAMPERED = [
    (("credentialSubject", "conformityCertificate", "hashDigest"), "bundle_matches_chain"),
    (("credentialSubject", "auditableEvidence", "hashDigest"), "bundle_matches_chain"),
    (("validUntil",), "bundle_matches_chain"),
    (("evidence", 0, "transactionHash"), "bundle_matches_chain"),
    (("evidence", 0, "testSpec"), "bundle_matches_chain"),
    (("evidence", 0, "certificateId"), "certificate_on_chain"),
    (("credentialSubject", "name"), None),
    (("issuer", "name"), None),
]


def _one_byte(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    text = str(value)
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    at = digits[-1] if digits else len(text) - 1
    return text[:at] + ("1" if text[at] == "0" else "0") + text[at + 1 :]


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    node = doc
    for step in path:
        node = node[step]
    return node


@pytest.mark.parametrize(
    ("path", "chain_check"),
    TAMPERED,
    ids=lambda p: ".".join(map(str, p)) if isinstance(p, tuple) else str(p),
)
def test_one_byte_change_is_named(
    cli: Any, single: dict[str, Any], tmp_path: Path, path: tuple[Any, ...], chain_check: str | None
) -> None:
    payload = _payload(single["path"])
    changed = copy.deepcopy(payload)
    _set(changed, path, _one_byte(_get(payload, path)))
    forged = cli(
        "cert", "verify-credential", str(_resealed(single["path"], changed, tmp_path / "f.json"))
    )
    assert forged.exit_code == 1, forged
    assert "credential_signature" in _failed(forged)
    assert "credential_signature" in forged.stderr
    if chain_check is not None:
        lying = cli(
            "cert", "verify-credential", str(_resigned(changed, Signer.dev(2), tmp_path / "l.json"))
        )
        assert lying.exit_code == 1, lying
        assert "credential_signature" not in _failed(lying)
        assert chain_check in _failed(lying), lying


def test_changed_evidence_files_are_named(
    cli: Any, single: dict[str, Any], tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    report = tmp_path / "report-changed.pdf"
    data = bytearray(report_file.read_bytes())
    data[5] ^= 0x01
    report.write_bytes(bytes(data))
    run = cli("cert", "verify-credential", str(single["path"]), "--report", str(report))
    assert run.exit_code == 1 and _failed(run) == ["report_digest"], run
    readings = tmp_path / "readings-changed.csv"
    readings.write_text(readings_csv.read_text().replace("212.37", "212.38"))
    run = cli(
        "cert", "verify-credential", str(single["path"]), "--data", str(readings), env=SEED_ENV
    )
    assert run.exit_code == 1 and _failed(run) == ["data_root"], run


def test_batch_certificate_round_trip(cli: Any, tmp_path: Path, readings_csv: Path) -> None:
    from fabtrust.evidence import ReadingsTree

    ids = [_register(cli, f"SN-B{i}") for i in (1, 2)]
    reports = []
    for i in (1, 2):
        path = tmp_path / f"report-{i}.pdf"
        path.write_bytes(f"%PDF batch report {i}\n".encode())
        reports.append(path)
    root = ReadingsTree.from_file(readings_csv, seed=SEED).root
    sheet = tmp_path / "batch.json"
    sheet.write_text(json.dumps([
        {"device": hex(ids[i]), "report": str(reports[i]), "spec": SPEC, "result": "pass",
         "valid_until": "+365d", "data_root": root} for i in (0, 1)
    ]))  # fmt: skip
    anchored = cli.ok("cert", "issue-batch", str(sheet), account=2)
    row = anchored["certificates"][1]
    out = tmp_path / "b.untp-dcc.json"
    exported = _export(cli, row["cert_id"], out, "--bundle", row["bundle"])
    anchor = exported["credential"]["evidence"][0]
    assert anchor["batchRoot"] == anchored["root"] and anchor["batchProof"]
    assert (
        exported["credential"]["credentialSubject"]["conformityCertificate"]["linkName"]
        == "report-2.pdf"
    )
    run = cli("cert", "verify-credential", str(out), "--report", str(reports[1]))
    assert run.exit_code == 0, run
    checks = {c["name"]: c for c in run.data["checks"]}
    assert not checks["batch_proof"]["skipped"] and checks["batch_proof"]["ok"]
    # A proof node changed by one byte (re-signed by the lab): the batch proof fails.
    payload = _payload(out)
    payload["evidence"][0]["batchProof"][0] = _one_byte(payload["evidence"][0]["batchProof"][0])
    lying = cli(
        "cert", "verify-credential", str(_resigned(payload, Signer.dev(2), tmp_path / "x.json"))
    )
    assert lying.exit_code == 1 and "batch_proof" in _failed(lying), lying
    # Revoking the batch flips its revocation bit.
    (_purpose, index) = next(
        (e["statusPurpose"], int(e["statusListIndex"]))
        for e in exported["credential"]["credentialStatus"]
    )
    before = cli.ok("cert", "status-list", "--out-dir", str(tmp_path / "s1"), account=2)
    assert not is_set(
        decode_list(before["revocation"]["credential"]["credentialSubject"]["encodedList"]), index
    )
    client = cli.chain.client(2)
    client.certificates.revoke_batch(root=anchored["root"], reason="bench miscalibrated")
    after = cli.ok("cert", "status-list", "--out-dir", str(tmp_path / "s2"), account=2)
    assert is_set(
        decode_list(after["revocation"]["credential"]["credentialSubject"]["encodedList"]), index
    )
    run = cli(
        "cert",
        "verify-credential",
        str(out),
        "--status-list",
        str(tmp_path / "s2" / "revocation.json"),
    )
    assert (
        run.exit_code == 1 and "credential_status" in _failed(run) and "not_revoked" in _failed(run)
    )


def test_revocation_and_supersession_in_status_lists(
    cli: Any, single: dict[str, Any], tmp_path: Path, readings_csv: Path
) -> None:
    credential = single["exported"]["credential"]
    entries = {e["statusPurpose"]: e for e in credential["credentialStatus"]}
    assert set(entries) == {"revocation", "refresh"}
    index = int(entries["revocation"]["statusListIndex"])
    lists = cli.ok("cert", "status-list", "--out-dir", str(tmp_path / "s0"), account=2)
    assert lists["revocation"]["id"] == entries["revocation"]["statusListCredential"]
    run = cli("cert", "verify-credential", str(single["path"]),
              "--status-list", str(tmp_path / "s0" / "revocation.json"),
              "--status-list", str(tmp_path / "s0" / "refresh.json"))  # fmt: skip
    assert run.exit_code == 0, run
    # Supersede it: the refresh bit flips and names the successor.
    report2 = tmp_path / "report-v2.pdf"
    report2.write_bytes(b"%PDF-1.7 retest\n")
    successor = _issue(cli, "SN-D1", report2, readings_csv, "--supersedes", single["cert_id"])
    lists = cli.ok("cert", "status-list", "--out-dir", str(tmp_path / "s1"), account=2)
    refresh = lists["refresh"]["credential"]["credentialSubject"]
    assert is_set(decode_list(refresh["encodedList"]), index)
    assert refresh["successors"] == [
        {"type": "CertificateSuccessor", "statusListIndex": str(index),
         "certificateId": single["cert_id"], "successor": successor}
    ]  # fmt: skip
    revocation = lists["revocation"]["credential"]["credentialSubject"]
    assert not is_set(decode_list(revocation["encodedList"]), index)
    run = cli("cert", "verify-credential", str(single["path"]),
              "--status-list", str(tmp_path / "s1" / "revocation.json"),
              "--status-list", str(tmp_path / "s1" / "refresh.json"))  # fmt: skip
    assert run.exit_code == 1 and "credential_status" in _failed(run), run
    assert successor in run.stderr
    # Revoke the successor: its own revocation bit flips.
    cli.ok("cert", "revoke", successor, "--reason", "wrong bench", account=2)
    lists = cli.ok("cert", "status-list", "--out-dir", str(tmp_path / "s2"), account=2)
    revocation = lists["revocation"]["credential"]["credentialSubject"]
    assert is_set(decode_list(revocation["encodedList"]), index + 1)
    assert not is_set(decode_list(revocation["encodedList"]), index)


def test_revoking_the_lab_flips_the_bits_of_everything_it_issued_before(
    cli: Any, chain: Any, single: dict[str, Any], tmp_path: Path
) -> None:
    # Issue 10: a lab's revocation invalidates what it issued up to then, for good.
    entries = {e["statusPurpose"]: e for e in single["exported"]["credential"]["credentialStatus"]}
    index = int(entries["revocation"]["statusListIndex"])
    cli.ok("admin", "revoke-lab", "dev:2", account=0)
    lists = cli.ok("cert", "status-list", "--out-dir", str(tmp_path / "s"), account=2)
    revocation = lists["revocation"]["credential"]["credentialSubject"]
    assert is_set(decode_list(revocation["encodedList"]), index)
    run = cli("cert", "verify-credential", str(single["path"]),
              "--status-list", str(tmp_path / "s" / "revocation.json"))  # fmt: skip
    assert run.exit_code == 1 and "credential_status" in _failed(run), run
    assert "issuer_accredited" in _failed(run), run


def test_bad_input_one_line_and_exit_code(
    cli: Any, expect_error: Any, single: dict[str, Any], tmp_path: Path, chain: Any
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("this is not JSON\n")
    expect_error(cli("cert", "verify-credential", str(text)), 2, "not a JSON file")
    malformed = tmp_path / "malformed.json"
    malformed.write_text(json.dumps(enveloped("abc.def")))
    expect_error(cli("cert", "verify-credential", str(malformed)), 2, "malformed JWT")
    other = tmp_path / "plain.json"
    other.write_text(json.dumps({"type": "VerifiableCredential"}))
    expect_error(cli("cert", "verify-credential", str(other)), 2, "EnvelopedVerifiableCredential")
    # Another chain: validly signed, anchored on chain 1.
    payload = _payload(single["path"])
    payload["evidence"][0]["chainId"] = 1
    payload["issuer"]["id"] = f"did:pkh:eip155:1:{DEV2}"
    elsewhere = _resigned(payload, Signer.dev(2), tmp_path / "mainnet.json", chain_id=1)
    expect_error(cli("cert", "verify-credential", str(elsewhere)), 3, "anchored on chain 1")
    # A wrong signer: dev:3 signs the lab's credential.
    wrong = _resigned(_payload(single["path"]), Signer.dev(3), tmp_path / "wrong.json")
    run = cli("cert", "verify-credential", str(wrong))
    expect_error(run, 1, "credential_signature")
    assert _failed(run) == ["credential_signature"]
    # Expired: past its validity on chain.
    chain.travel(366 * 86_400)
    run = cli("cert", "verify-credential", str(single["path"]))
    expect_error(run, 1, "validity_window")
    assert _failed(run) == ["validity_window"]
    # Export: an unknown certificate, an unknown format.
    unknown = "0x" + "ab" * 32
    expect_error(
        cli("cert", "export", unknown, "--out", str(tmp_path / "u.json"), account=2), 2, unknown
    )
    expect_error(
        cli("cert", "export", single["cert_id"], "--format", "pdf", account=2), 2, "--format"
    )
    # Only the lab may export its certificate.
    expect_error(
        cli("cert", "export", single["cert_id"], "--out", str(tmp_path / "x.json"), account=3),
        2,
        "signed by the certificate's lab",
    )


def test_metadata_that_is_not_the_devices_is_refused(
    cli: Any, expect_error: Any, single: dict[str, Any], tmp_path: Path
) -> None:
    other = tmp_path / "other-meta.json"
    other.write_text(json.dumps({"gtin": "9520123456788", "rated_pressure_bar": 300}))
    run = cli("cert", "export", single["cert_id"], "--metadata", str(other), "--out",
              str(tmp_path / "x.json"), account=2)  # fmt: skip
    expect_error(run, 2, "metadata hash on chain")


def test_device_show_prints_the_digital_link(
    cli: Any, single: dict[str, Any], tmp_path: Path
) -> None:
    shown = cli.ok("device", "show", "dev:1/SN-D1", "--metadata", str(tmp_path / "hm200-meta.json"))
    assert shown["digital_link"] == f"https://id.gs1.org/01/{GTIN}/21/SN-D1"
    assert shown["gtin"] == GTIN


CROSS_CHECK = Path(__file__).parents[1] / "sdk" / "credentials" / "cross_check.js"


def _node(jwt: str | None, document: dict[str, Any] | None) -> Any:
    out = subprocess.run(
        ["node", str(CROSS_CHECK)],
        input=json.dumps({"jwt": jwt, "document": document}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout)


def test_npm_jose_and_jsonld_agree(cli: Any, single: dict[str, Any], tmp_path: Path) -> None:
    from fabtrust.credentials.contexts import canonical_nquads
    from fabtrust.credentials.envelope import jwk_address

    jwt = single["exported"]["jwt"]
    credential = single["exported"]["credential"]
    lists = cli.ok("cert", "status-list", "--out-dir", str(tmp_path / "s"), account=2)
    status = lists["revocation"]["credential"]
    status_jwt = json.loads((tmp_path / "s" / "revocation.json").read_text())["id"].split(",", 1)[1]
    for token, document in ((jwt, credential), (status_jwt, status)):
        js = _node(token, document)
        # jose (npm) verifies the ES256K signature with the header's key, and that key is the
        # address the did:pkh names (the check a verifier does with `cast keccak`).
        assert js["jose"]["ok"], js["jose"]
        assert js["jose"]["payload"] == document
        assert jwk_address(js["jose"]["header"]["jwk"]) == DEV2
        assert js["jose"]["header"]["kid"].split(":")[4].startswith(DEV2)
        # jsonld (npm, safe mode, shipped contexts only) gives the same canonical N-Quads as pyld.
        assert js["jsonld_error"] is None
        assert js["nquads"] == canonical_nquads(document)
        assert js["nquads"].count("\n") >= 8
    # A changed payload fails in jose too.
    head, _body, sig = jwt.split(".")
    forged = dict(credential, validUntil="2099-01-01T00:00:00Z")
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert _node(f"{head}.{body}.{sig}", None)["jose"]["ok"] is False
    # An unknown context is refused by the Node loader as well (no fetch).
    extra = dict(credential, **{"@context": [*credential["@context"], "https://example.org/x"]})
    assert "refused to load https://example.org/x" in _node(None, extra)["jsonld_error"]


def test_presented_batch_certificate_references_both_units(
    cli: Any, tmp_path: Path, readings_csv: Path
) -> None:
    device_id = _register(cli, "SN-P1")
    report = tmp_path / "report-p.pdf"
    report.write_bytes(b"%PDF presented batch report\n")
    sheet = tmp_path / "p.json"
    sheet.write_text(json.dumps([{"device": hex(device_id), "report": str(report), "spec": SPEC,
                                  "result": "fail", "valid_until": "+30d"}]))  # fmt: skip
    anchored = cli.ok("cert", "issue-batch", str(sheet), "--present", account=2)
    cert_id = anchored["certificates"][0]["cert_id"]
    out = tmp_path / "p.untp-dcc.json"
    exported = _export(cli, cert_id, out)  # stored on chain: no bundle needed
    credential = exported["credential"]
    assert credential["credentialSubject"]["assessment"][0]["conformance"] is False
    assert credential["evidence"][0]["batchRoot"] == anchored["root"]
    assert "batchProof" not in credential["evidence"][0]
    entries = [
        (e["statusPurpose"], int(e["statusListIndex"])) for e in credential["credentialStatus"]
    ]
    # The batch's unit (BatchAnchored) comes before its presented certificate's (CertificateIssued).
    assert entries == [("revocation", 0), ("revocation", 1), ("refresh", 1)]
    run = cli("cert", "verify-credential", str(out), "--report", str(report))
    # A Fail certificate verifies as a credential but not as a pass: result_pass names it.
    assert run.exit_code == 1 and _failed(run) == ["result_pass"], run
    checks = {c["name"]: c for c in run.data["checks"]}
    assert checks["batch_proof"]["skipped"] and checks["report_digest"]["ok"]


def test_shape_checks_name_schema_and_jsonld(
    cli: Any, single: dict[str, Any], tmp_path: Path
) -> None:
    # Signed by the lab itself, so only the shape checks can catch these.
    payload = _payload(single["path"])
    payload["credentialSubject"]["assessorLevel"] = "Neighbour"
    run = cli(
        "cert", "verify-credential", str(_resigned(payload, Signer.dev(2), tmp_path / "a.json"))
    )
    assert run.exit_code == 1 and _failed(run) == ["credential_schema"], run
    assert "credentialSubject.assessorLevel" in run.data["checks"][1]["detail"]
    payload = _payload(single["path"])
    payload["@context"].append("https://example.org/untrusted-context.jsonld")
    run = cli(
        "cert", "verify-credential", str(_resigned(payload, Signer.dev(2), tmp_path / "b.json"))
    )
    assert run.exit_code == 1 and _failed(run) == ["credential_jsonld"], run
    assert "not shipped" in run.data["checks"][2]["detail"]
    payload = _payload(single["path"])
    payload["credentialSubject"]["colour"] = "blue"
    run = cli(
        "cert", "verify-credential", str(_resigned(payload, Signer.dev(2), tmp_path / "c.json"))
    )
    assert run.exit_code == 1 and _failed(run) == ["credential_jsonld"], run
    assert "colour" in run.data["checks"][2]["detail"]


def test_device_attested_certificate_carries_the_device_signature(
    cli: Any, chain: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    # As the demo issues its single certificate: the motor's key signed the readings' root.
    from fabtrust.evidence import ReadingsTree

    device_id = _register(cli, "SN-A1")
    lab = chain.client(2)
    root = ReadingsTree.from_file(readings_csv, seed=SEED).root
    signature = lab.certificates.sign_data_attestation(
        device=Signer.dev(7), device_id=device_id, data_root=root
    )
    issued = lab.certificates.issue(
        device_id=device_id, report=report_file, data_root=root, test_spec=SPEC, passed=True,
        valid_until=chain.now() + 86_400, device_signature=signature,
    )  # fmt: skip
    out = tmp_path / "a.untp-dcc.json"
    exported = _export(cli, issued.cert_id, out)
    assert exported["credential"]["evidence"][0]["deviceSignature"] == signature
    run = cli("cert", "verify-credential", str(out), "--data", str(readings_csv), env=SEED_ENV)
    assert run.exit_code == 0, run
    checks = {c["name"]: c for c in run.data["checks"]}
    assert not checks["device_signature"]["skipped"] and checks["device_signature"]["ok"]
    assert Signer.dev(7).address in checks["device_signature"]["detail"]
    # Another key's signature over the same root (re-signed by the lab): device_signature fails.
    payload = _payload(out)
    payload["evidence"][0]["deviceSignature"] = lab.certificates.sign_data_attestation(
        device=Signer.dev(8), device_id=device_id, data_root=root
    )
    lying = cli(
        "cert", "verify-credential", str(_resigned(payload, Signer.dev(2), tmp_path / "d.json"))
    )
    assert lying.exit_code == 1 and _failed(lying) == ["device_signature"], lying
