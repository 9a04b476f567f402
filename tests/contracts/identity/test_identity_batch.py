"""registerDevices: batch registration, all or nothing, gas per device."""

import pytest
from brownie import chain
from eth_account import Account
from eth_utils import keccak
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

MAX_GAS_PER_DEVICE = 100_000


def entries(count, prefix="SN-B", owner=None, key=None):
    key = key or Account.create().address
    return [
        (f"{prefix}-{i:04d}", keccak(text=f"model-{i}"), key, keccak(text=f"meta-{i}"), owner)
        for i in range(count)
    ]


def test_batch_registers_all_in_order(devices, manufacturer, buyer, outsider):
    inputs = entries(3, owner=buyer)
    inputs[1] = (inputs[1][0], inputs[1][1], inputs[1][2], inputs[1][3], outsider)  # mixed owners
    tx = devices.registerDevices(inputs, {"from": manufacturer})

    ids = [device_id(manufacturer, serial) for serial, *_ in inputs]
    assert list(tx.return_value) == ids
    expected = []
    for dev_id, (serial, model, key, meta, owner) in zip(ids, inputs, strict=True):
        expected.append(("Transfer", {"from": ZERO, "to": owner, "tokenId": dev_id}))
        expected.append(
            (
                "DeviceRegistered",
                {
                    "deviceId": dev_id,
                    "manufacturer": manufacturer,
                    "owner": owner,
                    "serial": serial,
                    "model": model,
                    "deviceKey": key,
                    "metadataHash": meta,
                },
            )
        )
    assert_events(tx, expected, emitter=devices)
    block_time = chain[tx.block_number].timestamp
    for dev_id, (_, _, key, _, owner) in zip(ids, inputs, strict=True):
        assert devices.device(dev_id) == (manufacturer, block_time, ACTIVE, False, key)
        assert devices.ownerOf(dev_id) == owner
    assert devices.balanceOf(buyer) == 2
    assert devices.balanceOf(outsider) == 1


def test_batch_of_one(devices, manufacturer, buyer):
    inputs = entries(1, owner=buyer)
    tx = devices.registerDevices(inputs, {"from": manufacturer})
    assert list(tx.return_value) == [device_id(manufacturer, inputs[0][0])]


def test_batch_of_100_gas_per_device(devices, manufacturer, buyer):
    inputs = entries(100, prefix="SN-GAS", owner=buyer)
    tx = devices.registerDevices(inputs, {"from": manufacturer})
    per_device = tx.gas_used / 100
    print(f"registerDevices(100) gas_used={tx.gas_used} per_device={per_device:.0f}")
    assert per_device <= MAX_GAS_PER_DEVICE
    assert devices.balanceOf(buyer) == 100
    assert len(tx.events["DeviceRegistered"]) == 100
    assert len(tx.events["Transfer"]) == 100


def test_empty_batch_reverts(devices, manufacturer):
    assert_reverts(devices.registerDevices, [], sender=manufacturer, error=err("EmptyBatch()"))


def test_duplicate_in_the_middle_reverts_everything(devices, manufacturer, buyer):
    inputs = entries(5, owner=buyer)
    inputs[3] = inputs[1]  # same serial again later in the batch
    dup_id = device_id(manufacturer, inputs[1][0])
    assert_reverts(
        devices.registerDevices,
        inputs,
        sender=manufacturer,
        error=err("DeviceAlreadyRegistered(uint256)", dup_id),
    )
    assert devices.balanceOf(buyer) == 0
    for serial, *_ in inputs:
        assert not devices.isRegistered(device_id(manufacturer, serial))


def test_batch_with_an_already_registered_device_reverts_everything(
    devices, manufacturer, buyer, register
):
    _, existing = register("SN-B-0002")
    inputs = entries(4, owner=buyer)  # SN-B-0000 .. SN-B-0003, 0002 exists
    assert_reverts(
        devices.registerDevices,
        inputs,
        sender=manufacturer,
        error=err("DeviceAlreadyRegistered(uint256)", existing),
    )
    assert devices.balanceOf(buyer) == 1
    assert not devices.isRegistered(device_id(manufacturer, "SN-B-0000"))
    assert not devices.isRegistered(device_id(manufacturer, "SN-B-0001"))


@pytest.mark.parametrize(
    "field, value, error",
    [
        (0, "", err("EmptySerial()")),
        (2, ZERO, err("ZeroDeviceKey()")),
        (4, ZERO, err("ZeroOwner()")),
    ],
)
def test_invalid_entry_in_the_middle_reverts_everything(
    devices, manufacturer, buyer, field, value, error
):
    inputs = [list(entry) for entry in entries(3, owner=buyer)]
    inputs[1][field] = value
    assert_reverts(
        devices.registerDevices, [tuple(e) for e in inputs], sender=manufacturer, error=error
    )
    assert devices.balanceOf(buyer) == 0
    assert not devices.isRegistered(device_id(manufacturer, inputs[0][0]))


@pytest.mark.parametrize("who", ["outsider", "admin", "lab"])
def test_batch_wrong_caller(devices, who, request, buyer):
    caller = request.getfixturevalue(who)
    assert_reverts(
        devices.registerDevices,
        entries(2, owner=buyer),
        sender=caller,
        error=unauthorized(caller, MANUFACTURER_ROLE),
    )


def test_batch_ids_match_single_registration_ids(devices, manufacturer, buyer):
    inputs = entries(2, prefix="SN-X", owner=buyer)
    tx = devices.registerDevices(inputs, {"from": manufacturer})
    for dev_id, (serial, *_rest) in zip(tx.return_value, inputs, strict=True):
        assert dev_id == devices.deviceIdOf(manufacturer, serial)
        assert_reverts(
            devices.registerDevice,
            serial,
            MODEL,
            buyer,
            METADATA,
            buyer,
            sender=manufacturer,
            error=err("DeviceAlreadyRegistered(uint256)", dev_id),
        )
