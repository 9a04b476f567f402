"""issueCertificateBySig: EIP-712 IssueCertificate signed by the lab, submitted by anyone."""

import pytest
from brownie import accounts, chain
from conftest import (
    FAIL,
    NO_SIGNATURE,
    PASS,
    Request,
    assert_event,
    b32,
    cert_id,
    event_names,
    has_valid_pass,
    hx,
    issue_typed,
    next_block_at,
    now,
    reverts_with,
    sign_data_attestation,
    sign_issue,
    tx_timestamp,
    typed_digest,
)
from eth_account import Account
from eth_utils import keccak

DAY = 86400


@pytest.fixture(scope="module")
def signing_lab(certs, admin, sig_lab_key):
    """`sig_lab_key` accredited (a lab that signs off-line; it holds no ether)."""
    certs.accreditLab(sig_lab_key.address, "Remote Bench", now() + 365 * DAY, {"from": admin})
    return sig_lab_key


def request(device_id, tag, result=PASS, **kw) -> Request:
    return Request(
        device_id,
        b32("report " + tag),
        b32("data " + tag),
        b32("spec-A"),
        result,
        now() + 30 * DAY,
        **kw,
    )


def test_hash_issue_request_matches_eip712(certs, device):
    req = request(device, "h", supersedes=b32("prev"), deviceSignature="0x" + "ab" * 65)
    deadline = now() + 3600
    lab = accounts[7].address
    assert hx(certs.hashIssueRequest(req.tuple(), lab, deadline)) == typed_digest(
        issue_typed(certs, req, deadline, lab)
    )
    # Every field is bound: changing one changes the digest.
    other = request(device, "h", supersedes=b32("prev"), deviceSignature="0x" + "ac" * 65)
    assert certs.hashIssueRequest(other.tuple(), lab, deadline) != certs.hashIssueRequest(
        req.tuple(), lab, deadline
    )
    assert certs.hashIssueRequest(req.tuple(), lab, deadline + 1) != certs.hashIssueRequest(
        req.tuple(), lab, deadline
    )
    # The lab is in the struct (issue 10): one signature never serves two labs.
    assert certs.hashIssueRequest(req.tuple(), accounts[2].address, deadline) != (
        certs.hashIssueRequest(req.tuple(), lab, deadline)
    )


def test_submitted_by_anyone(certs, signing_lab, outsider, device):
    req = request(device, "sig")
    deadline = now() + 3600
    signature = sign_issue(certs, signing_lab, req, deadline)
    tx = certs.issueCertificateBySig(
        req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
    )
    cid = cert_id(signing_lab.address, device, req.reportSha256)
    assert hx(tx.return_value) == cid
    assert event_names(tx) == ["CertificateIssued"]
    assert_event(
        tx,
        "CertificateIssued",
        {
            "certId": cid,
            "deviceId": device,
            "reportSha256": req.reportSha256,
            "lab": signing_lab.address,
            "dataRoot": req.dataRoot,
            "testSpec": req.testSpec,
            "result": PASS,
            "validUntil": req.validUntil,
            "deviceSignature": NO_SIGNATURE,
        },
    )
    record = certs.certificate(cid)
    assert record["lab"] == signing_lab.address
    assert record["issuedAt"] == tx.timestamp
    assert has_valid_pass(certs, device, b32("spec-A"))
    print(f"\ngas issueCertificateBySig: {tx.gas_used}")
    assert tx.gas_used <= 70_000  # issue 11 (not device-attested: the device status alone is read)


def test_replay_after_use_rejected(certs, signing_lab, outsider, buyer, device):
    req = request(device, "sig")
    deadline = now() + 3600
    signature = sign_issue(certs, signing_lab, req, deadline)
    certs.issueCertificateBySig(
        req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
    )
    cid = cert_id(signing_lab.address, device, req.reportSha256)
    for sender in (outsider, buyer):
        with reverts_with("CertificateAlreadyExists(bytes32)", cid):
            certs.issueCertificateBySig(
                req.tuple(), signing_lab.address, deadline, signature, {"from": sender}
            )


