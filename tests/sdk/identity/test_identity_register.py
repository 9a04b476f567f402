"""Registering single devices, reading them back, ids, existence and history."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from fabtrust.accounts import Signer
from fabtrust.errors import InvalidInputError
from fabtrust.evidence import device_id_of, device_key_proof_typed_data, typed_data_digest
from fabtrust.identity import (
    Device,
    DeviceAlreadyRegisteredError,
    DeviceKeyProvenEntry,
    DeviceKeyRotatedEntry,
    DeviceNotFoundError,
    DeviceRegisteredEntry,
    DeviceStatus,
    DeviceStatusChangedEntry,
    DeviceTransferredEntry,
)

META = "0x" + "ab" * 32
ZERO32 = "0x" + "00" * 32


def test_register_and_get(maker: Any, device_key: Signer) -> None:
    reg = maker.devices.register(
        serial="HM-2024-0001", model="HM-200", device_key=device_key.address, metadata_hash=META
    )
    manufacturer = Signer.dev(1).address
    assert reg.device_id == device_id_of(manufacturer, "HM-2024-0001")
    assert reg.already_registered is False
    assert reg.tx is not None and reg.tx.block_number > 0
    assert reg.owner == manufacturer and reg.manufacturer == manufacturer
    assert reg.key_proven is False
    assert reg.model == "0x" + b"HM-200".ljust(32, b"\0").hex()
    event = reg.tx.event("DeviceRegistered")
    assert event["serial"] == "HM-2024-0001" and event["metadataHash"] == META

    device = maker.devices.get(device_id=reg.device_id)
    assert isinstance(device, Device)
    assert device.device_id == reg.device_id
    assert device.manufacturer == manufacturer
    assert device.owner == manufacturer
    assert device.device_key == device_key.address
    assert device.status is DeviceStatus.ACTIVE and device.is_active
    assert device.key_proven is False
    assert device.serial == "HM-2024-0001"
    assert device.model == reg.model and device.model_text == "HM-200"
    assert device.metadata_hash == META
    assert device.registered_tx == reg.tx.tx_hash
    assert device.registered_block == reg.tx.block_number
    assert device.registered_at.tzinfo is not None
    block = maker.chain.w3.eth.get_block(reg.tx.block_number)
    assert device.registered_at == datetime.fromtimestamp(block["timestamp"], tz=timezone.utc)
    with pytest.raises(ValidationError):  # frozen
        device.owner = "x"  # type: ignore[misc]


def test_register_to_another_owner_with_bytes32_model(maker: Any, device_key: Signer) -> None:
    owner = Signer.dev(3).address
    model = bytes(range(32))
    reg = maker.devices.register(
        serial="SN-1", model=model, device_key=device_key.address, owner=owner.lower()
    )
    device = maker.devices.get(device_id=reg.device_id)
    assert device.owner == owner
    assert device.model == "0x" + model.hex()
    assert device.model_text is None
    assert device.metadata_hash == ZERO32
    assert maker.devices.owner_of(device_id=reg.device_id) == owner


def test_register_with_key_proof(maker: Any, device_key: Signer) -> None:
    reg = maker.devices.register(serial="SN-proof", model="HM-200", key_signer=device_key)
    assert reg.key_proven is True
    assert reg.device_key == device_key.address
    assert reg.tx is not None
    proven = reg.tx.event("DeviceKeyProven")
    assert proven["deviceKey"] == device_key.address
    assert maker.devices.get(device_id=reg.device_id).key_proven is True


def test_key_proof_digest_matches_contract(maker: Any, device_key: Signer) -> None:
    manufacturer = Signer.dev(1).address
    device_id = maker.devices.id_of(serial="SN-x")
    typed = device_key_proof_typed_data(
        chain_id=31337,
        registry=maker.devices.registry_address,
        manufacturer=manufacturer,
        device_id=device_id,
        device_key=device_key.address,
    )
    onchain = maker.chain.call(
        "DeviceRegistry", "keyProofDigest", manufacturer, device_id, device_key.address
    )
    assert typed_data_digest(typed) == "0x" + bytes(onchain).hex()


def test_key_signer_must_hold_device_key(maker: Any, device_key: Signer) -> None:
    with pytest.raises(InvalidInputError) as info:
        maker.devices.register(
            serial="SN-k", model="m", device_key=Signer.generate().address, key_signer=device_key
        )
    assert info.value.field == "key_signer"
    assert not maker.devices.exists(device_id=maker.devices.id_of(serial="SN-k"))


def test_register_twice_raises_unless_exist_ok(maker: Any, device_key: Signer) -> None:
    first = maker.devices.register(serial="SN-dup", model="HM-200", device_key=device_key.address)
    with pytest.raises(DeviceAlreadyRegisteredError) as info:
        maker.devices.register(serial="SN-dup", model="HM-200", device_key=device_key.address)
    assert info.value.device_id == first.device_id
    assert info.value.tx_hash is None  # caught in simulation: nothing was sent

    again = maker.devices.register(
        serial="SN-dup", model="other", device_key=Signer.generate().address, exist_ok=True
    )
    assert again.already_registered is True and again.tx is None
    assert again.device_id == first.device_id
    # The existing record is reported, not the new inputs.
    assert again.device_key == device_key.address
    assert again.model == first.model


def test_id_of_matches_contract(maker: Any) -> None:
    for serial in ("A", "HM-2024-0001", "序列号-1", "x" * 300):
        for who in (Signer.dev(1).address, Signer.dev(5).address):
            local = maker.devices.id_of(serial=serial, manufacturer=who)
            assert local == maker.chain.call("DeviceRegistry", "deviceIdOf", who, serial)
    assert maker.devices.id_of(serial="A") == maker.devices.id_of(
        serial="A", manufacturer=Signer.dev(1).address
    )


def test_exists_and_get_unknown(maker: Any, device_key: Signer) -> None:
    device_id = maker.devices.id_of(serial="SN-e")
    assert maker.devices.exists(device_id=device_id) is False
    with pytest.raises(DeviceNotFoundError) as info:
        maker.devices.get(device_id=device_id)
    assert info.value.device_id == device_id
    maker.devices.register(serial="SN-e", model="m", device_key=device_key.address)
    assert maker.devices.exists(device_id=device_id) is True


def test_history(maker: Any, device_key: Signer) -> None:
    devices = maker.devices
    reg = devices.register(serial="SN-h", model="HM-200", device_key=device_key.address)
    device_id = reg.device_id
    other = devices.register(serial="SN-other", model="m", device_key=device_key.address)
    new_key = Signer.generate()
    devices.set_status(device_id=device_id, status="suspended")
    devices.rotate_key(device_id=device_id, key_signer=new_key)
    devices.transfer(device_id=device_id, to=Signer.dev(3).address)
    devices.set_status(device_id=other.device_id, status=DeviceStatus.SUSPENDED)

    history = devices.history(device_id=device_id)
    kinds = [entry.kind for entry in history]
    assert kinds == [
        "transferred",  # the mint comes first
        "registered",
        "status_changed",
        "key_rotated",
        "key_proven",
        "transferred",
    ]
    mint, registered, status, rotated, proven, moved = history
    assert all(entry.device_id == device_id for entry in history)
    assert isinstance(mint, DeviceTransferredEntry)
    assert mint.from_address == "0x" + "00" * 20 and mint.to_address == Signer.dev(1).address
    assert isinstance(registered, DeviceRegisteredEntry)
    assert registered.serial == "SN-h" and registered.device_key == device_key.address
    assert registered.tx_hash == reg.tx.tx_hash
    assert isinstance(status, DeviceStatusChangedEntry)
    assert (status.previous, status.current) == (DeviceStatus.ACTIVE, DeviceStatus.SUSPENDED)
    assert status.changed_by == Signer.dev(1).address
    assert isinstance(rotated, DeviceKeyRotatedEntry)
    assert (rotated.previous_key, rotated.new_key) == (device_key.address, new_key.address)
    assert isinstance(proven, DeviceKeyProvenEntry) and proven.device_key == new_key.address
    assert isinstance(moved, DeviceTransferredEntry)
    assert (moved.from_address, moved.to_address) == (Signer.dev(1).address, Signer.dev(3).address)
    blocks = [(e.block_number, e.log_index) for e in history]
    assert blocks == sorted(blocks)
    assert all(e.timestamp.tzinfo is not None for e in history)

    with pytest.raises(DeviceNotFoundError):
        devices.history(device_id=devices.id_of(serial="never"))


def test_get_on_a_long_chain_finds_the_event_by_timestamp(
    maker: Any, fresh_chain: Any, device_key: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``direct_scan_blocks``, get() binary-searches the registration block by timestamp
    and scans only the blocks with that timestamp."""
    devices = maker.devices
    serials = []
    for round_ in range(4):
        fresh_chain.rpc("anvil_mine", [hex(25), hex(12)])  # empty blocks, 12 s apart
        for j in range(2):  # two devices, likely in blocks with the same timestamp
            serial = f"LONG-{round_}-{j}"
            devices.register(serial=serial, model="m", device_key=device_key.address)
            serials.append(serial)
    fresh_chain.rpc("anvil_mine", [hex(10), hex(12)])

    monkeypatch.setattr(devices, "direct_scan_blocks", 0)
    ranges: list[tuple[int, int]] = []
    real_events = maker.chain.events

    def spy(*args: Any, **kwargs: Any) -> Any:
        ranges.append((kwargs["from_block"], kwargs["to_block"]))
        return real_events(*args, **kwargs)

    monkeypatch.setattr(maker.chain, "events", spy)
    head = maker.chain.w3.eth.block_number
    for serial in serials:
        ranges.clear()
        device = devices.get(device_id=devices.id_of(serial=serial))
        assert device.serial == serial
        assert len(ranges) == 1  # found in the narrowed range, no fallback scan
        first, last = ranges[0]
        assert first <= device.registered_block <= last
        assert last - first < 5 < head
        block = maker.chain.w3.eth.get_block(device.registered_block)
        assert int(device.registered_at.timestamp()) == block["timestamp"]
