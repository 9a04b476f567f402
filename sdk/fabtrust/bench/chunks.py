"""What a checkpoint commits to: the chunk of readings since the previous one, chained.

Checkpoint ``k`` of a session covers the readings ``[n_{k-1}, n_k)`` (``n_0 = 0``), its *chunk*:

- its **chunk root** is the OpenZeppelin StandardMerkleTree root of the chunk's salted readings
  (the same leaves, salted with their session-wide index, as the certificate's readings tree);
- its **anchored root** chains it to every checkpoint before it:
  ``root_k = keccak256(abi.encode(bytes32 root_{k-1}, bytes32 chunkRoot_k, uint256 n_{k-1},
  uint256 n_k))`` with ``root_0 = 0x00…00``.

So a checkpoint costs O(new readings) however long the session runs, a changed reading breaks
exactly the checkpoint whose chunk holds it, and the anchored roots form one chain: the last one
commits to every chunk. The certificate's data root stays the StandardMerkleTree root over all the
session's readings (computed once, at the end); anyone holding the readings rebuilds both.
"""

from __future__ import annotations

from collections.abc import Sequence

from fabtrust.evidence._hashing import keccak256
from fabtrust.evidence.merkle import tree_of_leaf_hashes

__all__ = ["GENESIS_ROOT", "chain_root", "chunk_root"]

GENESIS_ROOT = "0x" + "00" * 32
"""``root_0``: what the first checkpoint of a session chains to."""


def chunk_root(leaf_hashes: Sequence[bytes]) -> str:
    """The StandardMerkleTree root (``0x`` hex) of a chunk's leaf hashes (32 bytes each)."""
    return "0x" + tree_of_leaf_hashes(leaf_hashes)[0].hex()


def chain_root(previous: str, chunk: str, start: int, end: int) -> str:
    """``root_k`` from ``root_{k-1}`` (``previous``), the chunk root and the chunk's reading
    range ``[start, end)`` (see the module notes)."""
    data = (
        bytes.fromhex(previous[2:])
        + bytes.fromhex(chunk[2:])
        + start.to_bytes(32, "big")
        + end.to_bytes(32, "big")
    )
    return "0x" + keccak256(data).hex()
