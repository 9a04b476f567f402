"""Bench readings: CSV parsing, salted readings tree, disclosure proofs."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode as reference_abi_encode
from eth_utils.crypto import keccak as reference_keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from fabtrust.errors import InvalidInputError
from fabtrust.evidence.merkle import StandardMerkleTree
from fabtrust.evidence.readings import (
    READINGS_LEAF_ENCODING,
    Reading,
    ReadingProof,
    ReadingsTree,
    canonical_decimal,
    derive_salt,
    format_readings_csv,
    generate_seed,
    load_readings,
    parse_readings_csv,
    verify_reading,
    verify_readings_file,
)
from fabtrust.testing import BENCH_CHANNELS, generate_bench_readings

from .conftest import OzOracle

SEED = bytes(range(32))

SAMPLE = """timestamp,channel,value,unit
2024-05-01T10:00:00Z,P1_inlet_pressure,212.370,bar
1714557601,Q1_inlet_flow,158.2,L/min
2024-05-01T12:00:02+02:00,T1_inlet_oil_temperature,+041.50,°C
2024-05-01T10:00:03Z,N1_shaft_speed,1.5e3,rpm
"""


def write(tmp_path: Path, text: str, name: str = "run.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# parsing


def test_parses_sample(tmp_path: Path) -> None:
    readings = load_readings(write(tmp_path, SAMPLE))
    assert readings == [
        Reading(timestamp=1714557600, channel="P1_inlet_pressure", value="212.37", unit="bar"),
        Reading(timestamp=1714557601, channel="Q1_inlet_flow", value="158.2", unit="L/min"),
        Reading(timestamp=1714557602, channel="T1_inlet_oil_temperature", value="41.5", unit="°C"),
        Reading(timestamp=1714557603, channel="N1_shaft_speed", value="1500", unit="rpm"),
    ]
    assert readings[0].decimal == Decimal("212.37")
    assert readings[0].time.isoformat() == "2024-05-01T10:00:00+00:00"


def test_columns_in_any_order_bom_quotes_and_blank_lines(tmp_path: Path) -> None:
    text = '\ufeffUnit, Value ,channel,TIMESTAMP\n\n"bar","1.0","P1, inlet",0\n\n"",7,"x",1\n'
    readings = load_readings(write(tmp_path, text))
    assert readings == [
        Reading(timestamp=0, channel="P1, inlet", value="1", unit="bar"),
        Reading(timestamp=1, channel="x", value="7", unit=""),
    ]
    assert parse_readings_csv(text) == readings


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("", r"run\.csv: empty file"),
        ("\n\n  \n", r"run\.csv: empty file"),
        ("timestamp,channel,value,unit\n", r"run\.csv: no readings"),
        ("timestamp,channel,unit\n1,a,bar\n", r"run\.csv:1: missing column 'value'"),
        (
            "timestamp,channel,value,unit,extra\n",
            r"run\.csv:1: column 5: unexpected column 'extra'",
        ),
        ("timestamp,channel,value,unit,value\n", r"run\.csv:1: column 5: duplicate column"),
        (
            "timestamp,channel,value,unit\n1,a,2,bar\n2,b,3\n",
            r"run\.csv:3: column 4 \(unit\): missing",
        ),
        (
            "timestamp,channel,value,unit\n1,a,2,bar\n\n2,b,x1,bar\n",
            r"run\.csv:4: column 3 \(value\): not a decimal number: 'x1'",
        ),
        ("timestamp,channel,value,unit\n1,a,NaN,bar\n", r":2: column 3 \(value\): not a decimal"),
        ("timestamp,channel,value,unit\n1,a,1_000,bar\n", r":2: column 3 \(value\)"),
        ("timestamp,channel,value,unit\n1,a,,bar\n", r":2: column 3 \(value\): empty"),
        ("timestamp,channel,value,unit\n1,,2,bar\n", r":2: column 2 \(channel\): empty"),
        (
            "timestamp,channel,value,unit\nyesterday,a,2,bar\n",
            r"run\.csv:2: column 1 \(timestamp\): bad timestamp 'yesterday'",
        ),
        (
            "timestamp,channel,value,unit\n2024-05-01T10:00:00,a,2,bar\n",
            r":2: column 1 \(timestamp\): .*no time zone",
        ),
        (
            "timestamp,channel,value,unit\n2024-05-01T10:00:00.5Z,a,2,bar\n",
            r":2: column 1 \(timestamp\): .*fractions of a second",
        ),
        (
            "timestamp,channel,value,unit\n-5,a,2,bar\n",
            r":2: column 1 \(timestamp\): bad timestamp",
        ),
        ("timestamp,channel,value,unit\n1969-12-31T23:59:59Z,a,2,bar\n", r":2: .*before 1970"),
        (
            "timestamp,channel,value,unit\n18446744073709551616,a,2,bar\n",
            r":2: column 1 \(timestamp\): .*uint64",
        ),
        ("timestamp,channel,value,unit\n1,a,2,bar,9\n", r"run\.csv:2: 5 fields, expected 4"),
        ('timestamp,channel,value,unit\n1,"a,2,bar\n', r"run\.csv:\d+: malformed CSV"),
        (
            "timestamp,channel,value,unit\n1,a,1e999,bar\n",
            r":2: column 3 \(value\): number too long",
        ),
    ],
)
def test_parse_errors_name_file_line_and_column(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        load_readings(write(tmp_path, text))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"cannot read .*nope\.csv"):
        load_readings(tmp_path / "nope.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("timestamp,channel,value,unit\n1,T,2,\xb0C\n".encode("latin-1"))
    with pytest.raises(InvalidInputError, match=r"latin1\.csv: not UTF-8"):
        load_readings(bad)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0", "0"),
        ("-0.000", "0"),
        ("+12", "12"),
        ("012.50", "12.5"),
        ("12.", "12"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("1.5e3", "1500"),
        ("1.5E-3", "0.0015"),
        ("123.456e-1", "12.3456"),
        ("100", "100"),
        ("1e2", "100"),
        ("0.1000000000000000055511151231257827", "0.1000000000000000055511151231257827"),
        ("98765432109876543210.0123456789", "98765432109876543210.0123456789"),
    ],
)
def test_canonical_decimal(text: str, canonical: str) -> None:
    assert canonical_decimal(text) == canonical
    assert Decimal(canonical) == Decimal(text)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: abs(d.adjusted()) < 30
    )
)
def test_canonical_decimal_is_exact_and_idempotent(number: Decimal) -> None:
    text = canonical_decimal(str(number))
    assert Decimal(text) == number  # exact: nothing rounded
    assert canonical_decimal(text) == text
    assert "e" not in text.lower() and not text.startswith("+")
    assert canonical_decimal(number) == text


# --------------------------------------------------------------------------------------------------
# salts and the tree


def readings_fixture() -> list[Reading]:
    twice = Reading(timestamp=1714557604, channel="P1_inlet_pressure", value="1", unit="bar")
    # the same reading twice: salts must still differ
    return [*parse_readings_csv(SAMPLE), twice, twice]


def test_salts_follow_the_documented_formula() -> None:
    readings = readings_fixture()
    tree = ReadingsTree.build(readings, seed=SEED)
    for i, reading in enumerate(readings):
        row = reference_abi_encode(
            ["uint64", "string", "string", "string"],
            [reading.timestamp, reading.channel, reading.value, reading.unit],
        )
        expected = hmac.new(SEED, i.to_bytes(8, "big") + row, hashlib.sha256).hexdigest()
        assert tree.salts[i] == "0x" + expected == derive_salt(SEED, i, reading)
    assert len(set(tree.salts)) == len(readings)


def test_leaves_follow_the_documented_encoding() -> None:
    readings = readings_fixture()
    tree = ReadingsTree.build(readings, seed=SEED)
    assert READINGS_LEAF_ENCODING == ("bytes32", "uint64", "string", "string", "string")
    leaf_hashes = set(tree.tree.tree[len(readings) - 1 :])
    for salt, r in zip(tree.salts, readings, strict=True):
        encoded = reference_abi_encode(
            list(READINGS_LEAF_ENCODING),
            [bytes.fromhex(salt[2:]), r.timestamp, r.channel, r.value, r.unit],
        )
        assert "0x" + reference_keccak(reference_keccak(encoded)).hex() in leaf_hashes
    # identical readings at different positions are different leaves
    assert tree.proof_for(4).leaf_hash != tree.proof_for(5).leaf_hash


def test_same_seed_same_root_other_seed_other_root() -> None:
    readings = readings_fixture()
    a = ReadingsTree.build(readings, seed=SEED)
    assert ReadingsTree.build(list(readings), seed=SEED).root == a.root
    assert ReadingsTree.build(readings, seed="0x" + SEED.hex()).root == a.root
    assert ReadingsTree.build(readings, seed=SEED.hex()).root == a.root
    assert ReadingsTree.build(readings, seed=bytes(32)).root != a.root
    assert ReadingsTree.build(readings[::-1], seed=SEED).root != a.root  # order is committed
    seed1, seed2 = generate_seed(), generate_seed()
    assert len(seed1) == 32 and seed1 != seed2


def test_bad_seeds_and_inputs() -> None:
    readings = readings_fixture()
    for seed in (b"short", "0x1234", "zz" * 32, b"\x00" * 33):
        with pytest.raises(InvalidInputError, match="salt seed"):
            ReadingsTree.build(readings, seed=seed)
    with pytest.raises(InvalidInputError, match="no readings"):
        ReadingsTree.build([], seed=SEED)
    with pytest.raises(InvalidInputError, match="not a Reading"):
        ReadingsTree.build([("1", "a")], seed=SEED)  # type: ignore[list-item]
    tree = ReadingsTree.build(readings, seed=SEED)
    with pytest.raises(InvalidInputError, match="out of range"):
        tree.proof_for(len(readings))


def test_every_disclosure_verifies(oz: OzOracle) -> None:
    readings = readings_fixture()
    tree = ReadingsTree.build(readings, seed=SEED)
    for i in range(len(readings)):
        proof = tree.proof_for(i)
        assert proof.reading == readings[i] and proof.index == i
        assert verify_reading(proof, tree.root)
        assert verify_reading(proof, bytes.fromhex(tree.root[2:]))
        # the disclosure verifies with OpenZeppelin's JS library as well
        assert oz.ok(
            {
                "op": "verify",
                "root": tree.root,
                "leafEncoding": list(READINGS_LEAF_ENCODING),
                "value": list(proof.leaf),
                "proof": list(proof.proof),
            }
        )["ok"]
    js = oz.ok({"op": "load", "dump": tree.tree.dump()})
    assert js["root"] == tree.root


def test_tampering_is_detected() -> None:
    tree = ReadingsTree.build(readings_fixture(), seed=SEED)
    good = tree.proof_for(1)
    assert verify_reading(good, tree.root)

    def changed(**update: object) -> ReadingProof:
        return good.model_copy(update=update)

    reading = good.reading
    tampered = [
        changed(reading=reading.model_copy(update={"value": "158.3"})),
        changed(reading=reading.model_copy(update={"timestamp": reading.timestamp + 1})),
        changed(reading=reading.model_copy(update={"channel": "Q2_outlet_flow"})),
        changed(reading=reading.model_copy(update={"unit": "L/h"})),
        changed(salt=tree.salts[0]),
        changed(salt="0x" + "00" * 32),
        changed(proof=(good.proof[0], *good.proof[2:])),
        changed(proof=(tree.root, *good.proof[1:])),
        changed(proof=(*good.proof[:-1], "0x" + "11" * 32)),
        changed(root="0x" + "22" * 32),
        tree.proof_for(2),  # a valid proof, but for another reading than claimed below
    ]
    tampered[-1] = tampered[-1].model_copy(update={"reading": reading})
    for proof in tampered:
        assert not verify_reading(proof, tree.root)
    assert not verify_reading(good, "0x" + "33" * 32)
    with pytest.raises(InvalidInputError):
        verify_reading(good, "0x1234")


def test_disclosed_salt_does_not_reveal_neighbours() -> None:
    """Guessing an undisclosed reading from the proof fails without its own salt."""
    readings = [
        Reading(timestamp=1000 + i, channel="valve", value=str(i % 2), unit="") for i in range(2)
    ]
    tree = ReadingsTree.build(readings, seed=SEED)
    disclosed = tree.proof_for(0)
    sibling = disclosed.proof[0]  # the leaf hash of reading 1, which stays secret
    true_leaf = StandardMerkleTree.of(
        [(tree.salts[1], 1001, "valve", "1", "")], READINGS_LEAF_ENCODING
    )
    assert true_leaf.root == sibling  # (sanity: the sibling is reading 1's leaf)
    for salt in (disclosed.salt, "0x" + "00" * 32):  # an attacker's best guesses for the salt
        for value in ("0", "1"):
            guess = (salt, 1001, "valve", value, "")
            assert StandardMerkleTree.of([guess], READINGS_LEAF_ENCODING).root != sibling


def test_proof_json_round_trip(tmp_path: Path) -> None:
    tree = ReadingsTree.build(readings_fixture(), seed=SEED)
    proof = tree.proof_for(2)
    text = proof.to_json()
    data = json.loads(text)
    assert data["reading"]["channel"] == "T1_inlet_oil_temperature"
    assert data["leaf_encoding"] == list(READINGS_LEAF_ENCODING)
    assert ReadingProof.from_json(text) == proof
    assert ReadingProof.from_json(text.encode()) == proof
    assert verify_reading(ReadingProof.from_json(proof.to_json(indent=None)), tree.root)

    mutations: list[tuple[Callable[[dict[str, Any]], object], str]] = [
        (lambda d: d.update(salt="0x12"), "salt"),
        (lambda d: d.update(leaf_encoding=["bytes32"]), "leaf_encoding"),
        (lambda d: d["reading"].update(value="abc"), "reading.value"),
        (lambda d: d["proof"].append("nothex"), "proof"),
        (lambda d: d.update(schema_version=2), "schema_version"),
        (lambda d: d.update(extra=1), "extra"),
    ]
    for mutate, pattern in mutations:
        broken = json.loads(text)
        mutate(broken)
        with pytest.raises(InvalidInputError, match=pattern):
            ReadingProof.from_json(json.dumps(broken))
    with pytest.raises(InvalidInputError, match="invalid reading proof"):
        ReadingProof.from_json("{not json")


def test_verify_readings_file(tmp_path: Path) -> None:
    path = write(tmp_path, SAMPLE)
    root = ReadingsTree.from_file(path, seed=SEED).root
    assert verify_readings_file(path, root, SEED)
    assert not verify_readings_file(path, root, bytes(32))
    assert not verify_readings_file(path, "0x" + "00" * 32, SEED)
    # one changed digit in the raw data breaks it
    write(tmp_path, SAMPLE.replace("158.2", "158.3"))
    assert not verify_readings_file(path, root, SEED)
    # a change that keeps the numbers (formatting only) does not: values are canonical
    write(tmp_path, SAMPLE.replace("158.2", "158.20"))
    assert verify_readings_file(path, root, SEED)


# --------------------------------------------------------------------------------------------------
# CSV out and synthetic bench data


def test_format_round_trip() -> None:
    readings = readings_fixture()
    text = format_readings_csv(readings)
    assert text.splitlines()[0] == "timestamp,channel,value,unit"
    assert parse_readings_csv(text) == readings


def test_bench_generator(tmp_path: Path) -> None:
    text = generate_bench_readings(serial="HM-0001", sensors=20, samples=300, seed=7)
    assert text == generate_bench_readings(serial="HM-0001", sensors=20, samples=300, seed=7)
    assert text != generate_bench_readings(serial="HM-0002", sensors=20, samples=300, seed=7)
    assert text != generate_bench_readings(serial="HM-0001", sensors=20, samples=300, seed=8)
    readings = load_readings(write(tmp_path, text, "bench.csv"))
    assert len(readings) == 20 * 300
    channels = {(r.channel, r.unit) for r in readings}
    assert channels == set(BENCH_CHANNELS[:20])
    assert {r.timestamp for r in readings} == set(range(1714550400, 1714550400 + 300))

    def series(name: str) -> list[float]:
        return [float(r.value) for r in readings if r.channel == name]

    p1, p2 = series("P1_inlet_pressure"), series("P2_outlet_pressure")
    speed, torque = series("N1_shaft_speed"), series("M1_shaft_torque")
    q_in, q_out = series("Q1_inlet_flow"), series("Q2_outlet_flow")
    t_oil = series("T1_inlet_oil_temperature")
    end = slice(-30, None)  # last load step, steady state
    assert all(a > b for a, b in zip(p1[end], p2[end], strict=True))
    assert 190 < sum(p1[end]) / 30 - sum(p2[end]) / 30 < 230  # ≈ 210 bar differential
    assert 1450 < sum(speed[end]) / 30 < 1510
    assert 200 < sum(torque[end]) / 30 < 450  # 80..125 cm³/rev at 210 bar, ηhm 0.90..0.94
    assert all(q_out_i < q_in_i for q_in_i, q_out_i in zip(q_in[end], q_out[end], strict=True))
    assert t_oil[-1] > t_oil[0] + 10  # the oil warms up during the run
    assert min(float(r.value) for r in readings) >= 0


def test_bench_generator_bounds() -> None:
    assert (
        len(
            parse_readings_csv(
                generate_bench_readings(serial="s", sensors=24, samples=2, seed=b"x")
            )
        )
        == 48
    )
    for kwargs in ({"sensors": 0}, {"sensors": 25}, {"samples": 0}, {"serial": ""}):
        args: dict[str, object] = {"serial": "s", "seed": 1, **kwargs}
        with pytest.raises(InvalidInputError):
            generate_bench_readings(**args)  # type: ignore[arg-type]


def test_demo_scale_tree(oz: OzOracle) -> None:
    """20 sensors x 600 samples: the demo's size; root agrees with OpenZeppelin's JS."""
    readings = parse_readings_csv(generate_bench_readings(serial="HM-DEMO", seed=1))
    assert len(readings) == 12000
    tree = ReadingsTree.build(readings, seed=SEED)
    js = oz.ok({"op": "load", "dump": tree.tree.dump(), "proofIndices": [0, 6000, 11999]})
    assert js["root"] == tree.root
    assert js["proofs"] == [list(tree.proof_for(i).proof) for i in (0, 6000, 11999)]
