"""Issue 10 regressions of the CertificateRegistry: a certificate never outlives its device or its
lab, a lab's signature serves that lab only, and every valid Pass counts (none hides another).
Each test failed on the contracts before issue 10."""

import pytest
from brownie import accounts, chain, compile_source
from conftest import (
    PASS,
    Request,
    assert_event,
    b32,
    cert_id,
    event_names,
    hx,
    issue_typed,
    js_merkle_tree,
    mine_at,
    now,
    reverts_with,
    sign_typed,
    valid_passes,
)
from eth_account import Account
from eth_utils import keccak

LAB_ROLE_ID = keccak(text="LAB_ROLE")

DAY = 86400
ACTIVE, SUSPENDED, DECOMMISSIONED = 0, 1, 2

WALLET_SOURCE = """
// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// Test-only ERC-1271 wallet: accepts a 65-byte ECDSA signature by `signer` over the hash.
contract LabWallet1271 {
    address public immutable signer;

    constructor(address signer_) {
        signer = signer_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return 0xffffffff;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        return ecrecover(hash, v, r, s) == signer ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
"""


def leaf_for(device_id, tag, spec="spec-A", validity=30 * DAY):
    return (device_id, b32("report " + tag), b32("data " + tag), b32(spec), PASS, now() + validity)


def anchor(certs, lab, leaves):
    tree = js_merkle_tree(leaves)
    tx = certs.anchorBatch(tree["root"], len(leaves), {"from": lab})
    return tree["root"], [entry["proof"] for entry in tree["leaves"]], tx


# -------------------------------------------------------------------------------------------------
# Devices: issuance needs an Active device; a certificate is valid only while its device is Active
# -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [SUSPENDED, DECOMMISSIONED])
def test_every_issuance_path_requires_an_active_device(
    certs, devices, manufacturer, lab, outsider, device, status
):
    signer = Account.from_key(keccak(text="fabtrust certificates: security lab signer"))
    certs.accreditLab(signer.address, "Remote Bench", now() + 365 * DAY, {"from": accounts[0]})
    leaf = leaf_for(device, "batch")
    root, proofs, _ = anchor(certs, lab, [leaf])
    devices.setDeviceStatus(device, status, {"from": manufacturer})
    error = ("DeviceNotActive(uint256,uint8)", device, status)

    with reverts_with(*error):
        certs.issueCertificate(
            device, b32("r"), b32("d"), b32("spec-A"), PASS, now() + DAY, {"from": lab}
        )
    req = Request(device, b32("r2"), b32("d"), b32("spec-A"), PASS, now() + DAY)
    with reverts_with(*error):
        certs.issueCertificateWithOptions(req.tuple(), {"from": lab})
    deadline = now() + 3600
    signature = sign_typed(signer, issue_typed(certs, req, deadline, signer.address))
    with reverts_with(*error):
        certs.issueCertificateBySig(
            req.tuple(), signer.address, deadline, signature, {"from": outsider}
        )
    with reverts_with(*error):
        certs.presentBatchCertificate(lab, root, leaf, proofs[0], {"from": outsider})


def test_certificate_is_valid_only_while_its_device_is_active(
    certs, devices, manufacturer, lab, device, issue
):
    _, cid, args = issue(device, "pass")
    fields = (cid, device, args[1], args[2], args[3])
    assert certs.isValidPass(cid, device, args[3], args[2])
    assert certs.isValidCertificate(*fields)
    devices.setDeviceStatus(device, SUSPENDED, {"from": manufacturer})
    # The slot does not store the device: isValid(certId) judges the record, the calls given the
    # certificate's fields bind the device and require it to be Active.
    assert certs.isValid(cid)
    assert not certs.isValidCertificate(*fields)
    assert not certs.isValidPass(cid, device, args[3], args[2])
    devices.setDeviceStatus(device, ACTIVE, {"from": manufacturer})
    assert certs.isValidPass(cid, device, args[3], args[2])
    assert certs.isValidCertificate(*fields)
    devices.setDeviceStatus(device, DECOMMISSIONED, {"from": manufacturer})
    assert not certs.isValidCertificate(*fields)
    assert valid_passes(certs, device, b32("spec-A")) == []


# -------------------------------------------------------------------------------------------------
# Labs: revocation invalidates what the lab issued before it, for ever; expiry does not
# -------------------------------------------------------------------------------------------------


def test_revoking_a_lab_invalidates_its_earlier_certificates_for_ever(
    certs, admin, lab, outsider, device, issue
):
    _, direct, _ = issue(device, "direct")
    leaf = leaf_for(device, "leaf")
    root, proofs, _ = anchor(certs, lab, [leaf, leaf_for(device, "leaf2")])
    presented = hx(
        certs.presentBatchCertificate(lab, root, leaf, proofs[0], {"from": outsider}).return_value
    )
    assert certs.isValid(direct) and certs.isValid(presented)

    chain.sleep(1)
    tx = certs.revokeAccreditation(lab, {"from": admin})
    assert event_names(tx) == ["RoleRevoked", "LabAccreditationRevoked"]
    assert_event(tx, "LabAccreditationRevoked", {"lab": lab, "revokedAt": tx.timestamp})
    assert certs.accreditation(lab)["revokedAt"] == tx.timestamp
    assert not certs.isValid(direct) and not certs.isValid(presented)

    chain.sleep(1)
    certs.accreditLab(lab, "Hydraulics Test Centre", now() + 365 * DAY, {"from": admin})
    assert certs.accreditation(lab)["revokedAt"] == tx.timestamp  # kept by re-accreditation
    assert not certs.isValid(direct) and not certs.isValid(presented)  # not revived
    assert valid_passes(certs, device, b32("spec-A")) == []
    chain.sleep(1)
    _, fresh, _ = issue(device, "after re-accreditation")
    assert certs.isValid(fresh)
    assert valid_passes(certs, device, b32("spec-A")) == [fresh]


