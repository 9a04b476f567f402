"""passLabs: an order's whole certification in one call (the escrow's settlement reads it).

For each presented (certId, dataRoot) and device: the issuing lab when the certificate is a valid
Pass of that device for the spec with that data root, otherwise the zero address. The device's
status is not part of the answer (the escrow reads it with DeviceRegistry.statusesOf).
"""

from conftest import FAIL, ZERO32, b32, error_data, mine_at
from revert_data import assert_call_reverts

ZERO = "0x0000000000000000000000000000000000000000"
SPEC = b32("spec-A")
SUSPENDED = 1


def test_valid_passes_name_their_labs_in_order(certs2, lab, lab2, device, device2, issue):
    _, first, first_args = issue(device, "one")
    _, second, second_args = issue(device2, "two", sender=lab2)
    refs = [(first, first_args[2]), (second, second_args[2])]
    assert list(certs2.passLabs(refs, [device, device2], SPEC)) == [lab, lab2]
    # the same pass presented for the other device, or in swapped order, names nobody
    assert list(certs2.passLabs(refs[::-1], [device, device2], SPEC)) == [ZERO, ZERO]
    assert list(certs2.passLabs([], [], SPEC)) == []


def test_what_is_not_a_valid_pass_names_nobody(certs, lab, device, issue):
    _, good, good_args = issue(device, "good")
    _, failed, failed_args = issue(device, "failed", result=FAIL)
    _, revoked, revoked_args = issue(device, "revoked")
    certs.revokeCertificate(revoked, "bench out of calibration", {"from": lab})
    refs = [
        (good, good_args[2]),  # valid: the lab
        (failed, failed_args[2]),  # a Fail
        (revoked, revoked_args[2]),  # revoked
        (good, b32("another data root")),  # the data root it does not commit to
        (b32("no such certificate"), good_args[2]),  # unknown id
    ]
    devices = [device] * len(refs)
    assert list(certs.passLabs(refs, devices, SPEC)) == [lab, ZERO, ZERO, ZERO, ZERO]
    # another spec: nobody
    assert list(certs.passLabs(refs[:1], [device], b32("spec-B"))) == [ZERO]


def test_expired_pass_names_nobody(certs, lab, device, issue):
    _, cid, args = issue(device, "short", validity=1000)
    mine_at(args[5] - 1)
    assert list(certs.passLabs([(cid, args[2])], [device], SPEC)) == [lab]
    mine_at(args[5])
    assert list(certs.passLabs([(cid, args[2])], [device], SPEC)) == [ZERO]


def test_revoked_lab_names_nobody(certs, admin, lab, device, issue):
    _, cid, args = issue(device, "lab revoked")
    assert list(certs.passLabs([(cid, args[2])], [device], SPEC)) == [lab]
    certs.revokeAccreditation(lab, {"from": admin})
    assert list(certs.passLabs([(cid, args[2])], [device], SPEC)) == [ZERO]


def test_device_status_is_not_checked(certs, devices, manufacturer, lab, device, issue):
    _, cid, args = issue(device, "suspended later")
    devices.setDeviceStatus(device, SUSPENDED, {"from": manufacturer})
    # isValidPass includes the device's status, passLabs leaves it to the caller
    assert not certs.isValidPass(cid, device, SPEC, args[2])
    assert list(certs.passLabs([(cid, args[2])], [device], SPEC)) == [lab]


def test_lengths_must_match(certs, outsider, device):
    refs = [(b32("a"), ZERO32), (b32("b"), ZERO32)]
    expected = error_data("PassCountMismatch(uint256,uint256)", 2, 1)
    assert_call_reverts(certs.passLabs, refs, [device], SPEC, sender=outsider, error=expected)
