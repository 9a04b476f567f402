"""Merkle-batched certificates: anchorBatch, verify/present leaves, revokeBatch.

Trees, leaf hashes and proofs come from OpenZeppelin's JS implementation
(@openzeppelin/merkle-tree StandardMerkleTree, run by merkle_vectors.js): cross-implementation vectors.
"""

import pytest
from brownie import chain
from conftest import (
    FAIL,
    NO_SIGNATURE,
    PASS,
    ZERO32,
    assert_event,
    b32,
    cert_id,
    event_names,
    fields_digest,
    has_valid_pass,
    hx,
    js_merkle_tree,
    leaf_hash,
    mine_at,
    now,
    reverts_with,
    valid_passes,
)

DAY = 86400


def make_leaves(devices_and_results, tag="batch", validity=90 * DAY, spec="spec-A"):
    valid_until = now() + validity
    return [
        (
            device_id,
            b32(f"{tag} report {i}"),
            b32(f"{tag} data {i}"),
            b32(spec),
            result,
            valid_until,
        )
        for i, (device_id, result) in enumerate(devices_and_results)
    ]


@pytest.fixture
def batch(certs, lab, device, device2):
    """Five leaves over two devices, anchored by `lab`: (root, leaves, proofs, anchor tx)."""
    leaves = make_leaves(
        [(device, PASS), (device2, PASS), (device, FAIL), (device2, FAIL), (device, PASS)]
    )
    tree = js_merkle_tree(leaves)
    tx = certs.anchorBatch(tree["root"], len(leaves), {"from": lab})
    proofs = [entry["proof"] for entry in tree["leaves"]]
    return tree["root"], leaves, proofs, tx


# -------------------------------------------------------------------------------------------------
# anchorBatch
# -------------------------------------------------------------------------------------------------


def test_anchor_batch(certs, lab, device):
    root = js_merkle_tree(make_leaves([(device, PASS)] * 3))["root"]
    tx = certs.anchorBatch(root, 3, {"from": lab})
    assert hx(tx.return_value) == hx(root)
    assert event_names(tx) == ["BatchAnchored"]
    assert_event(tx, "BatchAnchored", {"root": root, "lab": lab, "count": 3})
    assert certs.batch(lab, root).dict() == {
        "lab": lab,
        "anchoredAt": tx.timestamp,
        "count": 3,
        "revoked": False,
    }


def test_anchor_batch_errors(certs2, lab, lab2, outsider, admin):
    certs = certs2
    for caller in (outsider, admin):
        with reverts_with("LabNotAccredited(address)", caller):
            certs.anchorBatch(b32("root"), 10, {"from": caller})
    with reverts_with("ZeroBatchRoot()"):
        certs.anchorBatch(ZERO32, 10, {"from": lab})
    with reverts_with("ZeroBatchCount()"):
        certs.anchorBatch(b32("root"), 0, {"from": lab})
    certs.anchorBatch(b32("root"), 10, {"from": lab})
    with reverts_with("BatchAlreadyAnchored(address,bytes32)", lab, b32("root")):
        certs.anchorBatch(b32("root"), 11, {"from": lab})
    assert certs.batch(lab, b32("root"))["count"] == 10


def test_another_lab_cannot_front_run_or_revoke_a_root(certs2, lab, lab2, outsider, device):
    """Issue 10: roots were global, so lab2 could anchor lab's root first, then revoke it."""
    certs = certs2
    leaves = make_leaves([(device, PASS)])
    root = js_merkle_tree(leaves)["root"]
    certs.anchorBatch(root, 1, {"from": lab2})  # the front-runner
    certs.revokeBatch(lab2, root, "griefing", {"from": lab2})
    tx = certs.anchorBatch(root, 1, {"from": lab})  # the owner of the root anchors it still
    assert_event(tx, "BatchAnchored", {"root": root, "lab": lab, "count": 1})
    with reverts_with("NotBatchIssuer(address,bytes32,address)", lab, root, lab2):
        certs.revokeBatch(lab, root, "griefing", {"from": lab2})
    cid = certs.presentBatchCertificate(lab, root, leaves[0], [], {"from": outsider}).return_value
    assert hx(cid) == cert_id(lab, device, leaves[0][1])
    assert certs.isValid(cid)
    with reverts_with("BatchAlreadyRevoked(address,bytes32)", lab2, root):
        certs.presentBatchCertificate(lab2, root, leaves[0], [], {"from": outsider})


