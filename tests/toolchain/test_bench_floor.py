"""The gas benchmark's floor (scripts/bench/_gas.py floor_from_traces): its arithmetic on a
synthetic pair of prestate traces."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.bench._gas import floor_from_traces

SENDER = "0x" + "aa" * 20
TARGET = "0x" + "bb" * 20
OTHER = "0x" + "cc" * 20  # a contract the target calls: one cold account
COINBASE = "0x" + "dd" * 20
ECRECOVER = "0x" + "00" * 19 + "01"


def _slot(n: int) -> str:
    return "0x" + f"{n:064x}"


def test_floor_counts_writes_updates_clears_reads_accounts_and_refund() -> None:
    prestate = {
        SENDER: {"balance": "0x1"},
        TARGET: {"storage": {_slot(1): _slot(0), _slot(2): _slot(5), _slot(3): _slot(7),
                             _slot(4): _slot(9)}},
        OTHER: {"storage": {_slot(8): _slot(1)}},
        COINBASE: {"balance": "0x0"},
        ECRECOVER: {"balance": "0x0"},
    }  # fmt: skip
    diff = {
        "pre": {TARGET: {"storage": {_slot(2): _slot(5), _slot(3): _slot(7)}}},
        # slot 1: 0 -> 1 (new), slot 2: 5 -> 6 (updated), slot 3: 7 -> 0 (cleared: absent)
        "post": {TARGET: {"storage": {_slot(1): _slot(1), _slot(2): _slot(6)}}},
    }
    logs = [{"topics": ["0x" + "11" * 32, "0x" + "22" * 32], "data": "0x" + "00" * 64}]
    floor = floor_from_traces(
        calldata=bytes([0, 0, 1, 2]),
        logs=logs,
        prestate=prestate,
        diff=diff,
        warm={SENDER, TARGET.upper().replace("0X", "0x"), COINBASE},
    )
    assert (floor.new_slots, floor.updated_slots, floor.cleared_slots) == (1, 1, 1)
    assert floor.read_slots == 2  # slot 4 of the target, slot 8 of OTHER
    assert floor.cold_accounts == 1  # OTHER (sender, target, coinbase, precompile are warm)
    calldata = 4 + 4 + 16 + 16
    log = 375 + 2 * 375 + 8 * 64
    before = 21_000 + calldata + log + 22_100 + 5_000 + 5_000 + 2 * 2_100 + 2_600
    assert floor.refund == 4_800
    assert floor.gas == before - 4_800


def test_refund_is_capped_at_a_fifth() -> None:
    slots = {_slot(i): _slot(1) for i in range(10)}
    floor = floor_from_traces(
        calldata=b"",
        logs=[],
        prestate={TARGET: {"storage": slots}},
        diff={"pre": {TARGET: {"storage": slots}}, "post": {TARGET: {"storage": {}}}},
        warm={SENDER, TARGET},
    )
    before = 21_000 + 10 * 5_000
    assert floor.cleared_slots == 10 and floor.read_slots == 0
    assert floor.refund == before // 5 < 10 * 4_800
    assert floor.gas == before - before // 5
