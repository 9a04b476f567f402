"""Helpers for the DeviceRegistry (identity) suite (a unique module name: test dirs have no __init__).

They assert behaviour exactly:
* ``assert_reverts(fn, *args, sender=..., error=err("Sig(types)", values...))`` checks the raw revert
  data of an ``eth_call`` byte for byte (selector + ABI-encoded arguments), then sends the transaction
  and checks that it reverted too, with the same error as Brownie decodes it.
* ``assert_events(tx, [(name, {arg: value}), ...])`` checks the exact sequence of events (all of
  them, in order), their emitting contract and every argument.
* ``sign_key_proof`` produces an EIP-712 ``DeviceKeyProof`` signature with eth-account's own typed
  data encoder (an implementation independent of the contract).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pytest
from brownie import web3
from brownie.convert.datatypes import EthAddress
from brownie.exceptions import VirtualMachineError, decode_typed_error
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from revert_data import assert_call_reverts, revert_data

MANUFACTURER_ROLE = keccak(text="MANUFACTURER_ROLE")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
ZERO = "0x0000000000000000000000000000000000000000"

ACTIVE, SUSPENDED, DECOMMISSIONED = 0, 1, 2

MODEL = keccak(text="HM-450 hydraulic motor")
METADATA = keccak(text="ipfs://metadata/SN-0001")


# ------------------------------------------------------------------------------------------------
# Pure Python models of the contract's formulas
# ------------------------------------------------------------------------------------------------


def device_id(manufacturer: Any, serial: str) -> int:
    """uint256(keccak256(abi.encode(manufacturer, serial))) computed in Python."""
    return int.from_bytes(keccak(encode(["address", "string"], [str(manufacturer), serial])), "big")


def err(signature: str, *values: Any) -> bytes:
    """Revert data of a custom error: 4-byte selector + abi.encode(values)."""
    match = re.fullmatch(r"(\w+)\((.*)\)", signature)
    assert match, signature
    types = [t for t in match[2].split(",") if t]
    assert len(types) == len(values), signature
    values = [str(v) if hasattr(v, "address") else v for v in values]
    return keccak(text=signature)[:4] + encode(types, values)


def unauthorized(account: Any, role: bytes) -> bytes:
    """OpenZeppelin's AccessControlUnauthorizedAccount(account, role)."""
    return err("AccessControlUnauthorizedAccount(address,bytes32)", account, role)


# ------------------------------------------------------------------------------------------------
# Revert and event assertions
# ------------------------------------------------------------------------------------------------


def revert_data_or_none(exc: Exception) -> bytes | None:
    """The revert data carried by an eth_call error, or None when the client gave none."""
    try:
        return revert_data(exc)
    except AssertionError:
        return None


def assert_reverts(fn: Any, *args: Any, sender: Any, error: bytes, value: int = 0) -> None:
    """`fn(*args)` from `sender` reverts with exactly `error` (selector + encoded arguments)."""
    assert_call_reverts(fn, *args, sender=sender, error=error, value=value)
    tx_params = {"from": sender}
    if value:
        tx_params["value"] = value
    with pytest.raises(VirtualMachineError) as caught:
        fn(*args, tx_params)
    assert caught.value.revert_msg == decode_typed_error("0x" + error.hex())


def _norm(value: Any) -> Any:
    if hasattr(value, "address") and not isinstance(value, (str, bytes)):
        return to_checksum_address(str(value.address))
    if isinstance(value, (EthAddress,)) or (
        isinstance(value, str) and re.fullmatch(r"0x[0-9a-fA-F]{40}", value)
    ):
        return to_checksum_address(str(value))
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x"):
        return bytes.fromhex(value[2:])
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    return value


def assert_events(
    tx: Any, expected: Iterable[tuple[str, dict[str, Any]]], emitter: Any = None
) -> None:
    """The transaction emitted exactly these events, in this order, with exactly these arguments."""
    expected = list(expected)
    got = [(ev.name, {k: _norm(v) for k, v in ev.items()}) for ev in tx.events]
    want = [(name, {k: _norm(v) for k, v in args.items()}) for name, args in expected]
    assert got == want
    assert len(tx.logs) == len(expected)
    if emitter is not None:
        for log in tx.logs:
            assert to_checksum_address(log["address"]) == to_checksum_address(str(emitter))


# ------------------------------------------------------------------------------------------------
# EIP-712 proof of possession
# ------------------------------------------------------------------------------------------------


def typed_proof(
    registry: Any, manufacturer: Any, dev_id: int, key: Any, chain_id: int | None = None
) -> dict:
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "DeviceKeyProof": [
                {"name": "manufacturer", "type": "address"},
                {"name": "deviceId", "type": "uint256"},
                {"name": "deviceKey", "type": "address"},
            ],
        },
        "primaryType": "DeviceKeyProof",
        "domain": {
            "name": "fabtrust DeviceRegistry",
            "version": "1",
            "chainId": web3.eth.chain_id if chain_id is None else chain_id,
            "verifyingContract": str(registry),
        },
        "message": {"manufacturer": str(manufacturer), "deviceId": dev_id, "deviceKey": str(key)},
    }


def sign_key_proof(
    signer: Any,
    registry: Any,
    manufacturer: Any,
    dev_id: int,
    key: Any = None,
    chain_id: int | None = None,
) -> bytes:
    """`signer` (an eth-account LocalAccount) signs DeviceKeyProof(manufacturer, dev_id, key)."""
    key = signer.address if key is None else key
    message = encode_typed_data(
        full_message=typed_proof(registry, manufacturer, dev_id, key, chain_id)
    )
    return bytes(Account.sign_message(message, signer.key).signature)


def proof_digest(registry: Any, manufacturer: Any, dev_id: int, key: Any) -> bytes:
    """The EIP-712 digest, built by hand from the spec (domain separator + struct hash)."""
    domain_type = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    domain = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                domain_type,
                keccak(text="fabtrust DeviceRegistry"),
                keccak(text="1"),
                web3.eth.chain_id,
                str(registry),
            ],
        )
    )
    type_hash = keccak(
        text="DeviceKeyProof(address manufacturer,uint256 deviceId,address deviceKey)"
    )
    struct = keccak(
        encode(
            ["bytes32", "address", "uint256", "address"],
            [type_hash, str(manufacturer), dev_id, str(key)],
        )
    )
    return keccak(b"\x19\x01" + domain + struct)


def is_ganache() -> bool:
    return "ganache" in web3.client_version.lower()
