"""Locks: an escrow (LOCKER_ROLE) keeps devices in place with their owner until it unlocks them or
moves them once with transferLocked (issue 11). Exact events and errors."""

import pytest
from brownie import accounts
from eth_utils import keccak
from identity_helpers import (
    DECOMMISSIONED,
    DEFAULT_ADMIN_ROLE,
    SUSPENDED,
    ZERO,
    assert_events,
    assert_reverts,
    err,
    unauthorized,
)

LOCKER_ROLE = keccak(text="LOCKER_ROLE")


@pytest.fixture(scope="module")
def locker():
    return accounts[9]


@pytest.fixture(scope="module")
def locker2():
    return accounts[8]


@pytest.fixture(scope="module")
def lockable(devices, admin, locker, locker2):
    """`devices` with two lockers holding LOCKER_ROLE."""
    devices.grantRole(LOCKER_ROLE, locker, {"from": admin})
    devices.grantRole(LOCKER_ROLE, locker2, {"from": admin})
    return devices


@pytest.fixture
def owned(lockable, register, buyer, locker):
    """Three devices of `buyer`, who approved `locker` for all."""
    ids = [register(f"SN-L{i}", owner=buyer)[1] for i in range(3)]
    lockable.setApprovalForAll(locker, True, {"from": buyer})
    return ids


def test_locker_role_value_and_admin(lockable, admin, outsider, manufacturer):
    assert lockable.LOCKER_ROLE() == "0x" + LOCKER_ROLE.hex()
    assert lockable.getRoleAdmin(LOCKER_ROLE) == "0x" + DEFAULT_ADMIN_ROLE.hex()
    assert_reverts(
        lockable.grantRole,
        LOCKER_ROLE,
        outsider,
        sender=manufacturer,
        error=unauthorized(manufacturer, DEFAULT_ADMIN_ROLE),
    )


def test_lock_keeps_the_device_in_place(lockable, owned, buyer, locker):
    tx = lockable.lockDevices(buyer, owned, {"from": locker})
    assert_events(
        tx,
        [("DevicesLocked", {"locker": locker, "owner": buyer, "deviceIds": owned})],
        emitter=lockable,
    )
    for dev in owned:
        assert lockable.lockerOf(dev) == locker
        assert lockable.ownerOf(dev) == buyer
    assert lockable.balanceOf(buyer) == 3


def test_lock_needs_the_role(lockable, owned, buyer, outsider):
    lockable.setApprovalForAll(outsider, True, {"from": buyer})
    assert_reverts(
        lockable.lockDevices,
        buyer,
        owned,
        sender=outsider,
        error=err("NotLocker(address)", outsider),
    )


def test_lock_needs_owner_or_operator(lockable, owned, buyer, locker2):
    assert_reverts(
        lockable.lockDevices,
        buyer,
        owned,
        sender=locker2,
        error=err("NotApprovedOperator(address,address)", buyer, locker2),
    )


def test_token_approval_is_not_enough_to_lock(lockable, owned, buyer, locker2):
    lockable.approve(locker2, owned[0], {"from": buyer})
    assert_reverts(
        lockable.lockDevices,
        buyer,
        owned[:1],
        sender=locker2,
        error=err("NotApprovedOperator(address,address)", buyer, locker2),
    )


def test_owner_holding_the_role_locks_its_own(lockable, register, locker):
    dev = register("SN-SELF", owner=locker)[1]
    lockable.lockDevices(locker, [dev], {"from": locker})
    assert lockable.lockerOf(dev) == locker


def test_lock_per_device_errors_all_or_nothing(lockable, owned, buyer, outsider, locker, register):
    assert_reverts(
        lockable.lockDevices,
        buyer,
        [owned[0], 12345],
        sender=locker,
        error=err("DeviceNotFound(uint256)", 12345),
    )
    other = register("SN-OTHER", owner=outsider)[1]
    assert_reverts(
        lockable.lockDevices,
        buyer,
        [owned[0], other],
        sender=locker,
        error=err("DeviceNotOwnedBy(uint256,address,address)", other, buyer, outsider),
    )
    assert_reverts(
        lockable.lockDevices,
        buyer,
        [owned[0], owned[0]],
        sender=locker,
        error=err("DeviceLocked(uint256,address)", owned[0], locker),
    )
    assert lockable.lockerOf(owned[0]) == ZERO


