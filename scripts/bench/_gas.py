"""Gas measurement helpers: a private Anvil, deployment from artifacts, and the storage floor.

The floor of a call is what the storage it writes costs at the very least:
21,000 (transaction) + 22,100 per storage slot that goes from zero to non-zero (read from the
transaction's state diff, `debug_traceTransaction` with the prestate tracer) + calldata (4 gas per
zero byte, 16 per non-zero byte) + logs (375 + 375 per topic + 8 per data byte each).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3

from fabtrust.testing import LocalAnvil

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def anvil(*, gas_limit: int = 1_000_000_000) -> Iterator[Web3]:
    """A private Anvil (base fee 0, large gas and code-size limits) for the benchmark."""
    node = LocalAnvil(gas_limit=gas_limit, extra_args=("--code-size-limit", "100000"))
    with node:
        yield Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))


@dataclass(frozen=True)
class Measured:
    label: str
    gas: int
    floor: int
    new_slots: int
    per: int = 1  # divide by this for per-item figures

    @property
    def gas_each(self) -> float:
        return self.gas / self.per

    @property
    def floor_each(self) -> float:
        return self.floor / self.per


def deploy(w3: Web3, artifact: dict[str, Any], *args: Any, sender: str | None = None) -> Any:
    sender = sender or w3.eth.accounts[0]
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor(*args).transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["status"] == 1, f"deploying failed: {artifact.get('contractName')}"
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


def _calldata_gas(data: bytes) -> int:
    return sum(4 if byte == 0 else 16 for byte in data)


def floor_of(w3: Web3, tx_hash: bytes) -> tuple[int, int]:
    """(floor gas, number of new storage slots) of a mined transaction."""
    tx = w3.eth.get_transaction(tx_hash)
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    trace = w3.provider.make_request(
        "debug_traceTransaction",
        [tx_hash.hex() if isinstance(tx_hash, bytes) else tx_hash,
         {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}}],
    )["result"]  # fmt: skip
    new_slots = 0
    for address, post in trace["post"].items():
        before = trace["pre"].get(address, {}).get("storage", {})
        for slot, value in post.get("storage", {}).items():
            if int(value, 16) != 0 and int(before.get(slot, "0x0"), 16) == 0:
                new_slots += 1
    logs = sum(375 + 375 * len(log["topics"]) + 8 * len(log["data"]) for log in receipt["logs"])
    floor = 21_000 + 22_100 * new_slots + _calldata_gas(bytes(tx["input"])) + logs
    return floor, new_slots


def measure(
    w3: Web3, label: str, call: Any, sender: str, *, per: int = 1, value: int = 0
) -> Measured:
    tx_hash = call.transact({"from": sender, "value": value})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1:
        raise RuntimeError(f"{label}: the transaction reverted")
    floor, slots = floor_of(w3, tx_hash)
    return Measured(label=label, gas=int(receipt["gasUsed"]), floor=floor, new_slots=slots, per=per)