def test_replay_after_revocation_rejected(certs, signing_lab, admin, outsider, device):
    req = request(device, "sig")
    deadline = now() + 3600
    signature = sign_issue(certs, signing_lab, req, deadline)
    certs.issueCertificateBySig(
        req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
    )
    cid = cert_id(signing_lab.address, device, req.reportSha256)
    certs.revokeCertificate(cid, "withdrawn", {"from": admin})
    with reverts_with("CertificateAlreadyExists(bytes32)", cid):
        certs.issueCertificateBySig(
            req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
        )
    assert not certs.isValid(cid)


def test_signature_for_other_chain_rejected(certs, signing_lab, outsider, device):
    req = request(device, "sig")
    deadline = now() + 3600
    assert certs.eip712Domain()[3] == chain.id
    for chain_id in (1, 137, chain.id + 1):
        signature = sign_issue(certs, signing_lab, req, deadline, chain_id=chain_id)
        with reverts_with("InvalidLabSignature(address)", signing_lab.address):
            certs.issueCertificateBySig(
                req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
            )


def test_signature_for_other_contract_rejected(certs, signing_lab, outsider, device, devices):
    req = request(device, "sig")
    deadline = now() + 3600
    signature = sign_issue(certs, signing_lab, req, deadline, verifying_contract=devices.address)
    with reverts_with("InvalidLabSignature(address)", signing_lab.address):
        certs.issueCertificateBySig(
            req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
        )


def test_signature_after_deadline_rejected(certs, signing_lab, outsider, device):
    req = request(device, "sig")
    deadline = now() + 100
    signature = sign_issue(certs, signing_lab, req, deadline)
    next_block_at(deadline + 1)
    with reverts_with("SignatureExpired(uint256)", deadline) as info:
        certs.issueCertificateBySig(
            req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
        )
    assert tx_timestamp(info.value) == deadline + 1


def test_signature_valid_at_deadline(certs, signing_lab, outsider, device):
    req = request(device, "sig")
    deadline = now() + 100
    signature = sign_issue(certs, signing_lab, req, deadline)
    next_block_at(deadline)
    tx = certs.issueCertificateBySig(
        req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
    )
    assert tx.timestamp == deadline


def test_expired_deadline_reported_before_signature(certs, signing_lab, outsider, device):
    with reverts_with("SignatureExpired(uint256)", 5):
        certs.issueCertificateBySig(
            request(device, "sig").tuple(), signing_lab.address, 5, b"\x01", {"from": outsider}
        )


def test_signed_by_non_lab_rejected(certs, outsider, device):
    stranger = Account.from_key(keccak(text="fabtrust certificates: not a lab"))
    req = request(device, "sig")
    deadline = now() + 3600
    signature = sign_issue(certs, stranger, req, deadline)
    # A genuine signature by an account that is not accredited.
    with reverts_with("LabNotAccredited(address)", stranger.address):
        certs.issueCertificateBySig(
            req.tuple(), stranger.address, deadline, signature, {"from": outsider}
        )


def test_non_lab_signature_claimed_for_lab_rejected(certs, signing_lab, outsider, device):
    stranger = Account.from_key(keccak(text="fabtrust certificates: not a lab"))
    req = request(device, "sig")
    deadline = now() + 3600
    signature = sign_issue(certs, stranger, req, deadline)
    with reverts_with("InvalidLabSignature(address)", signing_lab.address):
        certs.issueCertificateBySig(
            req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
        )


def test_revoked_lab_signature_rejected(certs, signing_lab, admin, outsider, device):
    req = request(device, "sig")
    deadline = now() + 3600
    signature = sign_issue(certs, signing_lab, req, deadline)
    certs.revokeAccreditation(signing_lab.address, {"from": admin})
    with reverts_with("LabNotAccredited(address)", signing_lab.address):
        certs.issueCertificateBySig(
            req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
        )


