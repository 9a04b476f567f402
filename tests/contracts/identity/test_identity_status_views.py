"""statusOf / statusesOf: a device's status without its record (one call for an order's devices)."""

from identity_helpers import (
    ACTIVE,
    DECOMMISSIONED,
    SUSPENDED,
    err,
)
from revert_data import assert_call_reverts


def test_statuses_follow_each_device_in_order(devices, register, manufacturer):
    ids = [register(f"SN-V{i}")[1] for i in range(4)]
    devices.setDeviceStatus(ids[1], SUSPENDED, {"from": manufacturer})
    devices.setDeviceStatus(ids[3], DECOMMISSIONED, {"from": manufacturer})
    expected = [ACTIVE, SUSPENDED, ACTIVE, DECOMMISSIONED]
    assert list(devices.statusesOf(ids)) == expected
    assert [devices.statusOf(i) for i in ids] == expected
    # same order as asked, repeats included; matches the full record's status
    assert list(devices.statusesOf([ids[3], ids[0], ids[3]])) == [
        DECOMMISSIONED,
        ACTIVE,
        DECOMMISSIONED,
    ]
    assert [devices.device(i)["status"] for i in ids] == expected
    assert list(devices.statusesOf([])) == []
    # a reactivated device reads Active again
    devices.setDeviceStatus(ids[1], ACTIVE, {"from": manufacturer})
    assert list(devices.statusesOf(ids[:2])) == [ACTIVE, ACTIVE]


def test_unknown_id_reverts_device_not_found(devices, register, outsider):
    known = register("SN-V-known")[1]
    unknown = 987654321
    assert_call_reverts(
        devices.statusOf, unknown, sender=outsider, error=err("DeviceNotFound(uint256)", unknown)
    )
    # the first unknown id, wherever it is in the list
    assert_call_reverts(
        devices.statusesOf,
        [known, unknown, unknown + 1],
        sender=outsider,
        error=err("DeviceNotFound(uint256)", unknown),
    )
    assert_call_reverts(
        devices.statusesOf,
        [unknown + 1],
        sender=outsider,
        error=err("DeviceNotFound(uint256)", unknown + 1),
    )
