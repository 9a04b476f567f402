"""rotateDeviceKey and rotateDeviceKeyWithProof."""

import pytest
from eth_account import Account
from identity_helpers import (
    DECOMMISSIONED,
    MANUFACTURER_ROLE,
    METADATA,
    MODEL,
    SUSPENDED,
    ZERO,
    assert_events,
    assert_reverts,
    device_id,
    err,
    sign_key_proof,
)


@pytest.fixture
def old_key():
    return Account.create()


@pytest.fixture
def new_key():
    return Account.create()


@pytest.fixture
def proven_id(devices, manufacturer, buyer, old_key):
    """A device registered with a proven key."""
    dev_id = device_id(manufacturer, "SN-R")
    signature = sign_key_proof(old_key, devices, manufacturer, dev_id)
    devices.registerDeviceWithProof(
        "SN-R", MODEL, old_key.address, METADATA, buyer, signature, {"from": manufacturer}
    )
    return dev_id


def test_rotate_replaces_key_and_resets_proof(devices, manufacturer, proven_id, old_key, new_key):
    before = devices.device(proven_id)
    assert before[3] is True
    tx = devices.rotateDeviceKey(proven_id, new_key.address, {"from": manufacturer})
    assert_events(
        tx,
        [
            (
                "DeviceKeyRotated",
                {"deviceId": proven_id, "previousKey": old_key.address, "newKey": new_key.address},
            )
        ],
        emitter=devices,
    )
    assert devices.device(proven_id) == (before[0], before[1], before[2], False, new_key.address)
    print(f"rotateDeviceKey gas_used={tx.gas_used}")


def test_rotate_with_proof(devices, manufacturer, proven_id, old_key, new_key):
    devices.rotateDeviceKey(
        proven_id, Account.create().address, {"from": manufacturer}
    )  # unproven now
    mid_key = devices.device(proven_id)[4]
    signature = sign_key_proof(new_key, devices, manufacturer, proven_id)
    tx = devices.rotateDeviceKeyWithProof(
        proven_id, new_key.address, signature, {"from": manufacturer}
    )
    assert_events(
        tx,
        [
            (
                "DeviceKeyRotated",
                {"deviceId": proven_id, "previousKey": mid_key, "newKey": new_key.address},
            ),
            ("DeviceKeyProven", {"deviceId": proven_id, "deviceKey": new_key.address}),
        ],
        emitter=devices,
    )
    assert devices.device(proven_id)[3:] == (True, new_key.address)
    print(f"rotateDeviceKeyWithProof gas_used={tx.gas_used}")


def test_rotate_with_proof_by_erc1271_key(
    devices, manufacturer, proven_id, wallet_container, admin, new_key
):
    wallet = wallet_container.deploy(new_key.address, {"from": admin})
    signature = sign_key_proof(new_key, devices, manufacturer, proven_id, key=wallet.address)
    devices.rotateDeviceKeyWithProof(proven_id, wallet, signature, {"from": manufacturer})
    assert devices.device(proven_id)[3:] == (True, wallet)


def test_rotate_with_bad_proof(devices, manufacturer, outsider, proven_id, old_key, new_key):
    for signature in (
        sign_key_proof(
            old_key, devices, manufacturer, proven_id, key=new_key.address
        ),  # old key signs for new
        sign_key_proof(new_key, devices, outsider, proven_id),  # wrong manufacturer
        sign_key_proof(new_key, devices, manufacturer, proven_id + 1),  # another device
        b"",
    ):
        assert_reverts(
            devices.rotateDeviceKeyWithProof,
            proven_id,
            new_key.address,
            signature,
            sender=manufacturer,
            error=err("InvalidKeyProof(address)", new_key.address),
        )
    assert devices.device(proven_id)[3:] == (True, old_key.address)


def test_rotate_while_suspended(devices, manufacturer, proven_id, new_key):
    devices.setDeviceStatus(proven_id, SUSPENDED, {"from": manufacturer})
    devices.rotateDeviceKey(proven_id, new_key.address, {"from": manufacturer})
    assert devices.device(proven_id)[2:] == (SUSPENDED, False, new_key.address)


def test_rotate_back_to_an_earlier_key(devices, manufacturer, proven_id, old_key, new_key):
    devices.rotateDeviceKey(proven_id, new_key.address, {"from": manufacturer})
    tx = devices.rotateDeviceKey(proven_id, old_key.address, {"from": manufacturer})
    assert tx.events["DeviceKeyRotated"]["previousKey"] == new_key.address
    assert devices.device(proven_id)[3:] == (False, old_key.address)


@pytest.mark.parametrize("with_proof", [False, True])
def test_rotate_reverts(devices, manufacturer, proven_id, old_key, new_key, with_proof):
    def rotate(key, error, dev_id=proven_id, sender=manufacturer):
        if with_proof:
            signature = sign_key_proof(new_key, devices, manufacturer, dev_id, key=key)
            assert_reverts(
                devices.rotateDeviceKeyWithProof, dev_id, key, signature, sender=sender, error=error
            )
        else:
            assert_reverts(devices.rotateDeviceKey, dev_id, key, sender=sender, error=error)

    rotate(ZERO, err("ZeroDeviceKey()"))
    rotate(old_key.address, err("DeviceKeyUnchanged(uint256,address)", proven_id, old_key.address))
    rotate(new_key.address, err("DeviceNotFound(uint256)", 99), dev_id=99)
    devices.setDeviceStatus(proven_id, DECOMMISSIONED, {"from": manufacturer})
    rotate(new_key.address, err("DeviceIsDecommissioned(uint256)", proven_id))
    assert devices.device(proven_id)[4] == old_key.address


@pytest.mark.parametrize("with_proof", [False, True])
@pytest.mark.parametrize("who", ["admin", "outsider", "buyer", "manufacturer2"])
def test_rotate_wrong_caller(devices2, request, proven_id, new_key, who, with_proof, manufacturer):
    """Only the device's manufacturer: not the admin, the owner or another manufacturer."""
    caller = request.getfixturevalue(who)
    error = err("NotDeviceManufacturer(uint256,address)", proven_id, caller)
    if with_proof:
        signature = sign_key_proof(new_key, devices2, manufacturer, proven_id)
        assert_reverts(
            devices2.rotateDeviceKeyWithProof,
            proven_id,
            new_key.address,
            signature,
            sender=caller,
            error=error,
        )
    else:
        assert_reverts(
            devices2.rotateDeviceKey, proven_id, new_key.address, sender=caller, error=error
        )


def test_rotate_by_manufacturer_without_role(devices, admin, manufacturer, proven_id, new_key):
    devices.revokeRole(MANUFACTURER_ROLE, manufacturer, {"from": admin})
    assert_reverts(
        devices.rotateDeviceKey,
        proven_id,
        new_key.address,
        sender=manufacturer,
        error=err("NotDeviceManufacturer(uint256,address)", proven_id, manufacturer),
    )


def test_caller_check_comes_first(devices, outsider, proven_id):
    """A stranger learns nothing about the arguments: the caller check precedes the key checks."""
    assert_reverts(
        devices.rotateDeviceKey,
        proven_id,
        ZERO,
        sender=outsider,
        error=err("NotDeviceManufacturer(uint256,address)", proven_id, outsider),
    )
