"""Merkle-batched certificates: anchoring, proofs verified on chain, presentation, revocation."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from certs_helpers import DAY, SPEC, YEAR, World, rand32

from fabtrust.accounts import Signer
from fabtrust.certificates import (
    AnchoredBatch,
    BatchCertificate,
    BatchProof,
    CertificatesClient,
)
from fabtrust.errors import InvalidInputError
from fabtrust.evidence import (
    BATCH_LEAF_ENCODING,
    CertificateResult,
    StandardMerkleTree,
    cert_id_of,
    sha256_file,
    test_spec_id,
)

LAB = Signer.dev(2).address


def _batch(world: World, lab: CertificatesClient, devices: list[int], n: int) -> AnchoredBatch:
    leaves = [
        BatchCertificate.create(
            device_id=devices[i % len(devices)],
            report=rand32(),
            test_spec=SPEC,
            passed=i % 4 != 3,
            valid_until=world.now() + YEAR,
            data_root=rand32(),
        )
        for i in range(n)
    ]
    return lab.anchor_batch(certificates=leaves)


def test_anchor_batch_returns_root_tx_and_proofs(
    world: World, lab: CertificatesClient, device_id: int, report: Path
) -> None:
    until = world.now() + YEAR
    first = BatchCertificate.create(
        device_id=device_id, report=report, test_spec=SPEC, passed=True, valid_until=until
    )
    others = [
        BatchCertificate.create(
            device_id=device_id, report=rand32(), test_spec=SPEC, passed=False, valid_until=until
        )
        for _ in range(6)
    ]
    anchored = lab.anchor_batch(certificates=[first, *others])
    assert anchored.count == 7 and anchored.lab == LAB
    event = anchored.tx.event("BatchAnchored")
    assert event["root"] == anchored.root and event["count"] == 7 and event["lab"] == LAB
    tree = StandardMerkleTree.of([c.leaf for c in [first, *others]], BATCH_LEAF_ENCODING)
    assert anchored.root == tree.root
    assert [p.leaf for p in anchored.certificates] == [first, *others]
    for proof in anchored.certificates:
        assert proof.root == anchored.root
        assert proof.cert_id == cert_id_of(LAB, device_id, proof.leaf.report_sha256)
        assert proof.verify()
        # The contract hashes the leaf exactly as we do.
        on_chain = world.binding(0).call(
            "CertificateRegistry", "batchLeafHash", proof.leaf.as_struct()
        )
        assert "0x" + bytes(on_chain).hex() == proof.leaf.leaf_hash
    assert anchored.proof_for(report_sha256=sha256_file(report)).leaf == first

    batch = lab.batch(lab=LAB, root=anchored.root)
    assert batch.lab == LAB and batch.count == 7 and not batch.revoked
    block = world.connection.w3.eth.get_block(anchored.tx.block_number)
    assert batch.anchored_at == datetime.fromtimestamp(block["timestamp"], tz=timezone.utc)


def test_batch_proofs_verify_on_chain(world: World, lab: CertificatesClient) -> None:
    devices = [world.register_device(f"HM-B{i}")[0] for i in range(3)]
    anchored = _batch(world, lab, devices, 9)
    reader = world.readonly()
    for proof in anchored.certificates:
        assert reader.verify_batch_certificate(
            lab=LAB, root=anchored.root, leaf=proof.leaf, proof=proof.proof
        )
    one = anchored.certificates[4]
    # Another leaf's proof, a changed leaf, a truncated proof and an unknown root all fail.
    assert not reader.verify_batch_certificate(
        lab=LAB, root=anchored.root, leaf=one.leaf, proof=anchored.certificates[5].proof
    )
    changed = one.leaf.model_copy(update={"valid_until": one.leaf.valid_until + 1})
    assert not reader.verify_batch_certificate(
        lab=LAB, root=anchored.root, leaf=changed, proof=one.proof
    )
    assert not reader.verify_batch_certificate(
        lab=LAB, root=anchored.root, leaf=one.leaf, proof=one.proof[:-1]
    )
    assert not reader.verify_batch_certificate(
        lab=LAB, root=rand32(), leaf=one.leaf, proof=one.proof
    )


def test_single_leaf_batch(world: World, lab: CertificatesClient, device_id: int) -> None:
    anchored = _batch(world, lab, [device_id], 1)
    only = anchored.certificates[0]
    assert only.proof == () and anchored.root == only.leaf.leaf_hash
    assert lab.verify_batch_certificate(lab=LAB, root=anchored.root, leaf=only.leaf, proof=[])
    issued = world.certs(3).present_batch_certificate(
        lab=LAB, root=anchored.root, leaf=only.leaf, proof=[]
    )
    assert issued.cert_id == only.cert_id


def test_present_batch_certificate_stores_it(
    world: World, lab: CertificatesClient, device_id: int
) -> None:
    anchored = _batch(world, lab, [device_id], 5)
    proof = anchored.certificates[2]
    assert proof.leaf.result is CertificateResult.PASS
    world.travel(DAY)
    presenter = world.certs(3)  # anyone may present
    issued = presenter.present_batch_certificate(
        lab=LAB, root=anchored.root, leaf=proof.leaf, proof=list(proof.proof)
    )
    assert issued.cert_id == proof.cert_id and issued.lab == LAB
    cert = presenter.get(cert_id=issued.cert_id)
    assert cert.batch_root == anchored.root
    assert cert.lab == LAB and cert.lab_name == "Hydraulics Test Centre"
    assert (
        cert.issued_at == lab.batch(lab=LAB, root=anchored.root).anchored_at
    )  # the anchoring time
    assert cert.report_sha256 == proof.leaf.report_sha256
    assert cert.data_root == proof.leaf.data_root
    assert cert.test_spec == test_spec_id(SPEC)
    assert presenter.is_valid(cert_id=issued.cert_id)
    assert presenter.has_valid_pass(device_id=device_id, test_spec=SPEC)


def test_revoke_batch(world: World, lab: CertificatesClient, device_id: int) -> None:
    anchored = _batch(world, lab, [device_id], 4)
    presented = anchored.certificates[0]
    world.certs(3).present_batch_certificate(
        lab=LAB, root=anchored.root, leaf=presented.leaf, proof=presented.proof
    )
    tx = lab.revoke_batch(lab=LAB, root=anchored.root, reason="bench pressure sensor drift")
    event = tx.event("BatchRevoked")
    assert event["root"] == anchored.root and event["reason"] == "bench pressure sensor drift"
    assert lab.batch(lab=LAB, root=anchored.root).revoked
    for proof in anchored.certificates:
        assert not lab.verify_batch_certificate(
            lab=LAB, root=anchored.root, leaf=proof.leaf, proof=proof.proof
        )


def test_admin_may_revoke_a_batch(
    world: World, lab: CertificatesClient, admin: CertificatesClient, device_id: int
) -> None:
    anchored = _batch(world, lab, [device_id], 2)
    admin.revoke_batch(lab=LAB, root=anchored.root, reason="consortium decision")
    assert admin.batch(lab=LAB, root=anchored.root).revoked


def test_expired_leaf_no_longer_verifies(
    world: World, lab: CertificatesClient, device_id: int
) -> None:
    leaf = BatchCertificate.create(
        device_id=device_id,
        report=rand32(),
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + 3 * DAY,
    )
    anchored = lab.anchor_batch(
        certificates=[leaf, leaf.model_copy(update={"report_sha256": rand32()})]
    )
    proof = anchored.certificates[0]
    assert lab.verify_batch_certificate(lab=LAB, root=anchored.root, leaf=leaf, proof=proof.proof)
    world.travel(4 * DAY)
    assert not lab.verify_batch_certificate(
        lab=LAB, root=anchored.root, leaf=leaf, proof=proof.proof
    )


def test_anchor_batch_input_validation(
    world: World, lab: CertificatesClient, device_id: int
) -> None:
    leaf = BatchCertificate.create(
        device_id=device_id, report=rand32(), test_spec=SPEC, passed=True, valid_until=2**39
    )
    before = world.block()
    for bad in ([], leaf, [leaf, leaf], [leaf, {"device_id": 1}], "leaf"):
        with pytest.raises(InvalidInputError) as info:
            lab.anchor_batch(certificates=bad)  # type: ignore[arg-type]
        assert info.value.field == "certificates"
    with pytest.raises(InvalidInputError) as info:
        lab.present_batch_certificate(lab=LAB, root=rand32(), leaf=leaf, proof="0x" + "00" * 32)
    assert info.value.field == "proof"
    with pytest.raises(InvalidInputError) as info:
        lab.present_batch_certificate(lab=LAB, root=rand32(), leaf=leaf, proof=["0x12"])
    assert info.value.field == "proof[0]"
    with pytest.raises(InvalidInputError) as info:
        lab.verify_batch_certificate(lab=LAB, root="0x12", leaf=leaf, proof=[])
    assert info.value.field == "root"
    assert world.block() == before


def test_batch_certificate_model_validation() -> None:
    good = {
        "device_id": 1,
        "report_sha256": "0x" + "11" * 32,
        "test_spec": "0x" + "22" * 32,
        "result": 1,
        "valid_until": 10,
    }
    leaf = BatchCertificate.model_validate(good)
    assert leaf.data_root == "0x" + "00" * 32
    assert leaf.leaf == (1, "0x" + "11" * 32, "0x" + "00" * 32, "0x" + "22" * 32, 1, 10)
    for field, value in [
        ("device_id", -1),
        ("report_sha256", "0x11"),
        ("result", 3),
        ("valid_until", 2**64),
    ]:
        with pytest.raises(ValueError):
            BatchCertificate.model_validate({**good, field: value})
    with pytest.raises(InvalidInputError) as info:
        BatchCertificate.create(
            device_id=1,
            report=rand32(),
            test_spec=SPEC,
            passed="yes",  # type: ignore[arg-type]
            valid_until=10,
        )
    assert info.value.field == "passed"


def test_batch_proof_verify_detects_tampering(
    world: World, lab: CertificatesClient, device_id: int
) -> None:
    anchored = _batch(world, lab, [device_id], 4)
    proof = anchored.certificates[1]
    assert isinstance(proof, BatchProof) and proof.verify()
    assert not proof.model_copy(update={"root": rand32()}).verify()
    assert not proof.model_copy(update={"proof": (rand32(), *proof.proof[1:])}).verify()
    changed = proof.leaf.model_copy(update={"result": CertificateResult.FAIL})
    assert changed.result != proof.leaf.result
    assert not proof.model_copy(update={"leaf": changed}).verify()
