"""Round trips of the identity client, counted on a relay that records every POST.

Registration flags of a batch are read in JSON-RPC batches of ``CALL_BATCH`` eth_calls (no
single eth_call per device); a provider that refuses batches gets single calls with the same
answers; a revert inside a batch reaches the caller as its named error; and a send carries no
eth_chainId round trips (web3's validation middleware is off) and reuses the fee quote.
"""

from __future__ import annotations

from typing import Any

import pytest

from fabtrust._binding import CALL_BATCH
from fabtrust.accounts import Signer
from fabtrust.errors import ERC721NonexistentTokenError
from fabtrust.identity import DeviceSpec

KEY = Signer.dev(9).address


def specs(count: int, prefix: str) -> list[DeviceSpec]:
    return [
        DeviceSpec(serial=f"{prefix}-{i:05d}", model="HM-200", device_key=KEY) for i in range(count)
    ]


def batches(relay: Any) -> list[tuple[str, ...]]:
    return [call[1:] for call in relay.calls if call[0] == "batch"]


def test_register_many_reads_registration_flags_in_batches(relay: Any, relay_client: Any) -> None:
    maker = relay_client(1)
    devices = specs(CALL_BATCH + 100, "RT-B")
    maker.devices.register_many(devices=devices[:150])
    relay.calls.clear()

    result = maker.devices.register_many(devices=devices)

    assert [len(b) for b in batches(relay)] == [CALL_BATCH, 100]
    assert all(set(b) == {"eth_call"} for b in batches(relay))
    assert ("eth_call",) not in relay.calls  # not one single read per device
    statuses = [o.status for o in result.outcomes]
    assert statuses == ["already_registered"] * 150 + ["registered"] * (len(devices) - 150)
    ids = [(o.device_id,) for o in result.outcomes]
    assert maker.devices._binding.call_many("DeviceRegistry", "isRegistered", ids) == [True] * len(
        ids
    )


def test_a_provider_refusing_batches_gets_single_calls(relay: Any, relay_client: Any) -> None:
    relay.refuse_batches = True
    maker = relay_client(1)
    devices = specs(12, "RT-R")
    first = maker.devices.register_many(devices=devices[:5])
    assert [o.status for o in first.outcomes] == ["registered"] * 5
    assert len(batches(relay)) == 1  # tried once, refused: given up for this client
    relay.calls.clear()

    result = maker.devices.register_many(devices=devices)

    assert [o.status for o in result.outcomes] == ["already_registered"] * 5 + ["registered"] * 7
    assert batches(relay) == []
    assert relay.calls.count(("eth_call",)) == 12


def test_call_many_matches_single_calls_and_raises_named_errors(
    relay: Any, relay_client: Any
) -> None:
    maker = relay_client(1)
    registered = maker.devices.register_many(devices=specs(3, "RT-C"))
    binding = maker.devices._binding
    ids = [(o.device_id,) for o in registered.outcomes]

    for function in ("ownerOf", "device", "isRegistered"):
        many = binding.call_many("DeviceRegistry", function, ids)
        assert many == [binding.call("DeviceRegistry", function, *args) for args in ids]
    assert (
        binding.call_many("DeviceRegistry", "ownerOf", ids) == [maker.devices._binding.address] * 3
    )
    assert binding.call_many("DeviceRegistry", "ownerOf", []) == []

    missing = 12345
    with pytest.raises(ERC721NonexistentTokenError) as info:
        binding.call_many("DeviceRegistry", "ownerOf", [*ids, (missing,)])
    assert info.value.token_id == missing


def test_call_many_at_a_past_block(relay: Any, relay_client: Any) -> None:
    maker = relay_client(1)
    before = maker.chain.w3.eth.block_number
    registered = maker.devices.register_many(devices=specs(2, "RT-P"))
    ids = [(o.device_id,) for o in registered.outcomes]
    binding = maker.devices._binding
    assert binding.call_many("DeviceRegistry", "isRegistered", ids, block=before) == [False] * 2
    assert binding.call_many("DeviceRegistry", "isRegistered", ids) == [True] * 2


def test_sends_ask_no_chain_id_and_reuse_the_fee_quote(relay: Any, relay_client: Any) -> None:
    maker = relay_client(1)
    maker.chain.sender.quote_ttl = 3600  # no expiry within the test, however slow the machine
    maker.devices.register(serial="RT-Q-0", model="HM-200", device_key=KEY)  # warms up
    relay.calls.clear()

    for i in range(1, 6):
        maker.devices.register(serial=f"RT-Q-{i}", model="HM-200", device_key=KEY)

    methods = [call[0] for call in relay.calls]
    assert methods.count("eth_chainId") == 0
    assert methods.count("eth_estimateGas") == 5
    assert methods.count("eth_sendRawTransaction") == 5
    assert methods.count("eth_getTransactionReceipt") >= 5
    assert methods.count("eth_getBlockByNumber") == 0  # the warm-up's quote still holds
    assert methods.count("eth_maxPriorityFeePerGas") == 0
