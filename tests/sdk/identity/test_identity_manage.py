"""Transfers, status, key rotation and proof, escrow approval, device data signatures."""

from __future__ import annotations

import os
from typing import Any

import pytest

from fabtrust.accounts import Signer
from fabtrust.errors import ERC721InvalidReceiverError, InvalidInputError
from fabtrust.evidence import data_attestation_typed_data, typed_data_digest
from fabtrust.identity import DeviceLockedError, DeviceNotFoundError, DeviceStatus

ROOT = "0x" + "5a" * 32


@pytest.fixture
def device(maker: Any, device_key: Signer) -> int:
    return int(
        maker.devices.register(
            serial="SN-m", model="HM-200", device_key=device_key.address
        ).device_id
    )


def test_transfer_safe_and_plain(maker: Any, buyer: Any, device: int) -> None:
    buyer_address = Signer.dev(3).address
    tx = maker.devices.transfer(device_id=device, to=buyer_address)
    moved = tx.event("Transfer")
    assert moved["from"] == Signer.dev(1).address and moved["to"] == buyer_address
    assert moved["tokenId"] == device
    assert maker.devices.get(device_id=device).owner == buyer_address
    # The buyer passes it on with a plain transferFrom.
    buyer.devices.transfer(device_id=device, to=Signer.dev(5).address, safe=False)
    assert buyer.devices.owner_of(device_id=device) == Signer.dev(5).address


def test_safe_transfer_to_a_contract_without_receiver_fails(maker: Any, device: int) -> None:
    registry = maker.devices.registry_address  # a contract without onERC721Received
    with pytest.raises(ERC721InvalidReceiverError) as info:
        maker.devices.transfer(device_id=device, to=registry)
    assert info.value.receiver == registry
    maker.devices.transfer(device_id=device, to=registry, safe=False)
    assert maker.devices.owner_of(device_id=device) == registry


def test_set_status(maker: Any, admin: Any, device: int) -> None:
    tx = maker.devices.set_status(device_id=device, status="Suspended")
    changed = tx.event("DeviceStatusChanged")
    assert (changed["previous"], changed["current"]) == (0, 1)
    assert maker.devices.get(device_id=device).status is DeviceStatus.SUSPENDED
    maker.devices.set_status(device_id=device, status=0)
    assert maker.devices.get(device_id=device).status is DeviceStatus.ACTIVE
    # The admin may manage any device.
    admin.devices.set_status(device_id=device, status=DeviceStatus.DECOMMISSIONED)
    assert maker.devices.get(device_id=device).status is DeviceStatus.DECOMMISSIONED


