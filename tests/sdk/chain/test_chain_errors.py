"""The exception tree, generated Solidity error classes and revert decoding (no chain needed)."""

from __future__ import annotations

import pickle
import sys
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from fabtrust import errors
from fabtrust.chain import decode_revert, error_selector, extract_revert_data
from fabtrust.errors import (
    OPENZEPPELIN_ERRORS,
    AccessControlUnauthorizedAccountError,
    AccountError,
    ChainError,
    ContractError,
    DeploymentNotFoundError,
    FabtrustError,
    FeeCapExceededError,
    InvalidInputError,
    NodeUnreachableError,
    PanicError,
    RevertReasonError,
    TransactionError,
    TransactionRevertedError,
    TransactionTimeoutError,
    UnknownContractError,
    WrongChainError,
    error_class_for,
    snake_case,
)

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
FOO_ABI: list[dict[str, Any]] = [
    {
        "type": "error",
        "name": "Foo",
        "inputs": [
            {"name": "a", "type": "uint256", "internalType": "uint256"},
            {"name": "b", "type": "address", "internalType": "address"},
        ],
    },
    {"type": "function", "name": "foo", "inputs": [], "outputs": [], "stateMutability": "view"},
]


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def test_tree() -> None:
    assert issubclass(InvalidInputError, FabtrustError)
    assert issubclass(InvalidInputError, ValueError)
    chain_errors: tuple[type[Exception], ...] = (NodeUnreachableError, WrongChainError)
    tx_errors: tuple[type[Exception], ...] = (
        TransactionRevertedError,
        TransactionTimeoutError,
        FeeCapExceededError,
    )
    assert all(issubclass(cls, ChainError) for cls in chain_errors)
    assert all(issubclass(cls, TransactionError) for cls in tx_errors)
    assert issubclass(ContractError, TransactionRevertedError)
    top: tuple[type[Exception], ...] = (TransactionError, AccountError, DeploymentNotFoundError)
    assert issubclass(ChainError, FabtrustError)
    for cls in top:
        assert issubclass(cls, FabtrustError) and not issubclass(cls, ChainError)


def test_messages_name_what_matters() -> None:
    assert "http://node:8545" in str(NodeUnreachableError("http://node:8545", "timed out"))
    wrong = WrongChainError(kind="genesis_hash", expected="0xaa", actual="0xbb")
    assert "genesis block hash" in str(wrong) and "0xaa" in str(wrong) and "0xbb" in str(wrong)
    code = WrongChainError(kind="code", expected="X", actual="no code", address=ALICE)
    assert ALICE in str(code) and code.kind == "code"
    cap = FeeCapExceededError(required_wei=10, cap_wei=5)
    assert (cap.required_wei, cap.cap_wei) == (10, 5)
    timeout = TransactionTimeoutError("slow", tx_hashes=["0x01", "0x02"], nonce=3)
    assert timeout.tx_hash == "0x02" and timeout.tx_hashes == ("0x01", "0x02")


@pytest.mark.parametrize(
    "exc",
    [
        InvalidInputError("bad", field="x"),
        NodeUnreachableError("http://x", "down"),
        WrongChainError(kind="chain_id", expected=1, actual=2),
        DeploymentNotFoundError("none", chain_id=1, contract="C"),
        FeeCapExceededError(required_wei=2, cap_wei=1),
        TransactionTimeoutError("t", tx_hashes=["0x1"], nonce=1),
        TransactionRevertedError("r", tx_hash="0x1", raw_data=b"\x01"),
    ],
)
def test_exceptions_pickle(exc: FabtrustError) -> None:
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert str(copy) == str(exc)
    assert copy.__dict__ == exc.__dict__


def test_snake_case() -> None:
    assert snake_case("deviceId") == "device_id"
    assert snake_case("tokenID") == "token_id"
    assert snake_case("_owner") == "owner"
    assert snake_case("neededRole") == "needed_role"
    assert snake_case("ERC20Balance") == "erc20_balance"
    assert snake_case("a") == "a"


