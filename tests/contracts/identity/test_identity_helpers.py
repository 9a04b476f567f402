"""The assertion helpers themselves can fail: a wrong error argument, a non-reverting call or a wrong
event argument is caught (so a green suite means the exact values matched)."""

import pytest
from identity_helpers import (
    MANUFACTURER_ROLE,
    SUSPENDED,
    ZERO,
    assert_events,
    assert_reverts,
    device_id,
    err,
    unauthorized,
)


def test_err_encoding():
    # well-known selectors: Error(string), OZ AccessControlUnauthorizedAccount, ERC721NonexistentToken
    assert err("Error(string)", "x")[:4].hex() == "08c379a0"
    assert unauthorized(ZERO, MANUFACTURER_ROLE)[:4].hex() == "e2517d3f"
    assert err("ERC721NonexistentToken(uint256)", 1)[:4].hex() == "7e273289"
    assert err("EmptySerial()") == err("EmptySerial()")[:4] and len(err("EmptySerial()")) == 4
    data = err("DeviceNotFound(uint256)", 5)
    assert data[4:] == (5).to_bytes(32, "big")


def test_wrong_error_argument_is_caught(devices, manufacturer):
    with pytest.raises(AssertionError):
        assert_reverts(
            devices.device, 5, sender=manufacturer, error=err("DeviceNotFound(uint256)", 6)
        )


def test_wrong_error_selector_is_caught(devices, outsider, buyer):
    with pytest.raises(AssertionError):
        assert_reverts(
            devices.registerDevice,
            "S",
            b"\x00" * 32,
            buyer,
            b"\x00" * 32,
            buyer,
            sender=outsider,
            error=unauthorized(outsider, b"\x01" * 32),
        )
    assert_reverts(
        devices.registerDevice,
        "S",
        b"\x00" * 32,
        buyer,
        b"\x00" * 32,
        buyer,
        sender=outsider,
        error=unauthorized(outsider, MANUFACTURER_ROLE),
    )


def test_non_reverting_call_is_caught(devices, manufacturer):
    with pytest.raises(AssertionError):
        assert_reverts(
            devices.deviceIdOf, manufacturer, "S", sender=manufacturer, error=err("EmptySerial()")
        )


def test_wrong_event_argument_is_caught(devices, manufacturer, register):
    tx, dev_id = register("SN-H")
    tx = devices.setDeviceStatus(dev_id, SUSPENDED, {"from": manufacturer})
    right = {"deviceId": dev_id, "previous": 0, "current": SUSPENDED, "changedBy": manufacturer}
    assert_events(tx, [("DeviceStatusChanged", right)])
    with pytest.raises(AssertionError):
        assert_events(tx, [("DeviceStatusChanged", {**right, "current": 2})])
    with pytest.raises(AssertionError):
        assert_events(tx, [("DeviceStatusChanged", {**right, "changedBy": devices.address})])
    with pytest.raises(AssertionError):
        assert_events(tx, [])
    assert dev_id == device_id(manufacturer, "SN-H")
