"""Bundles: make, save/load, and verify against the chain; every tampering is caught by the
right check."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from certs_helpers import DAY, SPEC, YEAR, ZERO32, World, rand32

from fabtrust.accounts import Signer
from fabtrust.certificates import (
    CHECK_NAMES,
    BatchCertificate,
    CertificateBundle,
    CertificatesClient,
    Issued,
    Verdict,
)
from fabtrust.errors import InvalidInputError
from fabtrust.evidence import (
    CertificateResult,
    ReadingsTree,
    generate_seed,
    sha256_file,
    test_spec_id,
)
from fabtrust.testing import generate_bench_readings

LAB = Signer.dev(2).address
MANUFACTURER = Signer.dev(1).address


@dataclass
class Setup:
    world: World
    lab: CertificatesClient
    reader: CertificatesClient
    device_id: int
    key: Signer
    report: Path
    readings: Path
    seed: bytes
    tree: ReadingsTree
    issued: Issued
    bundle: CertificateBundle


@pytest.fixture
def setup(world: World, lab: CertificatesClient, report: Path, tmp_path: Path) -> Setup:
    """A device-attested Pass certificate with a readings tree, and its bundle."""
    device_id, key = world.register_device("HM-BUNDLE")
    readings = tmp_path / "readings.csv"
    readings.write_text(generate_bench_readings(serial="HM-BUNDLE", sensors=4, samples=25, seed=7))
    seed = generate_seed()
    tree = ReadingsTree.from_file(readings, seed=seed)
    signature = lab.sign_data_attestation(device=key, device_id=device_id, data_root=tree.root)
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=tree.root,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
        device_signature=signature,
    )
    bundle = lab.make_bundle(
        cert_id=issued.cert_id,
        report=report,
        readings=[tree.proof_for(0), tree.proof_for(42)],
        test_spec_text=SPEC,
    )
    return Setup(
        world=world,
        lab=lab,
        reader=world.readonly(),
        device_id=device_id,
        key=key,
        report=report,
        readings=readings,
        seed=seed,
        tree=tree,
        issued=issued,
        bundle=bundle,
    )


def failing(verdict: Verdict) -> set[str]:
    return {c.name for c in verdict.failures}


def test_make_bundle(setup: Setup, tmp_path: Path) -> None:
    bundle = setup.bundle
    world = setup.world
    assert bundle.schema_version == 1
    assert bundle.chain_id == world.connection.chain_id
    assert bundle.registry == world.registry
    assert bundle.cert_id == setup.issued.cert_id
    assert bundle.device_id == setup.device_id
    assert bundle.lab == LAB
    assert bundle.report_sha256 == sha256_file(setup.report)
    assert bundle.report_file == setup.report.name
    assert bundle.data_root == setup.tree.root
    assert bundle.test_spec == test_spec_id(SPEC)
    assert bundle.result is CertificateResult.PASS
    assert bundle.batch is None
    assert bundle.tx_hash == setup.issued.tx.tx_hash
    assert bundle.block_number == setup.issued.tx.block_number
    # The device's signature was taken from the issuing transaction's calldata.
    expected = setup.lab.sign_data_attestation(
        device=setup.key, device_id=setup.device_id, data_root=setup.tree.root
    )
    assert bundle.device_signature == expected
    assert [p.index for p in bundle.readings] == [0, 42]

    path = bundle.save(tmp_path / "cert.bundle.json")
    data = json.loads(path.read_text())
    assert data["device_id"] == str(setup.device_id)
    assert data["readings"][1]["reading"] == setup.tree.readings[42].model_dump()
    assert CertificateBundle.load(path) == bundle
    assert CertificateBundle.from_json(bundle.to_json(indent=None)) == bundle


def test_make_bundle_checks_its_inputs(setup: Setup, tmp_path: Path) -> None:
    lab = setup.lab
    other = tmp_path / "other.pdf"
    other.write_bytes(b"another report")
    with pytest.raises(InvalidInputError) as info:
        lab.make_bundle(cert_id=setup.issued.cert_id, report=other)
    assert info.value.field == "report"
    other_tree = ReadingsTree.from_file(setup.readings, seed=generate_seed())
    with pytest.raises(InvalidInputError) as info:
        lab.make_bundle(cert_id=setup.issued.cert_id, readings=[other_tree.proof_for(1)])
    assert info.value.field == "readings"
    with pytest.raises(InvalidInputError) as info:
        lab.make_bundle()
    assert info.value.field == "cert_id"
    # Without a report the bundle carries no file name; the digest is read from the chain.
    bare = lab.make_bundle(cert_id=setup.issued.cert_id)
    assert bare.report_file is None and bare.report_sha256 == setup.bundle.report_sha256
    assert bare.readings == ()


def test_verify_good_bundle(setup: Setup, tmp_path: Path) -> None:
    path = setup.bundle.save(tmp_path / "b.json")
    verdict = setup.reader.verify_bundle(
        bundle=path, report=setup.report, readings=setup.readings, readings_seed=setup.seed
    )
    assert verdict.verified, verdict.failures
    assert [c.name for c in verdict.checks] == list(CHECK_NAMES)
    assert [c.name for c in verdict.checks if c.skipped] == ["batch_proof"]
    assert verdict.cert_id == setup.issued.cert_id
    assert verdict.certificate is not None and verdict.certificate.device_attested
    assert verdict.chain_id == setup.world.connection.chain_id
    assert verdict.registry == setup.world.registry
    assert verdict.block_number == setup.world.block()
    assert "Hydraulics Test Centre" in verdict.check("issuer_accredited").detail
    assert MANUFACTURER in verdict.check("device_registered").detail  # the owner
    assert setup.report.name in verdict.check("report_digest").detail
    assert "100 readings" in verdict.check("data_root").detail  # 4 sensors x 25 samples
    assert "2 disclosed" in verdict.check("data_root").detail
    assert setup.key.address in verdict.check("device_signature").detail
    cert = verdict.certificate
    assert verdict.cast_calls[1] == (
        f'cast call {setup.world.registry} "isValidPass(bytes32,uint256,bytes32,bytes32)(bool)" '
        f"{cert.cert_id} {cert.device_id} {cert.test_spec} {cert.data_root} "
        f"--rpc-url {setup.world.chain.rpc_url}"
    )
    assert verdict.cast_call == "\n".join(verdict.cast_calls)
    assert json.loads(verdict.to_json())["verified"] is True


def test_verify_by_report_alone_and_by_cert_id(setup: Setup) -> None:
    verdict = setup.reader.verify_bundle(report=setup.report)
    assert verdict.verified, verdict.failures
    assert verdict.cert_id == setup.issued.cert_id
    assert "found by the report's digest" in verdict.check("certificate_on_chain").detail
    assert verdict.check("bundle_matches_chain").skipped
    assert verdict.check("device_signature").skipped
    assert "attested" in verdict.check("device_signature").detail

    by_id = setup.reader.verify_bundle(cert_id=setup.issued.cert_id)
    assert by_id.verified and by_id.check("report_digest").skipped

    nothing = setup.reader.verify_bundle(report=rand32())
    assert not nothing.verified
    assert failing(nothing) == {"certificate_on_chain"}
    assert nothing.cert_id is None and nothing.certificate is None


def test_verify_by_report_prefers_the_valid_certificate(
    setup: Setup, admin: CertificatesClient
) -> None:
    world = setup.world
    admin.accredit_lab(lab=Signer.dev(5).address, name="Lab 5", valid_until=world.now() + YEAR)
    later = world.certs(5).issue(
        device_id=setup.device_id,
        report=setup.report,
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
    )
    verdict = setup.reader.verify_bundle(report=setup.report)
    assert (
        verdict.cert_id == later.cert_id
        and "2 certificate(s)" in verdict.check("certificate_on_chain").detail
    )
    world.certs(5).revoke(cert_id=later.cert_id, reason="wrong device")
    verdict = setup.reader.verify_bundle(report=setup.report)
    assert verdict.cert_id == setup.issued.cert_id and verdict.verified


def test_tampered_report(setup: Setup, tmp_path: Path) -> None:
    forged = tmp_path / setup.report.name
    forged.write_bytes(setup.report.read_bytes().replace(b"PDF", b"PDX", 1))
    verdict = setup.reader.verify_bundle(bundle=setup.bundle, report=forged)
    assert not verdict.verified
    assert failing(verdict) == {"report_digest"}
    assert sha256_file(setup.report) in verdict.check("report_digest").detail
    # With the report alone the forged file finds no certificate.
    assert failing(setup.reader.verify_bundle(report=forged)) == {"certificate_on_chain"}


def test_tampered_reading(setup: Setup, tmp_path: Path) -> None:
    rows = setup.readings.read_text().splitlines()
    timestamp, channel, value, unit = rows[10].split(",")
    rows[10] = ",".join([timestamp, channel, str(float(value) + 0.01), unit])
    forged = tmp_path / "forged.csv"
    forged.write_text("\n".join(rows) + "\n")
    verdict = setup.reader.verify_bundle(
        bundle=setup.bundle, readings=forged, readings_seed=setup.seed
    )
    assert failing(verdict) == {"data_root"}
    assert "give the data root" in verdict.check("data_root").detail
    # The wrong seed does not rebuild the root either.
    verdict = setup.reader.verify_bundle(
        bundle=setup.bundle, readings=setup.readings, readings_seed=generate_seed()
    )
    assert failing(verdict) == {"data_root"}
    # A file that is no readings CSV at all fails the check, saying why.
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("a,b\n1,2\n")
    verdict = setup.reader.verify_bundle(
        bundle=setup.bundle, readings=garbage, readings_seed=setup.seed
    )
    assert failing(verdict) == {"data_root"}


def test_readings_without_the_seed(setup: Setup, tmp_path: Path) -> None:
    # The CSV against the bundle's disclosed readings (rows must match the proven readings).
    verdict = setup.reader.verify_bundle(bundle=setup.bundle, readings=setup.readings)
    assert verdict.verified, verdict.failures
    rows = setup.readings.read_text().splitlines()
    rows[43] = rows[43].rsplit(",", 2)[0] + ",999.99," + rows[43].rsplit(",", 1)[1]  # row 42
    forged = tmp_path / "forged.csv"
    forged.write_text("\n".join(rows) + "\n")
    verdict = setup.reader.verify_bundle(bundle=setup.bundle, readings=forged)
    assert failing(verdict) == {"data_root"}
    assert "disclosed reading 42" in verdict.check("data_root").detail
    # Without disclosed readings the CSV cannot be checked at all.
    bare = setup.bundle.model_copy(update={"readings": ()})
    verdict = setup.reader.verify_bundle(bundle=bare, readings=setup.readings)
    assert failing(verdict) == {"data_root"}
    assert "salt seed" in verdict.check("data_root").detail
    # A JSON file of disclosed proofs is verified on its own.
    proofs = tmp_path / "proofs.json"
    proofs.write_text(json.dumps([json.loads(setup.tree.proof_for(7).to_json())]))
    verdict = setup.reader.verify_bundle(cert_id=setup.issued.cert_id, readings=proofs)
    assert verdict.verified, verdict.failures
    assert "1 disclosed" in verdict.check("data_root").detail


def test_tampered_disclosed_reading_proof(setup: Setup) -> None:
    proof = setup.bundle.readings[1]
    forged_reading = proof.reading.model_copy(update={"value": "1.5"})
    forged = proof.model_copy(update={"reading": forged_reading})
    bundle = setup.bundle.model_copy(update={"readings": (setup.bundle.readings[0], forged)})
    verdict = setup.reader.verify_bundle(bundle=bundle)
    assert failing(verdict) == {"data_root"}
    assert "42" in verdict.check("data_root").detail
    sibling = proof.model_copy(update={"proof": (rand32(), *proof.proof[1:])})
    bundle = setup.bundle.model_copy(update={"readings": (sibling,)})
    assert failing(setup.reader.verify_bundle(bundle=bundle)) == {"data_root"}


BUNDLE_TAMPERING: list[tuple[str, Any, str]] = [
    ("chain_id", 1, "bundle_matches_chain"),
    ("registry", MANUFACTURER, "bundle_matches_chain"),
    ("device_id", "12345", "bundle_matches_chain"),
    ("lab", Signer.dev(5).address, "bundle_matches_chain"),
    ("report_sha256", "0x" + "ab" * 32, "bundle_matches_chain"),
    ("data_root", "0x" + "cd" * 32, "bundle_matches_chain"),
    ("test_spec", test_spec_id("another spec"), "bundle_matches_chain"),
    ("test_spec_text", "another spec", "bundle_matches_chain"),
    ("result", 2, "bundle_matches_chain"),
    ("valid_until", 4_102_444_800, "bundle_matches_chain"),
    ("tx_hash", "0x" + "ef" * 32, "bundle_matches_chain"),
    ("block_number", 1, "bundle_matches_chain"),
    ("cert_id", "0x" + "12" * 32, "certificate_on_chain"),
    ("device_signature", "0x" + "11" * 65, "device_signature"),
]


@pytest.mark.parametrize(("field", "value", "check"), BUNDLE_TAMPERING)
def test_tampered_bundle_field(setup: Setup, field: str, value: Any, check: str) -> None:
    data = json.loads(setup.bundle.to_json())
    assert data[field] != value
    data[field] = value
    tampered = CertificateBundle.from_json(json.dumps(data))
    verdict = setup.reader.verify_bundle(bundle=tampered, report=setup.report)
    assert not verdict.verified
    assert failing(verdict) == {check}
    if check == "bundle_matches_chain":
        assert field in verdict.check(check).detail


def test_every_bundle_field_is_covered_by_the_tampering_tests() -> None:
    # checkpoints: a streamed bench test's checkpoints, re-checked by `fabtrust witness`.
    informational = {"schema_version", "report_file", "batch", "readings", "checkpoints"}
    covered = {field for field, _, _ in BUNDLE_TAMPERING}
    assert covered | informational == {f.name for f in dataclasses.fields(CertificateBundle)}


def test_device_signature_by_another_key(setup: Setup) -> None:
    impostor = setup.lab.sign_data_attestation(
        device=Signer.generate(), device_id=setup.device_id, data_root=setup.tree.root
    )
    bundle = setup.bundle.model_copy(update={"device_signature": impostor})
    verdict = setup.reader.verify_bundle(bundle=bundle)
    assert failing(verdict) == {"device_signature"}
    assert "it was signed by 0x" in verdict.check("device_signature").detail


def test_device_signature_after_key_rotation(setup: Setup) -> None:
    setup.world.rotate_key(setup.device_id, Signer.generate())
    verdict = setup.reader.verify_bundle(bundle=setup.bundle)
    assert verdict.verified, verdict.failures
    detail = verdict.check("device_signature").detail
    assert "the device key at issuance" in detail and setup.key.address in detail


def test_bundle_schema_and_format_errors(setup: Setup, tmp_path: Path) -> None:
    data = json.loads(setup.bundle.to_json())
    for field, value in [
        ("schema_version", 2),
        ("cert_id", "0x12"),
        ("registry", "nope"),
        ("result", 0),
        ("device_signature", "0xzz"),
        ("unexpected", 1),
    ]:
        broken = dict(data, **{field: value})
        with pytest.raises(InvalidInputError) as info:
            CertificateBundle.from_json(json.dumps(broken))
        assert info.value.field == field
    missing = dict(data)
    del missing["tx_hash"]
    with pytest.raises(InvalidInputError) as info:
        CertificateBundle.from_json(json.dumps(missing))
    assert info.value.field == "tx_hash"
    with pytest.raises(InvalidInputError):
        setup.reader.verify_bundle(bundle=tmp_path / "missing.json")
    with pytest.raises(InvalidInputError) as info:
        setup.reader.verify_bundle()
    assert info.value.field == "bundle"
    with pytest.raises(InvalidInputError) as info:
        setup.reader.verify_bundle(bundle=setup.bundle, readings_seed=setup.seed)
    assert info.value.field == "readings_seed"


# --------------------------------------------------------------------------------------------------
# the certificate's state on chain


def test_expired_certificate(setup: Setup) -> None:
    setup.world.travel(YEAR + DAY)
    verdict = setup.reader.verify_bundle(bundle=setup.bundle, report=setup.report)
    assert failing(verdict) == {"validity_window"}
    assert "expired on" in verdict.check("validity_window").detail


def test_revoked_certificate(setup: Setup) -> None:
    setup.lab.revoke(cert_id=setup.issued.cert_id, reason="leak at port B")
    verdict = setup.reader.verify_bundle(bundle=setup.bundle, report=setup.report)
    assert failing(verdict) == {"not_revoked"}
    assert "leak at port B" in verdict.check("not_revoked").detail
    assert LAB in verdict.check("not_revoked").detail


def test_superseded_certificate(setup: Setup, new_report: Any) -> None:
    renewed_report = new_report("renewed.pdf")
    renewed = setup.lab.issue(
        device_id=setup.device_id,
        report=renewed_report,
        data_root=setup.tree.root,
        test_spec=SPEC,
        passed=True,
        valid_until=setup.world.now() + 2 * YEAR,
        supersedes=setup.issued.cert_id,
    )
    old = setup.reader.verify_bundle(bundle=setup.bundle, report=setup.report)
    assert failing(old) == {"not_superseded"}
    assert renewed.cert_id in old.check("not_superseded").detail
    new_bundle = setup.lab.make_bundle(cert_id=renewed.cert_id, report=renewed_report)
    new = setup.reader.verify_bundle(bundle=new_bundle, report=renewed_report)
    assert new.verified, new.failures
    assert setup.issued.cert_id in new.check("not_superseded").detail


def test_fail_result(world: World, lab: CertificatesClient, device_id: int, report: Path) -> None:
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=ZERO32,
        test_spec=SPEC,
        passed=False,
        valid_until=world.now() + YEAR,
    )
    verdict = world.readonly().verify_bundle(
        bundle=lab.make_bundle(cert_id=issued.cert_id), report=report
    )
    assert failing(verdict) == {"result_pass"}


def test_lab_no_longer_accredited(setup: Setup, admin: CertificatesClient) -> None:
    admin.revoke_accreditation(lab=LAB)
    verdict = setup.reader.verify_bundle(bundle=setup.bundle, report=setup.report)
    assert failing(verdict) == {"issuer_accredited"}
    assert "revoked" in verdict.check("issuer_accredited").detail


def test_verdict_is_read_at_one_block(setup: Setup) -> None:
    before = setup.world.block()
    verdict = setup.reader.verify_bundle(bundle=setup.bundle)
    assert verdict.block_number == before
    block = setup.world.connection.w3.eth.get_block(before)
    assert int(verdict.block_time.timestamp()) == block["timestamp"]


# --------------------------------------------------------------------------------------------------
# batch bundles


@pytest.fixture
def batch_setup(world: World, lab: CertificatesClient, report: Path) -> tuple[Any, ...]:
    device_id, _ = world.register_device("HM-BATCH")
    leaves = [
        BatchCertificate.create(
            device_id=device_id,
            report=report if i == 2 else rand32(),
            test_spec=SPEC,
            passed=True,
            valid_until=world.now() + YEAR,
        )
        for i in range(5)
    ]
    anchored = lab.anchor_batch(certificates=leaves)
    proof = anchored.proof_for(report_sha256=sha256_file(report))
    return anchored, proof


def test_batch_bundle_before_and_after_presentation(
    world: World, lab: CertificatesClient, report: Path, batch_setup: tuple[Any, ...]
) -> None:
    anchored, proof = batch_setup
    reader = world.readonly()
    bundle = lab.make_bundle(batch=proof, report=report)
    assert bundle.cert_id == proof.cert_id
    assert bundle.batch is not None and bundle.batch.root == anchored.root
    assert bundle.tx_hash == anchored.tx.tx_hash  # the anchoring transaction
    verdict = reader.verify_bundle(bundle=bundle, report=report)
    assert verdict.verified, verdict.failures
    assert "not presented yet" in verdict.check("certificate_on_chain").detail
    assert verdict.check("batch_proof").ok and not verdict.check("batch_proof").skipped
    assert verdict.cast_call is not None

    world.certs(3).present_batch_certificate(
        lab=LAB, root=anchored.root, leaf=proof.leaf, proof=proof.proof
    )
    # The bundle made before the presentation (naming the anchoring transaction) still verifies.
    verdict = reader.verify_bundle(bundle=bundle, report=report)
    assert verdict.verified, verdict.failures
    assert "stored in block" in verdict.check("certificate_on_chain").detail
    presented = lab.make_bundle(cert_id=proof.cert_id, batch=proof, report=report)
    verdict = reader.verify_bundle(bundle=presented, report=report)
    assert verdict.verified, verdict.failures
    assert "stored in block" in verdict.check("certificate_on_chain").detail
    # Without the proof, a presented batch certificate still verifies (the chain checked it).
    plain = lab.make_bundle(cert_id=proof.cert_id)
    verdict = reader.verify_bundle(bundle=plain, report=report)
    assert verdict.verified and verdict.check("batch_proof").skipped


def test_make_bundle_checks_the_batch_proof(
    world: World, lab: CertificatesClient, report: Path, batch_setup: tuple[Any, ...]
) -> None:
    anchored, proof = batch_setup
    other = anchored.certificates[0]
    with pytest.raises(InvalidInputError) as info:
        lab.make_bundle(cert_id=other.cert_id, batch=proof)
    assert info.value.field == "batch"
    broken = proof.model_copy(update={"proof": (rand32(), *proof.proof[1:])})
    with pytest.raises(InvalidInputError) as info:
        lab.make_bundle(batch=broken)
    assert info.value.field == "batch"
    # A proof naming another lab's id for the leaf.
    foreign = proof.model_copy(update={"cert_id": rand32()})
    with pytest.raises(InvalidInputError) as info:
        lab.make_bundle(batch=foreign)
    assert info.value.field == "batch"
    # A batch proof cannot be attached to a certificate issued directly.
    direct = lab.issue(
        device_id=proof.leaf.device_id,
        report=rand32(),
        data_root=ZERO32,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
    )
    with pytest.raises(InvalidInputError) as info:
        lab.make_bundle(
            cert_id=direct.cert_id, batch=proof.model_copy(update={"cert_id": direct.cert_id})
        )
    assert info.value.field == "batch"
    with pytest.raises(InvalidInputError) as info:
        lab.make_bundle(batch=proof, report=rand32())
    assert info.value.field == "report"


def test_tampered_batch_proof(
    world: World, lab: CertificatesClient, report: Path, batch_setup: tuple[Any, ...]
) -> None:
    _anchored, proof = batch_setup
    bundle = lab.make_bundle(batch=proof, report=report)
    assert bundle.batch is not None
    bad_proof = bundle.model_copy(
        update={"batch": bundle.batch.model_copy(update={"proof": (rand32(), *proof.proof[1:])})}
    )
    verdict = world.readonly().verify_bundle(bundle=bad_proof, report=report)
    assert failing(verdict) == {"batch_proof"}
    assert "does not lead" in verdict.check("batch_proof").detail
    # Another root: the certificate is nowhere on chain.
    bad_root = bundle.model_copy(
        update={"batch": bundle.batch.model_copy(update={"root": rand32()})}
    )
    verdict = world.readonly().verify_bundle(bundle=bad_root, report=report)
    assert "certificate_on_chain" in failing(verdict)
    # A changed leaf no longer hashes into the root.
    leaf = bundle.batch.leaf.model_copy(update={"valid_until": bundle.batch.leaf.valid_until + 9})
    bad_leaf = bundle.model_copy(update={"batch": bundle.batch.model_copy(update={"leaf": leaf})})
    verdict = world.readonly().verify_bundle(bundle=bad_leaf, report=report)
    assert "batch_proof" in failing(verdict)


def test_revoked_batch(
    world: World, lab: CertificatesClient, report: Path, batch_setup: tuple[Any, ...]
) -> None:
    anchored, proof = batch_setup
    bundle = lab.make_bundle(batch=proof, report=report)
    world.certs(3).present_batch_certificate(
        lab=LAB, root=anchored.root, leaf=proof.leaf, proof=proof.proof
    )
    lab.revoke_batch(lab=LAB, root=anchored.root, reason="whole run invalid")
    verdict = world.readonly().verify_bundle(bundle=bundle, report=report)
    assert failing(verdict) == {"not_revoked"}
    assert "whole run invalid" in verdict.check("not_revoked").detail
    assert anchored.root in verdict.check("not_revoked").detail


# --------------------------------------------------------------------------------------------------
# the buyer's own check


def test_cast_call_hint_runs(setup: Setup) -> None:
    hint = setup.reader.cast_call_hint(cert_id=setup.issued.cert_id)
    registry = setup.world.registry
    assert hint == (
        f'cast call {registry} "isValid(bytes32)(bool)" {setup.issued.cert_id} '
        f"--rpc-url {setup.world.chain.rpc_url}"
    )
    cast = Path(sys.executable).parent / "cast"
    binary = str(cast) if cast.exists() else shutil.which("cast")
    if binary is None:
        pytest.skip("cast is not installed")
    args = [
        binary,
        "call",
        registry,
        "isValid(bytes32)(bool)",
        setup.issued.cert_id,
        "--rpc-url",
        setup.world.chain.rpc_url,
    ]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "true"
    setup.lab.revoke(cert_id=setup.issued.cert_id, reason="x")
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "false"


def test_bundle_takes_the_device_signature_from_the_event_for_a_contract_wallet_lab(
    world: World, admin: CertificatesClient, report: Path
) -> None:
    """A lab that is a contract wallet (a multisig) issues through `execute`: the issuing
    transaction's calldata is the wallet's, not the registry's, so the bundle must take the
    device signature from CertificateIssued."""
    w3 = world.connection.w3
    owner = Signer.dev(4)
    build = json.loads(
        (Path(__file__).resolve().parents[3] / "build/contracts/TestWallet.json").read_text()
    )
    factory = w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(
        factory.constructor(owner.address).transact({"from": owner.address})
    )
    wallet = w3.eth.contract(address=receipt["contractAddress"], abi=build["abi"])
    admin.accredit_lab(lab=wallet.address, name="Multisig Lab", valid_until=world.now() + YEAR)
    device_id, key = world.register_device("HM-WALLET")
    data_root = rand32()
    signature = admin.sign_data_attestation(device=key, device_id=device_id, data_root=data_root)
    digest = "0x" + hashlib.sha256(report.read_bytes()).hexdigest()
    registry = world.binding(0).contract("CertificateRegistry")
    request = (
        device_id,
        bytes.fromhex(digest[2:]),
        bytes.fromhex(data_root[2:]),
        bytes.fromhex(SPEC_ID[2:]),
        1,
        world.now() + YEAR,
        bytes(32),
        bytes(32),
        bytes.fromhex(signature[2:]),
    )
    call = registry.encode_abi("issueCertificateWithOptions", args=[request])
    tx = wallet.functions.execute(registry.address, 0, call).transact({"from": owner.address})
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    (cert,) = admin.find_by_report(report=report)
    assert cert.lab == wallet.address and cert.device_attested
    bundle = admin.make_bundle(cert_id=cert.cert_id, report=report)
    assert bundle.device_signature == signature.lower()
    assert bundle.tx_hash == "0x" + bytes(tx).hex()
    verdict = admin.verify_bundle(bundle=bundle, report=report)
    assert verdict.verified, verdict.failures
    assert {c.name: c.ok for c in verdict.checks}["device_signature"] is True


SPEC_ID = "0x" + "5e" * 32
