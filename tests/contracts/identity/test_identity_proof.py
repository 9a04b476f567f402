"""Proof of possession: EIP-712 DeviceKeyProof by EOAs and ERC-1271 keys, at registration and later."""

import pytest
from brownie import chain
from eth_account import Account
from eth_utils import keccak
from identity_helpers import (
    ACTIVE,
    DECOMMISSIONED,
    MANUFACTURER_ROLE,
    METADATA,
    MODEL,
    ZERO,
    assert_events,
    assert_reverts,
    device_id,
    err,
    proof_digest,
    sign_key_proof,
    unauthorized,
)


def test_eip712_domain_and_typehash(devices):
    fields, name, version, chain_id, verifying, salt, extensions = devices.eip712Domain()
    assert fields == "0x0f"
    assert (name, version, chain_id, verifying) == (
        "fabtrust DeviceRegistry",
        "1",
        chain.id,
        devices.address,
    )
    assert salt == "0x" + "00" * 32 and list(extensions) == []
    assert bytes(devices.DEVICE_KEY_PROOF_TYPEHASH()) == keccak(
        text="DeviceKeyProof(address manufacturer,uint256 deviceId,address deviceKey)"
    )


def test_key_proof_digest_matches_spec(devices, manufacturer, device_key):
    dev_id = device_id(manufacturer, "SN-P")
    assert bytes(devices.keyProofDigest(manufacturer, dev_id, device_key.address)) == proof_digest(
        devices, manufacturer, dev_id, device_key.address
    )


def test_register_with_eoa_proof(devices, manufacturer, buyer, device_key):
    dev_id = device_id(manufacturer, "SN-P")
    signature = sign_key_proof(device_key, devices, manufacturer, dev_id)
    tx = devices.registerDeviceWithProof(
        "SN-P", MODEL, device_key.address, METADATA, buyer, signature, {"from": manufacturer}
    )
    assert tx.return_value == dev_id
    assert_events(
        tx,
        [
            ("Transfer", {"from": ZERO, "to": buyer, "tokenId": dev_id}),
            (
                "DeviceRegistered",
                {
                    "deviceId": dev_id,
                    "manufacturer": manufacturer,
                    "owner": buyer,
                    "serial": "SN-P",
                    "model": MODEL,
                    "deviceKey": device_key.address,
                    "metadataHash": METADATA,
                },
            ),
            ("DeviceKeyProven", {"deviceId": dev_id, "deviceKey": device_key.address}),
        ],
        emitter=devices,
    )
    block_time = chain[tx.block_number].timestamp
    assert devices.device(dev_id) == (manufacturer, block_time, ACTIVE, True, device_key.address)
    print(f"registerDeviceWithProof gas_used={tx.gas_used}")


def test_register_with_erc1271_proof(
    devices, manufacturer, buyer, wallet_container, admin, device_key
):
    wallet = wallet_container.deploy(device_key.address, {"from": admin})
    dev_id = device_id(manufacturer, "SN-1271")
    # the wallet's owner signs the typed data whose deviceKey is the wallet itself
    signature = sign_key_proof(device_key, devices, manufacturer, dev_id, key=wallet.address)
    tx = devices.registerDeviceWithProof(
        "SN-1271", MODEL, wallet, METADATA, buyer, signature, {"from": manufacturer}
    )
    assert tx.events["DeviceKeyProven"]["deviceKey"] == wallet
    assert devices.device(dev_id)[3:] == (True, wallet)


def test_erc1271_key_that_refuses(
    devices, manufacturer, buyer, wallet_container, admin, device_key
):
    wallet = wallet_container.deploy(device_key.address, {"from": admin})
    wallet.setAccepting(False, {"from": admin})
    dev_id = device_id(manufacturer, "SN-1271")
    signature = sign_key_proof(device_key, devices, manufacturer, dev_id, key=wallet.address)
    assert_reverts(
        devices.registerDeviceWithProof,
        "SN-1271",
        MODEL,
        wallet,
        METADATA,
        buyer,
        signature,
        sender=manufacturer,
        error=err("InvalidKeyProof(address)", wallet),
    )


