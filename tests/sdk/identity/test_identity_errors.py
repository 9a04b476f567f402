"""Every DeviceRegistry custom error maps to its exception class with the decoded arguments."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from fabtrust._artifacts import all_abis, artifact
from fabtrust.accounts import Signer
from fabtrust.chain import decode_revert
from fabtrust.errors import (
    AccessControlUnauthorizedAccountError,
    ContractError,
    ERC721InsufficientApprovalError,
    ERC721NonexistentTokenError,
    canonical_type,
)
from fabtrust.identity import (
    DeviceAlreadyRegisteredError,
    DeviceIsDecommissionedError,
    DeviceKeyAlreadyProvenError,
    DeviceKeyUnchangedError,
    DeviceNotFoundError,
    DeviceStatus,
    EmptyBatchError,
    EmptySerialError,
    InvalidKeyProofError,
    NotDeviceManagerError,
    NotDeviceManufacturerError,
    StatusUnchangedError,
    ZeroDeviceKeyError,
    ZeroOwnerError,
)
from fabtrust.identity import errors as identity_errors

MAKER = Signer.dev(1).address
BUYER = Signer.dev(3).address
ADMIN = Signer.dev(0).address
MANUFACTURER_ROLE = keccak(text="MANUFACTURER_ROLE")
Z32 = b"\0" * 32

REGISTRY_ERRORS = [item for item in artifact("DeviceRegistry").abi if item["type"] == "error"]
OWN_ERRORS = [
    item for item in REGISTRY_ERRORS
    if hasattr(identity_errors, item["name"] + "Error")
]  # fmt: skip


def test_every_registry_error_of_the_interface_has_a_class() -> None:
    declared = {
        "ZeroAdmin", "DeviceAlreadyRegistered", "EmptySerial", "ZeroOwner", "ZeroDeviceKey",
        "InvalidKeyProof", "EmptyBatch", "DeviceNotFound", "NotDeviceManager",
        "NotDeviceManufacturer", "DeviceIsDecommissioned", "StatusUnchanged",
        "DeviceKeyUnchanged", "DeviceKeyAlreadyProven", "NotLocker", "NotApprovedOperator",
        "DeviceNotOwnedBy", "DeviceLocked", "NotDeviceLocker", "AccountIdsExhausted",
        "LockerIndexesExhausted",
    }  # fmt: skip
    assert declared == {item["name"] for item in OWN_ERRORS}
    assert set(identity_errors.__all__) >= {name + "Error" for name in declared}


@pytest.mark.parametrize("item", OWN_ERRORS, ids=lambda item: item["name"])
def test_decoded_revert_is_the_exported_class(item: dict[str, Any]) -> None:
    types = [canonical_type(p) for p in item["inputs"]]
    samples = {"uint256": 12345, "address": BUYER, "uint8": 2}
    values = [samples[t] for t in types]
    selector = keccak(text=f"{item['name']}({','.join(types)})")[:4]
    error = decode_revert(selector + encode(types, values), all_abis())
    cls = getattr(identity_errors, item["name"] + "Error")
    assert type(error) is cls
    assert isinstance(error, ContractError)
    assert list(error.arguments.values()) == values
    assert "0x" + selector.hex() == cls.SELECTOR


# -- through the SDK ---------------------------------------------------------------------------


@pytest.fixture
def device(maker: Any, device_key: Signer) -> int:
    return int(
        maker.devices.register(serial="SN-err", model="m", device_key=device_key.address).device_id
    )


def test_already_registered(maker: Any, device: int, device_key: Signer) -> None:
    with pytest.raises(DeviceAlreadyRegisteredError) as info:
        maker.devices.register(serial="SN-err", model="m", device_key=device_key.address)
    assert info.value.device_id == device
    assert info.value.arguments == {"deviceId": device}


def test_device_not_found_everywhere(maker: Any, device_key: Signer) -> None:
    missing = maker.devices.id_of(serial="missing")
    calls = [
        lambda: maker.devices.get(device_id=missing),
        lambda: maker.devices.set_status(device_id=missing, status="suspended"),
        lambda: maker.devices.rotate_key(device_id=missing, new_key=device_key.address),
        lambda: maker.devices.rotate_key(device_id=missing, key_signer=device_key),
        lambda: maker.devices.prove_key(device_id=missing, key_signer=device_key),
        lambda: maker.certificates.verify_device_signature(
            device_id=missing, data_root=Z32, signature=b"\1" * 65
        ),
    ]
    for call in calls:
        with pytest.raises(DeviceNotFoundError) as info:
            call()
        assert info.value.device_id == missing


def test_not_device_manager(buyer: Any, device: int) -> None:
    with pytest.raises(NotDeviceManagerError) as info:
        buyer.devices.set_status(device_id=device, status="suspended")
    assert (info.value.device_id, info.value.caller) == (device, BUYER)


def test_not_device_manufacturer(admin: Any, buyer: Any, device: int) -> None:
    new_key = Signer.generate()
    for client, caller in ((admin, ADMIN), (buyer, BUYER)):
        with pytest.raises(NotDeviceManufacturerError) as info:
            client.devices.rotate_key(device_id=device, new_key=new_key.address)
        assert (info.value.device_id, info.value.caller) == (device, caller)
    with pytest.raises(NotDeviceManufacturerError):
        admin.devices.rotate_key(device_id=device, key_signer=new_key)


def test_status_unchanged(maker: Any, device: int) -> None:
    with pytest.raises(StatusUnchangedError) as info:
        maker.devices.set_status(device_id=device, status="active")
    assert info.value.device_id == device and info.value.status == DeviceStatus.ACTIVE


def test_decommissioned_is_final(maker: Any, device: int, device_key: Signer) -> None:
    maker.devices.set_status(device_id=device, status="decommissioned")
    attempts = [
        lambda: maker.devices.set_status(device_id=device, status="active"),
        lambda: maker.devices.rotate_key(device_id=device, new_key=Signer.generate().address),
        lambda: maker.devices.prove_key(device_id=device, key_signer=device_key),
    ]
    for attempt in attempts:
        with pytest.raises(DeviceIsDecommissionedError) as info:
            attempt()
        assert info.value.device_id == device
    # Custody still moves.
    maker.devices.transfer(device_id=device, to=BUYER)
    assert maker.devices.owner_of(device_id=device) == BUYER


def test_key_unchanged_and_already_proven(maker: Any, device: int, device_key: Signer) -> None:
    with pytest.raises(DeviceKeyUnchangedError) as info:
        maker.devices.rotate_key(device_id=device, new_key=device_key.address)
    assert (info.value.device_id, info.value.device_key) == (device, device_key.address)
    maker.devices.prove_key(device_id=device, key_signer=device_key)
    with pytest.raises(DeviceKeyAlreadyProvenError) as info2:
        maker.devices.prove_key(device_id=device, key_signer=device_key)
    assert info2.value.device_id == device


def test_access_control(buyer: Any, device_key: Signer) -> None:
    with pytest.raises(AccessControlUnauthorizedAccountError) as info:
        buyer.devices.register(serial="SN-b", model="m", device_key=device_key.address)
    assert info.value.account == BUYER
    assert info.value.needed_role == MANUFACTURER_ROLE
    from fabtrust.identity import DeviceSpec

    spec = DeviceSpec(serial="SN-b", model="m", device_key=device_key.address)
    with pytest.raises(AccessControlUnauthorizedAccountError):
        buyer.devices.register_many(devices=[spec])


def test_erc721_errors(maker: Any, buyer: Any, device: int) -> None:
    with pytest.raises(ERC721InsufficientApprovalError) as info:
        buyer.devices.transfer(device_id=device, to=BUYER)
    assert (info.value.operator, info.value.token_id) == (BUYER, device)
    missing = device + 1
    with pytest.raises(ERC721NonexistentTokenError) as info2:
        maker.devices.transfer(device_id=missing, to=BUYER)
    assert info2.value.token_id == missing


# -- errors the SDK's input checks stop first, sent raw ----------------------------------------


def test_errors_stopped_by_input_checks_map_when_sent_raw(maker: Any, device_key: Signer) -> None:
    chain = maker.chain
    key = device_key.address
    zero = "0x" + "00" * 20
    with pytest.raises(EmptySerialError):
        chain.transact("DeviceRegistry", "registerDevice", "", Z32, key, Z32, MAKER)
    with pytest.raises(ZeroDeviceKeyError):
        chain.transact("DeviceRegistry", "registerDevice", "S", Z32, zero, Z32, MAKER)
    with pytest.raises(ZeroOwnerError):
        chain.transact("DeviceRegistry", "registerDevice", "S", Z32, key, Z32, zero)
    with pytest.raises(EmptyBatchError):
        chain.transact("DeviceRegistry", "registerDevices", [])
    wrong = Signer.generate().sign_message(b"not a proof")
    with pytest.raises(InvalidKeyProofError) as info:
        chain.transact(
            "DeviceRegistry", "registerDeviceWithProof", "S", Z32, key, Z32, MAKER, wrong
        )
    assert info.value.device_key == key


def test_mined_revert_carries_the_transaction_hash(maker: Any, device: int) -> None:
    """A transaction that reverts on chain (gas given, no simulation) maps the same way."""
    with pytest.raises(StatusUnchangedError) as info:
        maker.chain.transact("DeviceRegistry", "setDeviceStatus", device, 0, gas=200_000)
    assert info.value.tx_hash is not None and info.value.device_id == device
