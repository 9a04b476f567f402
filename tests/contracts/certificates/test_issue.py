"""issueCertificate, revokeCertificate and the certificate views (validity, latest Pass, fields)."""

import pytest
from conftest import (
    FAIL,
    NO_SIGNATURE,
    PASS,
    UINT40_MAX,
    ZERO32,
    assert_event,
    b32,
    cert_id,
    error_data,
    event_names,
    fields_digest,
    has_valid_pass,
    hx,
    mine_at,
    next_block_at,
    now,
    raw_revert_data,
    reverts_with,
    tx_timestamp,
    valid_passes,
)

DAY = 86400


# -------------------------------------------------------------------------------------------------
# Success
# -------------------------------------------------------------------------------------------------


def test_issue_pass_certificate(certs, lab, device):
    valid_until = now() + 30 * DAY
    args = (device, b32("report 1"), b32("data 1"), b32("ISO 4409"), PASS, valid_until)
    tx = certs.issueCertificate(*args, {"from": lab})
    expected_id = cert_id(lab, device, b32("report 1"))
    assert hx(tx.return_value) == expected_id
    assert hx(certs.certificateId(lab, device, b32("report 1"))) == expected_id
    assert event_names(tx) == ["CertificateIssued"]
    assert_event(
        tx,
        "CertificateIssued",
        {
            "certId": expected_id,
            "deviceId": device,
            "reportSha256": b32("report 1"),
            "lab": lab,
            "dataRoot": b32("data 1"),
            "testSpec": b32("ISO 4409"),
            "result": PASS,
            "validUntil": valid_until,
            "deviceSignature": NO_SIGNATURE,
        },
    )
    assert certs.certificate(expected_id).dict() == {
        "lab": lab,
        "issuedAt": tx.timestamp,
        "validUntil": valid_until,
        "result": PASS,
        "revoked": False,
        "deviceAttested": False,
        "digest": fields_digest(device, b32("data 1"), b32("ISO 4409")),
        "successor": ZERO32,
        "batchRoot": ZERO32,
    }
    assert certs.isValid(expected_id)
    assert valid_passes(certs, device, b32("ISO 4409")) == [expected_id]
    assert certs.isValidPass(expected_id, device, b32("ISO 4409"), b32("data 1"))
    assert not certs.isValidPass(expected_id, device, b32("ISO 4409"), b32("data 2"))
    assert not certs.isValidPass(expected_id, device + 1, b32("ISO 4409"), b32("data 1"))
    assert not has_valid_pass(certs, device, b32("other spec"))
    assert hx(certs.labOf(expected_id)) == hx(lab)
    assert hx(certs.successorOf(expected_id)) == ZERO32


def test_issue_fail_certificate_is_valid_but_no_pass(certs, lab, device, issue):
    tx, cid, _ = issue(device, "fail", result=FAIL)
    assert tx.events["CertificateIssued"]["result"] == FAIL
    assert certs.certificate(cid)["result"] == FAIL
    assert certs.isValid(cid)  # a valid (Fail) certificate
    assert valid_passes(certs, device, b32("spec-A")) == []


def test_fail_after_pass_leaves_the_pass_valid(certs, device, issue):
    _, pass_id, _ = issue(device, "pass")
    _, fail_id, _ = issue(device, "fail", result=FAIL)
    assert valid_passes(certs, device, b32("spec-A")) == [pass_id]
    assert certs.isValid(fail_id)


def test_every_valid_pass_counts(certs, device, issue):
    _, first, _ = issue(device, "first")
    _, second, _ = issue(device, "second")
    assert valid_passes(certs, device, b32("spec-A")) == [first, second]
    assert certs.isValid(first) and certs.isValid(second)


def test_revoking_one_pass_leaves_an_older_valid_pass(certs, lab, device, issue):
    """Issue 10: the old latest-Pass index let a newer Pass hide an older valid one."""
    _, first, _ = issue(device, "first")
    _, second, _ = issue(device, "second")
    certs.revokeCertificate(second, "bench calibration expired", {"from": lab})
    assert certs.isValid(first)
    assert valid_passes(certs, device, b32("spec-A")) == [first]
    certs.revokeCertificate(first, "bench calibration expired", {"from": lab})
    assert not has_valid_pass(certs, device, b32("spec-A"))
    # A new Pass restores it.
    _, third, _ = issue(device, "third")
    assert valid_passes(certs, device, b32("spec-A")) == [third]


def test_specs_and_devices_are_independent(certs, device, device2, issue):
    issue(device, "a", spec="spec-A")
    issue(device2, "b", spec="spec-B")
    assert has_valid_pass(certs, device, b32("spec-A"))
    assert not has_valid_pass(certs, device, b32("spec-B"))
    assert has_valid_pass(certs, device2, b32("spec-B"))
    assert not has_valid_pass(certs, device2, b32("spec-A"))


