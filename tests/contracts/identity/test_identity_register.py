"""registerDevice: ids, records, events, every revert path and every wrong caller."""

import pytest
from brownie import accounts, chain
from brownie.test import given
from eth_account import Account
from hypothesis import settings
from hypothesis import strategies as st
from identity_helpers import (
    ACTIVE,
    MANUFACTURER_ROLE,
    METADATA,
    MODEL,
    ZERO,
    assert_events,
    assert_reverts,
    device_id,
    err,
    unauthorized,
)

MAX_GAS_SINGLE = 150_000


def test_register_mints_records_and_emits(devices, manufacturer, buyer, device_key):
    expected_id = device_id(manufacturer, "SN-0001")
    assert not devices.isRegistered(expected_id)

    tx = devices.registerDevice(
        "SN-0001", MODEL, device_key.address, METADATA, buyer, {"from": manufacturer}
    )

    assert tx.return_value == expected_id
    assert_events(
        tx,
        [
            ("Transfer", {"from": ZERO, "to": buyer, "tokenId": expected_id}),
            (
                "DeviceRegistered",
                {
                    "deviceId": expected_id,
                    "manufacturer": manufacturer,
                    "owner": buyer,
                    "serial": "SN-0001",
                    "model": MODEL,
                    "deviceKey": device_key.address,
                    "metadataHash": METADATA,
                },
            ),
        ],
        emitter=devices,
    )
    block_time = chain[tx.block_number].timestamp
    assert devices.device(expected_id) == (
        manufacturer,
        block_time,
        ACTIVE,
        False,
        device_key.address,
    )
    assert devices.isRegistered(expected_id)
    assert devices.ownerOf(expected_id) == buyer
    assert devices.balanceOf(buyer) == 1
    assert devices.balanceOf(manufacturer) == 0
    assert devices.tokenURI(expected_id) == ""


def test_register_gas_within_target(devices, manufacturer, buyer, device_key):
    tx = devices.registerDevice(
        "SN-GAS-0001", MODEL, device_key.address, METADATA, buyer, {"from": manufacturer}
    )
    print(f"registerDevice gas_used={tx.gas_used}")
    assert tx.gas_used <= MAX_GAS_SINGLE
    # a second device to an owner who already holds one (warm balance slot: the common MES case)
    tx2 = devices.registerDevice(
        "SN-GAS-0002", MODEL, device_key.address, METADATA, buyer, {"from": manufacturer}
    )
    print(f"registerDevice (owner already holds a device) gas_used={tx2.gas_used}")
    assert tx2.gas_used < tx.gas_used


def test_device_id_matches_python_keccak(devices, manufacturer, register):
    for serial in ["SN-0001", "x", "序列号-42", "A" * 200, "with spaces and \u00e9"]:
        tx, returned = register(serial)
        expected = device_id(manufacturer, serial)
        assert returned == expected
        assert devices.deviceIdOf(manufacturer, serial) == expected
        assert tx.events["DeviceRegistered"]["serial"] == serial


@settings(max_examples=25)
@given(serial=st.text(min_size=1, max_size=80), who=st.integers(min_value=0, max_value=9))
def test_device_id_of_is_the_abi_encode_keccak(devices, serial, who):
    assert devices.deviceIdOf(accounts[who], serial) == device_id(accounts[who], serial)


def test_device_id_of_is_pure_for_any_manufacturer(devices):
    other = Account.create().address
    assert devices.deviceIdOf(other, "SN-0001") == device_id(other, "SN-0001")
    assert devices.deviceIdOf(ZERO, "SN-0001") == device_id(ZERO, "SN-0001")


def test_same_serial_two_manufacturers_two_devices(
    devices2, manufacturer, manufacturer2, buyer, register
):
    _, first = register("SN-SHARED", sender=manufacturer)
    _, second = register("SN-SHARED", sender=manufacturer2)
    assert first != second
    assert devices2.device(first)[0] == manufacturer
    assert devices2.device(second)[0] == manufacturer2
    assert devices2.balanceOf(buyer) == 2


def test_register_to_contract_wallet_without_receiver(
    devices, manufacturer, wallet_container, admin, device_key
):
    """_mint, not _safeMint: a contract owner without onERC721Received still receives the record."""
    wallet = wallet_container.deploy(admin, {"from": admin})
    tx = devices.registerDevice(
        "SN-CW", MODEL, device_key.address, METADATA, wallet, {"from": manufacturer}
    )
    assert devices.ownerOf(tx.return_value) == wallet
    assert tx.events["Transfer"]["to"] == wallet


