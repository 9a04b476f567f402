"""StandardMerkleTree: byte-for-byte agreement with npm @openzeppelin/merkle-tree 1.0.8."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from eth_abi.abi import encode as reference_abi_encode
from eth_utils.address import to_checksum_address as reference_checksum
from eth_utils.crypto import keccak as reference_keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabtrust.errors import InvalidInputError
from fabtrust.evidence.merkle import (
    MultiProof,
    StandardMerkleTree,
    process_proof,
    standard_leaf_hash,
    standard_node_hash,
)

from .conftest import OzOracle

SAFE = 2**53 - 1


def js_int(value: int) -> int | str:
    """How a JS caller writes an integer: a number when exact, else a decimal string."""
    return value if -SAFE <= value <= SAFE else str(value)


# --------------------------------------------------------------------------------------------------
# strategies: values already in the canonical form both libraries should dump unchanged

_uint256 = st.integers(0, 2**256 - 1).map(js_int)
_uint8 = st.integers(0, 255)
_int64 = st.integers(-(2**63), 2**63 - 1).map(js_int)
_address = st.binary(min_size=20, max_size=20).map(lambda b: reference_checksum(b))
_bytes32 = st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex())
_bytes = st.binary(max_size=70).map(lambda b: "0x" + b.hex())
_string = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)

TYPE_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "uint256": _uint256,
    "uint8": _uint8,
    "int64": _int64,
    "address": _address,
    "bool": st.booleans(),
    "bytes32": _bytes32,
    "bytes": _bytes,
    "string": _string,
    "uint256[]": st.lists(_uint256, max_size=4),
    "bytes4[2]": st.lists(
        st.binary(min_size=4, max_size=4).map(lambda b: "0x" + b.hex()), min_size=2, max_size=2
    ),
    "(uint256,address)": st.tuples(_uint256, _address).map(list),
}


@st.composite
def tree_inputs(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    encoding = draw(st.lists(st.sampled_from(sorted(TYPE_STRATEGIES)), min_size=1, max_size=4))
    row = st.tuples(*(TYPE_STRATEGIES[t] for t in encoding)).map(list)
    values = draw(st.lists(row, min_size=1, max_size=24))
    # sometimes repeat a value: OpenZeppelin keeps duplicates as separate leaves
    if draw(st.booleans()):
        values.insert(
            draw(st.integers(0, len(values))), copy.deepcopy(draw(st.sampled_from(values)))
        )
    return encoding, values


def compare_with_js(
    oz: OzOracle,
    encoding: list[str],
    values: list[list[Any]],
    *,
    sort_leaves: bool = True,
    multi: list[list[int]] | None = None,
) -> tuple[StandardMerkleTree, dict[str, Any]]:
    tree = StandardMerkleTree.of(values, encoding, sort_leaves=sort_leaves)
    js = oz.ok(
        {
            "op": "of",
            "values": values,
            "leafEncoding": encoding,
            "sortLeaves": sort_leaves,
            "multi": multi or [],
            "byValue": list(range(len(values))),
        }
    )
    assert tree.root == js["root"]
    assert tree.dump() == js["dump"]
    assert json.loads(json.dumps(tree.dump())) == js["dump"]
    assert [tree.get_proof(i) for i in range(len(values))] == js["proofs"]
    assert [tree.get_proof(v) for v in values] == js["proofsByValue"]
    assert [tree.leaf_hash(v) for v in values] == js["leafHashes"]
    assert tree.render() == js["render"]
    for indices, js_multi in zip(multi or [], js["multiProofs"], strict=True):
        assert tree.get_multi_proof(indices).to_dict() == js_multi
    return tree, js


# --------------------------------------------------------------------------------------------------
# cross-implementation properties


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tree_inputs(), sort_leaves=st.booleans(), rnd=st.randoms(use_true_random=False))
def test_random_trees_match_openzeppelin(
    oz: OzOracle,
    data: tuple[list[str], list[list[Any]]],
    sort_leaves: bool,
    rnd: random.Random,
) -> None:
    encoding, values = data
    n = len(values)
    distinct = {json.dumps(v, sort_keys=True): i for i, v in enumerate(values)}
    pool = sorted(distinct.values())
    multi = [rnd.sample(pool, rnd.randint(0, len(pool))) for _ in range(3)]
    tree, js = compare_with_js(oz, encoding, values, sort_leaves=sort_leaves, multi=multi)

    for i in range(n):
        proof = tree.get_proof(i)
        assert StandardMerkleTree.verify(tree.root, encoding, values[i], proof)
    for indices in multi:
        mp = tree.get_multi_proof(indices)
        assert StandardMerkleTree.verify_multi_proof(tree.root, encoding, mp)
        assert StandardMerkleTree.verify_multi_proof(tree.root, encoding, mp.to_dict())
        assert oz.ok(
            {
                "op": "verifyMulti",
                "root": tree.root,
                "leafEncoding": encoding,
                "multiproof": mp.to_dict(),
            }
        )["ok"]

    # JS loads (and validates) the Python dump; Python loads the JS dump.
    loaded_js = oz.ok({"op": "load", "dump": tree.dump()})
    assert loaded_js["root"] == tree.root and loaded_js["proofs"] == js["proofs"]
    again = StandardMerkleTree.load(js["dump"])
    assert again.dump() == tree.dump()
    assert again.values == tree.values


@settings(max_examples=40, deadline=None)
@given(data=tree_inputs(), rnd=st.randoms(use_true_random=False))
def test_tampering_is_detected_by_both_libraries(
    oz: OzOracle, data: tuple[list[str], list[list[Any]]], rnd: random.Random
) -> None:
    encoding, values = data
    tree = StandardMerkleTree.of(values, encoding)
    index = rnd.randrange(len(values))
    value, proof = values[index], tree.get_proof(index)

    def both(root: str, leaf: list[Any], nodes: list[str]) -> bool:
        py = StandardMerkleTree.verify(root, encoding, leaf, nodes)
        js = oz.ok(
            {"op": "verify", "root": root, "leafEncoding": encoding, "value": leaf, "proof": nodes}
        )["ok"]
        assert py == js
        return py

    assert both(tree.root, value, proof)
    assert not both(flip(tree.root, rnd), value, proof)
    if proof:
        k = rnd.randrange(len(proof))
        assert not both(tree.root, value, [*proof[:k], flip(proof[k], rnd), *proof[k + 1 :]])
        assert not both(tree.root, value, proof[:-1])
    tampered = tamper_value(encoding, value, rnd)
    if tampered is not None and [x for x in values if x == tampered] == []:
        assert not both(tree.root, tampered, proof)


def flip(node: str, rnd: random.Random) -> str:
    raw = bytearray(bytes.fromhex(node[2:]))
    raw[rnd.randrange(len(raw))] ^= 1 << rnd.randrange(8)
    return "0x" + raw.hex()


def tamper_value(encoding: list[str], value: list[Any], rnd: random.Random) -> list[Any] | None:
    """Change one field of a leaf value to another valid value of the same type."""
    changed = copy.deepcopy(value)
    k = rnd.randrange(len(encoding))
    kind, item = encoding[k], changed[k]
    if kind in ("uint256", "uint8"):
        number = int(item)
        changed[k] = js_int(number - 1 if number > 0 else number + 1)
    elif kind == "int64":
        number = int(item)
        changed[k] = js_int(number - 1 if number > -(2**63) else number + 1)
    elif kind == "bool":
        changed[k] = not item
    elif kind in ("bytes32", "address"):
        flipped = flip(item if kind == "bytes32" else item.lower(), rnd)
        changed[k] = flipped if kind == "bytes32" else reference_checksum(flipped)
    elif kind == "bytes":
        changed[k] = item + "00"
    elif kind == "string":
        changed[k] = item + "x"
    elif kind == "uint256[]":
        changed[k] = [*item, 1]
    else:
        return None
    return changed


# --------------------------------------------------------------------------------------------------
# edge cases, checked against the JS library


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17])
def test_small_trees_match(oz: OzOracle, n: int) -> None:
    encoding = ["address", "uint256"]
    values = [[reference_checksum(bytes([i + 1]) * 20), js_int(10**18 * (i + 1))] for i in range(n)]
    multi = [list(range(n)), [0], sorted({n - 1, 0}), []]
    tree, _ = compare_with_js(oz, encoding, values, multi=multi)
    assert len(tree) == n and len(tree.tree) == 2 * n - 1


def test_one_leaf_tree_is_its_leaf(oz: OzOracle) -> None:
    values = [["0x" + "ab" * 32]]
    tree, _ = compare_with_js(oz, ["bytes32"], values)
    expected = reference_keccak(reference_keccak(reference_abi_encode(["bytes32"], [b"\xab" * 32])))
    assert tree.root == "0x" + expected.hex()
    assert tree.get_proof(0) == []
    assert StandardMerkleTree.verify(tree.root, ["bytes32"], values[0], [])


def test_two_leaves_hash_sorted_pair(oz: OzOracle) -> None:
    values = [["a"], ["b"]]
    tree, _ = compare_with_js(oz, ["string"], values)
    a = bytes.fromhex(tree.leaf_hash(["a"])[2:])
    b = bytes.fromhex(tree.leaf_hash(["b"])[2:])
    assert tree.root == "0x" + reference_keccak(min(a, b) + max(a, b)).hex()
    assert standard_node_hash(a, b) == standard_node_hash(b, a) == tree.root


def test_thousand_leaves(oz: OzOracle) -> None:
    rnd = random.Random(1000)
    encoding = ["uint256", "bytes32", "bytes32", "bytes32", "uint8", "uint64"]
    values = [
        [
            js_int(rnd.getrandbits(256)),
            "0x" + rnd.randbytes(32).hex(),
            "0x" + rnd.randbytes(32).hex(),
            "0x" + rnd.randbytes(32).hex(),
            rnd.choice([1, 2]),
            js_int(rnd.getrandbits(64)),
        ]
        for _ in range(1000)
    ]
    multi = [rnd.sample(range(1000), 50), list(range(1000))]
    tree, _ = compare_with_js(oz, encoding, values, multi=multi)
    assert len(tree.get_proof(0)) in (9, 10)


def test_duplicate_values(oz: OzOracle) -> None:
    encoding = ["string", "uint8"]
    values = [["x", 1], ["y", 2], ["x", 1], ["x", 1], ["z", 3]]
    tree, js = compare_with_js(oz, encoding, values, multi=[[0, 2, 3], [1, 4]])
    # three leaves with the same hash, each with its own tree index
    indices = {tree.tree_index(i) for i in (0, 2, 3)}
    assert len(indices) == 3
    assert len({tree.tree[i] for i in indices}) == 1
    # lookup by value resolves to the last occurrence, as in JS
    assert tree.leaf_lookup(["x", 1]) == 3
    assert tree.get_proof(["x", 1]) == tree.get_proof(3) == js["proofsByValue"][0]
    with pytest.raises(InvalidInputError, match="duplicated"):
        tree.get_multi_proof([["x", 1], 3])
    assert "duplicated" in oz.call(
        {"op": "of", "values": values, "leafEncoding": encoding, "multi": [[0, 0]]}
    ).get("error", "")


def test_equivalent_input_forms_give_one_tree(oz: OzOracle) -> None:
    encoding = ["address", "uint256", "bytes32", "bytes", "(uint256,bool)", "int16[]"]
    addr = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    canonical = [
        [addr, "123456789012345678901234567890", "0x" + "0a" * 32, "0xdead", [5, True], [-2, 3]]
    ]
    loose = [
        (
            addr.lower(),
            123456789012345678901234567890,
            b"\x0a" * 32,
            bytes.fromhex("DEAD"),
            (5, True),
            ("-0x2", "3"),
        )
    ]
    tree, js = compare_with_js(oz, encoding, canonical)
    assert StandardMerkleTree.of(loose, encoding).dump() == js["dump"]
    assert tree.values == (
        (addr, 123456789012345678901234567890, "0x" + "0a" * 32, "0xdead", (5, True), (-2, 3)),
    )


def test_untouched_values_round_trip_through_json(oz: OzOracle) -> None:
    tree = StandardMerkleTree.of([[2**200, "0x" + "11" * 20]], ["uint256", "address"])
    dumped = json.loads(json.dumps(tree.dump()))
    assert dumped["values"][0]["value"] == [str(2**200), reference_checksum("0x" + "11" * 20)]
    assert oz.ok({"op": "load", "dump": dumped})["root"] == tree.root
    assert StandardMerkleTree.load(dumped).at(0) == (2**200, reference_checksum("0x" + "11" * 20))


# --------------------------------------------------------------------------------------------------
# load() validation


def _dump() -> dict[str, Any]:
    return StandardMerkleTree.of([[i, f"v{i}"] for i in range(5)], ["uint256", "string"]).dump()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="standard-v2"), "unknown Merkle tree format"),
        (lambda d: d.pop("leafEncoding"), "leaf encoding"),
        (lambda d: d["values"][1].update(value=[99, "v1"]), "does not contain the expected value"),
        (lambda d: d["values"][1].update(treeIndex=0), "not a leaf"),
        (lambda d: d["values"][1].update(treeIndex=d["values"][2]["treeIndex"]), "expected value"),
        (lambda d: d["tree"].__setitem__(1, "0x" + "00" * 32), "node 1"),
        (lambda d: d["tree"].__setitem__(0, "0x1234"), "32 bytes"),
        (lambda d: d["values"].pop(), "nodes"),
        (lambda d: d.update(leafEncoding=["uint256", "strin"]), "unsupported ABI type"),
    ],
)
def test_load_rejects_bad_dumps(oz: OzOracle, mutate: Any, message: str) -> None:
    data = _dump()
    mutate(data)
    with pytest.raises(InvalidInputError, match=message):
        StandardMerkleTree.load(data)
    if message not in ("nodes",):  # JS does not count values; everything else it rejects too
        assert "error" in oz.call({"op": "load", "dump": data})


def test_load_rejects_swapped_values_that_js_also_rejects(oz: OzOracle) -> None:
    data = _dump()
    a, b = data["values"][0]["treeIndex"], data["values"][1]["treeIndex"]
    data["values"][0]["treeIndex"], data["values"][1]["treeIndex"] = b, a
    with pytest.raises(InvalidInputError):
        StandardMerkleTree.load(data)
    assert "error" in oz.call({"op": "load", "dump": data})


# --------------------------------------------------------------------------------------------------
# argument errors


def test_bad_inputs_raise_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="non-empty"):
        StandardMerkleTree.of([], ["uint256"])
    with pytest.raises(InvalidInputError, match="out of range"):
        StandardMerkleTree.of([[256]], ["uint8"])
    with pytest.raises(InvalidInputError, match="out of range"):
        StandardMerkleTree.of([[-1]], ["uint256"])
    with pytest.raises(InvalidInputError, match="checksum"):
        StandardMerkleTree.of([["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"]], ["address"])
    with pytest.raises(InvalidInputError, match="is 2 bytes, not 32"):
        StandardMerkleTree.of([["0x1234"]], ["bytes32"])
    with pytest.raises(InvalidInputError, match="not a valid bool"):
        StandardMerkleTree.of([[1]], ["bool"])
    with pytest.raises(InvalidInputError, match="not a valid uint256"):
        StandardMerkleTree.of([[True]], ["uint256"])
    with pytest.raises(InvalidInputError, match=r"1 items but .* has 2"):
        StandardMerkleTree.of([[1]], ["uint256", "uint256"])
    with pytest.raises(InvalidInputError, match="unsupported ABI type"):
        StandardMerkleTree.of([[1]], ["fixed128x18"])
    with pytest.raises(InvalidInputError, match="needs 2 items"):
        StandardMerkleTree.of([[[1]]], ["uint8[2]"])
    tree = StandardMerkleTree.of([[1], [2]], ["uint256"])
    with pytest.raises(InvalidInputError, match="out of bounds"):
        tree.get_proof(2)
    with pytest.raises(InvalidInputError, match="not in tree"):
        tree.get_proof([3])
    with pytest.raises(InvalidInputError, match="32 bytes"):
        StandardMerkleTree.verify(tree.root, ["uint256"], [1], ["0x12"])
    with pytest.raises(InvalidInputError, match="not compatible"):
        StandardMerkleTree.verify_multi_proof(
            tree.root, ["uint256"], MultiProof(leaves=((1,),), proof=(), proof_flags=(True,))
        )


def test_primitives_agree_with_tree() -> None:
    encoding = ["string"]
    tree = StandardMerkleTree.of([["a"], ["b"], ["c"]], encoding)
    leaf = standard_leaf_hash(encoding, ["b"])
    assert leaf == tree.leaf_hash(["b"])
    assert process_proof(leaf, tree.get_proof(["b"])) == tree.root
    assert repr(tree).startswith("StandardMerkleTree(root=0x")
    assert list(tree.entries()) == [(0, ("a",)), (1, ("b",)), (2, ("c",))]