def test_two_labs_same_report_get_distinct_ids(certs2, lab, lab2, device, issue):
    _, id1, _ = issue(device, "shared")
    _, id2, _ = issue(device, "shared", sender=lab2)
    assert id1 == cert_id(lab, device, b32("report shared"))
    assert id2 == cert_id(lab2, device, b32("report shared"))
    assert id1 != id2
    assert certs2.certificate(id2)["lab"] == lab2


def test_zero_data_root_allowed(certs, lab, device):
    tx = certs.issueCertificate(
        device, b32("r"), ZERO32, b32("s"), PASS, now() + DAY, {"from": lab}
    )
    cid = tx.events["CertificateIssued"]["certId"]
    assert certs.verifyCertificateFields(cid, device, b32("r"), ZERO32, b32("s"))


def test_validity_up_to_uint40_max(certs, lab, device):
    tx = certs.issueCertificate(
        device, b32("r"), b32("d"), b32("s"), PASS, UINT40_MAX, {"from": lab}
    )
    assert certs.certificate(tx.events["CertificateIssued"]["certId"])["validUntil"] == UINT40_MAX


# -------------------------------------------------------------------------------------------------
# Reverts
# -------------------------------------------------------------------------------------------------


def test_issue_by_non_lab(certs, device, admin, outsider, manufacturer):
    for caller in (outsider, admin, manufacturer):
        with reverts_with("LabNotAccredited(address)", caller):
            certs.issueCertificate(
                device, b32("r"), b32("d"), b32("s"), PASS, now() + DAY, {"from": caller}
            )


def test_issue_zero_report(certs, lab, device):
    with reverts_with("ZeroReportDigest()"):
        certs.issueCertificate(device, ZERO32, b32("d"), b32("s"), PASS, now() + DAY, {"from": lab})


@pytest.mark.parametrize("result", [0, 3, 255])
def test_issue_invalid_result(certs, lab, device, result):
    with reverts_with("InvalidResult(uint8)", result):
        certs.issueCertificate(
            device, b32("r"), b32("d"), b32("s"), result, now() + DAY, {"from": lab}
        )


def test_issue_invalid_validity(certs, lab, device):
    for valid_until in (0, now() - 1, now(), UINT40_MAX + 1, 2**64 - 1):
        with reverts_with("InvalidValidity(uint64)", valid_until):
            certs.issueCertificate(
                device, b32("r"), b32("d"), b32("s"), PASS, valid_until, {"from": lab}
            )


def test_issue_validity_equal_to_block_time_rejected(certs, lab, device):
    target = now() + 100
    next_block_at(target)
    with reverts_with("InvalidValidity(uint64)", target) as info:
        certs.issueCertificate(device, b32("r"), b32("d"), b32("s"), PASS, target, {"from": lab})
    assert tx_timestamp(info.value) == target


def test_issue_unknown_device(certs, lab, devices):
    unknown = 12345
    with reverts_with("DeviceNotFound(uint256)", unknown):
        certs.issueCertificate(
            unknown, b32("r"), b32("d"), b32("s"), PASS, now() + DAY, {"from": lab}
        )
    # Byte-exact: the registry's own DeviceNotFound selector and argument.
    data = raw_revert_data(
        certs.issueCertificate, unknown, b32("r"), b32("d"), b32("s"), PASS, now() + DAY, sender=lab
    )
    assert data == "0x" + error_data("DeviceNotFound(uint256)", unknown).hex()


def test_issue_duplicate(certs, lab, device, issue):
    _, cid, args = issue(device, "dup")
    with reverts_with("CertificateAlreadyExists(bytes32)", cid):
        certs.issueCertificate(*args, {"from": lab})
    # Same lab, device and report with other fields: still the same id.
    with reverts_with("CertificateAlreadyExists(bytes32)", cid):
        certs.issueCertificate(
            device, args[1], b32("other"), b32("other"), FAIL, now() + 5 * DAY, {"from": lab}
        )


def test_revert_data_is_byte_exact(certs, lab, device):
    data = raw_revert_data(
        certs.issueCertificate, device, b32("r"), b32("d"), b32("s"), 7, now() + DAY, sender=lab
    )
    assert data == "0x" + error_data("InvalidResult(uint8)", 7).hex()


# -------------------------------------------------------------------------------------------------
# Expiry
# -------------------------------------------------------------------------------------------------


def test_certificate_expires_at_valid_until(certs, device, issue):
    _, cid, args = issue(device, "exp", validity=1000)
    valid_until = args[5]
    mine_at(valid_until - 1)
    assert certs.isValid(cid)
    assert has_valid_pass(certs, device, b32("spec-A"))
    mine_at(valid_until)
    assert not certs.isValid(cid)
    assert not has_valid_pass(certs, device, b32("spec-A"))
    # The record stays readable and unchanged.
    assert certs.certificate(cid)["validUntil"] == valid_until


# -------------------------------------------------------------------------------------------------
# revokeCertificate
# -------------------------------------------------------------------------------------------------