def test_error_class_for_builds_and_caches() -> None:
    inputs = [{"name": "deviceId", "type": "uint256", "internalType": "uint256"}]
    cls = error_class_for("DeviceAlreadyRegistered", inputs)
    assert cls.__name__ == "DeviceAlreadyRegisteredError"
    assert issubclass(cls, ContractError)
    assert cls is error_class_for(
        "DeviceAlreadyRegistered", [{"name": "deviceId", "type": "uint256"}]
    )
    assert "0x" + selector("DeviceAlreadyRegistered(uint256)").hex() == cls.SELECTOR
    err = cls(device_id=42, tx_hash="0xabc")
    assert err.device_id == 42
    assert err.arguments == {"deviceId": 42}
    assert err.error_name == "DeviceAlreadyRegistered"
    assert err.tx_hash == "0xabc"
    assert "DeviceAlreadyRegistered(device_id=42)" in str(err) and "0xabc" in str(err)
    assert err.decoded_error is err
    # ABI names are accepted too; unknown or missing arguments are rejected
    assert cls(deviceId=1).device_id == 1
    with pytest.raises(TypeError):
        cls(device=1)
    with pytest.raises(TypeError):
        cls()
    with pytest.raises(AttributeError):
        _ = err.nope
    # same name, other inputs: another class
    other = error_class_for("DeviceAlreadyRegistered", [{"name": "serial", "type": "string"}])
    assert other is not cls


def test_error_class_names_edge_cases() -> None:
    cls = error_class_for(
        "Odd",
        [
            {"name": "", "type": "uint8"},
            {"name": "from", "type": "address"},
            {"name": "args", "type": "bool"},
            {"name": "item", "type": "tuple", "components": [{"name": "x", "type": "uint8"}]},
        ],
    )
    assert cls.SIGNATURE == "Odd(uint8,address,bool,(uint8))"
    err = cls(arg0=1, from_=ALICE, args_=True, item=(5,))
    assert (err.arg0, err.from_, err.args_, err.item) == (1, ALICE, True, (5,))
    assert err.arguments == {"arg0": 1, "from": ALICE, "args": True, "item": (5,)}
    with pytest.raises(InvalidInputError):
        error_class_for("not valid", [])


def test_contract_error_pickles_with_its_class() -> None:
    cls = error_class_for("Pickled", [{"name": "value", "type": "uint256"}])
    err = cls(value=9, tx_hash="0x01", raw_data=b"\x01\x02")
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is cls
    assert (copy.value, copy.tx_hash, copy.raw_data, str(copy)) == (
        9,
        "0x01",
        b"\x01\x02",
        str(err),
    )
    unknown = UnknownContractError(raw_data=b"\xde\xad\xbe\xef\x01")
    assert pickle.loads(pickle.dumps(unknown)).raw_data == unknown.raw_data


def test_openzeppelin_selectors_are_right() -> None:
    assert len(OPENZEPPELIN_ERRORS) >= 40
    for name, cls in OPENZEPPELIN_ERRORS.items():
        assert name == cls.ERROR_NAME
        assert "0x" + selector(cls.SIGNATURE).hex() == cls.SELECTOR, name
    assert "0x" + selector("Error(string)").hex() == RevertReasonError.SELECTOR
    assert "0x" + selector("Panic(uint256)").hex() == PanicError.SELECTOR
    assert (
        AccessControlUnauthorizedAccountError
        is OPENZEPPELIN_ERRORS["AccessControlUnauthorizedAccount"]
    )


def test_errors_module_is_light() -> None:
    for heavy in ("web3", "eth_abi", "eth_account", "eth_utils"):
        # fabtrust.errors itself must not pull these in
        assert heavy not in _imports_of("fabtrust.errors"), heavy


def _imports_of(module: str) -> set[str]:
    import subprocess

    code = f"import sys, {module}; print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


# -- decode_revert -----------------------------------------------------------------------------


def test_decode_custom_error_from_abi() -> None:
    data = selector("Foo(uint256,address)") + encode(["uint256", "address"], [7, ALICE.lower()])
    err = decode_revert(data, [FOO_ABI], tx_hash="0xfeed")
    assert type(err).__name__ == "FooError"
    assert err.a == 7
    assert err.b == ALICE  # checksummed
    assert err.arguments == {"a": 7, "b": ALICE}
    assert err.selector == "0x" + selector("Foo(uint256,address)").hex()
    assert err.tx_hash == "0xfeed"
    assert err.raw_data == data
    assert isinstance(err, error_class_for("Foo", FOO_ABI[0]["inputs"]))
    # a hex string works as well
    assert decode_revert("0x" + data.hex(), [FOO_ABI]).a == 7


def test_decode_builtin_errors() -> None:
    reason = decode_revert(selector("Error(string)") + encode(["string"], ["nope"]))
    assert isinstance(reason, RevertReasonError) and reason.reason == "nope"
    assert str(reason) == "reverted: nope"
    panic = decode_revert(selector("Panic(uint256)") + encode(["uint256"], [0x11]))
    assert isinstance(panic, PanicError) and panic.code == 0x11
    assert "overflow" in str(panic)


def test_decode_openzeppelin_without_abi() -> None:
    role = b"\x01" * 32
    data = selector("AccessControlUnauthorizedAccount(address,bytes32)") + encode(
        ["address", "bytes32"], [ALICE, role]
    )
    err = decode_revert(data, [FOO_ABI])
    assert isinstance(err, AccessControlUnauthorizedAccountError)
    assert err.account == ALICE and err.needed_role == role


