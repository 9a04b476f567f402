"""issueCertificateWithOptions: supersede chains and device attestation (EIP-712 DataAttestation)."""

from conftest import (
    FAIL,
    NO_SIGNATURE,
    PASS,
    ZERO32,
    Request,
    assert_event,
    b32,
    cert_id,
    data_attestation_typed,
    event_names,
    has_valid_pass,
    hx,
    mine_at,
    now,
    reverts_with,
    sign_data_attestation,
    typed_digest,
    valid_passes,
)
from eth_account import Account
from eth_utils import keccak

DAY = 86400


def request(device_id, tag, result=PASS, spec="spec-A", validity=30 * DAY, **kw) -> Request:
    return Request(
        device_id,
        b32("report " + tag),
        b32("data " + tag),
        b32(spec),
        result,
        now() + validity,
        **kw,
    )


def issued(tx) -> str:
    return hx(tx.events["CertificateIssued"]["certId"])


# -------------------------------------------------------------------------------------------------
# Plain options
# -------------------------------------------------------------------------------------------------


def test_options_without_extras_matches_issue(certs, lab, device):
    req = request(device, "plain")
    tx = certs.issueCertificateWithOptions(req.tuple(), {"from": lab})
    cid = cert_id(lab, device, req.reportSha256)
    assert hx(tx.return_value) == cid
    assert event_names(tx) == ["CertificateIssued"]
    assert_event(
        tx,
        "CertificateIssued",
        {
            "certId": cid,
            "deviceId": device,
            "reportSha256": req.reportSha256,
            "lab": lab,
            "dataRoot": req.dataRoot,
            "testSpec": req.testSpec,
            "result": PASS,
            "validUntil": req.validUntil,
            "deviceSignature": NO_SIGNATURE,
        },
    )
    record = certs.certificate(cid)
    assert (record["deviceAttested"], record["issuedAt"]) == (False, tx.timestamp)
    assert has_valid_pass(certs, device, req.testSpec)


def test_options_field_checks(certs, lab, outsider, device):
    with reverts_with("LabNotAccredited(address)", outsider):
        certs.issueCertificateWithOptions(request(device, "x").tuple(), {"from": outsider})
    bad = request(device, "x")
    bad.reportSha256 = ZERO32
    with reverts_with("ZeroReportDigest()"):
        certs.issueCertificateWithOptions(bad.tuple(), {"from": lab})
    with reverts_with("InvalidResult(uint8)", 9):
        certs.issueCertificateWithOptions(request(device, "x", result=9).tuple(), {"from": lab})
    stale = request(device, "x")
    stale.validUntil = now() - 10
    with reverts_with("InvalidValidity(uint64)", stale.validUntil):
        certs.issueCertificateWithOptions(stale.tuple(), {"from": lab})
    with reverts_with("DeviceNotFound(uint256)", 777):
        certs.issueCertificateWithOptions(request(777, "x").tuple(), {"from": lab})
    certs.issueCertificateWithOptions(request(device, "x").tuple(), {"from": lab})
    with reverts_with("CertificateAlreadyExists(bytes32)", cert_id(lab, device, b32("report x"))):
        certs.issueCertificateWithOptions(request(device, "x").tuple(), {"from": lab})


# -------------------------------------------------------------------------------------------------
# Supersede
# -------------------------------------------------------------------------------------------------


def test_supersede_chain(certs, lab, device):
    a = issued(certs.issueCertificateWithOptions(request(device, "A").tuple(), {"from": lab}))
    tx_b = certs.issueCertificateWithOptions(
        request(device, "B", supersedes=a).tuple(), {"from": lab}
    )
    b = issued(tx_b)
    # CertificateIssued first, then CertificateSuperseded (after the state change that it reports).
    assert event_names(tx_b) == ["CertificateIssued", "CertificateSuperseded"]
    assert tx_b.events["CertificateSuperseded"]["certId"] == a
    assert_event(tx_b, "CertificateSuperseded", {"certId": a, "successor": b})
    assert not certs.isValid(a) and certs.isValid(b)
    assert hx(certs.successorOf(a)) == b
    assert hx(certs.certificate(a)["successor"]) == b
    assert certs.certificate(a)["revoked"] is False  # superseded, not revoked
    assert valid_passes(certs, device, b32("spec-A")) == [b]

    tx_c = certs.issueCertificateWithOptions(
        request(device, "C", supersedes=b).tuple(), {"from": lab}
    )
    c = issued(tx_c)
    assert_event(tx_c, "CertificateSuperseded", {"certId": b, "successor": c})
    assert [certs.isValid(x) for x in (a, b, c)] == [False, False, True]
    assert [hx(certs.successorOf(x)) for x in (a, b, c)] == [b, c, ZERO32]
    assert has_valid_pass(certs, device, b32("spec-A"))

    # A superseded certificate cannot be superseded again (the chain is linear).
    with reverts_with("CannotSupersede(bytes32)", a):
        certs.issueCertificateWithOptions(request(device, "D", supersedes=a).tuple(), {"from": lab})


