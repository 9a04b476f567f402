"""Constants and assertion helpers of the SupplyChainEscrow suite (unique module name: the test
directories have no __init__.py).

* ``reverts(err("Sig(types)", *values))`` expects the block to revert with exactly that custom error:
  the transaction's revert message (as Brownie decodes it, on Anvil and Ganache alike) must equal the
  decoding of the expected revert data ``selector + abi.encode(values)``.
* ``call_reverts(fn, *args, sender=..., error=...)`` checks the raw revert data of an ``eth_call``
  byte for byte (used for views and where the block time does not matter).
* ``assert_events(tx, [(name, {arg: value}), ...])`` checks the exact sequence of events emitted by
  the escrow (or a given contract), with every argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any

from brownie import chain, web3
from brownie.exceptions import VirtualMachineError, _errors, decode_typed_error
from eth_abi import encode
from eth_utils import keccak
from revert_data import assert_call_reverts

ZERO = "0x0000000000000000000000000000000000000000"
NATIVE = ZERO
DAY = 86400
MAX_INSPECTION = 90 * DAY
MAX_DEVICES = 100

SPEC = keccak(text="ISO 4409:2019 hydraulic motor bench test")
OTHER_SPEC = keccak(text="ISO 10767 pressure ripple")
MODEL = keccak(text="HM-450 hydraulic motor")
SHIPMENT = keccak(text="bill of lading BL-2024-0001")
PASS, FAIL = 1, 2

ARBITER_ROLE = keccak(text="ARBITER_ROLE")
DEFAULT_ADMIN_ROLE = b"\x00" * 32

# ISupplyChainEscrow.OrderState
NONE, FUNDED, SHIPPED, ACCEPTED, DISPUTED, SETTLED, REFUNDED, RESOLVED, DECLINED = range(9)
OPEN_STATES = (FUNDED, SHIPPED, ACCEPTED, DISPUTED)
# ISupplyChainEscrow.SettleStatus
(
    READY,
    UNKNOWN_ORDER,
    WRONG_STATE,
    INSPECTION_OPEN,
    DEVICE_UNCERTIFIED,
    DEVICE_INACTIVE,
    TERMS_MISMATCH,
) = range(7)
# TestWallet.Mode
ACCEPT, REJECT, REENTER, BURN = range(4)


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------


def err(signature: str, *values: Any) -> bytes:
    """Revert data of a custom error: 4-byte selector + abi.encode(values)."""
    match = re.fullmatch(r"(\w+)\((.*)\)", signature)
    assert match, signature
    types = [t for t in match[2].split(",") if t]
    assert len(types) == len(values), signature
    values = [str(v) if hasattr(v, "address") else v for v in values]
    return keccak(text=signature)[:4] + encode(types, values)


def unauthorized(account: Any, role: bytes) -> bytes:
    """OpenZeppelin AccessControl's AccessControlUnauthorizedAccount(account, role)."""
    return err("AccessControlUnauthorizedAccount(address,bytes32)", account, role)


REENTRANT_CALL = err("ReentrancyGuardReentrantCall()")


@contextmanager
def reverts(expected: bytes):
    """The block must send a transaction that reverts with exactly `expected` revert data."""
    expected_hex = "0x" + expected.hex()
    assert expected_hex[:10] in _errors, f"selector of {expected_hex} unknown to Brownie"
    wanted = decode_typed_error(expected_hex)
    try:
        yield
    except VirtualMachineError as exc:
        assert exc.revert_type == "revert", exc.revert_type
        assert exc.revert_msg == wanted, f"reverted with {exc.revert_msg!r}, expected {wanted!r}"
    else:
        raise AssertionError(f"did not revert (expected {wanted!r})")


def call_reverts(fn: Any, *args: Any, sender: Any, error: bytes, value: int = 0) -> None:
    """An eth_call of `fn(*args)` from `sender` reverts with exactly `error` (byte for byte)."""
    assert_call_reverts(fn, *args, sender=sender, error=error, value=value)


# ------------------------------------------------------------------------------------------------
# Events
# ------------------------------------------------------------------------------------------------


