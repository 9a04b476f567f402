"""Gas measurement helpers: a private Anvil, deployment from artifacts, and the floor.

The floor of a call (:func:`floor_from_traces`) is what the state it touches costs at the very
least under EIP-2929/2200/3529 (Shanghai), whatever the code:

    21,000 + calldata (4 / 16 gas per zero / non-zero byte) + logs (375 + 375 per topic + 8 per
    data byte) + 22,100 per slot written from zero (20,000 + its cold access)
    + 5,000 per slot updated non-zero -> non-zero (2,900 + 2,100 cold)
    + 5,000 per slot cleared non-zero -> zero, of which 4,800 come back as a refund
    + 2,100 per slot only read (cold) + 2,600 per cold account touched (every account of the
    trace but the sender, the target, the block's coinbase and the precompiles)
    - refunds (capped at a fifth of the gas before them, EIP-3529).

Slots and accounts come from the transaction's traces on Anvil: ``debug_traceTransaction`` with
the prestate tracer in both modes (plain: every account and slot touched, with its value before;
diffMode: the slots whose value changed, before and after).
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


PRECOMPILES = frozenset(f"0x{i:040x}" for i in range(1, 11))
"""0x01..0x0a: always warm (EIP-2929)."""


@dataclass(frozen=True)
class Floor:
    """The floor of one transaction and what it counts."""

    gas: int
    new_slots: int
    updated_slots: int
    cleared_slots: int
    read_slots: int
    cold_accounts: int
    refund: int


def floor_from_traces(
    *,
    calldata: bytes,
    logs: list[dict[str, Any]],
    prestate: dict[str, Any],
    diff: dict[str, Any],
    warm: set[str],
) -> Floor:
    """The floor (see the module) from the two prestate traces of a transaction: ``prestate``
    (plain mode: address -> {"storage": {slot: value before}}, every account and slot touched),
    ``diff`` (diffMode: {"pre": ..., "post": ...}, changed slots only), ``logs`` of the receipt
    (``topics``, ``data`` as 0x hex) and ``warm`` the addresses warm from the start (sender,
    target, coinbase; the precompiles are added here)."""
    always_warm = {a.lower() for a in warm} | PRECOMPILES
    new = updated = cleared = read = 0
    written: set[tuple[str, int]] = set()
    for address, post in diff.get("post", {}).items():
        before = diff.get("pre", {}).get(address, {}).get("storage", {})
        for slot, value in post.get("storage", {}).items():
            old, now = int(before.get(slot, "0x0"), 16), int(value, 16)
            if old == now:
                continue
            written.add((address.lower(), int(slot, 16)))
            if old == 0:
                new += 1
            elif now == 0:
                cleared += 1
            else:
                updated += 1
    for address, pre in diff.get("pre", {}).items():  # cleared slots may be absent from post
        post_storage = diff.get("post", {}).get(address, {}).get("storage", {})
        for slot, value in pre.get("storage", {}).items():
            key = (address.lower(), int(slot, 16))
            if key not in written and int(value, 16) != 0 and slot not in post_storage:
                written.add(key)
                cleared += 1
    for address, state in prestate.items():
        for slot in state.get("storage", {}):
            if (address.lower(), int(slot, 16)) not in written:
                read += 1
    cold_accounts = sum(1 for address in prestate if address.lower() not in always_warm)
    calldata_gas = sum(4 if byte == 0 else 16 for byte in calldata)
    log_gas = sum(
        375 + 375 * len(log["topics"]) + 8 * ((len(log["data"]) - 2) // 2) for log in logs
    )
    before_refund = (
        21_000
        + calldata_gas
        + log_gas
        + 22_100 * new
        + 5_000 * (updated + cleared)
        + 2_100 * read
        + 2_600 * cold_accounts
    )
    refund = min(4_800 * cleared, before_refund // 5)
    return Floor(
        gas=before_refund - refund,
        new_slots=new,
        updated_slots=updated,
        cleared_slots=cleared,
        read_slots=read,
        cold_accounts=cold_accounts,
        refund=refund,
    )


def floor_of(w3: Web3, tx_hash: bytes) -> tuple[int, int]:
    """(floor gas, number of new storage slots) of a mined transaction (:func:`floor_from_traces`
    on its prestate traces from the node)."""
    tx = w3.eth.get_transaction(tx_hash)
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    block = w3.eth.get_block(receipt["blockNumber"])
    ref = tx_hash.hex() if isinstance(tx_hash, bytes) else tx_hash
    ref = ref if ref.startswith("0x") else "0x" + ref

    def trace(diff_mode: bool) -> dict[str, Any]:
        config = {"tracer": "prestateTracer", "tracerConfig": {"diffMode": diff_mode}}
        answer = w3.provider.make_request("debug_traceTransaction", [ref, config])
        return dict(answer["result"])

    logs = [
        {"topics": list(log["topics"]), "data": "0x" + bytes(log["data"]).hex()}
        for log in receipt["logs"]
    ]
    warm = {str(tx["from"]), str(receipt["contractAddress"] or tx["to"]), str(block["miner"])}
    floor = floor_from_traces(
        calldata=bytes(tx["input"]), logs=logs, prestate=trace(False), diff=trace(True), warm=warm
    )
    return floor.gas, floor.new_slots


def measure(
    w3: Web3, label: str, call: Any, sender: str, *, per: int = 1, value: int = 0
) -> Measured:
    tx_hash = call.transact({"from": sender, "value": value})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1:
        raise RuntimeError(f"{label}: the transaction reverted")
    floor, slots = floor_of(w3, tx_hash)
    return Measured(label=label, gas=int(receipt["gasUsed"]), floor=floor, new_slots=slots, per=per)
