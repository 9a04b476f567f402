"""Frozen models for what the chain returns: raw logs and transaction receipts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hexbytes import HexBytes
from pydantic import BaseModel, ConfigDict

from fabtrust._abi import checksum

__all__ = ["RawLog", "TxReceipt", "hex32", "log_from_rpc", "quantity", "receipt_from_rpc"]


def hex32(value: Any) -> str:
    """``0x`` + lowercase hex of bytes / HexBytes / hex string (hashes, topics, data)."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text.lower() if text.startswith("0x") else "0x" + text.lower()


class RawLog(BaseModel):
    """One undecoded event log. Hashes, topics and data are ``0x`` hex strings.

    ``removed`` is True when :func:`fabtrust.chain.follow` withdraws a log it yielded earlier
    because its block was reorganised away.
    """

    model_config = ConfigDict(frozen=True)

    address: str
    topics: tuple[str, ...]
    data: str
    block_number: int
    block_hash: str
    tx_hash: str
    transaction_index: int
    log_index: int
    removed: bool = False

    @property
    def key(self) -> tuple[str, int]:
        """Identity of the log within its chain history: (transaction hash, log index)."""
        return (self.tx_hash, self.log_index)

    def data_bytes(self) -> bytes:
        """The non-indexed event data as bytes."""
        return bytes.fromhex(self.data[2:])

    def to_web3(self) -> dict[str, Any]:
        """The log in web3.py's shape (HexBytes, camelCase) for ``events.X().process_log``."""
        return {
            "address": self.address,
            "topics": [HexBytes(t) for t in self.topics],
            "data": HexBytes(self.data),
            "blockNumber": self.block_number,
            "blockHash": HexBytes(self.block_hash),
            "transactionHash": HexBytes(self.tx_hash),
            "transactionIndex": self.transaction_index,
            "logIndex": self.log_index,
            "removed": self.removed,
        }


class TxReceipt(BaseModel):
    """A mined transaction (status 1 unless explicitly asked for failed ones); logs undecoded."""

    model_config = ConfigDict(frozen=True)

    tx_hash: str
    block_number: int
    block_hash: str
    transaction_index: int
    sender: str
    to: str | None
    contract_address: str | None
    nonce: int | None
    status: int
    gas_used: int
    effective_gas_price: int
    logs: tuple[RawLog, ...]

    @property
    def succeeded(self) -> bool:
        """True when the transaction did not revert."""
        return self.status == 1

    @property
    def fee_wei(self) -> int:
        """What the transaction cost: gas used * effective gas price."""
        return self.gas_used * self.effective_gas_price


def quantity(value: Any) -> int:
    """A JSON-RPC quantity (``0x`` hex text, as nodes send it) or an int (as web3 formats it)."""
    return int(value, 16) if isinstance(value, str) else int(value)


def log_from_rpc(log: Mapping[str, Any]) -> RawLog:
    """A :class:`RawLog` from a log entry, raw JSON-RPC or formatted by web3 (HexBytes, ints)."""
    return RawLog(
        address=checksum(str(log["address"])),
        topics=tuple(hex32(t) for t in log.get("topics", ())),
        data=hex32(log.get("data", b"")),
        block_number=quantity(log["blockNumber"]),
        block_hash=hex32(log["blockHash"]),
        tx_hash=hex32(log["transactionHash"]),
        transaction_index=quantity(log["transactionIndex"]),
        log_index=quantity(log["logIndex"]),
        removed=bool(log.get("removed", False)),
    )


def receipt_from_rpc(receipt: Mapping[str, Any], *, nonce: int | None = None) -> TxReceipt:
    """A :class:`TxReceipt` from a receipt, raw JSON-RPC or formatted by web3."""
    to = receipt.get("to")
    created = receipt.get("contractAddress")
    price = receipt.get("effectiveGasPrice")
    return TxReceipt(
        tx_hash=hex32(receipt["transactionHash"]),
        block_number=quantity(receipt["blockNumber"]),
        block_hash=hex32(receipt["blockHash"]),
        transaction_index=quantity(receipt["transactionIndex"]),
        sender=checksum(str(receipt["from"])),
        to=checksum(str(to)) if to else None,
        contract_address=checksum(str(created)) if created else None,
        nonce=nonce,
        status=quantity(receipt.get("status", 1)),
        gas_used=quantity(receipt["gasUsed"]),
        effective_gas_price=quantity(price) if price is not None else 0,
        logs=tuple(log_from_rpc(entry) for entry in receipt.get("logs", ())),
    )