def test_owner_may_equal_manufacturer_and_key(devices, manufacturer):
    tx = devices.registerDevice(
        "SN-SELF", MODEL, manufacturer, METADATA, manufacturer, {"from": manufacturer}
    )
    assert devices.ownerOf(tx.return_value) == manufacturer
    assert devices.device(tx.return_value)[4] == manufacturer


def test_zero_model_and_metadata_are_allowed(devices, manufacturer, buyer, device_key):
    zero = b"\x00" * 32
    tx = devices.registerDevice(
        "SN-Z", zero, device_key.address, zero, buyer, {"from": manufacturer}
    )
    assert tx.events["DeviceRegistered"]["model"] == "0x" + "00" * 32
    assert tx.events["DeviceRegistered"]["metadataHash"] == "0x" + "00" * 32


# ------------------------------------------------------------------------------------------------
# Reverts
# ------------------------------------------------------------------------------------------------


def test_duplicate_reverts_with_id(devices, manufacturer, buyer, outsider, register):
    _, dev_id = register("SN-DUP")
    assert_reverts(
        devices.registerDevice,
        "SN-DUP",
        MODEL,
        outsider,
        METADATA,
        outsider,
        sender=manufacturer,
        error=err("DeviceAlreadyRegistered(uint256)", dev_id),
    )
    # nothing changed: still one token, first record kept
    assert devices.ownerOf(dev_id) == buyer
    assert devices.balanceOf(outsider) == 0


def test_empty_serial_reverts(devices, manufacturer, buyer, device_key):
    assert_reverts(
        devices.registerDevice,
        "",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        sender=manufacturer,
        error=err("EmptySerial()"),
    )


def test_zero_owner_reverts(devices, manufacturer, device_key):
    assert_reverts(
        devices.registerDevice,
        "SN-1",
        MODEL,
        device_key.address,
        METADATA,
        ZERO,
        sender=manufacturer,
        error=err("ZeroOwner()"),
    )


def test_zero_device_key_reverts(devices, manufacturer, buyer):
    assert_reverts(
        devices.registerDevice,
        "SN-1",
        MODEL,
        ZERO,
        METADATA,
        buyer,
        sender=manufacturer,
        error=err("ZeroDeviceKey()"),
    )


def test_validation_order_serial_key_owner_then_duplicate(devices, manufacturer, register):
    """Documented check order: EmptySerial, ZeroDeviceKey, ZeroOwner, DeviceAlreadyRegistered."""
    assert_reverts(
        devices.registerDevice,
        "",
        MODEL,
        ZERO,
        METADATA,
        ZERO,
        sender=manufacturer,
        error=err("EmptySerial()"),
    )
    assert_reverts(
        devices.registerDevice,
        "S",
        MODEL,
        ZERO,
        METADATA,
        ZERO,
        sender=manufacturer,
        error=err("ZeroDeviceKey()"),
    )
    register("SN-ORDER")  # exists: ZeroOwner is still reported before DeviceAlreadyRegistered
    assert_reverts(
        devices.registerDevice,
        "SN-ORDER",
        MODEL,
        manufacturer,
        METADATA,
        ZERO,
        sender=manufacturer,
        error=err("ZeroOwner()"),
    )


@pytest.mark.parametrize("who", ["outsider", "admin", "lab", "buyer"])
def test_register_wrong_caller(devices, who, request, buyer, device_key):
    caller = request.getfixturevalue(who)
    assert_reverts(
        devices.registerDevice,
        "SN-1",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        sender=caller,
        error=unauthorized(caller, MANUFACTURER_ROLE),
    )


def test_revoked_manufacturer_cannot_register(devices, admin, manufacturer, buyer, device_key):
    devices.revokeRole(MANUFACTURER_ROLE, manufacturer, {"from": admin})
    assert_reverts(
        devices.registerDevice,
        "SN-1",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        sender=manufacturer,
        error=unauthorized(manufacturer, MANUFACTURER_ROLE),
    )


def test_unknown_device_reads(devices, manufacturer):
    unknown = device_id(manufacturer, "never registered")
    assert not devices.isRegistered(unknown)
    assert_reverts(
        devices.device, unknown, sender=manufacturer, error=err("DeviceNotFound(uint256)", unknown)
    )
    assert_reverts(
        devices.ownerOf,
        unknown,
        sender=manufacturer,
        error=err("ERC721NonexistentToken(uint256)", unknown),
    )