def _normalise(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if hasattr(value, "address"):
        return str(value.address)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    if isinstance(value, str) and value.startswith("0x"):
        return value.lower()
    return value


def _same(actual: Any, expected: Any) -> bool:
    a, e = _normalise(actual), _normalise(expected)
    if isinstance(a, str) and isinstance(e, str):
        return a.lower() == e.lower()
    return a == e


def events_of(tx: Any, emitter: Any) -> list[tuple[str, dict]]:
    """(name, args) of every event `emitter` emitted in `tx`, in log order."""
    address = str(emitter.address if hasattr(emitter, "address") else emitter).lower()
    return [
        (event.name, dict(event)) for event in tx.events if str(event.address).lower() == address
    ]


def assert_events(tx: Any, emitter: Any, expected: Iterable[tuple[str, dict]]) -> None:
    """`emitter` emitted exactly `expected` in `tx`: same names, order and every argument."""
    actual = events_of(tx, emitter)
    expected = list(expected)
    assert [name for name, _ in actual] == [name for name, _ in expected], (
        f"events {[n for n, _ in actual]} != {[n for n, _ in expected]}"
    )
    for (name, got), (_, want) in zip(actual, expected, strict=True):
        assert set(got) == set(want), f"{name}: fields {sorted(got)} != {sorted(want)}"
        for key, value in want.items():
            assert _same(got[key], value), f"{name}.{key}: {got[key]!r} != {value!r}"


def erc721_moves(tx: Any, registry: Any) -> list[tuple[str, str, int]]:
    """(from, to, tokenId) of every ERC-721 Transfer the device registry emitted in `tx`."""
    return [
        (str(args["from"]).lower(), str(args["to"]).lower(), int(args["tokenId"]))
        for name, args in events_of(tx, registry)
        if name == "Transfer"
    ]


# ------------------------------------------------------------------------------------------------
# Chain helpers
# ------------------------------------------------------------------------------------------------


def gas_cost(tx: Any) -> int:
    """Native coin the sender paid for `tx` (0 on Anvil with base fee 0 and no tip)."""
    return tx.gas_used * tx.gas_price


def native_balance(account: Any) -> int:
    return web3.eth.get_balance(str(account))


def is_ganache() -> bool:
    return "ganache" in web3.client_version.lower()


def now() -> int:
    """Timestamp of the latest block (what eth_call views see; the next block is later)."""
    return chain[-1].timestamp


def next_block_at(timestamp: int) -> None:
    """The next mined transaction gets block.timestamp == timestamp (must be ahead of now()).

    Anvil: evm_setNextBlockTimestamp (exact). Ganache 7 has no such call; evm_setTime (ms) moves its
    clock so that a block mined within the same second gets this timestamp (callers check it).
    """
    assert timestamp > now()
    if is_ganache():
        web3.provider.make_request("evm_setTime", [timestamp * 1000])
    else:
        web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])


def tx_timestamp(tx_or_error: Any) -> int:
    """block.timestamp of a mined transaction, or of the reverted one behind a VirtualMachineError."""
    receipt = web3.eth.get_transaction_receipt(tx_or_error.txid)
    return web3.eth.get_block(receipt["blockNumber"])["timestamp"]


def clock() -> int:
    """Best estimate of the next block's time: the latest block's, or Brownie's clock when a
    chain.sleep() has moved time on since (no block mined yet)."""
    return max(now(), chain.time())


def mine_at(timestamp: int) -> None:
    """Mine one empty block with exactly `timestamp` (ahead of now()); the next transaction then
    gets that time or a second later."""
    assert timestamp > now()
    if is_ganache():
        chain.mine(timestamp=timestamp)
    else:
        web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
        web3.provider.make_request("evm_mine", [])
    assert now() == timestamp


# ------------------------------------------------------------------------------------------------
# Certificates presented at settlement ("some valid Pass exists", found from CertificateIssued)
# ------------------------------------------------------------------------------------------------

CERTIFICATE_ISSUED = keccak(
    text="CertificateIssued(bytes32,uint256,bytes32,address,bytes32,bytes32,uint8,uint64,bytes)"
)
NO_PASS = ("0x" + "00" * 32, "0x" + "00" * 32)
_bound: dict[str, Any] = {}


def bind(certs: Any, escrow: Any) -> None:
    """Make `refs` read these registries (called by the suite's module fixture)."""
    _bound["certs"], _bound["escrow"] = certs, escrow


def pass_candidates(device_id: int, spec: Any, certs: Any = None) -> list[tuple[str, str]]:
    """(certId, dataRoot) of every Pass certificate of `device_id` for `spec`, oldest first."""
    certs = certs or _bound["certs"]
    spec_hex = _normalise(bytes(spec) if not isinstance(spec, str) else spec)
    logs = web3.eth.get_logs(
        {
            "address": str(certs.address),
            "fromBlock": 0,
            "toBlock": "latest",
            "topics": [
                "0x" + CERTIFICATE_ISSUED.hex(),
                None,
                "0x" + int(device_id).to_bytes(32, "big").hex(),
            ],
        }
    )
    found = []
    for log in logs:
        data = bytes(log["data"])
        if "0x" + data[64:96].hex() == spec_hex and int.from_bytes(data[96:128], "big") == PASS:
            found.append(("0x" + bytes(log["topics"][1]).hex(), "0x" + data[32:64].hex()))
    return found


# ------------------------------------------------------------------------------------------------
# Order terms (the escrow stores only their digest; OrderCreated carries them in full)
# ------------------------------------------------------------------------------------------------