@pytest.mark.parametrize("bad", ["paused", 3, -1, True, None, 1.0])
def test_set_status_bad_value(maker: Any, device: int, bad: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        maker.devices.set_status(device_id=device, status=bad)
    assert info.value.field == "status"


def test_rotate_key_without_and_with_proof(maker: Any, device: int) -> None:
    first = Signer.generate()
    tx = maker.devices.rotate_key(device_id=device, new_key=first.address)
    assert tx.event("DeviceKeyRotated")["newKey"] == first.address
    record = maker.devices.get(device_id=device)
    assert record.device_key == first.address and record.key_proven is False

    second = Signer.generate()
    tx = maker.devices.rotate_key(device_id=device, new_key=second.address, key_signer=second)
    assert tx.event("DeviceKeyProven")["deviceKey"] == second.address
    record = maker.devices.get(device_id=device)
    assert record.device_key == second.address and record.key_proven is True

    with pytest.raises(InvalidInputError) as info:
        maker.devices.rotate_key(device_id=device, new_key=first.address, key_signer=second)
    assert info.value.field == "key_signer"
    with pytest.raises(InvalidInputError) as info:
        maker.devices.rotate_key(device_id=device)
    assert info.value.field == "new_key"


def test_prove_key_later_by_anyone(maker: Any, buyer: Any, device: int, device_key: Signer) -> None:
    assert maker.devices.get(device_id=device).key_proven is False
    with pytest.raises(InvalidInputError) as info:
        buyer.devices.prove_key(device_id=device, key_signer=Signer.generate())
    assert info.value.field == "key_signer"
    tx = buyer.devices.prove_key(device_id=device, key_signer=device_key)  # sent by dev:3
    assert tx.event("DeviceKeyProven")["deviceKey"] == device_key.address
    assert maker.devices.get(device_id=device).key_proven is True


def test_approve_escrow_and_is_approved(maker: Any, fresh_chain: Any) -> None:
    escrow = maker.deployment.contract("SupplyChainEscrow").address
    me = Signer.dev(1).address
    assert maker.devices.is_approved(owner=me) is False
    assert maker.devices.is_approved(owner=me, operator=escrow) is False
    tx = maker.devices.approve_escrow()
    event = tx.event("ApprovalForAll")
    assert (event["owner"], event["operator"], event["approved"]) == (me, escrow, True)
    assert maker.devices.is_approved(owner=me) is True
    other = Signer.dev(7).address
    maker.devices.approve_escrow(operator=other)
    assert maker.devices.is_approved(owner=me, operator=other) is True
    maker.devices.approve_escrow(approved=False)
    assert maker.devices.is_approved(owner=me, operator=escrow) is False
    assert maker.devices.is_approved(owner=Signer.dev(3).address, operator=other) is False


def test_sign_and_verify_data_root(maker: Any, buyer: Any, device: int, device_key: Signer) -> None:
    signature = bytes.fromhex(
        maker.certificates.sign_data_attestation(
            device=device_key, device_id=device, data_root=ROOT
        )[2:]
    )
    assert isinstance(signature, bytes) and len(signature) == 65
    # The CertificateRegistry computes the same digest.
    typed = data_attestation_typed_data(
        chain_id=31337,
        registry=maker.deployment.contract("CertificateRegistry").address,
        device_id=device,
        data_root=ROOT,
    )
    onchain = maker.chain.call("CertificateRegistry", "hashDataAttestation", device, ROOT)
    assert typed_data_digest(typed) == "0x" + bytes(onchain).hex()

    verify = buyer.certificates.verify_device_signature  # anyone can check
    assert verify(device_id=device, data_root=ROOT, signature=signature) is True
    assert verify(device_id=device, data_root=ROOT, signature="0x" + signature.hex()) is True
    assert verify(device_id=device, data_root="0x" + "5b" * 32, signature=signature) is False
    other = bytes.fromhex(
        maker.certificates.sign_data_attestation(
            device=Signer.generate(), device_id=device, data_root=ROOT
        )[2:]
    )
    assert verify(device_id=device, data_root=ROOT, signature=other) is False
    assert verify(device_id=device, data_root=ROOT, signature=signature[:64]) is False
    assert verify(device_id=device, data_root=ROOT, signature=b"\x00" * 65) is False
    # Same signature, malleated to high s: OpenZeppelin's ECDSA refuses it, so do we.
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(signature[32:64], "big")
    flipped = signature[:32] + (n - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    assert verify(device_id=device, data_root=ROOT, signature=flipped) is False

    # After a key rotation the old key's attestation no longer verifies.
    new_key = Signer.generate()
    maker.devices.rotate_key(device_id=device, key_signer=new_key)
    assert verify(device_id=device, data_root=ROOT, signature=signature) is False
    fresh = bytes.fromhex(
        maker.certificates.sign_data_attestation(device=new_key, device_id=device, data_root=ROOT)[
            2:
        ]
    )
    assert verify(device_id=device, data_root=ROOT, signature=fresh) is True

    with pytest.raises(DeviceNotFoundError):
        verify(device_id=device + 1, data_root=ROOT, signature=signature)
    with pytest.raises(InvalidInputError) as info:
        verify(device_id=device, data_root=ROOT, signature="not hex")
    assert info.value.field == "signature"
    with pytest.raises(InvalidInputError) as info:
        verify(device_id=device, data_root="0x1234", signature=signature)
    assert info.value.field == "data_root"


def test_device_signature_accepted_by_certificate_registry(
    maker: Any, client_for: Any, device: int, device_key: Signer
) -> None:
    """The signature the SDK makes is the one CertificateRegistry.issueCertificate accepts."""
    lab = client_for(2)
    signature = bytes.fromhex(
        maker.certificates.sign_data_attestation(
            device=device_key, device_id=device, data_root=ROOT
        )[2:]
    )
    abi = {item.get("name") for item in lab.chain.contract("CertificateRegistry").abi}
    if "issueCertificateWithOptions" not in abi:
        pytest.skip("CertificateRegistry has no issueCertificateWithOptions")
    inputs = next(
        item
        for item in lab.chain.contract("CertificateRegistry").abi
        if item.get("name") == "issueCertificateWithOptions"
    )["inputs"]
    fields = [c["name"] for c in inputs[0]["components"]] if inputs[0]["type"] == "tuple" else None
    if fields is None:
        pytest.skip("unexpected issueCertificateWithOptions signature")
    values = {
        "deviceId": device,
        "reportSha256": os.urandom(32),
        "dataRoot": bytes.fromhex(ROOT[2:]),
        "testSpec": os.urandom(32),
        "result": 1,
        "validUntil": 2**39,
        "supersedes": b"\0" * 32,
        "deviceSignature": signature,
    }
    if set(fields) - set(values):
        pytest.skip(f"unexpected request fields {fields}")
    tx = lab.chain.transact(
        "CertificateRegistry", "issueCertificateWithOptions", tuple(values[f] for f in fields)
    )
    issued = tx.event("CertificateIssued")
    assert issued["deviceAttested"] is True


def test_read_only_client_reads_but_cannot_send(fresh_chain: Any, maker: Any, device: int) -> None:
    import fabtrust
    from fabtrust.errors import AccountError

    reader = fabtrust.connect(rpc_url=fresh_chain.rpc_url, deployments=fresh_chain.deployments)
    assert reader.devices.get(device_id=device).serial == "SN-m"
    assert reader.devices.exists(device_id=device)
    assert reader.devices.id_of(serial="SN-m", manufacturer=Signer.dev(1).address) == device
    with pytest.raises(AccountError):
        reader.devices.id_of(serial="SN-m")
    with pytest.raises(AccountError):
        reader.devices.register(serial="SN-r", model="m", device_key=Signer.generate().address)
    with pytest.raises(AccountError):
        reader.devices.set_status(device_id=device, status="suspended")


def test_locked_device_reads_and_refuses_transfer(
    maker: Any, admin: Any, client_for: Any, device: int
) -> None:
    """An escrow (LOCKER_ROLE) locks the device in place: the SDK shows the locker and a transfer
    by the owner raises the registry's DeviceLocked error."""
    locker = client_for(4)
    locker_address = Signer.dev(4).address
    role = admin.chain.call("DeviceRegistry", "LOCKER_ROLE")
    admin.chain.transact("DeviceRegistry", "grantRole", role, locker_address)
    maker.devices.approve_escrow(operator=locker_address)
    assert maker.devices.locker_of(device_id=device) is None
    assert not maker.devices.get(device_id=device).is_locked
    locker.chain.transact("DeviceRegistry", "lockDevices", Signer.dev(1).address, [device])
    assert maker.devices.locker_of(device_id=device) == locker_address
    shown = maker.devices.get(device_id=device)
    assert shown.locker == locker_address and shown.is_locked
    with pytest.raises(DeviceLockedError) as caught:
        maker.devices.transfer(device_id=device, to=Signer.dev(5).address)
    assert caught.value.device_id == device and caught.value.locker == locker_address
    locker.chain.transact("DeviceRegistry", "unlockDevices", [device])
    assert maker.devices.locker_of(device_id=device) is None