def test_tampered_request_rejected(certs, signing_lab, outsider, device, device2):
    req = request(device, "sig")
    deadline = now() + 3600
    signature = sign_issue(certs, signing_lab, req, deadline)
    tampered = [
        request(device, "sig", result=FAIL),
        request(device2, "sig"),
        Request(device, req.reportSha256, req.dataRoot, req.testSpec, PASS, req.validUntil + 1),
        Request(device, req.reportSha256, b32("other"), req.testSpec, PASS, req.validUntil),
        Request(device, req.reportSha256, req.dataRoot, b32("other"), PASS, req.validUntil),
        Request(
            device,
            req.reportSha256,
            req.dataRoot,
            req.testSpec,
            PASS,
            req.validUntil,
            supersedes=b32("x"),
        ),
        Request(
            device,
            req.reportSha256,
            req.dataRoot,
            req.testSpec,
            PASS,
            req.validUntil,
            deviceSignature=b"\x01",
        ),
    ]
    for other in tampered:
        with reverts_with("InvalidLabSignature(address)", signing_lab.address):
            certs.issueCertificateBySig(
                other.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
            )
    with reverts_with("InvalidLabSignature(address)", signing_lab.address):
        certs.issueCertificateBySig(
            req.tuple(), signing_lab.address, deadline + 1, signature, {"from": outsider}
        )
    for bad in (b"", b"\x01" * 65, bytes.fromhex(signature[2:])[:64]):
        with reverts_with("InvalidLabSignature(address)", signing_lab.address):
            certs.issueCertificateBySig(
                req.tuple(), signing_lab.address, deadline, bad, {"from": outsider}
            )


def test_by_sig_with_attestation_and_supersede(certs, signing_lab, outsider, device, device_key):
    first = request(device, "first")
    deadline = now() + 3600
    certs.issueCertificateBySig(
        first.tuple(),
        signing_lab.address,
        deadline,
        sign_issue(certs, signing_lab, first, deadline),
        {"from": outsider},
    )
    first_id = cert_id(signing_lab.address, device, first.reportSha256)
    second = request(device, "second", supersedes=first_id)
    second.deviceSignature = sign_data_attestation(certs, device_key, device, second.dataRoot)
    signature = sign_issue(certs, signing_lab, second, deadline)
    tx = certs.issueCertificateBySig(
        second.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
    )
    second_id = cert_id(signing_lab.address, device, second.reportSha256)
    assert event_names(tx) == ["CertificateIssued", "CertificateSuperseded"]
    assert len(tx.events["CertificateIssued"]["deviceSignature"]) > 0
    assert tx.events["CertificateSuperseded"]["certId"] == first_id
    assert_event(tx, "CertificateSuperseded", {"certId": first_id, "successor": second_id})
    assert not certs.isValid(first_id) and certs.isValid(second_id)


def test_by_sig_bad_device_signature(certs, signing_lab, outsider, device, device_key2):
    req = request(device, "att")
    req.deviceSignature = sign_data_attestation(certs, device_key2, device, req.dataRoot)
    deadline = now() + 3600
    signature = sign_issue(certs, signing_lab, req, deadline)
    with reverts_with("InvalidDeviceSignature(uint256)", device):
        certs.issueCertificateBySig(
            req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
        )


def test_by_sig_cannot_supersede_other_labs_certificate(
    certs, signing_lab, lab, outsider, device, issue
):
    _, theirs, _ = issue(device, "theirs")
    req = request(device, "mine", supersedes=theirs)
    deadline = now() + 3600
    signature = sign_issue(certs, signing_lab, req, deadline)
    with reverts_with("CannotSupersede(bytes32)", theirs):
        certs.issueCertificateBySig(
            req.tuple(), signing_lab.address, deadline, signature, {"from": outsider}
        )