def test_decode_tuple_and_array_arguments() -> None:
    abi = [
        {
            "type": "error",
            "name": "WithTuple",
            "inputs": [
                {
                    "name": "item",
                    "type": "tuple",
                    "components": [
                        {"name": "id", "type": "uint64"},
                        {"name": "owner", "type": "address"},
                    ],
                },
                {"name": "owners", "type": "address[]"},
            ],
        }
    ]
    data = selector("WithTuple((uint64,address),address[])") + encode(
        ["(uint64,address)", "address[]"], [(5, ALICE.lower()), [ALICE.lower()]]
    )
    err = decode_revert(data, [abi])
    assert err.item == (5, ALICE) and err.owners == (ALICE,)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x01\x02", bytes.fromhex("deadbeef") + b"\x00" * 32],
)
def test_decode_unknown(data: bytes) -> None:
    err = decode_revert(data, [FOO_ABI])
    assert isinstance(err, UnknownContractError)
    assert err.raw_data == data


def test_decode_malformed_known_selector_is_unknown() -> None:
    data = selector("Foo(uint256,address)") + b"\x00" * 10  # too short for the arguments
    assert isinstance(decode_revert(data, [FOO_ABI]), UnknownContractError)


# -- extract_revert_data -----------------------------------------------------------------------

FOO_DATA = "0x3db6cc38" + "00" * 31 + "07"


def rpc_error(error: dict[str, Any]) -> Web3RPCError:
    response: Any = {"jsonrpc": "2.0", "id": 1, "error": error}
    return Web3RPCError(str(error), rpc_response=response)


GANACHE_ESTIMATE_DATA: Any = {
    "hash": None,
    "programCounter": 315,
    "result": "0x3db6cc38" + "00" * 31 + "07",
    "message": "revert",
}


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ContractCustomError(FOO_DATA, data=FOO_DATA), FOO_DATA),
        (ContractLogicError("execution reverted", data="0x"), "0x"),
        (ContractLogicError("execution reverted", data=None), "0x"),
        # Ganache 7 eth_estimateGas
        (
            ContractLogicError(
                "execution reverted: VM Exception while processing transaction: revert",
                data=GANACHE_ESTIMATE_DATA,
            ),
            FOO_DATA,
        ),
        # Ganache 7 eth_call with Error(string): web3 leaves a plain Web3RPCError
        (
            rpc_error(
                {"message": "VM Exception while processing transaction: revert nope",
                 "code": -32000, "data": FOO_DATA}
            ),
            FOO_DATA,
        ),
        # geth / anvil raw error
        (rpc_error({"code": 3, "message": "execution reverted", "data": FOO_DATA}), FOO_DATA),
        # Ganache 6: nested under the transaction hash
        (
            rpc_error(
                {"message": "VM Exception while processing transaction: revert", "code": -32000,
                 "data": {"0xabc": {"error": "revert", "return": FOO_DATA}, "stack": "..."}}
            ),
            FOO_DATA,
        ),
        # hardhat-style message
        (ContractLogicError(f"Reverted {FOO_DATA}", data=None), FOO_DATA),
        (rpc_error({"code": -32000, "message": "insufficient funds for transfer"}), None),
        (ValueError("something else"), None),
    ],
)  # fmt: skip
def test_extract_revert_data(exc: BaseException, expected: str | None) -> None:
    found = extract_revert_data(exc)
    if expected is None:
        assert found is None
    else:
        assert found == bytes.fromhex(expected[2:])


def test_error_selector() -> None:
    assert error_selector("Foo(uint256,address)") == "0x3db6cc38"
    assert (
        errors.canonical_type(
            {"type": "tuple[]", "components": [{"type": "uint8"}, {"type": "string"}]}
        )
        == "(uint8,string)[]"
    )


def test_args_is_the_usual_exception_tuple() -> None:
    """``args`` is BaseException's tuple (``e.args[0]`` is the message, as for every exception);
    the decoded Solidity arguments are ``arguments``."""
    from fabtrust.errors import error_class_for

    cls = error_class_for("ArgsProbe", [{"name": "deviceId", "type": "uint256"}])
    err: ContractError = cls(device_id=42, tx_hash="0x" + "ab" * 32)
    assert isinstance(err.args, tuple)
    assert err.args[0] == str(err) == f"ArgsProbe(device_id=42) in transaction 0x{'ab' * 32}"
    assert err.arguments == {"deviceId": 42} and err.device_id == 42
    err.arguments["deviceId"] = 7  # a copy: the error is not changed
    assert err.device_id == 42