def test_a_locked_device_cannot_be_locked_again(lockable, owned, buyer, locker, locker2):
    lockable.lockDevices(buyer, owned[:1], {"from": locker})
    lockable.setApprovalForAll(locker2, True, {"from": buyer})
    for caller in (locker, locker2):  # not even by its own locker: one order per device
        assert_reverts(
            lockable.lockDevices,
            buyer,
            owned[:1],
            sender=caller,
            error=err("DeviceLocked(uint256,address)", owned[0], locker),
        )


def test_a_locked_device_cannot_move_or_be_approved(lockable, owned, buyer, outsider, locker):
    dev = owned[0]
    lockable.lockDevices(buyer, [dev], {"from": locker})
    locked = err("DeviceLocked(uint256,address)", dev, locker)
    for caller in (buyer, locker):
        assert_reverts(lockable.transferFrom, buyer, outsider, dev, sender=caller, error=locked)
    safe = lockable.safeTransferFrom["address,address,uint256"]
    assert_reverts(safe, buyer, outsider, dev, sender=buyer, error=locked)
    assert_reverts(lockable.approve, outsider, dev, sender=buyer, error=locked)
    assert lockable.ownerOf(dev) == buyer


def test_status_and_key_still_change_while_locked(lockable, owned, buyer, manufacturer, locker):
    dev = owned[0]
    lockable.lockDevices(buyer, [dev], {"from": locker})
    lockable.setDeviceStatus(dev, SUSPENDED, {"from": manufacturer})
    new_key = accounts[7]
    lockable.rotateDeviceKey(dev, new_key, {"from": manufacturer})
    record = lockable.device(dev)
    assert (record[2], record[4]) == (SUSPENDED, new_key)
    assert lockable.lockerOf(dev) == locker


def test_unlock(lockable, owned, buyer, outsider, locker):
    lockable.lockDevices(buyer, owned, {"from": locker})
    tx = lockable.unlockDevices(owned[:2], {"from": locker})
    assert_events(tx, [("DevicesUnlocked", {"locker": locker, "deviceIds": owned[:2]})])
    assert [lockable.lockerOf(d) for d in owned] == [ZERO, ZERO, locker]
    lockable.transferFrom(buyer, outsider, owned[0], {"from": buyer})
    assert lockable.ownerOf(owned[0]) == outsider


def test_unlock_only_by_the_locker(lockable, owned, buyer, locker, locker2, outsider):
    lockable.lockDevices(buyer, owned[:1], {"from": locker})
    for caller in (locker2, outsider, buyer):
        assert_reverts(
            lockable.unlockDevices,
            owned[:1],
            sender=caller,
            error=err("NotDeviceLocker(uint256,address)", owned[0], caller),
        )
    for dev in (owned[1], 777):  # not locked; not registered
        assert_reverts(
            lockable.unlockDevices,
            [dev],
            sender=locker,
            error=err("NotDeviceLocker(uint256,address)", dev, locker),
        )


def test_revoked_locker_still_releases_but_cannot_lock(lockable, owned, buyer, admin, locker):
    lockable.lockDevices(buyer, owned[:1], {"from": locker})
    lockable.revokeRole(LOCKER_ROLE, locker, {"from": admin})
    assert_reverts(
        lockable.lockDevices,
        buyer,
        owned[1:2],
        sender=locker,
        error=err("NotLocker(address)", locker),
    )
    lockable.unlockDevices(owned[:1], {"from": locker})
    assert lockable.lockerOf(owned[0]) == ZERO
    lockable.grantRole(LOCKER_ROLE, locker, {"from": admin})  # the same compact id comes back
    lockable.lockDevices(buyer, owned[1:2], {"from": locker})
    assert lockable.lockerOf(owned[1]) == locker


