"""Compact account ids (issue 11): a device record names its owner by a 24-bit id (0 = its manufacturer)
and falls back to an owner slot when no id is left for a receiver; role grants keep a reserve of ids
and refuse a new account once all are taken; lockers get one of 255 indexes. DeviceRegistryHarness
shrinks the limits (max account id, max receiver id) so the tests reach them."""

import pytest
from brownie import accounts
from eth_account import Account
from eth_utils import keccak
from identity_helpers import (
    MANUFACTURER_ROLE,
    METADATA,
    MODEL,
    assert_events,
    assert_reverts,
    err,
)

LOCKER_ROLE = keccak(text="LOCKER_ROLE")
MAX_ID = 4  # ids 1..4 in all
MAX_RECEIVER = 2  # receivers of devices get ids 1..2 only; 3..4 kept for role grants


@pytest.fixture
def small(DeviceRegistryHarness, admin, manufacturer, buyer):
    """A registry with 4 account ids, 2 of them for receivers: the manufacturer takes id 1 (grant),
    `buyer` id 2 (first device received); every later receiver has no id."""
    registry = DeviceRegistryHarness.deploy(admin, MAX_ID, MAX_RECEIVER, {"from": admin})
    registry.grantRole(MANUFACTURER_ROLE, manufacturer, {"from": admin})
    return registry


def _register(registry, serial, owner, sender):
    key = Account.create().address
    tx = registry.registerDevice(serial, MODEL, key, METADATA, owner, {"from": sender})
    return tx.return_value


def _balances(registry, *holders):
    return [registry.balanceOf(h) for h in holders]


def test_owner_without_an_id_is_kept_in_the_owner_slot(small, manufacturer, buyer, outsider):
    first = _register(small, "SN-1", buyer, manufacturer)  # buyer gets id 2
    tx = small.registerDevice(
        "SN-2", MODEL, Account.create().address, METADATA, outsider, {"from": manufacturer}
    )  # no receiver id left for outsider
    second = tx.return_value
    assert tx.events["Transfer"][0]["to"] == outsider
    assert small.ownerOf(first) == buyer
    assert small.ownerOf(second) == outsider
    assert small.device(second)["manufacturer"] == manufacturer
    assert _balances(small, manufacturer, buyer, outsider) == [0, 1, 1]


def test_transfers_move_between_ids_the_owner_slot_and_the_manufacturer(
    small, manufacturer, buyer, outsider
):
    _register(small, "SN-1", buyer, manufacturer)  # buyer: id 2
    dev = _register(small, "SN-2", outsider, manufacturer)  # outsider: owner slot
    stranger = accounts[7]  # no id either
    hops = [
        (outsider, buyer, [0, 2, 0, 0]),  # slot -> id
        (buyer, outsider, [0, 1, 1, 0]),  # id -> slot
        (outsider, stranger, [0, 1, 0, 1]),  # slot -> slot (another address)
        (stranger, manufacturer, [1, 1, 0, 0]),  # slot -> the manufacturer (owner id 0)
        (manufacturer, outsider, [0, 1, 1, 0]),  # manufacturer -> slot
    ]
    for sender, to, balances in hops:
        tx = small.transferFrom(sender, to, dev, {"from": sender})
        assert_events(tx, [("Transfer", {"from": sender, "to": to, "tokenId": dev})], emitter=small)
        assert small.ownerOf(dev) == to
        assert _balances(small, manufacturer, buyer, outsider, stranger) == balances


def test_wrong_from_names_the_owner_in_the_slot(small, manufacturer, buyer, outsider):
    dev = _register(small, "SN-1", outsider, manufacturer)
    _register(small, "SN-2", buyer, manufacturer)
    assert_reverts(
        small.transferFrom,
        buyer,
        manufacturer,
        dev,
        sender=outsider,
        error=err("ERC721IncorrectOwner(address,uint256,address)", buyer, dev, outsider),
    )
    assert_reverts(
        small.transferFrom,
        outsider,
        manufacturer,
        dev,
        sender=buyer,
        error=err("ERC721InsufficientApproval(address,uint256)", buyer, dev),
    )


def test_batch_mixes_the_manufacturer_ids_and_owner_slots(small, manufacturer, buyer, outsider):
    stranger = accounts[7]
    owners = [buyer, buyer, outsider, manufacturer, outsider, stranger, buyer, manufacturer]
    inputs = [
        (f"SN-B{i}", MODEL, Account.create().address, METADATA, owner)
        for i, owner in enumerate(owners)
    ]
    tx = small.registerDevices(inputs, {"from": manufacturer})
    ids = list(tx.return_value)
    assert [small.ownerOf(dev) for dev in ids] == owners
    assert [ev["to"] for ev in tx.events["Transfer"]] == owners
    assert _balances(small, manufacturer, buyer, outsider, stranger) == [2, 3, 2, 1]