def test_batch_unknown(certs, lab):
    with reverts_with("BatchNotFound(address,bytes32)", lab, b32("nothing")):
        certs.batch(lab, b32("nothing"))


# -------------------------------------------------------------------------------------------------
# Cross-implementation vectors and verifyBatchCertificate
# -------------------------------------------------------------------------------------------------


def test_leaf_hashes_match_openzeppelin_js(certs, device, device2):
    leaves = make_leaves(
        [(device, PASS), (device2, FAIL), (2**256 - 1, PASS), (0, FAIL)], tag="vec"
    )
    tree = js_merkle_tree(leaves)
    for leaf, entry in zip(leaves, tree["leaves"], strict=True):
        assert hx(certs.batchLeafHash(leaf)) == entry["hash"] == leaf_hash(leaf)


def test_js_proofs_verify_on_chain(certs, lab, batch):
    root, leaves, proofs, _ = batch
    for leaf, proof in zip(leaves, proofs, strict=True):
        assert certs.verifyBatchCertificate(lab, root, leaf, proof)
    # A proof of one leaf does not prove another.
    assert not certs.verifyBatchCertificate(lab, root, leaves[0], proofs[1])
    # A tampered leaf does not verify.
    tampered = list(leaves[0])
    tampered[4] = FAIL
    assert not certs.verifyBatchCertificate(lab, root, tuple(tampered), proofs[0])
    tampered = list(leaves[1])
    tampered[5] += 1
    assert not certs.verifyBatchCertificate(lab, root, tuple(tampered), proofs[1])


def test_verify_requires_anchored_unrevoked_root(certs, lab, device):
    leaves = make_leaves([(device, PASS), (device, FAIL)], tag="late")
    tree = js_merkle_tree(leaves)
    proof = tree["leaves"][0]["proof"]
    assert not certs.verifyBatchCertificate(lab, tree["root"], leaves[0], proof)
    certs.anchorBatch(tree["root"], 2, {"from": lab})
    assert certs.verifyBatchCertificate(lab, tree["root"], leaves[0], proof)
    certs.revokeBatch(lab, tree["root"], "bench fault", {"from": lab})
    assert not certs.verifyBatchCertificate(lab, tree["root"], leaves[0], proof)


def test_verify_false_after_expiry(certs, lab, device):
    leaves = make_leaves([(device, PASS), (device, PASS)], tag="exp", validity=500)
    tree = js_merkle_tree(leaves)
    certs.anchorBatch(tree["root"], 2, {"from": lab})
    proof = tree["leaves"][0]["proof"]
    mine_at(leaves[0][5] - 1)
    assert certs.verifyBatchCertificate(lab, tree["root"], leaves[0], proof)
    mine_at(leaves[0][5])
    assert not certs.verifyBatchCertificate(lab, tree["root"], leaves[0], proof)


def test_single_leaf_batch(certs, lab, outsider, device):
    leaves = make_leaves([(device, PASS)], tag="single")
    tree = js_merkle_tree(leaves)
    assert tree["root"] == leaf_hash(leaves[0]) and tree["leaves"][0]["proof"] == []
    certs.anchorBatch(tree["root"], 1, {"from": lab})
    tx = certs.presentBatchCertificate(lab, tree["root"], leaves[0], [], {"from": outsider})
    assert hx(certs.certificate(tx.events["CertificateIssued"]["certId"])["batchRoot"]) == hx(
        tree["root"]
    )


# -------------------------------------------------------------------------------------------------
# presentBatchCertificate
# -------------------------------------------------------------------------------------------------