def test_transfer_locked(lockable, owned, buyer, outsider, locker):
    lockable.lockDevices(buyer, owned, {"from": locker})
    tx = lockable.transferLocked(buyer, outsider, owned[:2], {"from": locker})
    assert_events(
        tx,
        [("Transfer", {"from": buyer, "to": outsider, "tokenId": d}) for d in owned[:2]],
        emitter=lockable,
    )
    assert [lockable.ownerOf(d) for d in owned] == [outsider, outsider, buyer]
    assert [lockable.lockerOf(d) for d in owned] == [ZERO, ZERO, locker]
    assert (lockable.balanceOf(buyer), lockable.balanceOf(outsider)) == (1, 2)
    lockable.transferFrom(outsider, buyer, owned[0], {"from": outsider})  # unlocked: moves freely


def test_transfer_locked_clears_a_token_approval(lockable, owned, buyer, outsider, locker2, locker):
    lockable.approve(locker2, owned[0], {"from": buyer})
    lockable.lockDevices(buyer, owned[:1], {"from": locker})
    lockable.transferLocked(buyer, outsider, owned[:1], {"from": locker})
    assert lockable.getApproved(owned[0]) == ZERO


def test_transfer_locked_of_a_manufacturer_held_device(
    lockable, register, manufacturer, buyer, locker
):
    dev = register("SN-MFR", owner=manufacturer)[1]
    lockable.setApprovalForAll(locker, True, {"from": manufacturer})
    lockable.lockDevices(manufacturer, [dev], {"from": locker})
    assert lockable.ownerOf(dev) == manufacturer
    lockable.transferLocked(manufacturer, buyer, [dev], {"from": locker})
    assert lockable.ownerOf(dev) == buyer
    assert (lockable.balanceOf(manufacturer), lockable.balanceOf(buyer)) == (0, 1)


def test_transfer_locked_errors(lockable, owned, buyer, outsider, locker, locker2):
    lockable.lockDevices(buyer, owned[:2], {"from": locker})
    assert_reverts(
        lockable.transferLocked,
        buyer,
        ZERO,
        owned[:1],
        sender=locker,
        error=err("ERC721InvalidReceiver(address)", ZERO),
    )
    assert_reverts(
        lockable.transferLocked,
        buyer,
        outsider,
        owned[:1],
        sender=locker2,
        error=err("NotDeviceLocker(uint256,address)", owned[0], locker2),
    )
    assert_reverts(
        lockable.transferLocked,
        outsider,
        buyer,
        owned[:1],
        sender=locker,
        error=err("DeviceNotOwnedBy(uint256,address,address)", owned[0], outsider, buyer),
    )
    assert_reverts(  # the third device is not locked; a duplicate is no longer locked
        lockable.transferLocked,
        buyer,
        outsider,
        [owned[0], owned[2]],
        sender=locker,
        error=err("NotDeviceLocker(uint256,address)", owned[2], locker),
    )
    assert_reverts(
        lockable.transferLocked,
        buyer,
        outsider,
        [owned[1], owned[1]],
        sender=locker,
        error=err("NotDeviceLocker(uint256,address)", owned[1], locker),
    )
    assert lockable.ownerOf(owned[0]) == buyer


@pytest.mark.parametrize("status", [SUSPENDED, DECOMMISSIONED])
def test_locks_in_every_status(lockable, owned, buyer, manufacturer, outsider, locker, status):
    """The registry locks and moves in every status; the escrow checks Active itself."""
    lockable.setDeviceStatus(owned[0], status, {"from": manufacturer})
    lockable.lockDevices(buyer, owned[:1], {"from": locker})
    lockable.transferLocked(buyer, outsider, owned[:1], {"from": locker})
    assert lockable.ownerOf(owned[0]) == outsider


def test_lock_views_of_an_unknown_device(lockable):
    assert lockable.lockerOf(42) == ZERO
