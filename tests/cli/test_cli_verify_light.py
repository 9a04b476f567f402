"""The buyer's `cert verify` path without web3 (fabtrust.certificates._light_verify): the same
verdicts as the full client, and a real `cert verify` process that never imports web3."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.certificates._light_verify import light_device_words, verify_light
from fabtrust.evidence import device_id_of

DEV1 = Signer.dev(1).address
SPEC = "ISO 4409:2019 hydraulic motor bench test"
ROOT = "0x" + "ab" * 32


def _digest(path: Path) -> str:
    return "0x" + hashlib.sha256(path.read_bytes()).hexdigest()


def _report(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(f"bench test report {name}: PASS\n".encode())
    return path


def _setup(chain: Any, tmp_path: Path) -> dict[str, Any]:
    """Certificates of every kind: valid (with a bundle), revoked, superseded and its successor,
    a Fail, on one registered device."""
    maker = chain.client(1)
    maker.devices.register(serial="SN-L1", model="HM-200", device_key=Signer.dev(7).address)
    device_id = device_id_of(DEV1, "SN-L1")
    lab = chain.client(2)
    until = chain.now() + 365 * 86_400
    reports = {n: _report(tmp_path, f"{n}.txt") for n in ("valid", "revoked", "old", "new", "fail")}
    ids: dict[str, str] = {}
    for name in ("valid", "revoked", "old", "fail"):
        ids[name] = lab.certificates.issue(
            device_id=device_id,
            report=_digest(reports[name]),
            data_root=ROOT,
            test_spec=SPEC,
            passed=name != "fail",
            valid_until=until,
        ).cert_id
    ids["new"] = lab.certificates.issue(
        device_id=device_id,
        report=_digest(reports["new"]),
        data_root=ROOT,
        test_spec=SPEC,
        passed=True,
        valid_until=until,
        supersedes=ids["old"],
    ).cert_id
    lab.certificates.revoke(cert_id=ids["revoked"], reason="bench miscalibrated")
    bundle = tmp_path / "valid.bundle.json"
    made = lab.certificates.make_bundle(
        cert_id=ids["valid"], report=_digest(reports["valid"]), test_spec_text=SPEC
    )
    bundle.write_text(made.to_json())
    tampered = tmp_path / "tampered.txt"
    tampered.write_bytes(reports["valid"].read_bytes() + b" ")
    unknown = tmp_path / "unknown.txt"
    unknown.write_bytes(b"a report nobody certified\n")
    return {
        "device_id": device_id,
        "reports": reports,
        "bundle": bundle,
        "tampered": tampered,
        "unknown": unknown,
    }


def test_light_verdicts_equal_the_full_clients(chain: Any, tmp_path: Path) -> None:
    made = _setup(chain, tmp_path)
    reports = made["reports"]
    cases: list[tuple[str, Path, Path | None, bool]] = [
        ("valid", reports["valid"], None, True),
        ("valid with bundle", reports["valid"], made["bundle"], True),
        ("revoked", reports["revoked"], None, False),
        ("superseded", reports["old"], None, False),
        ("successor", reports["new"], None, True),
        ("fail", reports["fail"], None, False),
        ("tampered with bundle", made["tampered"], made["bundle"], False),
        ("unknown", made["unknown"], None, False),
    ]
    full = chain.client(None)
    for label, report, bundle, verified in cases:
        expected = full.certificates.verify_bundle(bundle=bundle, report=report)
        light, reader = verify_light(
            rpc_url=chain.rpc_url, deployments=chain.deployments, bundle=bundle, report=report
        )
        assert light == expected, label
        assert light.verified is verified, label
    failed = {c.name for c in light.failures}
    assert failed == {"certificate_on_chain"}  # the unknown report: found nowhere
    revoked, _ = verify_light(
        rpc_url=chain.rpc_url, deployments=chain.deployments, report=reports["revoked"]
    )
    assert {c.name for c in revoked.failures} == {"not_revoked"}
    assert "bench miscalibrated" in next(c.detail for c in revoked.failures)
    device = full.devices.get(device_id=made["device_id"])
    assert light_device_words(reader, made["device_id"]) == {
        "serial": "SN-L1",
        "model": device.model_text or device.model,
        "manufacturer": DEV1,
        "status": "Active",
    }


def test_cert_verify_process_imports_no_web3(chain: Any, tmp_path: Path) -> None:
    made = _setup(chain, tmp_path)
    code = (
        "import json, sys\n"
        "from fabtrust.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:], prog_name='fabtrust')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('web3', 'eth_abi', 'eth_utils', 'eth_account', 'requests'))\n"
        "print(json.dumps({'code': code, 'heavy': heavy}), file=sys.stderr)\n"
    )
    for report, bundle, exit_code in (
        (made["reports"]["valid"], made["bundle"], 0),
        (made["reports"]["revoked"], None, 1),
    ):
        args = ["--rpc-url", chain.rpc_url, "--deployments", str(chain.deployments), "--json"]
        args += ["cert", "verify", str(report)]
        if bundle is not None:
            args += ["--bundle", str(bundle)]
        result = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
        )
        outcome = json.loads(result.stderr.strip().splitlines()[-1])
        assert outcome == {"code": exit_code, "heavy": []}, result.stderr
        document = json.loads(result.stdout)
        assert document["verified"] is (exit_code == 0)
        assert document["device"]["serial"] == "SN-L1"


def test_fast_signature_recovery_agrees_with_eth_account() -> None:
    from eth_account import Account

    from fabtrust.evidence.typed_data import data_attestation_typed_data, typed_data_digest
    from fabtrust.signatures import _recover_coincurve, recover, recover_typed_data

    typed = data_attestation_typed_data(chain_id=31337, registry=DEV1, device_id=5, data_root=ROOT)
    digest = bytes.fromhex(typed_data_digest(typed)[2:])
    signer = Signer.dev(7)
    signature = signer.sign_typed_data(typed)
    assert _recover_coincurve(digest, signature) == signer.address
    assert recover_typed_data(typed, signature) == signer.address
    assert str(Account._recover_hash(digest, signature=signature)) == signer.address
    high_s = bytearray(signature)
    s = int.from_bytes(signature[32:64], "big")
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    high_s[32:64] = (n - s).to_bytes(32, "big")
    high_s[64] = 55 - signature[64]  # the other parity: the same signer, high s
    assert recover(digest, bytes(high_s)) is None  # OpenZeppelin's rules refuse it
    for flipped in range(0, 64, 7):
        bad = bytearray(signature)
        bad[flipped] ^= 1
        try:
            slow: str | None = str(Account._recover_hash(digest, signature=bytes(bad)))
        except Exception:
            slow = None
        assert _recover_coincurve(digest, bytes(bad)) in (None, slow)