def test_signature_by_another_key_is_rejected(devices, manufacturer, buyer, device_key):
    impostor = Account.create()
    dev_id = device_id(manufacturer, "SN-P")
    signature = sign_key_proof(impostor, devices, manufacturer, dev_id, key=device_key.address)
    assert_reverts(
        devices.registerDeviceWithProof,
        "SN-P",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        signature,
        sender=manufacturer,
        error=err("InvalidKeyProof(address)", device_key.address),
    )
    assert not devices.isRegistered(dev_id)


def test_proof_replayed_by_another_manufacturer_is_rejected(
    devices2, manufacturer, manufacturer2, buyer, device_key
):
    """A proof made for manufacturer A cannot register the same key under manufacturer B."""
    signature = sign_key_proof(device_key, devices2, manufacturer, device_id(manufacturer, "SN-P"))
    devices2.registerDeviceWithProof(
        "SN-P", MODEL, device_key.address, METADATA, buyer, signature, {"from": manufacturer}
    )
    assert_reverts(
        devices2.registerDeviceWithProof,
        "SN-P",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        signature,
        sender=manufacturer2,
        error=err("InvalidKeyProof(address)", device_key.address),
    )
    assert not devices2.isRegistered(device_id(manufacturer2, "SN-P"))


def test_proof_for_another_serial_is_rejected(devices, manufacturer, buyer, device_key):
    signature = sign_key_proof(
        device_key, devices, manufacturer, device_id(manufacturer, "SN-OTHER")
    )
    assert_reverts(
        devices.registerDeviceWithProof,
        "SN-P",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        signature,
        sender=manufacturer,
        error=err("InvalidKeyProof(address)", device_key.address),
    )


def test_proof_for_another_chain_or_contract_is_rejected(
    devices, manufacturer, buyer, device_key, DeviceRegistry, admin
):
    dev_id = device_id(manufacturer, "SN-P")
    wrong_chain = sign_key_proof(device_key, devices, manufacturer, dev_id, chain_id=chain.id + 1)
    other_registry = DeviceRegistry.deploy(admin, {"from": admin})
    wrong_contract = sign_key_proof(device_key, other_registry, manufacturer, dev_id)
    for signature in (wrong_chain, wrong_contract):
        assert_reverts(
            devices.registerDeviceWithProof,
            "SN-P",
            MODEL,
            device_key.address,
            METADATA,
            buyer,
            signature,
            sender=manufacturer,
            error=err("InvalidKeyProof(address)", device_key.address),
        )


@pytest.mark.parametrize("signature", [b"", b"\x01" * 64, b"\x00" * 65, b"\x11" * 66])
def test_malformed_signatures_are_invalid_proofs(
    devices, manufacturer, buyer, device_key, signature
):
    assert_reverts(
        devices.registerDeviceWithProof,
        "SN-P",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        signature,
        sender=manufacturer,
        error=err("InvalidKeyProof(address)", device_key.address),
    )


def test_register_with_proof_validates_arguments_first(
    devices, manufacturer, buyer, device_key, register
):
    good = sign_key_proof(device_key, devices, manufacturer, device_id(manufacturer, "SN-P"))
    cases = [
        (("", MODEL, device_key.address, METADATA, buyer, good), err("EmptySerial()")),
        (("SN-P", MODEL, ZERO, METADATA, buyer, good), err("ZeroDeviceKey()")),
        (("SN-P", MODEL, device_key.address, METADATA, ZERO, good), err("ZeroOwner()")),
    ]
    for args, error in cases:
        assert_reverts(devices.registerDeviceWithProof, *args, sender=manufacturer, error=error)
    _, dev_id = register("SN-P", key=device_key.address)
    assert_reverts(
        devices.registerDeviceWithProof,
        "SN-P",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        good,
        sender=manufacturer,
        error=err("DeviceAlreadyRegistered(uint256)", dev_id),
    )


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_register_with_proof_wrong_caller(devices, who, request, buyer, device_key):
    caller = request.getfixturevalue(who)
    signature = sign_key_proof(device_key, devices, caller, device_id(caller, "SN-P"))
    assert_reverts(
        devices.registerDeviceWithProof,
        "SN-P",
        MODEL,
        device_key.address,
        METADATA,
        buyer,
        signature,
        sender=caller,
        error=unauthorized(caller, MANUFACTURER_ROLE),
    )


