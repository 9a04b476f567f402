"""Deployment, lab accreditation (with expiry), revocation and the LAB_ROLE mirror."""

from brownie import CertificateRegistry, chain
from conftest import (
    PASS,
    ZERO32,
    assert_event,
    b32,
    event_names,
    hx,
    mine_at,
    next_block_at,
    now,
    reverts_with,
    tx_timestamp,
    unauthorized,
)
from eth_utils import keccak
from web3 import Web3

LAB_ROLE = Web3.keccak(text="LAB_ROLE")
DEFAULT_ADMIN_ROLE = ZERO32
YEAR = 365 * 86400


# -------------------------------------------------------------------------------------------------
# Deployment
# -------------------------------------------------------------------------------------------------


def test_constructor_wires_registry_admin_and_domain(certs, devices, admin, lab):
    assert certs.deviceRegistry() == devices
    assert certs.hasRole(DEFAULT_ADMIN_ROLE, admin)
    assert not certs.hasRole(DEFAULT_ADMIN_ROLE, lab)
    domain = certs.eip712Domain()
    assert domain[1] == "fabtrust CertificateRegistry"
    assert domain[2] == "1"
    assert domain[3] == chain.id
    assert domain[4] == certs.address
    assert certs.RESULT_PASS() == 1
    assert certs.RESULT_FAIL() == 2
    assert (
        hx(certs.DATA_ATTESTATION_TYPEHASH())
        == "0x" + keccak(text="DataAttestation(uint256 deviceId,bytes32 dataRoot)").hex()
    )
    issue_type = (
        "IssueCertificate(address lab,uint256 deviceId,bytes32 reportSha256,bytes32 dataRoot,bytes32 testSpec,uint8 result,"
        "uint64 validUntil,bytes32 supersedes,bytes32 deviceSignatureHash,uint256 deadline)"
    )
    assert hx(certs.ISSUE_CERTIFICATE_TYPEHASH()) == "0x" + keccak(text=issue_type).hex()


def test_constructor_rejects_zero_addresses(devices, admin):
    with reverts_with("ZeroAdmin()"):
        CertificateRegistry.deploy("0x" + "00" * 20, devices, {"from": admin})
    with reverts_with("ZeroDeviceRegistry()"):
        CertificateRegistry.deploy(admin, "0x" + "00" * 20, {"from": admin})


def test_supports_interfaces(certs):
    assert certs.supportsInterface("0x01ffc9a7")  # ERC-165
    assert certs.supportsInterface("0x7965db0b")  # IAccessControl
    assert not certs.supportsInterface("0xffffffff")
    assert not certs.supportsInterface("0x80ac58cd")  # not an ERC-721


def test_supports_certificate_registry_interface_id(certs):
    # type(ICertificateRegistry).interfaceId = XOR of the selectors of the functions it declares.
    names = [
        "accreditLab(address,string,uint64)",
        "revokeAccreditation(address)",
        "issueCertificate(uint256,bytes32,bytes32,bytes32,uint8,uint64)",
        "issueCertificateWithOptions((uint256,bytes32,bytes32,bytes32,uint8,uint64,bytes32,bytes32,bytes))",
        "issueCertificateBySig((uint256,bytes32,bytes32,bytes32,uint8,uint64,bytes32,bytes32,bytes),address,uint256,bytes)",
        "revokeCertificate(bytes32,string)",
        "anchorBatch(bytes32,uint32)",
        "presentBatchCertificate(address,bytes32,(uint256,bytes32,bytes32,bytes32,uint8,uint64),bytes32[])",
        "revokeBatch(address,bytes32,string)",
        "deviceRegistry()",
        "accreditation(address)",
        "isAccredited(address)",
        "certificate(bytes32)",
        "isValid(bytes32)",
        "isValidPass(bytes32,uint256,bytes32,bytes32)",
        "labOf(bytes32)",
        "passLabs((bytes32,bytes32)[],uint256[],bytes32)",
        "successorOf(bytes32)",
        "verifyCertificateFields(bytes32,uint256,bytes32,bytes32,bytes32)",
        "certificateId(address,uint256,bytes32)",
        "batch(address,bytes32)",
        "verifyBatchCertificate(address,bytes32,(uint256,bytes32,bytes32,bytes32,uint8,uint64),bytes32[])",
        "batchLeafHash((uint256,bytes32,bytes32,bytes32,uint8,uint64))",
        "hashDataAttestation(uint256,bytes32)",
        "hashIssueRequest((uint256,bytes32,bytes32,bytes32,uint8,uint64,bytes32,bytes32,bytes),address,uint256)",
        "isValidCertificate(bytes32,uint256,bytes32,bytes32,bytes32)",
        "certificateDigest(uint256,bytes32,bytes32)",
        "DATA_ATTESTATION_TYPEHASH()",
        "ISSUE_CERTIFICATE_TYPEHASH()",
        "RESULT_PASS()",
        "RESULT_FAIL()",
    ]
    interface_id = 0
    for name in names:
        interface_id ^= int.from_bytes(keccak(text=name)[:4], "big")
    assert certs.supportsInterface(f"0x{interface_id:08x}")


