"""passLabs: the lab of each presented valid Pass (address(0) otherwise), an order's whole
certification in one call; the device status is not checked (isValidPass = passLabs + status)."""

from conftest import FAIL, ZERO32, Request, b32, error_data, hx, mine_at, now, raw_revert_data

DAY = 86400
SPEC = b32("spec-A")
ZERO_ADDRESS = "0x" + "00" * 20
SUSPENDED = 1


def ref(cid, data_tag):
    """A PassRef tuple (certId, dataRoot) for the `issue` fixture's data root of `data_tag`."""
    return (cid, b32("data " + str(data_tag)))


def test_labs_of_valid_passes_in_order(certs2, lab, lab2, device, device2, issue):
    _, a, _ = issue(device, "a")
    _, b, _ = issue(device2, "b", sender=lab2)
    passes = [ref(a, "a"), ref(b, "b")]
    assert list(certs2.passLabs(passes, [device, device2], SPEC)) == [lab, lab2]
    # each entry is what isValidPass + labOf say, one by one
    for (cid, root), dev in zip(passes, [device, device2], strict=True):
        assert certs2.isValidPass(cid, dev, SPEC, root)
    assert [certs2.labOf(a), certs2.labOf(b)] == [lab, lab2]
    # the same pass may be listed twice; empty lists give an empty answer
    assert list(certs2.passLabs([ref(a, "a")] * 2, [device, device], SPEC)) == [lab, lab]
    assert list(certs2.passLabs([], [], SPEC)) == []


def test_invalid_presentations_give_zero(certs, lab, admin, device, device2, issue):
    _, good, _ = issue(device, "good")
    _, fail, _ = issue(device, "fail", result=FAIL)
    _, other_spec, _ = issue(device, "other", spec="spec-B")
    _, revoked, _ = issue(device, "revoked")
    certs.revokeCertificate(revoked, "bench out of calibration", {"from": lab})
    old = hx(
        certs.issueCertificateWithOptions(
            Request(device, b32("report old"), b32("data old"), SPEC, 1, now() + 30 * DAY).tuple(),
            {"from": lab},
        ).events["CertificateIssued"]["certId"]
    )
    certs.issueCertificateWithOptions(
        Request(
            device, b32("report new"), b32("data new"), SPEC, 1, now() + 30 * DAY, supersedes=old
        ).tuple(),
        {"from": lab},
    )
    cases = [
        (ref(good, "good"), device, lab),  # the control: valid
        (ref(fail, "fail"), device, ZERO_ADDRESS),  # a Fail is valid but no pass
        (ref(other_spec, "other"), device, ZERO_ADDRESS),  # wrong test spec
        (ref(revoked, "revoked"), device, ZERO_ADDRESS),  # revoked
        ((old, b32("data old")), device, ZERO_ADDRESS),  # superseded
        (ref(good, "wrong root"), device, ZERO_ADDRESS),  # wrong data root
        (ref(good, "good"), device2, ZERO_ADDRESS),  # another device's pass
        ((b32("unknown"), ZERO32), device, ZERO_ADDRESS),  # unknown certificate id
    ]
    passes = [c[0] for c in cases]
    ids = [c[1] for c in cases]
    assert list(certs.passLabs(passes, ids, SPEC)) == [c[2] for c in cases]
    for (cid, root), dev, lab_expected in cases:
        assert certs.isValidPass(cid, dev, SPEC, root) == (lab_expected != ZERO_ADDRESS)


def test_expired_pass_gives_zero(certs, lab, device, issue):
    _, cid, args = issue(device, "short", validity=DAY)
    valid_until = args[5]
    mine_at(valid_until - 1)
    assert list(certs.passLabs([ref(cid, "short")], [device], SPEC)) == [lab]
    mine_at(valid_until)
    assert list(certs.passLabs([ref(cid, "short")], [device], SPEC)) == [ZERO_ADDRESS]


def test_device_status_is_not_checked(certs, devices, manufacturer, lab, device, issue):
    _, cid, _ = issue(device, "s")
    devices.setDeviceStatus(device, SUSPENDED, {"from": manufacturer})
    assert not certs.isValidPass(cid, device, SPEC, b32("data s"))
    assert list(certs.passLabs([ref(cid, "s")], [device], SPEC)) == [lab]


def test_length_mismatch_reverts(certs, device, device2, issue, outsider):
    _, cid, _ = issue(device, "m")
    assert raw_revert_data(
        certs.passLabs, [ref(cid, "m")], [device, device2], SPEC, sender=outsider
    ) == hx(error_data("PassCountMismatch(uint256,uint256)", 1, 2))
    assert raw_revert_data(
        certs.passLabs, [ref(cid, "m"), ref(cid, "m")], [], SPEC, sender=outsider
    ) == hx(error_data("PassCountMismatch(uint256,uint256)", 2, 0))