def test_lock_and_transfer_locked_with_the_owner_in_the_slot(
    small, admin, manufacturer, buyer, outsider
):
    locker = accounts[9]
    small.grantRole(LOCKER_ROLE, locker, {"from": admin})  # id 3, from the role reserve
    _register(small, "SN-1", buyer, manufacturer)  # buyer: id 2
    dev = _register(small, "SN-2", outsider, manufacturer)  # outsider: owner slot
    small.setApprovalForAll(locker, True, {"from": outsider})
    small.setApprovalForAll(locker, True, {"from": buyer})
    assert_reverts(
        small.lockDevices,
        buyer,
        [dev],
        sender=locker,
        error=err("DeviceNotOwnedBy(uint256,address,address)", dev, buyer, outsider),
    )
    small.lockDevices(outsider, [dev], {"from": locker})
    assert small.lockerOf(dev) == locker
    assert_reverts(
        small.transferLocked,
        buyer,
        outsider,
        [dev],
        sender=locker,
        error=err("DeviceNotOwnedBy(uint256,address,address)", dev, buyer, outsider),
    )
    tx = small.transferLocked(outsider, buyer, [dev], {"from": locker})
    assert_events(
        tx, [("Transfer", {"from": outsider, "to": buyer, "tokenId": dev})], emitter=small
    )
    assert (small.ownerOf(dev), small.lockerOf(dev)) == (buyer, "0x" + "00" * 20)
    assert _balances(small, buyer, outsider) == [2, 0]
    # and back into the slot of another account without an id, through a lock again
    stranger = accounts[7]
    small.lockDevices(buyer, [dev], {"from": locker})
    small.transferLocked(buyer, stranger, [dev], {"from": locker})
    assert small.ownerOf(dev) == stranger
    assert _balances(small, buyer, stranger) == [1, 1]


def test_role_grants_use_the_reserve_then_refuse_new_accounts(
    small, admin, manufacturer, buyer, outsider
):
    _register(small, "SN-1", buyer, manufacturer)  # buyer: id 2, the last receiver id
    _register(small, "SN-2", outsider, manufacturer)  # outsider: none left
    small.grantRole(LOCKER_ROLE, accounts[9], {"from": admin})  # id 3 (reserve)
    small.grantRole(MANUFACTURER_ROLE, accounts[6], {"from": admin})  # id 4 (reserve)
    for newcomer, role in ((outsider, MANUFACTURER_ROLE), (accounts[7], LOCKER_ROLE)):
        assert_reverts(
            small.grantRole, role, newcomer, sender=admin, error=err("AccountIdsExhausted()")
        )
        assert not small.hasRole(role, newcomer)
    # an account that has an id takes the role without a new one, and registers under it
    small.grantRole(MANUFACTURER_ROLE, buyer, {"from": admin})
    dev = _register(small, "SN-3", buyer, buyer)
    assert small.device(dev)["manufacturer"] == buyer
    assert small.ownerOf(dev) == buyer
    # revoking keeps the id: the role comes back without one
    small.revokeRole(MANUFACTURER_ROLE, accounts[6], {"from": admin})
    small.grantRole(MANUFACTURER_ROLE, accounts[6], {"from": admin})
    assert small.hasRole(MANUFACTURER_ROLE, accounts[6])


def test_the_256th_locker_is_refused(DeviceRegistryHarness, admin, manufacturer):
    registry = DeviceRegistryHarness.deploy(admin, 1000, 500, {"from": admin})
    registry.grantRole(MANUFACTURER_ROLE, manufacturer, {"from": admin})
    first = accounts[9]
    lockers = [first] + [Account.create().address for _ in range(254)]
    for locker in lockers:
        registry.grantRole(LOCKER_ROLE, locker, {"from": admin})
    late = Account.create().address
    assert_reverts(
        registry.grantRole, LOCKER_ROLE, late, sender=admin, error=err("LockerIndexesExhausted()")
    )
    assert not registry.hasRole(LOCKER_ROLE, late)
    # a locker keeps its index across a revoke: granted again, it locks as before
    registry.revokeRole(LOCKER_ROLE, first, {"from": admin})
    registry.grantRole(LOCKER_ROLE, first, {"from": admin})
    dev = _register(registry, "SN-1", manufacturer, manufacturer)
    registry.setApprovalForAll(first, True, {"from": manufacturer})
    registry.lockDevices(manufacturer, [dev], {"from": first})
    assert registry.lockerOf(dev) == first