TERMS_FIELDS = (
    "buyer",
    "seller",
    "token",
    "amount",
    "deviceIds",
    "testSpec",
    "shipBy",
    "inspectionPeriod",
    "arbiter",
    "labs",
)
#: Terms of no order (what a caller who never saw an OrderCreated would present).
NO_TERMS = (ZERO, ZERO, ZERO, 0, [], b"\x00" * 32, 0, 0, ZERO, [])


def terms_tuple(value: Any) -> tuple:
    """An OrderTerms as the tuple a contract call takes, from a decoded event struct."""
    if hasattr(value, "keys"):
        value = [value[name] for name in TERMS_FIELDS]
    buyer, seller, token, amount, ids, spec, ship_by, period, arbiter, labs = value
    if not isinstance(spec, str):
        spec = "0x" + bytes(spec).hex()
    return (
        str(buyer),
        str(seller),
        str(token),
        int(amount),
        [int(i) for i in ids],
        str(spec).lower(),
        int(ship_by),
        int(period),
        str(arbiter),
        [str(lab) for lab in labs],
    )


def make_terms(
    *,
    buyer: Any,
    seller: Any,
    token: Any,
    amount: int,
    device_ids: Iterable[int],
    spec: Any,
    ship_by: int,
    inspection: int,
    arbiter: Any,
    labs: Iterable[Any] = (),
) -> tuple:
    """An OrderTerms tuple (the order OrderCreated emits and every later call takes back)."""
    return terms_tuple(
        (
            buyer,
            seller,
            token,
            amount,
            list(device_ids),
            spec,
            ship_by,
            inspection,
            arbiter,
            list(labs),
        )
    )


def order_slot(escrow: Any, order_id: int) -> dict[str, Any]:
    """The stored Order slot as a dict (termsHash as 0x-hex of 24 bytes)."""
    terms_hash, state, disputed_late, shipped_at = escrow.order(order_id)
    return {
        "termsHash": "0x" + bytes.fromhex(str(terms_hash)[2:]).hex(),
        "state": int(state),
        "disputedLate": bool(disputed_late),
        "shippedAt": int(shipped_at),
    }


def terms_hash(order_terms: tuple) -> str:
    """The escrow's hashTerms: the first 24 bytes of keccak256(abi.encode(terms))."""
    types = "(address,address,address,uint256,uint256[],bytes32,uint64,uint64,address,address[])"
    values = list(order_terms)
    values[5] = bytes.fromhex(values[5][2:])
    return "0x" + keccak(encode([types], [tuple(values)]))[:24].hex()


def terms(order_id: int, escrow: Any = None) -> tuple:
    """The terms of order `order_id` from its OrderCreated event (NO_TERMS for an unknown id)."""
    escrow = escrow or _bound["escrow"]
    event = web3.eth.contract(address=str(escrow.address), abi=escrow.abi).events.OrderCreated
    logs = web3.eth.get_logs(
        {
            "address": str(escrow.address),
            "fromBlock": 0,
            "toBlock": "latest",
            "topics": [
                "0x" + keccak(text=_order_created_signature(escrow)).hex(),
                "0x" + int(order_id).to_bytes(32, "big").hex(),
            ],
        }
    )
    if not logs:
        return NO_TERMS
    return terms_tuple(event().process_log(logs[-1])["args"]["terms"])


def _order_created_signature(escrow: Any) -> str:
    for item in escrow.abi:
        if item.get("type") == "event" and item["name"] == "OrderCreated":
            return "OrderCreated(" + ",".join(_abi_type(i) for i in item["inputs"]) + ")"
    raise AssertionError("no OrderCreated in the escrow ABI")


def _abi_type(item: dict) -> str:
    if item["type"].startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item["components"]) + ")" + item["type"][5:]
    return item["type"]


def refs(order_id: int, escrow: Any = None, certs: Any = None) -> list[tuple[str, str]]:
    """One PassRef per device of the order: a valid Pass if there is one (from a lab the order
    accepts), else the latest candidate, else zeros (which the escrow reports as uncertified)."""
    escrow = escrow or _bound["escrow"]
    certs = certs or _bound["certs"]
    order_terms = terms(order_id, escrow)
    if order_terms == NO_TERMS:
        return []
    device_ids, spec, labs = order_terms[4], order_terms[5], {lab.lower() for lab in order_terms[9]}
    chosen = []
    for device_id in device_ids:
        candidates = pass_candidates(device_id, spec, certs)
        valid = [
            c
            for c in candidates
            if certs.isValidPass(c[0], device_id, spec, c[1])
            and (not labs or str(certs.labOf(c[0])).lower() in labs)
        ]
        chosen.append(valid[0] if valid else candidates[-1] if candidates else NO_PASS)
    return chosen