def test_supersede_pass_with_fail_clears_pass(certs, lab, device):
    a = issued(certs.issueCertificateWithOptions(request(device, "A").tuple(), {"from": lab}))
    b = issued(
        certs.issueCertificateWithOptions(
            request(device, "B", result=FAIL, supersedes=a).tuple(), {"from": lab}
        )
    )
    assert certs.isValid(b)
    assert not has_valid_pass(certs, device, b32("spec-A"))
    assert not certs.isValid(a)  # superseded by a Fail


def test_supersede_across_specs_of_the_same_device(certs, lab, device):
    a = issued(
        certs.issueCertificateWithOptions(request(device, "A", spec="v1").tuple(), {"from": lab})
    )
    b = issued(
        certs.issueCertificateWithOptions(
            request(device, "B", spec="v2", supersedes=a).tuple(), {"from": lab}
        )
    )
    assert not has_valid_pass(certs, device, b32("v1"))
    assert has_valid_pass(certs, device, b32("v2"))
    assert hx(certs.successorOf(a)) == b


def test_supersede_revoked_or_expired_certificate(certs, lab, device):
    a = issued(
        certs.issueCertificateWithOptions(request(device, "A", validity=100).tuple(), {"from": lab})
    )
    certs.revokeCertificate(a, "wrong report attached", {"from": lab})
    b = issued(
        certs.issueCertificateWithOptions(request(device, "B", validity=100).tuple(), {"from": lab})
    )
    mine_at(certs.certificate(b)["validUntil"])  # b expired
    c = issued(
        certs.issueCertificateWithOptions(request(device, "C", supersedes=a).tuple(), {"from": lab})
    )
    d = issued(
        certs.issueCertificateWithOptions(request(device, "D", supersedes=b).tuple(), {"from": lab})
    )
    assert hx(certs.successorOf(a)) == c and hx(certs.successorOf(b)) == d
    assert certs.certificate(a)["revoked"]  # revocation is kept


def test_cannot_supersede_unknown(certs, lab, device):
    with reverts_with("CannotSupersede(bytes32)", b32("nothing")):
        certs.issueCertificateWithOptions(
            request(device, "B", supersedes=b32("nothing")).tuple(), {"from": lab}
        )


def test_cannot_supersede_other_device(certs, lab, device, device2):
    a = issued(certs.issueCertificateWithOptions(request(device, "A").tuple(), {"from": lab}))
    with reverts_with("CannotSupersede(bytes32)", a):
        certs.issueCertificateWithOptions(
            request(device2, "B", supersedes=a).tuple(), {"from": lab}
        )
    assert certs.isValid(a)


def test_cannot_supersede_other_labs_certificate(certs2, lab, lab2, admin, device):
    a = issued(certs2.issueCertificateWithOptions(request(device, "A").tuple(), {"from": lab}))
    with reverts_with("CannotSupersede(bytes32)", a):
        certs2.issueCertificateWithOptions(
            request(device, "B", supersedes=a).tuple(), {"from": lab2}
        )
    # The admin is not a lab: it cannot issue, hence cannot supersede either.
    with reverts_with("LabNotAccredited(address)", admin):
        certs2.issueCertificateWithOptions(
            request(device, "B", supersedes=a).tuple(), {"from": admin}
        )
    assert certs2.isValid(a)


def test_failed_supersede_leaves_no_state(certs, lab, device, device2):
    a = issued(certs.issueCertificateWithOptions(request(device, "A").tuple(), {"from": lab}))
    with reverts_with("CannotSupersede(bytes32)", a):
        certs.issueCertificateWithOptions(
            request(device2, "B", supersedes=a).tuple(), {"from": lab}
        )
    with reverts_with("CertificateNotFound(bytes32)", cert_id(lab, device2, b32("report B"))):
        certs.certificate(cert_id(lab, device2, b32("report B")))


# -------------------------------------------------------------------------------------------------
# Device attestation
# -------------------------------------------------------------------------------------------------


def test_hash_data_attestation_matches_eip712(certs, device):
    typed = data_attestation_typed(certs, device, b32("data"))
    assert hx(certs.hashDataAttestation(device, b32("data"))) == typed_digest(typed)


