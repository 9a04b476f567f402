"""setDeviceStatus: who may change it, the transitions, Decommissioned is final."""

import pytest
from brownie import web3
from identity_helpers import (
    ACTIVE,
    DECOMMISSIONED,
    MANUFACTURER_ROLE,
    SUSPENDED,
    assert_events,
    assert_reverts,
    err,
    revert_data_or_none,
)
from revert_data import assert_call_reverts


@pytest.fixture
def dev_id(register):
    return register("SN-S")[1]


@pytest.mark.parametrize(
    "path",
    [
        [SUSPENDED],
        [DECOMMISSIONED],
        [SUSPENDED, ACTIVE],
        [SUSPENDED, DECOMMISSIONED],
        [SUSPENDED, ACTIVE, SUSPENDED, ACTIVE, DECOMMISSIONED],
    ],
)
def test_manufacturer_walks_the_status_machine(devices, manufacturer, dev_id, path):
    previous = ACTIVE
    for status in path:
        tx = devices.setDeviceStatus(dev_id, status, {"from": manufacturer})
        assert_events(
            tx,
            [
                (
                    "DeviceStatusChanged",
                    {
                        "deviceId": dev_id,
                        "previous": previous,
                        "current": status,
                        "changedBy": manufacturer,
                    },
                )
            ],
            emitter=devices,
        )
        assert devices.device(dev_id)[2] == status
        previous = status


def test_admin_may_change_any_device(devices, admin, dev_id):
    tx = devices.setDeviceStatus(dev_id, SUSPENDED, {"from": admin})
    assert_events(
        tx,
        [
            (
                "DeviceStatusChanged",
                {"deviceId": dev_id, "previous": ACTIVE, "current": SUSPENDED, "changedBy": admin},
            )
        ],
    )
    assert devices.device(dev_id)[2] == SUSPENDED


def test_second_admin_may_change_status(devices, admin, outsider, dev_id):
    devices.grantRole(b"\x00" * 32, outsider, {"from": admin})
    devices.setDeviceStatus(dev_id, DECOMMISSIONED, {"from": outsider})
    assert devices.device(dev_id)[2] == DECOMMISSIONED


def test_status_change_keeps_everything_else(devices, manufacturer, buyer, dev_id):
    before = devices.device(dev_id)
    devices.setDeviceStatus(dev_id, SUSPENDED, {"from": manufacturer})
    after = devices.device(dev_id)
    assert (after[0], after[1], after[3], after[4]) == (before[0], before[1], before[3], before[4])
    assert devices.ownerOf(dev_id) == buyer


@pytest.mark.parametrize("who", ["outsider", "buyer", "lab", "manufacturer2"])
def test_wrong_caller_is_not_device_manager(devices2, who, request, dev_id):
    """The owner, other manufacturers and strangers may not change the status."""
    caller = request.getfixturevalue(who)
    assert_reverts(
        devices2.setDeviceStatus,
        dev_id,
        SUSPENDED,
        sender=caller,
        error=err("NotDeviceManager(uint256,address)", dev_id, caller),
    )


def test_manufacturer_without_role_is_not_device_manager(devices, admin, manufacturer, dev_id):
    devices.revokeRole(MANUFACTURER_ROLE, manufacturer, {"from": admin})
    assert_reverts(
        devices.setDeviceStatus,
        dev_id,
        SUSPENDED,
        sender=manufacturer,
        error=err("NotDeviceManager(uint256,address)", dev_id, manufacturer),
    )
    # the admin still can
    devices.setDeviceStatus(dev_id, SUSPENDED, {"from": admin})
    # and the manufacturer again once the role is back
    devices.grantRole(MANUFACTURER_ROLE, manufacturer, {"from": admin})
    devices.setDeviceStatus(dev_id, ACTIVE, {"from": manufacturer})
    assert devices.device(dev_id)[2] == ACTIVE


def test_unknown_device(devices, admin):
    assert_reverts(
        devices.setDeviceStatus, 7, SUSPENDED, sender=admin, error=err("DeviceNotFound(uint256)", 7)
    )


@pytest.mark.parametrize("status", [ACTIVE, SUSPENDED])
def test_same_status_reverts(devices, manufacturer, dev_id, status):
    if status != ACTIVE:
        devices.setDeviceStatus(dev_id, status, {"from": manufacturer})
    assert_reverts(
        devices.setDeviceStatus,
        dev_id,
        status,
        sender=manufacturer,
        error=err("StatusUnchanged(uint256,uint8)", dev_id, status),
    )


@pytest.mark.parametrize("status", [ACTIVE, SUSPENDED, DECOMMISSIONED])
@pytest.mark.parametrize("who", ["manufacturer", "admin"])
def test_decommissioned_is_final(devices, manufacturer, dev_id, status, who, request):
    devices.setDeviceStatus(dev_id, DECOMMISSIONED, {"from": manufacturer})
    caller = request.getfixturevalue(who)
    assert_reverts(
        devices.setDeviceStatus,
        dev_id,
        status,
        sender=caller,
        error=err("DeviceIsDecommissioned(uint256)", dev_id),
    )
    assert devices.device(dev_id)[2] == DECOMMISSIONED


def test_decommissioned_check_comes_after_the_caller_check(devices, manufacturer, outsider, dev_id):
    devices.setDeviceStatus(dev_id, DECOMMISSIONED, {"from": manufacturer})
    assert_reverts(
        devices.setDeviceStatus,
        dev_id,
        ACTIVE,
        sender=outsider,
        error=err("NotDeviceManager(uint256,address)", dev_id, outsider),
    )


def test_out_of_range_status_is_rejected_by_the_decoder(devices, manufacturer, dev_id):
    """3 is no DeviceStatus: the ABI decoder reverts without data, nothing changes."""
    call_data = devices.setDeviceStatus.encode_input(dev_id, 0)[:-2] + "03"
    with pytest.raises(Exception) as caught:
        web3.eth.call({"from": manufacturer.address, "to": devices.address, "data": call_data})
    assert revert_data_or_none(caught.value) in (None, b"")
    assert devices.device(dev_id)[2] == ACTIVE


def test_status_of_reads_the_status_alone(devices, manufacturer, register):
    first = register("SN-S1")[1]
    second = register("SN-S2")[1]
    third = register("SN-S3")[1]
    devices.setDeviceStatus(second, SUSPENDED, {"from": manufacturer})
    devices.setDeviceStatus(third, DECOMMISSIONED, {"from": manufacturer})
    assert [devices.statusOf(i) for i in (first, second, third)] == [
        ACTIVE,
        SUSPENDED,
        DECOMMISSIONED,
    ]
    # the batch view answers in the caller's order, duplicates included
    assert list(devices.statusesOf([third, first, second, first])) == [
        DECOMMISSIONED,
        ACTIVE,
        SUSPENDED,
        ACTIVE,
    ]
    assert list(devices.statusesOf([])) == []
    assert [devices.device(i)[2] for i in (first, second, third)] == [
        ACTIVE,
        SUSPENDED,
        DECOMMISSIONED,
    ]


def test_status_views_refuse_an_unknown_device(devices, outsider, register):
    known = register("SN-S4")[1]
    unknown = 12345
    not_found = err("DeviceNotFound(uint256)", unknown)
    assert_call_reverts(devices.statusOf, unknown, sender=outsider, error=not_found)
    assert_call_reverts(devices.statusesOf, [known, unknown, 777], sender=outsider, error=not_found)