# ------------------------------------------------------------------------------------------------
# proveDeviceKey (late proof, anyone may submit)
# ------------------------------------------------------------------------------------------------


def test_prove_device_key_later_by_anyone(devices, manufacturer, outsider, device_key, register):
    _, dev_id = register("SN-L", key=device_key.address)
    assert devices.device(dev_id)[3] is False
    signature = sign_key_proof(device_key, devices, manufacturer, dev_id)
    tx = devices.proveDeviceKey(dev_id, signature, {"from": outsider})
    assert_events(
        tx,
        [("DeviceKeyProven", {"deviceId": dev_id, "deviceKey": device_key.address})],
        emitter=devices,
    )
    assert devices.device(dev_id)[3] is True


def test_prove_device_key_twice_reverts(devices, manufacturer, outsider, device_key, register):
    _, dev_id = register("SN-L", key=device_key.address)
    signature = sign_key_proof(device_key, devices, manufacturer, dev_id)
    devices.proveDeviceKey(dev_id, signature, {"from": outsider})
    assert_reverts(
        devices.proveDeviceKey,
        dev_id,
        signature,
        sender=outsider,
        error=err("DeviceKeyAlreadyProven(uint256)", dev_id),
    )


def test_prove_device_key_bad_signature(devices, manufacturer, outsider, device_key, register):
    _, dev_id = register("SN-L", key=device_key.address)
    impostor = Account.create()
    for signature in (
        sign_key_proof(impostor, devices, manufacturer, dev_id, key=device_key.address),
        sign_key_proof(
            device_key, devices, outsider, dev_id
        ),  # wrong manufacturer in the typed data
        sign_key_proof(device_key, devices, manufacturer, dev_id + 1),  # wrong device id
    ):
        assert_reverts(
            devices.proveDeviceKey,
            dev_id,
            signature,
            sender=outsider,
            error=err("InvalidKeyProof(address)", device_key.address),
        )
    assert devices.device(dev_id)[3] is False


def test_prove_device_key_unknown_device(devices, outsider, device_key):
    unknown = 12345
    assert_reverts(
        devices.proveDeviceKey,
        unknown,
        sign_key_proof(device_key, devices, outsider, unknown),
        sender=outsider,
        error=err("DeviceNotFound(uint256)", unknown),
    )


def test_prove_device_key_decommissioned(devices, manufacturer, outsider, device_key, register):
    _, dev_id = register("SN-L", key=device_key.address)
    devices.setDeviceStatus(dev_id, DECOMMISSIONED, {"from": manufacturer})
    assert_reverts(
        devices.proveDeviceKey,
        dev_id,
        sign_key_proof(device_key, devices, manufacturer, dev_id),
        sender=outsider,
        error=err("DeviceIsDecommissioned(uint256)", dev_id),
    )


def test_prove_device_key_after_manufacturer_lost_role(
    devices, admin, manufacturer, outsider, device_key, register
):
    """The proof binds the key to the record; it needs nothing from the manufacturer's role."""
    _, dev_id = register("SN-L", key=device_key.address)
    devices.revokeRole(MANUFACTURER_ROLE, manufacturer, {"from": admin})
    devices.proveDeviceKey(
        dev_id, sign_key_proof(device_key, devices, manufacturer, dev_id), {"from": outsider}
    )
    assert devices.device(dev_id)[3] is True
