"""The agent's read-only view of the chain: the head and a block's hash and time.

Shared by the reader, the re-org handler and the actor. It holds no state (each call asks the
node, through the binding's retrying ``rpc``). Imports web3 when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from fabtrust._binding import Binding

__all__ = ["Block", "ChainView"]


class Block(NamedTuple):
    """A block as the agent remembers it: number, hash (0x-hex) and unix time (the cursor's
    ``(number, hash, time)`` as the store takes it)."""

    number: int
    hash: str
    time: int


class ChainView:
    """Head and blocks of the chain behind ``binding``."""

    def __init__(self, binding: Binding) -> None:
        self._binding = binding

    def head(self) -> int:
        """The newest block number."""
        return int(self._binding.rpc(lambda: self._binding.w3.eth.block_number, "eth_blockNumber"))

    def block(self, number: int) -> Block | None:
        """Block ``number``; None when the chain is shorter."""
        from web3.exceptions import BlockNotFound

        def get() -> Any:
            try:
                return self._binding.w3.eth.get_block(number)
            except BlockNotFound:
                return None

        found = self._binding.rpc(get, "eth_getBlockByNumber")
        if found is None:
            return None
        return Block(number, "0x" + bytes(found["hash"]).hex(), int(found["timestamp"]))