def test_present_every_leaf(certs, lab, outsider, device, device2, batch):
    root, leaves, proofs, anchor_tx = batch
    for leaf, proof in zip(leaves, proofs, strict=True):
        tx = certs.presentBatchCertificate(lab, root, leaf, proof, {"from": outsider})
        cid = cert_id(lab, leaf[0], leaf[1])
        assert hx(tx.return_value) == cid
        assert event_names(tx) == ["CertificateIssued"]
        assert_event(
            tx,
            "CertificateIssued",
            {
                "certId": cid,
                "deviceId": leaf[0],
                "reportSha256": leaf[1],
                "lab": lab,
                "dataRoot": leaf[2],
                "testSpec": leaf[3],
                "result": leaf[4],
                "validUntil": leaf[5],
                "deviceSignature": NO_SIGNATURE,
            },
        )
        assert certs.certificate(cid).dict() == {
            "lab": lab,
            "issuedAt": anchor_tx.timestamp,
            "validUntil": leaf[5],
            "result": leaf[4],
            "revoked": False,
            "deviceAttested": False,
            "digest": fields_digest(leaf[0], leaf[2], leaf[3]),
            "successor": ZERO32,
            "batchRoot": root,
        }
        assert certs.isValid(cid)
        assert certs.verifyCertificateFields(cid, leaf[0], leaf[1], leaf[2], leaf[3])
    # Every presented Pass counts.
    assert valid_passes(certs, device, b32("spec-A")) == [
        cert_id(lab, device, leaves[0][1]),
        cert_id(lab, device, leaves[4][1]),
    ]
    assert valid_passes(certs, device2, b32("spec-A")) == [cert_id(lab, device2, leaves[1][1])]


def test_present_twice(certs, lab, outsider, batch):
    root, leaves, proofs, _ = batch
    certs.presentBatchCertificate(lab, root, leaves[0], proofs[0], {"from": outsider})
    with reverts_with(
        "CertificateAlreadyExists(bytes32)", cert_id(lab, leaves[0][0], leaves[0][1])
    ):
        certs.presentBatchCertificate(lab, root, leaves[0], proofs[0], {"from": lab})


def test_present_collides_with_direct_issue(certs, lab, outsider, batch):
    root, leaves, proofs, _ = batch
    leaf = leaves[0]
    certs.issueCertificate(*leaf[:5], now() + DAY, {"from": lab})
    with reverts_with("CertificateAlreadyExists(bytes32)", cert_id(lab, leaf[0], leaf[1])):
        certs.presentBatchCertificate(lab, root, leaf, proofs[0], {"from": outsider})


def test_present_unknown_root(certs, lab, outsider, device):
    leaves = make_leaves([(device, PASS), (device, PASS)], tag="unanchored")
    tree = js_merkle_tree(leaves)
    with reverts_with("BatchNotFound(address,bytes32)", lab, tree["root"]):
        certs.presentBatchCertificate(
            lab, tree["root"], leaves[0], tree["leaves"][0]["proof"], {"from": outsider}
        )


def test_present_bad_proofs(certs, lab, outsider, batch):
    root, leaves, proofs, _ = batch
    with reverts_with("InvalidBatchProof(address,bytes32)", lab, root):
        certs.presentBatchCertificate(lab, root, leaves[0], proofs[1], {"from": outsider})
    with reverts_with("InvalidBatchProof(address,bytes32)", lab, root):
        certs.presentBatchCertificate(lab, root, leaves[0], [], {"from": outsider})
    with reverts_with("InvalidBatchProof(address,bytes32)", lab, root):
        certs.presentBatchCertificate(
            lab, root, leaves[0], proofs[0] + [b32("extra")], {"from": outsider}
        )
    forged = (
        leaves[2][0],
        leaves[2][1],
        leaves[2][2],
        leaves[2][3],
        PASS,
        leaves[2][5],
    )  # Fail -> Pass
    with reverts_with("InvalidBatchProof(address,bytes32)", lab, root):
        certs.presentBatchCertificate(lab, root, forged, proofs[2], {"from": outsider})


def test_present_from_other_root_rejected(certs, lab, outsider, device, batch):
    _, leaves, proofs, _ = batch
    other = js_merkle_tree(make_leaves([(device, PASS), (device, FAIL)], tag="other"))
    certs.anchorBatch(other["root"], 2, {"from": lab})
    with reverts_with("InvalidBatchProof(address,bytes32)", lab, other["root"]):
        certs.presentBatchCertificate(lab, other["root"], leaves[0], proofs[0], {"from": outsider})


