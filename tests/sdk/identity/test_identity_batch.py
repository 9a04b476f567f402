"""register_many: skipping, chunking to the gas limit, progress, and completing interrupted runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fabtrust.accounts import Signer
from fabtrust.errors import InvalidInputError, NodeUnreachableError
from fabtrust.identity import (
    BatchProgress,
    BatchRegistration,
    DeviceAlreadyRegisteredError,
    DeviceSpec,
)

MAKER = Signer.dev(1).address
KEY = Signer.dev(9).address


def specs(count: int, prefix: str = "SN-B", owner: str | None = None) -> list[DeviceSpec]:
    return [
        DeviceSpec(
            serial=f"{prefix}-{i:05d}",
            model="HM-200",
            device_key=KEY,
            metadata_hash=(i + 1).to_bytes(32, "big"),
            owner=owner,
        )
        for i in range(count)
    ]


def assert_all_registered_once(
    client: Any, devices: list[DeviceSpec], counts: Callable[[Any], dict[int, int]]
) -> None:
    found = counts(client)
    for spec in devices:
        device_id = client.devices.id_of(serial=spec.serial)
        assert found.get(device_id) == 1, spec.serial
        assert client.devices.exists(device_id=device_id)


def test_register_many_skips_registered_and_reports_progress(
    maker: Any, registered_counts: Any
) -> None:
    devices = specs(10)
    for spec in (devices[1], devices[4], devices[9]):
        maker.devices.register(serial=spec.serial, model="other", device_key=KEY)
    seen: list[BatchProgress] = []
    result = maker.devices.register_many(devices=devices, chunk_size=4, progress=seen.append)

    assert isinstance(result, BatchRegistration)
    assert result.total == 10 and result.chunks == 2
    assert [o.index for o in result.outcomes] == list(range(10))
    assert [o.serial for o in result.outcomes] == [s.serial for s in devices]
    assert {o.index for o in result.already_registered} == {1, 4, 9}
    assert all(o.tx_hash is None for o in result.already_registered)
    assert len(result.registered) == 7 and len(result.tx_hashes) == 2
    first, second = result.tx_hashes
    assert [o.index for o in result.registered if o.tx_hash == first] == [0, 2, 3, 5]
    assert [o.index for o in result.registered if o.tx_hash == second] == [6, 7, 8]
    assert result.device_ids == tuple(maker.devices.id_of(serial=s.serial) for s in devices)

    assert [(p.done, p.total, p.chunk, p.chunk_size) for p in seen] == [
        (7, 10, 1, 4),
        (10, 10, 2, 3),
    ]
    assert [(p.registered, p.already_registered) for p in seen] == [(4, 3), (7, 3)]
    assert seen[-1].fraction == 1.0 and seen[0].tx_hash == first
    assert_all_registered_once(maker, devices, registered_counts)

    device = maker.devices.get(device_id=result.outcomes[5].device_id)
    assert device.serial == devices[5].serial and device.owner == MAKER
    assert device.metadata_hash == "0x" + (6).to_bytes(32, "big").hex()
    assert device.model_text == "HM-200" and device.key_proven is False
    # The pre-registered one kept its own data.
    assert maker.devices.get(device_id=result.outcomes[4].device_id).model_text == "other"

    again = maker.devices.register_many(devices=devices, progress=seen.append)
    assert again.chunks == 0 and len(again.already_registered) == 10
    assert len(seen) == 2  # nothing sent, no progress


def test_register_many_owner_and_empty(maker: Any) -> None:
    buyer = Signer.dev(3).address
    result = maker.devices.register_many(devices=specs(3, owner=buyer))
    assert result.chunks == 1
    for outcome in result.outcomes:
        assert maker.devices.owner_of(device_id=outcome.device_id) == buyer
    empty = maker.devices.register_many(devices=[])
    assert empty.total == 0 and empty.chunks == 0 and empty.tx_hashes == ()


def test_chunks_fit_half_the_block_gas_limit(
    maker: Any, fresh_chain: Any, registered_counts: Any
) -> None:
    limit = 2_000_000  # a device costs ~33k gas: 100 of them need >= 4 chunks of <= 1M
    assert fresh_chain.rpc("anvil_setBlockGasLimit", [hex(limit)]) is True
    fresh_chain.rpc("evm_mine")
    try:
        devices = specs(100, prefix="SN-GAS")
        seen: list[BatchProgress] = []
        result = maker.devices.register_many(devices=devices, progress=seen.append)
        assert result.chunks >= 4 and len(result.registered) == 100
        assert sum(p.chunk_size for p in seen) == 100
        for tx_hash in result.tx_hashes:
            tx = maker.chain.w3.eth.get_transaction(tx_hash)
            receipt = maker.chain.w3.eth.get_transaction_receipt(tx_hash)
            assert tx["gas"] <= limit // 2
            assert receipt["gasUsed"] > limit // 4  # chunks are not needlessly small
        assert_all_registered_once(maker, devices, registered_counts)
    finally:
        fresh_chain.rpc("anvil_setBlockGasLimit", [hex(60_000_000)])
        fresh_chain.rpc("evm_mine")


def test_chunk_over_budget_is_shrunk_before_sending(
    maker: Any, fresh_chain: Any, monkeypatch: pytest.MonkeyPatch, registered_counts: Any
) -> None:
    """The per-device gas comes from a sample of short serials; later devices with long serials
    cost more, so planned chunks are re-estimated and shrunk to fit before they are sent."""
    import fabtrust.identity.client as client_module

    shrinks: list[int] = []
    real_fit = client_module.fit_size

    def spy(*, size: int, gas: int, budget: int) -> int:
        assert gas > budget
        shrinks.append(size)
        return real_fit(size=size, gas=gas, budget=budget)

    monkeypatch.setattr(client_module, "fit_size", spy)
    limit = 3_000_000
    fresh_chain.rpc("anvil_setBlockGasLimit", [hex(limit)])
    fresh_chain.rpc("evm_mine")
    try:
        short = specs(40, prefix="S")
        long = [
            DeviceSpec(serial=f"L{i:03d}-" + "x" * 3000, model="m", device_key=KEY)
            for i in range(12)
        ]
        result = maker.devices.register_many(devices=short + long)
        assert shrinks, "no chunk needed shrinking"
        assert len(result.registered) == 52
        for tx_hash in result.tx_hashes:
            assert maker.chain.w3.eth.get_transaction(tx_hash)["gas"] <= limit // 2
        assert_all_registered_once(maker, short + long, registered_counts)
    finally:
        fresh_chain.rpc("anvil_setBlockGasLimit", [hex(60_000_000)])
        fresh_chain.rpc("evm_mine")


def test_interrupted_by_progress_callback_then_rerun(maker: Any, registered_counts: Any) -> None:
    devices = specs(12, prefix="SN-INT")

    def crash(progress: BatchProgress) -> None:
        if progress.chunk == 1:
            raise RuntimeError("MES crashed")

    with pytest.raises(RuntimeError, match="MES crashed"):
        maker.devices.register_many(devices=devices, chunk_size=5, progress=crash)
    counts = registered_counts(maker)
    assert sum(counts.values()) == 5  # the first chunk is on chain

    result = maker.devices.register_many(devices=devices, chunk_size=5)
    assert [o.index for o in result.already_registered] == [0, 1, 2, 3, 4]
    assert len(result.registered) == 7 and result.chunks == 2
    assert_all_registered_once(maker, devices, registered_counts)


def test_node_down_midway_then_rerun(relay: Any, relay_client: Any, registered_counts: Any) -> None:
    client = relay_client(1)
    devices = specs(12, prefix="SN-NODE")

    def node_dies(progress: BatchProgress) -> None:
        if progress.chunk == 1:
            relay.down()

    with pytest.raises(NodeUnreachableError) as info:
        client.devices.register_many(devices=devices, chunk_size=4, progress=node_dies)
    assert str(relay.port) in info.value.url
    relay.up()
    assert sum(registered_counts(client).values()) == 4

    result = client.devices.register_many(devices=devices, chunk_size=4)
    assert len(result.already_registered) == 4 and len(result.registered) == 8
    assert_all_registered_once(client, devices, registered_counts)


def test_node_dies_while_sending_then_rerun(
    relay: Any, relay_client: Any, registered_counts: Any
) -> None:
    """The node takes chunk 2 and dies before answering: the client cannot know it was mined;
    the re-run finds those devices registered and does not send them again."""
    client = relay_client(1)
    devices = specs(12, prefix="SN-SEND")

    def arm(progress: BatchProgress) -> None:
        if progress.chunk == 1:
            relay.crash_on_send = True

    with pytest.raises(NodeUnreachableError):
        client.devices.register_many(devices=devices, chunk_size=4, progress=arm)
    assert not relay.is_up
    relay.up()
    assert sum(registered_counts(client).values()) == 8  # chunk 2 was mined all the same

    result = client.devices.register_many(devices=devices, chunk_size=4)
    assert [o.index for o in result.already_registered] == list(range(8))
    assert len(result.registered) == 4 and result.chunks == 1
    assert_all_registered_once(client, devices, registered_counts)
    # The nonce manager did not lose track: more transactions go through.
    client.devices.register(serial="SN-SEND-after", model="m", device_key=KEY)


def test_registered_by_someone_else_meanwhile(
    maker: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch, registered_counts: Any
) -> None:
    """Devices registered between the check and the send (another MES process) are skipped."""
    devices = specs(6, prefix="SN-RACE")
    other = client_for(1)
    other.devices.register_many(devices=[devices[2], devices[4]])
    real = maker.devices._registered_flags
    calls: list[int] = []

    def stale_first(ids: Any) -> list[bool]:
        calls.append(len(ids))
        return [False] * len(ids) if len(calls) == 1 else real(ids)

    monkeypatch.setattr(maker.devices, "_registered_flags", stale_first)
    result = maker.devices.register_many(devices=devices)
    assert len(calls) == 2
    assert {o.index for o in result.already_registered} == {2, 4}
    assert len(result.registered) == 4
    assert_all_registered_once(maker, devices, registered_counts)


def test_a_real_conflict_is_not_swallowed(maker: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    devices = specs(2, prefix="SN-CONFLICT")
    maker.devices.register_many(devices=devices[:1])
    monkeypatch.setattr(maker.devices, "_registered_flags", lambda ids: [False] * len(ids))
    with pytest.raises(DeviceAlreadyRegisteredError):
        maker.devices.register_many(devices=devices)


def test_bad_batch_inputs(maker: Any) -> None:
    devices = specs(3)
    dup = [*devices, DeviceSpec(serial=devices[1].serial, model="x", device_key=KEY)]
    with pytest.raises(InvalidInputError) as info:
        maker.devices.register_many(devices=dup)
    assert info.value.field == "devices[3].serial"
    with pytest.raises(InvalidInputError) as info:
        maker.devices.register_many(devices=[devices[0], {"serial": "x"}])  # type: ignore[list-item]
    assert info.value.field == "devices[1]"
    with pytest.raises(InvalidInputError) as info:
        maker.devices.register_many(devices="SN-1")
    assert info.value.field == "devices"
    for bad in (0, -1, True, 2.5):
        with pytest.raises(InvalidInputError) as info:
            maker.devices.register_many(devices=devices, chunk_size=bad)
        assert info.value.field == "chunk_size"
    with pytest.raises(InvalidInputError) as info:
        maker.devices.register_many(devices=devices, max_block_fraction=1.5)
    assert info.value.field == "max_block_fraction"
    with pytest.raises(InvalidInputError) as info:
        maker.devices.register_many(devices=devices, progress="print")  # type: ignore[arg-type]
    assert info.value.field == "progress"
    assert not any(
        maker.devices.exists(device_id=maker.devices.id_of(serial=s.serial)) for s in devices
    )
