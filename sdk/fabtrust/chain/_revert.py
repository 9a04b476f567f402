"""Revert data: getting it out of web3/node errors and decoding it into ContractError classes.

web3.py decodes ``Error(string)`` and ``Panic(uint256)`` but leaves custom errors as raw hex; the
functions here match the 4-byte selector against every ``error`` entry of the given ABIs (then
against OpenZeppelin's and any error class created so far) and build the matching
:class:`~fabtrust.errors.ContractError` subclass with decoded, normalised arguments (addresses
checksummed, tuples and arrays as Python tuples/lists).

Where the data comes from, per node:

* Anvil / geth: JSON-RPC error ``{"code": 3, "message": "execution reverted...", "data": "0x..."}``
  for ``eth_call`` and ``eth_estimateGas``; web3 raises ContractLogicError / ContractCustomError /
  ContractPanicError with ``.data`` = the hex string.
* Ganache 7: ``eth_estimateGas`` errors carry ``data = {"result": "0x...", ...}`` (web3
  raises ContractLogicError with that dict); ``eth_call`` errors carry ``data = "0x..."`` but web3
  leaves ``Error(string)`` ones as a plain Web3RPCError. Ganache 6 nested the dict under the tx
  hash.
* Hardhat / Nethermind style messages ``"Reverted 0x..."``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode  # type: ignore[attr-defined]
from eth_abi.grammar import BasicType, TupleType, parse
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.exceptions import ContractLogicError, Web3RPCError

from fabtrust.errors import (
    ContractError,
    UnknownContractError,
    canonical_type,
    error_class_for,
    known_error_classes,
)

__all__ = ["decode_revert", "error_selector", "extract_revert_data", "is_revert_error"]

Abi = Sequence[Mapping[str, Any]]

_HEX_RE = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
_REVERTED_RE = re.compile(r"[Rr]everted (0x[0-9a-fA-F]*)")


@lru_cache(maxsize=4096)
def error_selector(signature: str) -> str:
    """``0x`` + first 4 bytes of keccak256 of a canonical error signature ``Name(type,...)``."""
    return "0x" + keccak(text=signature)[:4].hex()


def decode_revert(
    data: bytes | str,
    abis: Sequence[Abi] = (),
    *,
    tx_hash: str | None = None,
) -> ContractError:
    """Decode revert data into the matching :class:`ContractError` subclass.

    Looks in ``abis`` first (each a contract ABI: a list of entries; ``error`` entries are used),
    then in the errors known to :mod:`fabtrust.errors` (``Error(string)``, ``Panic(uint256)``,
    OpenZeppelin 5, every class created so far). Data that matches nothing (or is shorter than a
    selector) gives an :class:`~fabtrust.errors.UnknownContractError` with the raw data.
    """
    raw = _as_bytes(data)
    if len(raw) < 4:
        return UnknownContractError(tx_hash=tx_hash, raw_data=raw)
    selector = "0x" + raw[:4].hex()
    candidates: list[type[ContractError]] = []
    for abi in abis:
        for entry in abi:
            if entry.get("type") != "error":
                continue
            inputs = list(entry.get("inputs", ()))
            name = str(entry.get("name", ""))
            signature = f"{name}({','.join(canonical_type(p) for p in inputs)})"
            if error_selector(signature) == selector:
                candidates.append(error_class_for(name, inputs, selector=selector))
    candidates.extend(c for c in known_error_classes(selector) if c not in candidates)
    for cls in candidates:
        types = [typ for _, _, typ in cls.INPUTS]
        try:
            decoded = abi_decode(types, raw[4:], strict=False)
        except Exception:  # malformed for this candidate: try the next one
            continue
        values = {
            abi_name: _normalise(parse(typ), value)
            for (abi_name, _, typ), value in zip(cls.INPUTS, decoded, strict=True)
        }
        return cls(tx_hash=tx_hash, raw_data=raw, **values)
    return UnknownContractError(tx_hash=tx_hash, raw_data=raw)


def _normalise(typ: Any, value: Any) -> Any:
    if isinstance(typ, TupleType | BasicType) and typ.arrlist:
        item = typ.item_type
        return tuple(_normalise(item, v) for v in value)
    if isinstance(typ, TupleType):
        return tuple(_normalise(t, v) for t, v in zip(typ.components, value, strict=True))
    if isinstance(typ, BasicType) and typ.base == "address":
        return to_checksum_address(value)
    return value


def _as_bytes(data: bytes | str) -> bytes:
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    text = data.strip()
    if text.startswith(("0x", "0X")):
        text = text[2:]
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b""


def _hex_from(value: Any, depth: int = 0) -> bytes | None:
    """Revert data from an error ``data`` field: a hex string or one of the known dict shapes."""
    if depth > 3:
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        text = value.strip()
        if _HEX_RE.fullmatch(text):
            return bytes.fromhex(text[2:])
        match = _REVERTED_RE.search(text)
        if match and len(match.group(1)) % 2 == 0:
            return bytes.fromhex(match.group(1)[2:])
        return None
    if isinstance(value, Mapping):
        for key in ("data", "result", "returnData", "output"):
            if key in value:
                found = _hex_from(value[key], depth + 1)
                if found is not None:
                    return found
        # Ganache 6: {"0x<txhash>": {"return": "0x...", ...}, "stack": ..., "name": ...}
        for inner in value.values():
            if isinstance(inner, Mapping):
                found = _hex_from(inner.get("return", inner), depth + 1)
                if found is not None:
                    return found
    return None


def is_revert_error(exc: BaseException) -> bool:
    """True when ``exc`` says the EVM reverted (as opposed to a transport or validation error)."""
    if isinstance(exc, ContractLogicError):
        return True
    if isinstance(exc, Web3RPCError):
        response: Any = exc.rpc_response
        error = response.get("error") if isinstance(response, Mapping) else None
        if isinstance(error, Mapping):
            message = str(error.get("message", "")).lower()
            if error.get("code") == 3 or "revert" in message or "vm exception" in message:
                return True
        text = str(exc).lower()
        return "execution reverted" in text or "vm exception" in text
    return False


def extract_revert_data(exc: BaseException) -> bytes | None:
    """The revert data carried by a web3 exception from ``eth_call``/``eth_estimateGas``.

    Returns None when ``exc`` is not a revert, ``b""`` for a revert without data (``revert()``,
    out of gas, or a node that does not return data).
    """
    if not is_revert_error(exc):
        return None
    if isinstance(exc, ContractLogicError):
        found = _hex_from(exc.data)
        if found is not None:
            return found
        found = _hex_from(exc.message or "")
        return found if found is not None else b""
    if isinstance(exc, Web3RPCError):
        response: Any = exc.rpc_response
        error = response.get("error") if isinstance(response, Mapping) else None
        if isinstance(error, Mapping):
            found = _hex_from(error.get("data"))
            if found is None:
                found = _hex_from(str(error.get("message", "")))
            if found is not None:
                return found
        found = _hex_from(exc.message)
        return found if found is not None else b""
    return b""
