"""A node that is down gives NodeUnreachableError (naming the URL) from every chain method."""

from __future__ import annotations

from typing import Any

import pytest

from fabtrust.accounts import Signer
from fabtrust.errors import NodeUnreachableError
from fabtrust.identity import DeviceSpec

ROOT = "0x" + "11" * 32


def test_every_method_reports_an_unreachable_node(relay: Any, relay_client: Any) -> None:
    client = relay_client(1)
    key = Signer.generate()
    device = client.devices.register(serial="SN-down", model="m", device_key=key.address).device_id
    signature = bytes.fromhex(
        client.certificates.sign_data_attestation(device=key, device_id=device, data_root=ROOT)[2:]
    )
    relay.down()

    devices = client.devices
    calls = {
        "get": lambda: devices.get(device_id=device),
        "exists": lambda: devices.exists(device_id=device),
        "owner_of": lambda: devices.owner_of(device_id=device),
        "history": lambda: devices.history(device_id=device),
        "is_approved": lambda: devices.is_approved(owner=Signer.dev(1).address),
        "register": lambda: devices.register(serial="SN-2", model="m", device_key=key.address),
        "register_proof": lambda: devices.register(serial="SN-3", model="m", key_signer=key),
        "register_many": lambda: devices.register_many(
            devices=[DeviceSpec(serial="SN-4", model="m", device_key=key.address)]
        ),
        "transfer": lambda: devices.transfer(device_id=device, to=Signer.dev(3).address),
        "set_status": lambda: devices.set_status(device_id=device, status="suspended"),
        "rotate_key": lambda: devices.rotate_key(device_id=device, new_key=Signer.dev(5).address),
        "prove_key": lambda: devices.prove_key(device_id=device, key_signer=key),
        "approve_escrow": lambda: devices.approve_escrow(),
        "verify": lambda: client.certificates.verify_device_signature(
            device_id=device, data_root=ROOT, signature=signature
        ),
    }
    for name, call in calls.items():
        with pytest.raises(NodeUnreachableError) as info:
            call()
        assert str(relay.port) in info.value.url, name

    # Local computations need no node.
    assert devices.id_of(serial="SN-down") == device
    again = bytes.fromhex(
        client.certificates.sign_data_attestation(device=key, device_id=device, data_root=ROOT)[2:]
    )
    assert again == signature

    relay.up()
    assert devices.get(device_id=device).serial == "SN-down"
    assert client.certificates.verify_device_signature(
        device_id=device, data_root=ROOT, signature=signature
    )