def test_revoke_by_issuing_lab(certs, lab, device, issue):
    _, cid, _ = issue(device, "rv")
    tx = certs.revokeCertificate(cid, "pressure sensor out of calibration", {"from": lab})
    assert event_names(tx) == ["CertificateRevoked"]
    assert_event(
        tx,
        "CertificateRevoked",
        {
            "certId": cid,
            "revokedBy": lab,
            "reason": "pressure sensor out of calibration",
        },
    )
    assert certs.certificate(cid)["revoked"] is True
    assert not certs.isValid(cid)
    assert not has_valid_pass(certs, device, b32("spec-A"))


def test_revoke_by_admin(certs, admin, device, issue):
    _, cid, _ = issue(device, "rv")
    tx = certs.revokeCertificate(cid, "fraud", {"from": admin})
    assert_event(
        tx,
        "CertificateRevoked",
        {"certId": cid, "revokedBy": admin, "reason": "fraud"},
    )
    assert not certs.isValid(cid)


def test_revoke_by_others_rejected(certs2, lab2, outsider, manufacturer, device, issue):
    _, cid, _ = issue(device, "rv")
    for caller in (lab2, outsider, manufacturer):
        with reverts_with("NotCertificateIssuer(bytes32,address)", cid, caller):
            certs2.revokeCertificate(cid, "no", {"from": caller})
    assert certs2.isValid(cid)


def test_revoke_unknown(certs, lab, admin):
    for caller in (lab, admin):
        with reverts_with("CertificateNotFound(bytes32)", b32("nothing")):
            certs.revokeCertificate(b32("nothing"), "x", {"from": caller})


def test_revoke_twice(certs, lab, admin, device, issue):
    _, cid, _ = issue(device, "rv")
    certs.revokeCertificate(cid, "first", {"from": lab})
    for caller in (lab, admin):
        with reverts_with("CertificateAlreadyRevoked(bytes32)", cid):
            certs.revokeCertificate(cid, "second", {"from": caller})


def test_lab_revokes_after_losing_accreditation(certs, admin, lab, device, issue):
    _, cid, _ = issue(device, "rv")
    certs.revokeAccreditation(lab, {"from": admin})
    tx = certs.revokeCertificate(cid, "withdrawn", {"from": lab})
    assert_event(
        tx,
        "CertificateRevoked",
        {"certId": cid, "revokedBy": lab, "reason": "withdrawn"},
    )


def test_revoke_expired_certificate(certs, lab, device, issue):
    _, cid, args = issue(device, "rv", validity=100)
    mine_at(args[5] + 1)
    certs.revokeCertificate(cid, "late", {"from": lab})
    assert certs.certificate(cid)["revoked"]


# -------------------------------------------------------------------------------------------------
# Views
# -------------------------------------------------------------------------------------------------


def test_certificate_unknown(certs):
    with reverts_with("CertificateNotFound(bytes32)", b32("nothing")):
        certs.certificate(b32("nothing"))
    assert not certs.isValid(b32("nothing"))
    assert not certs.isValid(ZERO32)


def test_verify_certificate_fields(certs, lab, device, device2, issue):
    _, cid, args = issue(device, "vf")
    _, report, data, spec, _, _ = args
    assert certs.verifyCertificateFields(cid, device, report, data, spec)
    assert not certs.verifyCertificateFields(cid, device2, report, data, spec)
    assert not certs.verifyCertificateFields(cid, device, b32("other report"), data, spec)
    assert not certs.verifyCertificateFields(cid, device, report, b32("other data"), spec)
    assert not certs.verifyCertificateFields(cid, device, report, data, b32("other spec"))
    assert not certs.verifyCertificateFields(cid, device, report, spec, data)  # swapped
    assert not certs.verifyCertificateFields(b32("unknown"), device, report, data, spec)
    # Revocation does not change what the certificate committed to.
    certs.revokeCertificate(cid, "x", {"from": lab})
    assert certs.verifyCertificateFields(cid, device, report, data, spec)


# -------------------------------------------------------------------------------------------------
# Gas (reported in docs/contracts/certificates.md)
# -------------------------------------------------------------------------------------------------


def test_gas_issue_certificate(certs, lab, device, device2, issue):
    first_pass, first_id, _ = issue(device, "gas 1")  # first certificate of the device
    second_pass, _, _ = issue(device, "gas 2")  # same device+spec: no index, same cost
    fail, _, _ = issue(device2, "gas 3", result=FAIL)
    revoke = certs.revokeCertificate(first_id, "calibration", {"from": lab})
    print(
        f"\ngas issueCertificate: first Pass {first_pass.gas_used}, next Pass {second_pass.gas_used}, "
        f"Fail {fail.gas_used}; revokeCertificate {revoke.gas_used}"
    )
    # Issue 11: <= 60,000 for any result (one new slot, the accreditation slot, the device status
    # through DeviceRegistry.statusOf); see docs/benchmarks.md for the floor.
    assert first_pass.gas_used <= 60_000
    assert second_pass.gas_used <= 60_000
    assert fail.gas_used <= 60_000