def test_device_attested_certificate(certs, lab, device, device_key):
    req = request(device, "att")
    req.deviceSignature = sign_data_attestation(certs, device_key, device, req.dataRoot)
    tx = certs.issueCertificateWithOptions(req.tuple(), {"from": lab})
    cid = issued(tx)
    assert hx(tx.events["CertificateIssued"]["deviceSignature"]) == hx(req.deviceSignature)
    assert certs.certificate(cid)["deviceAttested"] is True
    assert certs.isValid(cid)


def test_attestation_by_another_key_rejected(certs, lab, device, device_key2):
    req = request(device, "att")
    req.deviceSignature = sign_data_attestation(certs, device_key2, device, req.dataRoot)
    with reverts_with("InvalidDeviceSignature(uint256)", device):
        certs.issueCertificateWithOptions(req.tuple(), {"from": lab})


def test_attestation_of_other_data_or_device_rejected(certs, lab, device, device2, device_key):
    req = request(device, "att")
    req.deviceSignature = sign_data_attestation(certs, device_key, device, b32("other data"))
    with reverts_with("InvalidDeviceSignature(uint256)", device):
        certs.issueCertificateWithOptions(req.tuple(), {"from": lab})
    req.deviceSignature = sign_data_attestation(certs, device_key, device2, req.dataRoot)
    with reverts_with("InvalidDeviceSignature(uint256)", device):
        certs.issueCertificateWithOptions(req.tuple(), {"from": lab})


def test_attestation_for_other_chain_or_contract_rejected(certs, lab, device, device_key, devices):
    req = request(device, "att")
    req.deviceSignature = sign_data_attestation(certs, device_key, device, req.dataRoot, chain_id=1)
    with reverts_with("InvalidDeviceSignature(uint256)", device):
        certs.issueCertificateWithOptions(req.tuple(), {"from": lab})
    req.deviceSignature = sign_data_attestation(
        certs, device_key, device, req.dataRoot, verifying_contract=devices.address
    )
    with reverts_with("InvalidDeviceSignature(uint256)", device):
        certs.issueCertificateWithOptions(req.tuple(), {"from": lab})


def test_malformed_attestation_rejected(certs, lab, device, device_key):
    good = sign_data_attestation(certs, device_key, device, b32("data att"))
    for sig in ("0x01", good[:-2], good + "00", "0x" + "00" * 65):
        req = request(device, "att", deviceSignature=sig)
        with reverts_with("InvalidDeviceSignature(uint256)", device):
            certs.issueCertificateWithOptions(req.tuple(), {"from": lab})


def test_attestation_after_key_rotation(certs, devices, lab, manufacturer, device, device_key):
    new_key = Account.from_key(keccak(text="fabtrust certificates: rotated device key"))
    devices.rotateDeviceKey(device, new_key.address, {"from": manufacturer})
    assert devices.device(device)["deviceKey"] == new_key.address

    old = request(device, "old key")
    old.deviceSignature = sign_data_attestation(certs, device_key, device, old.dataRoot)
    with reverts_with("InvalidDeviceSignature(uint256)", device):
        certs.issueCertificateWithOptions(old.tuple(), {"from": lab})

    new = request(device, "new key")
    new.deviceSignature = sign_data_attestation(certs, new_key, device, new.dataRoot)
    tx = certs.issueCertificateWithOptions(new.tuple(), {"from": lab})
    assert hx(tx.events["CertificateIssued"]["deviceSignature"]) == hx(new.deviceSignature)


def test_attestation_for_unknown_device(certs, lab, device_key):
    req = request(4242, "att")
    req.deviceSignature = sign_data_attestation(certs, device_key, 4242, req.dataRoot)
    with reverts_with("DeviceNotFound(uint256)", 4242):
        certs.issueCertificateWithOptions(req.tuple(), {"from": lab})


def test_attested_supersede(certs, lab, device, device_key):
    a = issued(certs.issueCertificateWithOptions(request(device, "A").tuple(), {"from": lab}))
    req = request(device, "B", supersedes=a)
    req.deviceSignature = sign_data_attestation(certs, device_key, device, req.dataRoot)
    tx = certs.issueCertificateWithOptions(req.tuple(), {"from": lab})
    b = issued(tx)
    assert event_names(tx) == ["CertificateIssued", "CertificateSuperseded"]
    assert_event(
        tx,
        "CertificateIssued",
        {
            "certId": b,
            "deviceId": device,
            "reportSha256": req.reportSha256,
            "lab": lab,
            "dataRoot": req.dataRoot,
            "testSpec": req.testSpec,
            "result": PASS,
            "validUntil": req.validUntil,
            "deviceSignature": hx(req.deviceSignature),
        },
    )
    print(f"\ngas issueCertificateWithOptions (attested + supersede): {tx.gas_used}")