def test_renouncing_lab_role_counts_as_revocation(certs, lab, device, issue):
    _, cid, _ = issue(device, "before")
    chain.sleep(1)
    tx = certs.renounceRole(LAB_ROLE_ID, lab, {"from": lab})
    assert_event(tx, "LabAccreditationRevoked", {"lab": lab, "revokedAt": tx.timestamp})
    assert not certs.isValid(cid)


def test_expired_accreditation_does_not_invalidate_issued_certificates(
    certs, admin, lab, device, issue
):
    valid_until = now() + 1000
    certs.accreditLab(lab, "Hydraulics Test Centre", valid_until, {"from": admin})
    _, cid, _ = issue(device, "before expiry", validity=30 * DAY)
    mine_at(valid_until + 10)
    assert not certs.isAccredited(lab)
    assert certs.isValid(cid)
    assert valid_passes(certs, device, b32("spec-A")) == [cid]


def test_revoked_lab_batch_leaves_cannot_be_presented(certs, admin, lab, outsider, device):
    leaf = leaf_for(device, "leaf")
    root, proofs, anchor_tx = anchor(certs, lab, [leaf, leaf_for(device, "other")])
    chain.sleep(1)
    revoke = certs.revokeAccreditation(lab, {"from": admin})
    assert not certs.verifyBatchCertificate(lab, root, leaf, proofs[0])
    with reverts_with("LabNotAccredited(address)", lab):
        certs.presentBatchCertificate(lab, root, leaf, proofs[0], {"from": outsider})

    chain.sleep(1)
    certs.accreditLab(lab, "Hydraulics Test Centre", now() + 365 * DAY, {"from": admin})
    assert not certs.verifyBatchCertificate(lab, root, leaf, proofs[0])
    with reverts_with(
        "BatchAnchoredBeforeRevocation(address,bytes32,uint64,uint64)",
        lab,
        root,
        anchor_tx.timestamp,
        revoke.timestamp,
    ):
        certs.presentBatchCertificate(lab, root, leaf, proofs[0], {"from": outsider})

    # A batch anchored after the re-accreditation is presentable and valid.
    chain.sleep(1)
    new_leaf = leaf_for(device, "new")
    new_root, new_proofs, _ = anchor(certs, lab, [new_leaf, leaf_for(device, "new2")])
    assert certs.verifyBatchCertificate(lab, new_root, new_leaf, new_proofs[0])
    tx = certs.presentBatchCertificate(lab, new_root, new_leaf, new_proofs[0], {"from": outsider})
    assert certs.isValid(tx.return_value)


def test_expired_lab_batch_leaves_cannot_be_presented(certs, admin, lab, outsider, device):
    valid_until = now() + 1000
    certs.accreditLab(lab, "Hydraulics Test Centre", valid_until, {"from": admin})
    leaf = leaf_for(device, "leaf")
    root, proofs, _ = anchor(certs, lab, [leaf, leaf_for(device, "other")])
    mine_at(valid_until)
    assert not certs.verifyBatchCertificate(lab, root, leaf, proofs[0])
    with reverts_with("LabNotAccredited(address)", lab):
        certs.presentBatchCertificate(lab, root, leaf, proofs[0], {"from": outsider})


# -------------------------------------------------------------------------------------------------
# EIP-712: the lab is part of the signed struct
# -------------------------------------------------------------------------------------------------


def test_signature_of_a_shared_signer_does_not_replay_across_labs(certs, admin, outsider, device):
    container = compile_source(WALLET_SOURCE, solc_version="0.8.24", evm_version="shanghai")
    signer = Account.from_key(keccak(text="fabtrust certificates: shared signer"))
    wallet_a = container.LabWallet1271.deploy(signer.address, {"from": admin})
    wallet_b = container.LabWallet1271.deploy(signer.address, {"from": admin})
    for wallet in (wallet_a, wallet_b):
        certs.accreditLab(wallet, "Shared-signer lab", now() + 365 * DAY, {"from": admin})
    req = Request(device, b32("report"), b32("data"), b32("spec-A"), PASS, now() + DAY)
    deadline = now() + 3600
    signature = sign_typed(signer, issue_typed(certs, req, deadline, wallet_a.address))

    with reverts_with("InvalidLabSignature(address)", wallet_b.address):
        certs.issueCertificateBySig(req.tuple(), wallet_b, deadline, signature, {"from": outsider})
    tx = certs.issueCertificateBySig(req.tuple(), wallet_a, deadline, signature, {"from": outsider})
    assert hx(tx.return_value) == cert_id(wallet_a.address, device, req.reportSha256)


# -------------------------------------------------------------------------------------------------
# "Some valid Pass exists": another lab's short-lived Pass hides nothing
# -------------------------------------------------------------------------------------------------


def test_short_lived_pass_of_another_lab_hides_no_valid_pass(certs2, lab, lab2, device, issue):
    _, long_lived, args = issue(device, "long", validity=300 * DAY)
    _, short_lived, _ = issue(device, "short", validity=100, sender=lab2)
    assert valid_passes(certs2, device, b32("spec-A")) == [long_lived, short_lived]
    mine_at(now() + 200)
    assert valid_passes(certs2, device, b32("spec-A")) == [long_lived]
    assert certs2.isValidPass(long_lived, device, args[3], args[2])
    assert hx(certs2.labOf(long_lived)) == hx(lab) and hx(certs2.labOf(short_lived)) == hx(lab2)