# -------------------------------------------------------------------------------------------------
# accreditLab
# -------------------------------------------------------------------------------------------------


def test_fixture_lab_is_accredited(certs, lab):
    record = certs.accreditation(lab)
    assert record["labId"] == 1
    assert record["active"] is True
    assert record["name"] == "Hydraulics Test Centre"
    assert record["validUntil"] > now()
    assert certs.isAccredited(lab)
    assert certs.hasRole(LAB_ROLE, lab)


def test_accredit_lab_grants_role_and_records(certs, admin, lab2):
    valid_until = now() + YEAR
    assert certs.accreditation(lab2) == (0, False, 0, 0, 0, "")
    assert not certs.isAccredited(lab2)
    tx = certs.accreditLab(lab2, "Second Lab", valid_until, {"from": admin})
    assert event_names(tx) == ["RoleGranted", "LabAccredited"]
    assert_event(tx, "RoleGranted", {"role": LAB_ROLE, "account": lab2, "sender": admin})
    assert_event(
        tx, "LabAccredited", {"lab": lab2, "name": "Second Lab", "validUntil": valid_until}
    )
    assert certs.accreditation(lab2) == (2, True, tx.timestamp, valid_until, 0, "Second Lab")
    assert certs.isAccredited(lab2)
    assert certs.hasRole(LAB_ROLE, lab2)


def test_reaccredit_updates_name_and_expiry_keeps_lab_id(certs, admin, lab):
    first = certs.accreditation(lab)
    chain.sleep(100)
    valid_until = now() + 2 * YEAR
    tx = certs.accreditLab(lab, "Hydraulics Test Centre GmbH", valid_until, {"from": admin})
    # Already holding LAB_ROLE: no second RoleGranted.
    assert event_names(tx) == ["LabAccredited"]
    assert_event(
        tx,
        "LabAccredited",
        {"lab": lab, "name": "Hydraulics Test Centre GmbH", "validUntil": valid_until},
    )
    record = certs.accreditation(lab)
    assert record == (
        first["labId"],
        True,
        tx.timestamp,
        valid_until,
        0,
        "Hydraulics Test Centre GmbH",
    )
    assert record["accreditedAt"] > first["accreditedAt"]


def test_reaccredit_may_shorten_expiry(certs, admin, lab):
    valid_until = now() + 1000
    certs.accreditLab(lab, "Hydraulics Test Centre", valid_until, {"from": admin})
    assert certs.accreditation(lab)["validUntil"] == valid_until


def test_accredit_lab_only_admin(certs, lab, lab2, outsider):
    for caller in (outsider, lab):
        with reverts_with(*unauthorized(caller, DEFAULT_ADMIN_ROLE)):
            certs.accreditLab(lab2, "Second Lab", now() + YEAR, {"from": caller})


