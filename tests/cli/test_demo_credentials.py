"""Every certificate `fabtrust demo` issued (single and device-attested, and the two batch leaves)
exports as a UNTP Digital Conformity Credential and verifies on the chain the demo left behind;
one changed byte in each credential's JWT payload is caught by name (the signature, the chain). The demo's
own exported credential verifies too, and its nameplate QR code is the first motor's GS1 Digital
Link asking for the certification info (the page link)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import segno

from fabtrust.credentials.envelope import enveloped, read_jwt
from fabtrust.credentials.gs1 import digital_link
from fabtrust.testing import LocalAnvil

FABTRUST = Path(sys.executable).parent / "fabtrust"
MOTORS = ("HM-2026-0001", "HM-2026-0002", "HM-2026-0003")
LAB = "dev:2"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FABTRUST), "--json", *args],
        capture_output=True, text=True, timeout=180, check=False, cwd=cwd,
    )  # fmt: skip


def _one_byte_changed(path: Path, out: Path) -> Path:
    """The credential with one byte of its JWT payload's certificate digest changed, under the
    original header and signature (what anyone without the lab's key can do)."""
    head, _body, sig = json.loads(path.read_text())["id"].split(",", 1)[1].split(".")
    payload = read_jwt(f"{head}.{_body}.{sig}")[1]
    certificate = payload["credentialSubject"]["conformityCertificate"]
    digest = certificate["hashDigest"]
    certificate["hashDigest"] = digest[:-1] + ("1" if digest[-1] == "0" else "0")
    raw = json.dumps(payload, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert body != _body
    out.write_text(json.dumps(enveloped(f"{head}.{body}.{sig}")))
    return out


def test_every_demo_certificate_exports_and_verifies(tmp_path: Path) -> None:
    out = tmp_path / "story"
    result = _run("demo", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    story: dict[str, Any] = json.loads(result.stdout)
    cert_ids = {serial: story["checks"][serial]["cert_id"] for serial in MOTORS}
    checks = {
        serial: {c["name"]: c for c in story["checks"][serial]["checks"]} for serial in MOTORS
    }
    # what the demo issued: the first motor alone with its device's signature, two as a batch
    assert not checks[MOTORS[0]]["device_signature"]["skipped"]
    assert checks[MOTORS[0]]["batch_proof"]["skipped"]
    for serial in MOTORS[1:]:
        assert not checks[serial]["batch_proof"]["skipped"]
    # The first motor's GS1 Digital Link (its metadata document's GTIN), on the nameplate QR code.
    link = digital_link(gtin="09506000134352", serial=MOTORS[0])
    assert story["digital_link"] == link
    qr = out / "page" / f"{MOTORS[0]}-qr.png"
    expected = tmp_path / "expected.png"
    segno.make_qr(f"{link}?linkType=gs1:certificationInfo", error="m").save(
        str(expected), scale=6, border=4
    )
    assert qr.read_bytes() == expected.read_bytes()

    state = out / "page" / "anvil-state.json"
    with LocalAnvil(extra_args=("--load-state", str(state))) as node:
        chain = ("--rpc-url", node.url, "--deployments", str(out / "deployments"))
        # the credential the demo itself exported
        own = _run(*chain, "cert", "verify-credential", story["credential"], cwd=tmp_path)
        assert own.returncode == 0, own.stderr[-2000:]
        assert json.loads(own.stdout)["cert_id"] == cert_ids[MOTORS[0]]
        metadata = out / "devices" / f"{MOTORS[0]}.metadata.json"
        for serial in MOTORS:
            exported = tmp_path / f"{serial}.untp-dcc.json"
            extra = ("--metadata", str(metadata)) if serial == MOTORS[0] else ()
            run = _run(
                *chain, "--account", LAB, "cert", "export", cert_ids[serial],
                "--format", "untp-dcc", "--out", str(exported),
                "--bundle", str(out / "bundles" / f"{serial}.bundle.json"), *extra, cwd=tmp_path,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr[-2000:]
            product = json.loads(run.stdout)["product"]
            assert (product == link) if serial == MOTORS[0] else product.startswith("eip155:")
            verified = _run(*chain, "cert", "verify-credential", str(exported), cwd=tmp_path)
            assert verified.returncode == 0, verified.stderr[-2000:]
            verdict = json.loads(verified.stdout)
            assert verdict["verified"] is True and verdict["cert_id"] == cert_ids[serial]
            assert verdict["failed_checks"] == []
            changed = _one_byte_changed(exported, tmp_path / f"{serial}.changed.json")
            caught = _run(*chain, "cert", "verify-credential", str(changed), cwd=tmp_path)
            assert caught.returncode == 1, caught.stderr[-2000:]
            # the signature no longer covers it, the digest is not the chain's (nor, for a batch
            # leaf, the one its Merkle proof commits to)
            expected = ["credential_signature", "bundle_matches_chain"]
            expected += ["batch_proof"] if serial in MOTORS[1:] else []
            assert json.loads(caught.stdout)["failed_checks"] == expected
            assert "credential_signature" in caught.stderr
