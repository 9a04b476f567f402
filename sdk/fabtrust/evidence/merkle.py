"""OpenZeppelin ``StandardMerkleTree`` in Python, identical to npm ``@openzeppelin/merkle-tree``
1.0.8.

The algorithm, step for step as in the JS library (``dist/core.js``, ``merkletree.js``,
``standard.js``):

- leaf hash = ``keccak256(keccak256(abi.encode(leafEncoding, value)))`` (double hashing keeps a leaf
  from ever colliding with an inner node, and is what ``MerkleProof.verify`` expects on chain);
- leaves are sorted by hash (stable, so duplicate values keep their input order) unless
  ``sort_leaves=False``;
- the tree is a flat array of ``2n - 1`` nodes: leaf ``i`` (in sorted order) sits at index
  ``len - 1 - i``, node ``i`` has children ``2i + 1`` and ``2i + 2``, and an inner node is the
  keccak256 of its two children concatenated in ascending order (commutative hashing);
- the ``"standard-v1"`` dump holds ``format``, ``leafEncoding``, ``tree`` (hex nodes) and
  ``values`` (each ``{"value": [...], "treeIndex": n}`` in input order).

Values are normalised (see :func:`normalize_leaf`): integers as ``int``, ``bytesN``/``bytes`` as
``"0x"`` + lowercase hex, addresses EIP-55 checksummed. In :meth:`StandardMerkleTree.dump`, integers
beyond JavaScript's safe range (±(2**53 - 1)) are written as decimal strings, as OpenZeppelin's own
examples do, so ``JSON.parse`` in JavaScript reads every dump exactly and
``StandardMerkleTree.load`` in JS accepts it. Hashes and proofs are byte-for-byte those of the JS
library; for values given in the same form the dumps are equal.

Light module: ``eth_abi`` and ``eth_hash`` are imported on first use.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any, TypeAlias

from fabtrust import _validate
from fabtrust._record import Record
from fabtrust.errors import InvalidInputError
from fabtrust.evidence._abi_values import codec_for, to_json_safe
from fabtrust.evidence._hashing import keccak256

__all__ = [
    "STANDARD_V1",
    "LeafRef",
    "MultiProof",
    "StandardMerkleTree",
    "normalize_leaf",
    "process_multi_proof",
    "process_proof",
    "proof_at",
    "standard_leaf_hash",
    "standard_node_hash",
    "tree_of_leaf_hashes",
]

STANDARD_V1 = "standard-v1"
"""The ``format`` field of a dump."""

LeafRef: TypeAlias = "int | Sequence[Any]"
"""A leaf by position in the input values (``int``) or by value."""


# --------------------------------------------------------------------------------------------------
# hashing primitives


def normalize_leaf(leaf_encoding: Sequence[str], value: Sequence[Any]) -> tuple[Any, ...]:
    """``value`` in normal form for ``leaf_encoding`` (InvalidInputError if it does not fit)."""
    return codec_for(_encoding(leaf_encoding)).normalize(value)


def _leaf_hash_bytes(leaf_encoding: tuple[str, ...], value: Sequence[Any]) -> bytes:
    codec = codec_for(leaf_encoding)
    return keccak256(keccak256(codec.encode(codec.normalize(value))))


def standard_leaf_hash(leaf_encoding: Sequence[str], value: Sequence[Any]) -> str:
    """``keccak256(keccak256(abi.encode(leaf_encoding, value)))`` as ``0x`` hex."""
    return "0x" + _leaf_hash_bytes(_encoding(leaf_encoding), value).hex()


def _node_hash(a: bytes, b: bytes) -> bytes:
    return keccak256(a + b if a <= b else b + a)


def standard_node_hash(a: str | bytes, b: str | bytes) -> str:
    """``keccak256`` of two nodes concatenated in ascending order, as ``0x`` hex."""
    return "0x" + _node_hash(_node(a, "node"), _node(b, "node")).hex()


def process_proof(leaf: str | bytes, proof: Sequence[str | bytes]) -> str:
    """The root implied by a leaf hash and its proof (``MerkleProof.processProof``)."""
    node = _node(leaf, "leaf hash")
    for sibling in _nodes(proof, "proof"):
        node = _node_hash(node, sibling)
    return "0x" + node.hex()


def process_multi_proof(
    leaves: Sequence[str | bytes], proof: Sequence[str | bytes], proof_flags: Sequence[bool]
) -> str:
    """The root implied by leaf hashes and a multiproof (``MerkleProof.processMultiProof``)."""
    stack = deque(_nodes(leaves, "multiproof leaf"))
    siblings = deque(_nodes(proof, "multiproof proof"))
    flags = list(proof_flags)
    if len(siblings) < sum(1 for flag in flags if not flag):
        raise InvalidInputError("invalid multiproof format")
    if len(stack) + len(siblings) != len(flags) + 1:
        raise InvalidInputError("provided leaves and multiproof are not compatible")
    for flag in flags:
        if not stack or (flag and len(stack) < 2):
            raise InvalidInputError("invalid multiproof: the proof flags do not match the leaves")
        a = stack.popleft()
        b = stack.popleft() if flag else siblings.popleft()
        stack.append(_node_hash(a, b))
    if len(stack) + len(siblings) != 1:
        raise InvalidInputError("invalid multiproof")
    return "0x" + (stack.pop() if stack else siblings.popleft()).hex()


def _node(value: str | bytes, what: str) -> bytes:
    return _validate.hex_bytes(value, field=f"{what} (Merkle tree nodes are 32 bytes)", length=32)


def _nodes(values: Sequence[str | bytes], what: str) -> list[bytes]:
    if isinstance(values, (str, bytes, bytearray)):
        raise InvalidInputError(f"{what}: expected a list of 32-byte hex nodes")
    return [_node(v, f"{what}[{i}]") for i, v in enumerate(values)]


def _encoding(leaf_encoding: Sequence[str]) -> tuple[str, ...]:
    if isinstance(leaf_encoding, str) or not all(isinstance(t, str) for t in leaf_encoding):
        raise InvalidInputError("the leaf encoding must be a list of ABI type strings")
    return tuple(leaf_encoding)


# --------------------------------------------------------------------------------------------------
# multiproof model


class MultiProof(Record):
    """A multiproof: leaves (values), sibling nodes and flags, in OpenZeppelin's order
    (``model_validate`` also takes the JS name ``proofFlags``)."""

    leaves: tuple[tuple[Any, ...], ...]
    proof: tuple[str, ...]
    proof_flags: tuple[bool, ...] = dataclasses.field(metadata={"alias": "proofFlags"})

    def to_dict(self) -> dict[str, Any]:
        """The JS form ``{"leaves", "proof", "proofFlags"}`` with JSON-safe values."""
        return {
            "leaves": [to_json_safe(leaf) for leaf in self.leaves],
            "proof": list(self.proof),
            "proofFlags": list(self.proof_flags),
        }


# --------------------------------------------------------------------------------------------------
# tree


class StandardMerkleTree:
    """An immutable OpenZeppelin standard Merkle tree over ABI-encoded leaf values.

    Build one with :meth:`of` or :meth:`load`; the constructor is internal.
    """

    __slots__ = ("_leaf_encoding", "_lookup", "_tree", "_tree_indices", "_values")

    def __init__(
        self,
        *,
        tree: tuple[bytes, ...],
        values: tuple[tuple[Any, ...], ...],
        tree_indices: tuple[int, ...],
        leaf_encoding: tuple[str, ...],
    ) -> None:
        self._tree = tree
        self._values = values
        self._tree_indices = tree_indices
        self._leaf_encoding = leaf_encoding
        # Like the JS hashLookup: with duplicate values, the last one wins.
        self._lookup = {tree[t]: i for i, t in enumerate(tree_indices)}

    # ---- construction ----------------------------------------------------------------------------

    @classmethod
    def of(
        cls,
        values: Sequence[Sequence[Any]],
        leaf_encoding: Sequence[str],
        *,
        sort_leaves: bool = True,
    ) -> StandardMerkleTree:
        """Build the tree of ``values`` (each a list matching ``leaf_encoding``).

        Raises:
            InvalidInputError: no values, an unsupported type, or a value that does not fit.
        """
        encoding = _encoding(leaf_encoding)
        codec = codec_for(encoding)
        if isinstance(values, (str, bytes)) or len(values) == 0:
            raise InvalidInputError("expected a non-empty list of leaf values")
        normalized = tuple(codec.normalize(v) for v in values)
        hashes = [keccak256(keccak256(codec.encode(v))) for v in normalized]
        order = list(range(len(hashes)))
        if sort_leaves:
            order.sort(key=hashes.__getitem__)  # stable, like Array.prototype.sort
        tree = _make_tree([hashes[i] for i in order])
        tree_indices = [0] * len(order)
        for leaf_index, value_index in enumerate(order):
            tree_indices[value_index] = len(tree) - 1 - leaf_index
        return cls(
            tree=tree, values=normalized, tree_indices=tuple(tree_indices), leaf_encoding=encoding
        )

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> StandardMerkleTree:
        """Rebuild a tree from a ``"standard-v1"`` dump (made here or by JS) and validate it.

        Every value must hash to the leaf at its ``treeIndex``, every inner node must be the hash of
        its children, and the values must cover the leaves exactly once.

        Raises:
            InvalidInputError: an unknown format, missing fields, or a tree that does not check out.
        """
        if not isinstance(data, Mapping):
            raise InvalidInputError("a Merkle tree dump must be a JSON object")
        if data.get("format") != STANDARD_V1:
            raise InvalidInputError(f"unknown Merkle tree format {data.get('format')!r}")
        if "leafEncoding" not in data:
            raise InvalidInputError("expected leaf encoding")
        encoding = _encoding(data["leafEncoding"])
        codec = codec_for(encoding)
        raw_tree, raw_values = data.get("tree"), data.get("values")
        if not isinstance(raw_tree, list) or not raw_tree:
            raise InvalidInputError("the dump's 'tree' must be a non-empty list of nodes")
        if not isinstance(raw_values, list):
            raise InvalidInputError("the dump's 'values' must be a list")
        tree = tuple(_nodes(raw_tree, "tree"))
        if len(tree) != 2 * len(raw_values) - 1:
            raise InvalidInputError(
                f"a tree of {len(raw_values)} values has {2 * len(raw_values) - 1} nodes, "
                f"the dump has {len(tree)}"
            )
        first_leaf = len(tree) // 2
        values: list[tuple[Any, ...]] = []
        indices: list[int] = []
        for i, entry in enumerate(raw_values):
            if not isinstance(entry, Mapping) or "value" not in entry or "treeIndex" not in entry:
                raise InvalidInputError(f"values[{i}] must be an object with value and treeIndex")
            tree_index = entry["treeIndex"]
            if isinstance(tree_index, bool) or not isinstance(tree_index, int):
                raise InvalidInputError(f"values[{i}].treeIndex must be an integer")
            if not first_leaf <= tree_index < len(tree):
                raise InvalidInputError(f"values[{i}].treeIndex {tree_index} is not a leaf")
            value = codec.normalize(entry["value"])
            if tree[tree_index] != keccak256(keccak256(codec.encode(value))):
                raise InvalidInputError(
                    f"Merkle tree does not contain the expected value at values[{i}]"
                )
            values.append(value)
            indices.append(tree_index)
        if len(set(indices)) != len(indices):
            raise InvalidInputError("two values share a treeIndex")
        for i in reversed(range(first_leaf)):
            if tree[i] != _node_hash(tree[2 * i + 1], tree[2 * i + 2]):
                raise InvalidInputError(
                    f"Merkle tree is invalid: node {i} is not its children's hash"
                )
        return cls(
            tree=tree, values=tuple(values), tree_indices=tuple(indices), leaf_encoding=encoding
        )

    # ---- reading ---------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        """The root as ``"0x"`` + 64 lowercase hex digits."""
        return "0x" + self._tree[0].hex()

    @property
    def leaf_encoding(self) -> tuple[str, ...]:
        return self._leaf_encoding

    @property
    def values(self) -> tuple[tuple[Any, ...], ...]:
        """The normalised values, in input order."""
        return self._values

    @property
    def tree(self) -> tuple[str, ...]:
        """All nodes as hex, root first (the dump's ``tree``)."""
        return tuple("0x" + node.hex() for node in self._tree)

    def __len__(self) -> int:
        return len(self._values)

    def at(self, index: int) -> tuple[Any, ...]:
        """The normalised value at input position ``index``."""
        return self._values[self._check_index(index)]

    def entries(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """``(index, value)`` pairs in input order."""
        return iter(enumerate(self._values))

    def tree_index(self, index: int) -> int:
        """Position in :attr:`tree` of the leaf of input value ``index``."""
        return self._tree_indices[self._check_index(index)]

    def leaf_hash(self, value: Sequence[Any]) -> str:
        """The leaf hash ``value`` has (or would have) in this tree."""
        return "0x" + _leaf_hash_bytes(self._leaf_encoding, value).hex()

    def leaf_lookup(self, value: Sequence[Any]) -> int:
        """Input position of ``value`` (the last one if it occurs more than once)."""
        index = self._lookup.get(_leaf_hash_bytes(self._leaf_encoding, value))
        if index is None:
            raise InvalidInputError("leaf is not in tree")
        return index

    # ---- proofs ----------------------------------------------------------------------------------

    def get_proof(self, leaf: LeafRef) -> list[str]:
        """Sibling hashes from the leaf up to (not including) the root.

        ``leaf`` is an input position or a value. Raises InvalidInputError if out of range / absent.
        """
        tree_index = self._tree_indices[self._resolve(leaf)]
        proof = []
        while tree_index > 0:
            sibling = tree_index - 1 if tree_index % 2 == 0 else tree_index + 1
            proof.append("0x" + self._tree[sibling].hex())
            tree_index = (tree_index - 1) // 2
        return proof

    def get_multi_proof(self, leaves: Sequence[LeafRef]) -> MultiProof:
        """One proof for several leaves (each an input position or a value).

        Raises:
            InvalidInputError: a leaf is absent or out of range, or the same leaf is given twice.
        """
        indices = sorted((self._tree_indices[self._resolve(leaf)] for leaf in leaves), reverse=True)
        if any(a == b for a, b in pairwise(indices)):
            raise InvalidInputError("cannot prove duplicated index")
        stack = deque(indices)
        proof: list[str] = []
        flags: list[bool] = []
        while stack and stack[0] > 0:
            j = stack.popleft()
            sibling = j - 1 if j % 2 == 0 else j + 1
            if stack and stack[0] == sibling:
                flags.append(True)
                stack.popleft()
            else:
                flags.append(False)
                proof.append("0x" + self._tree[sibling].hex())
            stack.append((j - 1) // 2)
        if not indices:
            proof.append(self.root)
        return MultiProof(
            leaves=tuple(self._values[self._lookup[self._tree[t]]] for t in indices),
            proof=tuple(proof),
            proof_flags=tuple(flags),
        )

    @staticmethod
    def verify(
        root: str | bytes,
        leaf_encoding: Sequence[str],
        value: Sequence[Any],
        proof: Sequence[str | bytes],
    ) -> bool:
        """Whether ``proof`` shows ``value`` is a leaf of the tree with ``root``.

        Raises InvalidInputError for malformed input (a value not fitting ``leaf_encoding``, a proof
        node that is not 32 bytes), as the JS library throws for it.
        """
        leaf = _leaf_hash_bytes(_encoding(leaf_encoding), value)
        return _node(root, "root") == _node(process_proof(leaf, proof), "root")

    @staticmethod
    def verify_multi_proof(
        root: str | bytes, leaf_encoding: Sequence[str], multiproof: MultiProof | Mapping[str, Any]
    ) -> bool:
        """Whether ``multiproof`` (a :class:`MultiProof` or its JS dict form) proves its leaves."""
        if not isinstance(multiproof, MultiProof):
            multiproof = MultiProof.model_validate(multiproof)
        encoding = _encoding(leaf_encoding)
        leaves = [_leaf_hash_bytes(encoding, leaf) for leaf in multiproof.leaves]
        computed = process_multi_proof(leaves, multiproof.proof, multiproof.proof_flags)
        return _node(root, "root") == _node(computed, "root")

    # ---- export ----------------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        """The ``"standard-v1"`` dump (JSON-able; see the module notes on large integers)."""
        return {
            "format": STANDARD_V1,
            "leafEncoding": list(self._leaf_encoding),
            "tree": list(self.tree),
            "values": [
                {"value": to_json_safe(value), "treeIndex": tree_index}
                for value, tree_index in zip(self._values, self._tree_indices, strict=True)
            ],
        }

    def render(self) -> str:
        """A text drawing of the tree, identical to the JS ``render()``."""
        lines: list[str] = []
        stack: list[tuple[int, list[int]]] = [(0, [])]
        while stack:
            i, path = stack.pop()
            prefix = "".join(("   ", "│  ")[p] for p in path[:-1])
            prefix += "".join(("└─ ", "├─ ")[p] for p in path[-1:])
            lines.append(f"{prefix}{i}) 0x{self._tree[i].hex()}")
            if 2 * i + 2 < len(self._tree):
                stack.append((2 * i + 2, [*path, 0]))
                stack.append((2 * i + 1, [*path, 1]))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"StandardMerkleTree(root={self.root}, leaves={len(self)}, "
            f"leaf_encoding={list(self._leaf_encoding)})"
        )

    # ---- internals -------------------------------------------------------------------------------

    def _check_index(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int):
            raise InvalidInputError(f"expected an integer index, got {type(index).__name__}")
        if not 0 <= index < len(self._values):
            raise InvalidInputError(f"index {index} out of bounds (tree has {len(self)} values)")
        return index

    def _resolve(self, leaf: LeafRef) -> int:
        if isinstance(leaf, int) and not isinstance(leaf, bool):
            return self._check_index(leaf)
        if isinstance(leaf, (bool, str, bytes)) or not isinstance(leaf, Sequence):
            raise InvalidInputError(f"expected an index or a leaf value, got {leaf!r}")
        return self.leaf_lookup(leaf)


def tree_of_leaf_hashes(leaf_hashes: Sequence[bytes]) -> tuple[bytes, ...]:
    """The nodes (root first) of the StandardMerkleTree whose leaves have these hashes, sorted as
    :meth:`StandardMerkleTree.of` sorts them: what a streaming committer that keeps only leaf
    hashes needs to get the same root (``"0x" + nodes[0].hex()``) and proofs (:func:`proof_at`).

    Raises:
        InvalidInputError: no leaves, or a leaf hash that is not 32 bytes.
    """
    if not leaf_hashes:
        raise InvalidInputError("expected a non-empty list of leaf hashes")
    if any(len(leaf) != 32 for leaf in leaf_hashes):
        raise InvalidInputError("a leaf hash must be 32 bytes")
    return _make_tree(sorted(leaf_hashes))


def proof_at(nodes: Sequence[bytes], tree_index: int) -> list[str]:
    """The proof (``0x`` hex siblings, leaf upwards) of the node at ``tree_index`` of ``nodes``."""
    proof = []
    while tree_index > 0:
        sibling = tree_index - 1 if tree_index % 2 == 0 else tree_index + 1
        proof.append("0x" + nodes[sibling].hex())
        tree_index = (tree_index - 1) // 2
    return proof


def _make_tree(leaves: list[bytes]) -> tuple[bytes, ...]:
    tree: list[bytes] = [b""] * (2 * len(leaves) - 1)
    for i, leaf in enumerate(leaves):
        tree[len(tree) - 1 - i] = leaf
    for i in range(len(tree) - 1 - len(leaves), -1, -1):
        tree[i] = _node_hash(tree[2 * i + 1], tree[2 * i + 2])
    return tuple(tree)