def test_accredit_lab_rejects_zero_lab(certs, admin):
    with reverts_with("ZeroLab()"):
        certs.accreditLab("0x" + "00" * 20, "Nobody", now() + YEAR, {"from": admin})


def test_accredit_lab_rejects_past_or_present_expiry(certs, admin, lab2):
    for valid_until in (0, 1, now() - 1, now()):
        with reverts_with("InvalidAccreditationExpiry(uint64)", valid_until):
            certs.accreditLab(lab2, "Second Lab", valid_until, {"from": admin})
    # Exactly the block timestamp of the transaction is not in the future either.
    target = now() + 50
    next_block_at(target)
    with reverts_with("InvalidAccreditationExpiry(uint64)", target) as info:
        certs.accreditLab(lab2, "Second Lab", target, {"from": admin})
    assert tx_timestamp(info.value) == target
    assert not certs.isAccredited(lab2)
    # One second later is accepted.
    next_block_at(target + 10)
    tx = certs.accreditLab(lab2, "Second Lab", target + 11, {"from": admin})
    assert tx.timestamp == target + 10
    assert certs.isAccredited(lab2)


def test_second_and_third_labs_get_sequential_ids(certs, admin, lab2, outsider):
    certs.accreditLab(outsider, "Third", now() + YEAR, {"from": admin})
    certs.accreditLab(lab2, "Second", now() + YEAR, {"from": admin})
    assert certs.accreditation(outsider)["labId"] == 2
    assert certs.accreditation(lab2)["labId"] == 3


# -------------------------------------------------------------------------------------------------
# Expiry
# -------------------------------------------------------------------------------------------------


def test_expired_accreditation_cannot_issue(certs, admin, lab, device):
    valid_until = now() + 1000
    certs.accreditLab(lab, "Hydraulics Test Centre", valid_until, {"from": admin})
    mine_at(valid_until - 1)
    assert certs.isAccredited(lab)
    mine_at(valid_until)
    assert not certs.isAccredited(lab)
    assert certs.hasRole(LAB_ROLE, lab)  # the role stays; the record decides
    with reverts_with("LabNotAccredited(address)", lab):
        certs.issueCertificate(
            device, b32("r"), b32("d"), b32("s"), PASS, now() + 1000, {"from": lab}
        )
    with reverts_with("LabNotAccredited(address)", lab):
        certs.anchorBatch(b32("root"), 3, {"from": lab})
    # An expired lab can still be revoked, and re-accredited.
    tx = certs.revokeAccreditation(lab, {"from": admin})
    assert event_names(tx) == ["RoleRevoked", "LabAccreditationRevoked"]
    certs.accreditLab(lab, "Hydraulics Test Centre", now() + YEAR, {"from": admin})
    certs.issueCertificate(device, b32("r"), b32("d"), b32("s"), PASS, now() + 1000, {"from": lab})


# -------------------------------------------------------------------------------------------------
# revokeAccreditation and the LAB_ROLE mirror
# -------------------------------------------------------------------------------------------------


def test_revoke_accreditation(certs, admin, lab, device):
    tx = certs.revokeAccreditation(lab, {"from": admin})
    assert event_names(tx) == ["RoleRevoked", "LabAccreditationRevoked"]
    assert_event(tx, "RoleRevoked", {"role": LAB_ROLE, "account": lab, "sender": admin})
    assert_event(tx, "LabAccreditationRevoked", {"lab": lab, "revokedAt": tx.timestamp})
    record = certs.accreditation(lab)
    assert record["active"] is False
    assert record["labId"] == 1
    assert record["name"] == "Hydraulics Test Centre"
    assert not certs.isAccredited(lab)
    assert not certs.hasRole(LAB_ROLE, lab)
    with reverts_with("LabNotAccredited(address)", lab):
        certs.issueCertificate(
            device, b32("r"), b32("d"), b32("s"), PASS, now() + 1000, {"from": lab}
        )
    with reverts_with("LabNotAccredited(address)", lab):
        certs.revokeAccreditation(lab, {"from": admin})