def test_present_leaf_field_checks(certs, lab, outsider, device):
    unknown_device = 31337_31337
    leaves = [
        (device, b32("bad result"), b32("d"), b32("s"), 3, now() + DAY),
        (device, ZERO32, b32("d"), b32("s"), PASS, now() + DAY),
        (unknown_device, b32("ghost"), b32("d"), b32("s"), PASS, now() + DAY),
        (device, b32("short"), b32("d"), b32("s"), PASS, now() + 300),
    ]
    tree = js_merkle_tree(leaves)
    root = tree["root"]
    proofs = [entry["proof"] for entry in tree["leaves"]]
    certs.anchorBatch(root, len(leaves), {"from": lab})
    assert not certs.verifyBatchCertificate(lab, root, leaves[0], proofs[0])  # invalid result
    with reverts_with("InvalidResult(uint8)", 3):
        certs.presentBatchCertificate(lab, root, leaves[0], proofs[0], {"from": outsider})
    with reverts_with("ZeroReportDigest()"):
        certs.presentBatchCertificate(lab, root, leaves[1], proofs[1], {"from": outsider})
    with reverts_with("DeviceNotFound(uint256)", unknown_device):
        certs.presentBatchCertificate(lab, root, leaves[2], proofs[2], {"from": outsider})
    mine_at(leaves[3][5])
    with reverts_with("InvalidValidity(uint64)", leaves[3][5]):
        certs.presentBatchCertificate(lab, root, leaves[3], proofs[3], {"from": outsider})


def test_present_after_lab_lost_accreditation(certs, admin, lab, outsider, batch):
    """Issue 10: a revoked lab's anchored leaves could still be presented and release payments."""
    root, leaves, proofs, _ = batch
    certs.revokeAccreditation(lab, {"from": admin})
    with reverts_with("LabNotAccredited(address)", lab):
        certs.presentBatchCertificate(lab, root, leaves[0], proofs[0], {"from": outsider})


# -------------------------------------------------------------------------------------------------
# Batch and direct Passes: every valid one counts
# -------------------------------------------------------------------------------------------------


def test_batch_and_direct_passes_both_count(certs, lab, outsider, device, batch):
    root, leaves, proofs, _ = batch
    chain.sleep(60)
    direct = certs.issueCertificate(
        device, b32("direct"), b32("d"), b32("spec-A"), PASS, now() + DAY, {"from": lab}
    )
    direct_id = hx(direct.events["CertificateIssued"]["certId"])
    tx = certs.presentBatchCertificate(lab, root, leaves[0], proofs[0], {"from": outsider})
    batch_id = hx(tx.events["CertificateIssued"]["certId"])
    assert valid_passes(certs, device, b32("spec-A")) == [direct_id, batch_id]
    certs.revokeCertificate(direct_id, "wrong bench", {"from": lab})
    assert valid_passes(certs, device, b32("spec-A")) == [batch_id]


def test_fail_leaf_is_no_pass(certs, lab, outsider, device, batch):
    root, leaves, proofs, _ = batch
    tx = certs.presentBatchCertificate(lab, root, leaves[2], proofs[2], {"from": outsider})  # Fail
    cid = tx.events["CertificateIssued"]["certId"]
    assert certs.isValid(cid)
    assert not certs.isValidPass(cid, device, leaves[2][3], leaves[2][2])
    assert not has_valid_pass(certs, device, b32("spec-A"))


# -------------------------------------------------------------------------------------------------
# revokeBatch
# -------------------------------------------------------------------------------------------------


def test_revoke_batch_invalidates_presented_certificates(certs, lab, outsider, device, batch):
    root, leaves, proofs, _ = batch
    ids = [
        certs.presentBatchCertificate(lab, root, leaves[i], proofs[i], {"from": outsider}).events[
            "CertificateIssued"
        ]["certId"]
        for i in (0, 1, 2)
    ]
    assert all(certs.isValid(cid) for cid in ids)
    tx = certs.revokeBatch(lab, root, "pressure transducer drift", {"from": lab})
    assert event_names(tx) == ["BatchRevoked"]
    assert_event(
        tx,
        "BatchRevoked",
        {"root": root, "lab": lab, "revokedBy": lab, "reason": "pressure transducer drift"},
    )
    assert certs.batch(lab, root)["revoked"] is True
    assert not any(certs.isValid(cid) for cid in ids)
    assert not has_valid_pass(certs, device, b32("spec-A"))
    # The records themselves are not marked revoked: the batch is.
    assert certs.certificate(ids[0])["revoked"] is False
    with reverts_with("BatchAlreadyRevoked(address,bytes32)", lab, root):
        certs.presentBatchCertificate(lab, root, leaves[3], proofs[3], {"from": outsider})