def test_revoke_accreditation_unknown_lab(certs, admin, outsider):
    with reverts_with("LabNotAccredited(address)", outsider):
        certs.revokeAccreditation(outsider, {"from": admin})


def test_revoke_accreditation_only_admin(certs, lab, outsider):
    for caller in (outsider, lab):
        with reverts_with(*unauthorized(caller, DEFAULT_ADMIN_ROLE)):
            certs.revokeAccreditation(lab, {"from": caller})


def test_reaccredit_after_revocation(certs, admin, lab, device, issue):
    _, cert_before, _ = issue(device, "before")
    chain.sleep(1)
    certs.revokeAccreditation(lab, {"from": admin})
    # Certificates issued before the revocation are invalid (issue 10), and stay so.
    assert not certs.isValid(cert_before)
    chain.sleep(1)
    valid_until = now() + YEAR
    tx = certs.accreditLab(lab, "Hydraulics Test Centre", valid_until, {"from": admin})
    assert event_names(tx) == ["RoleGranted", "LabAccredited"]
    assert certs.accreditation(lab)[:2] == (1, True)
    assert not certs.isValid(cert_before)
    chain.sleep(1)
    _, cert_after, _ = issue(device, "after")
    assert certs.isValid(cert_after)


def test_revoke_role_directly_ends_accreditation(certs, admin, lab, device):
    tx = certs.revokeRole(LAB_ROLE, lab, {"from": admin})
    assert event_names(tx) == ["RoleRevoked", "LabAccreditationRevoked"]
    assert_event(tx, "LabAccreditationRevoked", {"lab": lab, "revokedAt": tx.timestamp})
    assert not certs.accreditation(lab)["active"]
    with reverts_with("LabNotAccredited(address)", lab):
        certs.issueCertificate(
            device, b32("r"), b32("d"), b32("s"), PASS, now() + 1000, {"from": lab}
        )


def test_renounce_role_ends_accreditation(certs, lab):
    tx = certs.renounceRole(LAB_ROLE, lab, {"from": lab})
    assert event_names(tx) == ["RoleRevoked", "LabAccreditationRevoked"]
    assert_event(tx, "LabAccreditationRevoked", {"lab": lab, "revokedAt": tx.timestamp})
    assert not certs.isAccredited(lab)


def test_revoking_other_roles_does_not_touch_accreditation(certs, admin, lab):
    certs.grantRole(DEFAULT_ADMIN_ROLE, lab, {"from": admin})
    tx = certs.revokeRole(DEFAULT_ADMIN_ROLE, lab, {"from": admin})
    assert event_names(tx) == ["RoleRevoked"]
    assert certs.isAccredited(lab)


def test_granting_lab_role_alone_does_not_accredit(certs, admin, outsider, device):
    certs.grantRole(LAB_ROLE, outsider, {"from": admin})
    assert certs.hasRole(LAB_ROLE, outsider)
    assert not certs.isAccredited(outsider)
    with reverts_with("LabNotAccredited(address)", outsider):
        certs.issueCertificate(
            device, b32("r"), b32("d"), b32("s"), PASS, now() + 1000, {"from": outsider}
        )
    with reverts_with("LabNotAccredited(address)", outsider):
        certs.revokeAccreditation(outsider, {"from": admin})
    # Revoking that bare role emits no LabAccreditationRevoked (there was no accreditation).
    tx = certs.revokeRole(LAB_ROLE, outsider, {"from": admin})
    assert event_names(tx) == ["RoleRevoked"]


def test_accreditation_of_unknown_account_is_empty(certs, outsider):
    assert certs.accreditation(outsider) == (0, False, 0, 0, 0, "")
    assert not certs.isAccredited(outsider)