def test_revoke_batch_by_admin(certs, lab, admin, batch):
    root = batch[0]
    tx = certs.revokeBatch(lab, root, "consortium decision", {"from": admin})
    assert_event(
        tx,
        "BatchRevoked",
        {"root": root, "lab": lab, "revokedBy": admin, "reason": "consortium decision"},
    )


def test_revoke_batch_errors(certs2, lab, lab2, outsider, admin, batch):
    root = batch[0]
    for caller in (lab2, outsider):
        with reverts_with("NotBatchIssuer(address,bytes32,address)", lab, root, caller):
            certs2.revokeBatch(lab, root, "no", {"from": caller})
    with reverts_with("BatchNotFound(address,bytes32)", lab, b32("nothing")):
        certs2.revokeBatch(lab, b32("nothing"), "no", {"from": admin})
    certs2.revokeBatch(lab, root, "once", {"from": lab})
    for caller in (lab, admin):
        with reverts_with("BatchAlreadyRevoked(address,bytes32)", lab, root):
            certs2.revokeBatch(lab, root, "twice", {"from": caller})


def test_revoke_single_batch_certificate(certs2, lab, lab2, outsider, batch):
    root, leaves, proofs, _ = batch
    cid = certs2.presentBatchCertificate(
        lab, root, leaves[0], proofs[0], {"from": outsider}
    ).events["CertificateIssued"]["certId"]
    other = certs2.presentBatchCertificate(
        lab, root, leaves[4], proofs[4], {"from": outsider}
    ).events["CertificateIssued"]["certId"]
    with reverts_with("NotCertificateIssuer(bytes32,address)", cid, lab2):
        certs2.revokeCertificate(cid, "no", {"from": lab2})
    tx = certs2.revokeCertificate(cid, "one report was wrong", {"from": lab})
    assert_event(
        tx,
        "CertificateRevoked",
        {
            "certId": cid,
            "revokedBy": lab,
            "reason": "one report was wrong",
        },
    )
    assert not certs2.isValid(cid) and certs2.isValid(other)


def test_supersede_batch_certificate(certs, lab, outsider, device, batch):
    root, leaves, proofs, _ = batch
    old = certs.presentBatchCertificate(lab, root, leaves[0], proofs[0], {"from": outsider}).events[
        "CertificateIssued"
    ]["certId"]
    req = (
        device,
        b32("retest"),
        b32("d"),
        b32("spec-A"),
        PASS,
        now() + DAY,
        old,
        leaves[0][1],
        b"",
    )
    tx = certs.issueCertificateWithOptions(req, {"from": lab})
    assert_event(
        tx,
        "CertificateSuperseded",
        {"certId": old, "successor": tx.events["CertificateIssued"]["certId"]},
    )
    assert not certs.isValid(old)


# -------------------------------------------------------------------------------------------------
# A 1,000-certificate batch (gas per certificate)
# -------------------------------------------------------------------------------------------------


def test_thousand_leaf_batch(certs, lab, outsider, device, device2):
    leaves = make_leaves(
        [(device if i % 2 else device2, PASS if i % 3 else FAIL) for i in range(1000)], tag="k"
    )
    tree = js_merkle_tree(leaves)
    tx = certs.anchorBatch(tree["root"], 1000, {"from": lab})
    per_certificate = tx.gas_used / 1000
    print(f"\ngas anchorBatch(1000): {tx.gas_used} ({per_certificate:.1f} per certificate)")
    assert per_certificate <= 100
    for index in (0, 1, 499, 998, 999):
        proof = tree["leaves"][index]["proof"]
        assert len(proof) in (9, 10)
        assert certs.verifyBatchCertificate(lab, tree["root"], leaves[index], proof)
    present = certs.presentBatchCertificate(
        lab, tree["root"], leaves[999], tree["leaves"][999]["proof"], {"from": outsider}
    )
    print(
        f"gas presentBatchCertificate (proof of {len(tree['leaves'][999]['proof'])}): {present.gas_used}"
    )
    assert certs.isValid(present.events["CertificateIssued"]["certId"])
