"""The eth-abi fast path of ``fabtrust._abi`` behaves exactly like web3's contract layer.

Proven here, without a chain:

* ``FunctionCodec.encode`` produces the same calldata as web3's ``encode_abi`` for every
  non-overloaded function of every shipped ABI (and for a synthetic ABI with the types the
  contracts do not use yet: ``int<N>``, odd ``bytes<N>``, fixed and nested arrays, nested
  structs), over generated arguments in every accepted form (bytes or 0x-hex, tuples or
  name-keyed dicts for structs, lists or tuples for arrays).
* ``function_codec`` refuses overloaded and unknown names with ``AbiInputError``.
* Arguments that cannot be encoded raise ``AbiInputError`` (never another exception, never a
  silent encoding), web3 rejects the same arguments, and ``Binding.encode`` hands them to web3,
  so callers still get web3's error; arguments only web3 understands still get web3's calldata.
* ``EventCodec.decode`` returns the same arguments, in the same order, as web3's
  ``get_event_data`` for every event of every shipped ABI (and a synthetic event with hashed
  dynamic indexed arguments), and the values round-trip; it returns None for logs that do not
  fit (wrong topic count, bad topic length, truncated data, text that is not UTF-8).
* ``FunctionCodec.decode`` returns exactly what web3 returns from a call (the value for one
  output, a list for several, arrays as lists, structs as tuples, addresses checksummed) for
  every function with outputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address
from eth_utils.abi import collapse_if_tuple
from hexbytes import HexBytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3
from web3._utils.events import get_event_data
from web3.providers.base import BaseProvider

from fabtrust._abi import AbiInputError, EventCodec, FunctionCodec, checksum, function_codec
from fabtrust._artifacts import CONTRACT_NAMES, artifact

W3 = Web3()  # no provider: enough for encoding and decoding

PROPERTY = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- the ABIs under test ----------------------------------------------------------------------


def _abi_functions(contract: str) -> list[dict[str, Any]]:
    return [item for item in artifact(contract).abi if item.get("type") == "function"]


def _unique_functions() -> list[tuple[str, str]]:
    pairs = []
    for contract in CONTRACT_NAMES:
        counts = Counter(item["name"] for item in _abi_functions(contract))
        pairs += [(contract, name) for name, count in counts.items() if count == 1]
    return pairs


def _overloaded_functions() -> list[tuple[str, str]]:
    pairs = []
    for contract in CONTRACT_NAMES:
        counts = Counter(item["name"] for item in _abi_functions(contract))
        pairs += [(contract, name) for name, count in counts.items() if count > 1]
    return pairs


def _events() -> list[tuple[str, str]]:
    return [
        (contract, item["name"])
        for contract in CONTRACT_NAMES
        for item in artifact(contract).abi
        if item.get("type") == "event" and not item.get("anonymous")
    ]


UNIQUE_FUNCTIONS = _unique_functions()
OVERLOADED_FUNCTIONS = _overloaded_functions()
FUNCTIONS_WITH_OUTPUTS = [
    (c, f)
    for c, f in UNIQUE_FUNCTIONS
    if next(i for i in _abi_functions(c) if i["name"] == f).get("outputs")
]
EVENTS = _events()


def _ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{c}.{n}" for c, n in pairs]


def _function_abi(contract: str, function: str) -> dict[str, Any]:
    (item,) = [i for i in _abi_functions(contract) if i["name"] == function]
    return item


def _event_abi(contract: str, event: str) -> dict[str, Any]:
    (item,) = [i for i in artifact(contract).abi if i.get("type") == "event" and i["name"] == event]
    return item


@cache
def _web3_contract(contract: str) -> Any:
    return W3.eth.contract(abi=list(artifact(contract).abi))


# A function and an event using the ABI types the shipped contracts do not (yet) use, so the
# codec's generic paths are exercised too.
_INNER = {
    "name": "inner",
    "type": "tuple",
    "components": [
        {"name": "flag", "type": "bool"},
        {"name": "tags", "type": "bytes8[]"},
        {"name": "note", "type": "string"},
    ],
}
SYNTHETIC_FUNCTION: dict[str, Any] = {
    "type": "function",
    "name": "kitchenSink",
    "stateMutability": "nonpayable",
    "inputs": [
        {"name": "a", "type": "int8"},
        {"name": "b", "type": "int256"},
        {"name": "c", "type": "uint24"},
        {"name": "d", "type": "bytes1"},
        {"name": "e", "type": "bytes17"},
        {"name": "f", "type": "address[2]"},
        {"name": "g", "type": "bool[]"},
        {"name": "h", "type": "string[]"},
        {"name": "i", "type": "bytes[]"},
        {"name": "j", "type": "uint16[2][]"},
        {
            "name": "k",
            "type": "tuple",
            "components": [
                {"name": "x", "type": "int64"},
                _INNER,
                {"name": "y", "type": "address"},
            ],
        },
        {"name": "l", "type": "tuple[2]", "components": [_INNER, {"name": "z", "type": "uint8"}]},
        {"name": "m", "type": "tuple[]", "components": [{"name": "w", "type": "bytes"}]},
    ],
    "outputs": [
        {"name": "", "type": "int128[]"},
        {"name": "", "type": "address[2]"},
        {"name": "", "type": "tuple", "components": [_INNER, {"name": "y", "type": "address"}]},
        {"name": "", "type": "bytes3"},
    ],
}
SYNTHETIC_EVENT: dict[str, Any] = {
    "type": "event",
    "name": "Everything",
    "anonymous": False,
    "inputs": [
        {"name": "small", "type": "uint8", "indexed": True},
        {"name": "data1", "type": "int256", "indexed": False},
        {"name": "negative", "type": "int16", "indexed": True},
        {"name": "blob", "type": "bytes", "indexed": False},
        {"name": "text", "type": "string", "indexed": True},
        {"name": "pair", "type": "address[2]", "indexed": False},
        {"name": "ids", "type": "uint256[]", "indexed": False},
        {"name": "tiny", "type": "uint8[3]", "indexed": False},
        {"name": "note", "type": "string", "indexed": False},
    ],
}
SYNTHETIC_EVENT_2: dict[str, Any] = {
    "type": "event",
    "name": "MoreIndexed",
    "anonymous": False,
    "inputs": [
        {"name": "ok", "type": "bool", "indexed": True},
        {"name": "selector", "type": "bytes4", "indexed": True},
        {"name": "list", "type": "uint256[]", "indexed": True},
        {"name": "who", "type": "address", "indexed": False},
    ],
}

# -- value generation from ABI types ----------------------------------------------------------

ADDRESSES = st.binary(min_size=20, max_size=20).map(to_checksum_address)


def _int_range(kind: str) -> tuple[int, int]:
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        return 0, 2**bits - 1
    bits = int(kind[3:] or 256)
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _value(
    draw: Callable[[Any], Any], param: dict[str, Any], *, loose: bool, dicts: bool = True
) -> Any:
    """A valid value for ``param``. ``loose``: in any form both codecs accept as input (0x-hex
    for bytes, dicts for structs, tuples for arrays); otherwise the canonical decoded form
    (bytes, tuples, checksummed addresses) eth-abi and web3 return. (web3 refuses structs
    given as dicts inside fixed-size arrays, so ``dicts`` turns them off there.)"""
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = {**param, "type": kind[: kind.rindex("[")]}
        size = kind[kind.rindex("[") + 1 : -1]
        count = int(size) if size else draw(st.integers(0, 3))
        dicts = dicts and not size
        items = [_value(draw, inner, loose=loose, dicts=dicts) for _ in range(count)]
        if not loose or draw(st.booleans()):
            return tuple(items)
        return items
    if kind == "tuple":
        components = param["components"]
        values = [_value(draw, c, loose=loose, dicts=dicts) for c in components]
        if loose and dicts and draw(st.booleans()):
            order = draw(st.permutations(range(len(components))))  # keys in any order
            return {components[i]["name"]: values[i] for i in order}
        return tuple(values) if not loose or draw(st.booleans()) else values
    if kind == "address":
        return draw(ADDRESSES)
    if kind == "bool":
        return draw(st.booleans())
    if kind == "string":
        return draw(st.text(max_size=20))
    if kind.startswith(("uint", "int")):
        low, high = _int_range(kind)
        return draw(st.one_of(st.sampled_from([low, high, 0]), st.integers(low, high)))
    if kind.startswith("bytes"):
        if kind == "bytes":
            raw = draw(st.binary(max_size=70))
        else:
            size = int(kind[5:])
            raw = draw(st.binary(min_size=size, max_size=size))
        if loose and draw(st.booleans()):
            text = raw.hex()
            return "0x" + (text.upper() if draw(st.booleans()) else text)
        return raw
    raise AssertionError(f"no value strategy for ABI type {kind}")


ZERO_TERMS = (
    "0x" + "00" * 20,
    "0x" + "00" * 20,
    "0x" + "00" * 20,
    0,
    [],
    b"\x00" * 32,
    0,
    0,
    "0x" + "00" * 20,
    [],
)
"""An escrow OrderTerms struct (buyer, seller, token, amount, deviceIds, testSpec, shipBy,
inspectionPeriod, arbiter, labs) with every field zero."""


def _unnamed(value: Any) -> Any:
    """web3 decodes a struct inside an event to a dict by field name; the light codec to a tuple in
    field order (as both do for function outputs): the same values, compared as tuples."""
    if isinstance(value, Mapping):
        return tuple(_unnamed(v) for v in value.values())
    if isinstance(value, list | tuple):
        return tuple(_unnamed(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    """One comparable shape for decoded values: bytes-likes → bytes, sequences → tuples."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# -- 1. calldata encoding equals web3's -------------------------------------------------------


def test_the_property_tests_cover_every_shipped_function_and_event() -> None:
    names = {(c, i["name"]) for c in CONTRACT_NAMES for i in _abi_functions(c)}
    assert set(UNIQUE_FUNCTIONS) | set(OVERLOADED_FUNCTIONS) == names
    assert ("DeviceRegistry", "safeTransferFrom") in OVERLOADED_FUNCTIONS
    assert {
        ("DeviceRegistry", "registerDevices"),
        ("CertificateRegistry", "hashIssueRequest"),
    } <= set(UNIQUE_FUNCTIONS)
    assert len(EVENTS) == sum(
        1 for c in CONTRACT_NAMES for i in artifact(c).abi if i.get("type") == "event"
    )


@pytest.mark.parametrize(("contract", "function"), UNIQUE_FUNCTIONS, ids=_ids(UNIQUE_FUNCTIONS))
@PROPERTY
@given(data=st.data())
def test_encode_matches_web3(contract: str, function: str, data: st.DataObject) -> None:
    abi = _function_abi(contract, function)
    args = tuple(_value(data.draw, p, loose=True) for p in abi["inputs"])
    expected = _web3_contract(contract).encode_abi(function, args=list(args))
    assert function_codec(contract, function).encode(args) == expected


@PROPERTY
@given(data=st.data())
def test_encode_matches_web3_for_types_the_contracts_do_not_use(data: st.DataObject) -> None:
    args = tuple(_value(data.draw, p, loose=True) for p in SYNTHETIC_FUNCTION["inputs"])
    contract = W3.eth.contract(abi=[SYNTHETIC_FUNCTION])
    expected = contract.encode_abi("kitchenSink", args=list(args))
    assert FunctionCodec.of(SYNTHETIC_FUNCTION).encode(args) == expected


# -- 2. names the fast path does not handle ---------------------------------------------------


@pytest.mark.parametrize(
    ("contract", "function"), OVERLOADED_FUNCTIONS, ids=_ids(OVERLOADED_FUNCTIONS)
)
def test_overloaded_names_are_refused(contract: str, function: str) -> None:
    with pytest.raises(AbiInputError, match="functions named"):
        function_codec(contract, function)


@pytest.mark.parametrize(
    ("contract", "function"),
    [
        ("DeviceRegistry", "noSuchFunction"),
        ("DeviceRegistry", "Transfer"),  # an event, not a function
        ("TestStablecoin", "registerDevice"),  # another contract's function
        ("SupplyChainEscrow", ""),
    ],
)
def test_unknown_names_are_refused(contract: str, function: str) -> None:
    with pytest.raises(AbiInputError, match="0 functions named"):
        function_codec(contract, function)


def test_codecs_are_cached_and_carry_the_selector() -> None:
    codec = function_codec("TestStablecoin", "transfer")
    assert function_codec("TestStablecoin", "transfer") is codec
    assert codec.selector == keccak(text="transfer(address,uint256)")[:4]


# -- 3. bad arguments -------------------------------------------------------------------------

ADDR = to_checksum_address("0x" + "ab" * 20)  # has letters: its lowercase form is not checksummed
MISCASED = ADDR[:-1] + ADDR[-1].swapcase()
LEAF = {
    "deviceId": 1,
    "reportSha256": b"\x01" * 32,
    "dataRoot": b"\x02" * 32,
    "testSpec": b"\x03" * 32,
    "result": 1,
    "validUntil": 5,
}
DEVICE_INPUT = {
    "serial": "SN-1",
    "model": b"\x01" * 32,
    "deviceKey": ADDR,
    "metadataHash": b"\x02" * 32,
    "owner": ADDR,
}


BAD_INPUTS = [
    pytest.param("DeviceRegistry", "approve", (ADDR,), id="too-few-args"),
    pytest.param("DeviceRegistry", "approve", (ADDR, 1, 2), id="too-many-args"),
    pytest.param("DeviceRegistry", "name", (1,), id="args-for-no-arg-function"),
    pytest.param("DeviceRegistry", "approve", (ADDR, 2**256), id="uint256-too-big"),
    pytest.param("DeviceRegistry", "approve", (ADDR, -1), id="uint256-negative"),
    pytest.param("DeviceRegistry", "setDeviceStatus", (1, 256), id="uint8-too-big"),
    pytest.param("DeviceRegistry", "approve", (ADDR, 1.0), id="uint-float"),
    pytest.param("DeviceRegistry", "approve", (ADDR, "5"), id="uint-str"),
    pytest.param("DeviceRegistry", "approve", (ADDR, True), id="uint-bool"),
    pytest.param("DeviceRegistry", "getRoleAdmin", (b"\x00" * 31,), id="bytes32-31-bytes"),
    pytest.param("DeviceRegistry", "getRoleAdmin", (b"\x00" * 33,), id="bytes32-33-bytes"),
    pytest.param("DeviceRegistry", "getRoleAdmin", ("0x" + "ab" * 31,), id="bytes32-31-hex"),
    pytest.param("DeviceRegistry", "getRoleAdmin", ("ab" * 32,), id="bytes32-hex-without-0x"),
    pytest.param("DeviceRegistry", "getRoleAdmin", ("0x" + "zz" * 32,), id="bytes32-non-hex"),
    pytest.param("DeviceRegistry", "getRoleAdmin", ("",), id="bytes32-empty-str"),
    pytest.param("DeviceRegistry", "getRoleAdmin", (memoryview(bytes(32)),), id="bytes32-view"),
    pytest.param("DeviceRegistry", "supportsInterface", (b"\x01\xff\xc9",), id="bytes4-3-bytes"),
    pytest.param("DeviceRegistry", "proveDeviceKey", (1, "0xabc"), id="bytes-odd-hex"),
    pytest.param("DeviceRegistry", "proveDeviceKey", (1, "hello"), id="bytes-plain-text"),
    pytest.param("DeviceRegistry", "proveDeviceKey", (1, 5), id="bytes-int"),
    pytest.param("DeviceRegistry", "balanceOf", (ADDR.lower(),), id="address-lowercase"),
    pytest.param("DeviceRegistry", "balanceOf", ("0x" + ADDR[2:].upper(),), id="address-upper"),
    pytest.param("DeviceRegistry", "balanceOf", (MISCASED,), id="address-bad-checksum"),
    pytest.param("DeviceRegistry", "balanceOf", (ADDR[2:],), id="address-without-0x"),
    pytest.param("DeviceRegistry", "balanceOf", (b"\x12" * 19,), id="address-19-bytes"),
    pytest.param("DeviceRegistry", "balanceOf", (0x12,), id="address-int"),
    pytest.param("DeviceRegistry", "balanceOf", (None,), id="address-none"),
    pytest.param("DeviceRegistry", "setApprovalForAll", (ADDR, 1), id="bool-int"),
    pytest.param("DeviceRegistry", "setApprovalForAll", (ADDR, "true"), id="bool-str"),
    pytest.param("DeviceRegistry", "setApprovalForAll", (ADDR, None), id="bool-none"),
    pytest.param("DeviceRegistry", "deviceIdOf", (ADDR, b"SN-1"), id="string-bytes"),
    pytest.param("DeviceRegistry", "deviceIdOf", (ADDR, 5), id="string-int"),
    pytest.param("SupplyChainEscrow", "settleMany", (1, []), id="array-scalar"),
    pytest.param("SupplyChainEscrow", "settleMany", ({1, 2}, [[], []]), id="array-set"),
    pytest.param("SupplyChainEscrow", "settleMany", ([True], [[]]), id="array-item-bool"),
    pytest.param(
        "CertificateRegistry",
        "batchLeafHash",
        ({k: v for k, v in LEAF.items() if k != "result"},),
        id="struct-dict-missing-field",
    ),
    pytest.param(
        "CertificateRegistry",
        "batchLeafHash",
        (tuple(LEAF.values())[:-1],),
        id="struct-tuple-missing-field",
    ),
    pytest.param(
        "CertificateRegistry", "batchLeafHash", ({**LEAF, "result": 256},), id="struct-uint8-big"
    ),
    pytest.param(
        "DeviceRegistry",
        "registerDevices",
        ([DEVICE_INPUT, {k: v for k, v in DEVICE_INPUT.items() if k != "model"}],),
        id="struct-array-item-missing-field",
    ),
    pytest.param(
        "DeviceRegistry",
        "registerDevices",
        ([{**DEVICE_INPUT, "owner": ADDR.lower()}],),
        id="struct-array-item-lowercase-address",
    ),
    # Malformed address text (ENS names too: web3 decides), bytearrays, loose hex text.
    pytest.param(
        "DeviceRegistry",
        "balanceOf",
        ("0x123",),
        id="address-short-hex",
    ),
    pytest.param(
        "DeviceRegistry",
        "balanceOf",
        ("not an address",),
        id="address-text",
    ),
    pytest.param(
        "DeviceRegistry",
        "balanceOf",
        ("fabtrust.eth",),
        id="address-ens-name",
    ),
    pytest.param(
        "DeviceRegistry",
        "getRoleAdmin",
        (bytearray(31),),
        id="bytes32-31-byte-bytearray",
    ),
    pytest.param(
        "DeviceRegistry",
        "getRoleAdmin",
        ("0X" + "ab" * 32,),
        id="bytes32-0X-prefix",
    ),
    pytest.param(
        "DeviceRegistry",
        "getRoleAdmin",
        ("0x" + "ab " * 32,),
        id="bytes32-hex-with-spaces",
    ),
    pytest.param(
        "DeviceRegistry",
        "proveDeviceKey",
        (1, "0x ab\n"),
        id="bytes-hex-with-whitespace",
    ),
]


def _binding_encode(contract: str, function: str, args: tuple[Any, ...]) -> str:
    """The real ``Binding.encode`` on a stand-in whose contracts are provider-less web3 ones."""
    from fabtrust._binding import Binding

    stand_in = SimpleNamespace(contract=_web3_contract)
    return Binding.encode(stand_in, contract, function, *args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("contract", "function", "args"), BAD_INPUTS)
def test_bad_arguments_raise_abi_input_error_and_binding_falls_back_to_web3(
    contract: str, function: str, args: tuple[Any, ...]
) -> None:
    with pytest.raises(Exception) as web3_error:  # any refusal by web3
        _web3_contract(contract).encode_abi(function, args=list(args))
    with pytest.raises(AbiInputError):
        function_codec(contract, function).encode(args)
    # The fast path's refusal is caught and web3 raises its own error, as before the fast path.
    with pytest.raises(type(web3_error.value)) as binding_error:
        _binding_encode(contract, function, args)
    assert not isinstance(binding_error.value, AbiInputError)


@pytest.mark.parametrize(
    ("contract", "function", "args"),
    [
        pytest.param(
            "SupplyChainEscrow",
            "settleMany",
            (range(3), [ZERO_TERMS] * 3, [[], [], []]),
            id="array-range",
        ),
        pytest.param(
            "CertificateRegistry", "batchLeafHash", ((*LEAF.values(), 9),), id="struct-extra-item"
        ),
    ],
)
def test_arguments_only_web3_takes_still_get_web3_calldata(
    contract: str, function: str, args: tuple[Any, ...]
) -> None:
    with pytest.raises(AbiInputError):
        function_codec(contract, function).encode(args)
    expected = _web3_contract(contract).encode_abi(function, args=list(args))
    assert _binding_encode(contract, function, args) == expected


def test_binding_encode_sends_overloads_to_web3() -> None:
    args = (ADDR, ADDR, 7, b"\x01\x02")
    expected = _web3_contract("DeviceRegistry").encode_abi("safeTransferFrom", args=list(args))
    assert expected.startswith(
        "0x" + keccak(text="safeTransferFrom(address,address,uint256,bytes)")[:4].hex()
    )
    assert _binding_encode("DeviceRegistry", "safeTransferFrom", args) == expected


# -- 4. event decoding equals web3's ----------------------------------------------------------


def _is_hashed(kind: str) -> bool:
    """Solidity stores indexed reference-type arguments as their keccak hash."""
    return kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")


def _build_log(
    draw: Callable[[Any], Any], abi: dict[str, Any]
) -> tuple[list[bytes], bytes, dict[str, Any]]:
    """topics, data and the argument values expected back (hashes for hashed indexed args)."""
    codec = EventCodec.of(abi)
    topics = [codec.topic]
    expected: dict[str, Any] = {}
    data_types, data_values = [], []
    for param in abi["inputs"]:
        kind = collapse_if_tuple(dict(param))
        value = _value(draw, param, loose=False)
        if param.get("indexed"):
            if _is_hashed(kind):
                topic = keccak(abi_encode([kind], [value]))
                expected[param["name"]] = topic
            else:
                topic = abi_encode([kind], [value])
                expected[param["name"]] = value
            assert len(topic) == 32
            topics.append(topic)
        else:
            data_types.append(kind)
            data_values.append(value)
            expected[param["name"]] = value
    return topics, abi_encode(data_types, data_values), expected


def _web3_event_args(abi: dict[str, Any], topics: list[bytes], data: bytes) -> dict[str, Any]:
    log = {
        "address": ADDR,
        "topics": [HexBytes(t) for t in topics],
        "data": HexBytes(data),
        "blockNumber": 1,
        "blockHash": HexBytes(b"\x11" * 32),
        "transactionHash": HexBytes(b"\x22" * 32),
        "transactionIndex": 0,
        "logIndex": 0,
        "removed": False,
    }
    return dict(get_event_data(W3.codec, abi, log)["args"])  # type: ignore[arg-type]


def _check_event(abi: dict[str, Any], draw: Callable[[Any], Any]) -> None:
    topics, data, expected = _build_log(draw, abi)
    ours = EventCodec.of(abi).decode(topics, data)
    assert ours is not None
    theirs = _web3_event_args(abi, topics, data)
    assert list(ours) == list(theirs)  # indexed first, in topic order, then data
    assert _plain(ours) == _plain({k: _unnamed(v) for k, v in theirs.items()})
    indexed = [p["name"] for p in abi["inputs"] if p.get("indexed")]
    assert list(ours)[: len(indexed)] == indexed
    assert _plain(ours) == _plain(expected)  # and the values round-trip


@pytest.mark.parametrize(("contract", "event"), EVENTS, ids=_ids(EVENTS))
@PROPERTY
@given(data=st.data())
def test_event_decode_matches_web3(contract: str, event: str, data: st.DataObject) -> None:
    _check_event(_event_abi(contract, event), data.draw)


@pytest.mark.parametrize("abi", [SYNTHETIC_EVENT, SYNTHETIC_EVENT_2], ids=lambda a: a["name"])
@PROPERTY
@given(data=st.data())
def test_event_decode_matches_web3_for_types_the_contracts_do_not_use(
    abi: dict[str, Any], data: st.DataObject
) -> None:
    _check_event(abi, data.draw)


def test_event_decode_checksums_addresses_and_keeps_bytes32() -> None:
    abi = _event_abi("DeviceRegistry", "RoleGranted")  # bytes32 role, address account, sender
    codec = EventCodec.of(abi)
    role = b"\x07" * 32
    topics = [codec.topic, role, bytes(12) + bytes.fromhex("ab" * 20), bytes(12) + b"\x01" * 20]
    assert codec.decode(topics, b"") == {
        "role": role,
        "account": ADDR,
        "sender": "0x" + "01" * 20,
    }


# -- 5. logs that do not fit ------------------------------------------------------------------


@pytest.mark.parametrize(("contract", "event"), EVENTS, ids=_ids(EVENTS))
@settings(max_examples=3, deadline=None, database=None)
@given(data=st.data())
def test_event_decode_returns_none_for_logs_that_do_not_fit(
    contract: str, event: str, data: st.DataObject
) -> None:
    abi = _event_abi(contract, event)
    codec = EventCodec.of(abi)
    topics, log_data, _ = _build_log(data.draw, abi)
    assert codec.decode(topics, log_data) is not None
    assert codec.decode([*topics, b"\x00" * 32], log_data) is None
    assert codec.decode(topics[:-1], log_data) is None
    if len(topics) > 1:
        assert codec.decode([*topics[:-1], topics[-1][:31]], log_data) is None
    if codec.data_types:
        assert codec.decode(topics, log_data[:-1]) is None
        assert codec.decode(topics, log_data[:-32]) is None
        assert codec.decode(topics, b"") is None


def test_event_decode_returns_none_for_a_string_that_is_not_utf8() -> None:
    abi = _event_abi("CertificateRegistry", "BatchRevoked")  # (bytes32, address, string reason)
    codec = EventCodec.of(abi)
    topics = [codec.topic, b"\x01" * 32, bytes(12) + b"\x02" * 20]
    assert codec.decode(topics, abi_encode(["bytes"], [b"\xff\xfe"])) is None


# -- 6. return data decoding equals web3's ----------------------------------------------------


class _ReturnDataProvider(BaseProvider):
    """Answers every request with ``data``: web3's real ``ContractFunction.call`` path then
    decodes it (eth_call → codec.decode → map_abi_data normalisers)."""

    data = b""

    def make_request(self, method: Any, params: Any) -> Any:
        return {"jsonrpc": "2.0", "id": 1, "result": "0x" + self.data.hex()}

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


def _web3_call(abi: dict[str, Any], args: list[Any], data: bytes) -> Any:
    """What ``contract.functions.<fn>(*args).call()`` returns when the node answers ``data``."""
    provider = _ReturnDataProvider()
    provider.data = data
    contract = Web3(provider).eth.contract(address=ADDR, abi=[abi])
    return getattr(contract.functions, abi["name"])(*args).call()


def _decode_case(
    abi: dict[str, Any], codec: FunctionCodec, draw: Callable[[Any], Any]
) -> tuple[Any, Any, Any]:
    """(ours, web3's, generated) for generated return values of ``abi``."""
    outputs = abi["outputs"]
    types = [collapse_if_tuple(dict(p)) for p in outputs]
    values = [_value(draw, p, loose=False) for p in outputs]
    args = [_value(draw, p, loose=False) for p in abi["inputs"]]
    data = abi_encode(types, values)
    generated = values[0] if len(values) == 1 else list(values)
    return codec.decode(data), _web3_call(abi, args, data), generated


DECODE_CASES = [pytest.param(c, f, id=f"{c}.{f}") for c, f in FUNCTIONS_WITH_OUTPUTS]


@pytest.mark.parametrize(("contract", "function"), DECODE_CASES)
@settings(max_examples=4, deadline=None, database=None)
@given(data=st.data())
def test_return_decode_equals_web3_call(contract: str, function: str, data: st.DataObject) -> None:
    abi = _function_abi(contract, function)
    ours, theirs, _ = _decode_case(abi, function_codec(contract, function), data.draw)
    assert ours == theirs


@pytest.mark.parametrize(
    ("contract", "function"), FUNCTIONS_WITH_OUTPUTS, ids=_ids(FUNCTIONS_WITH_OUTPUTS)
)
@settings(max_examples=4, deadline=None, database=None)
@given(data=st.data())
def test_return_decode_values_equal_web3_call_up_to_sequence_type(
    contract: str, function: str, data: st.DataObject
) -> None:
    abi = _function_abi(contract, function)
    ours, theirs, generated = _decode_case(abi, function_codec(contract, function), data.draw)
    assert _plain(ours) == _plain(theirs)
    assert _plain(ours) == _plain(generated)  # round trip, addresses checksummed
    assert type(ours) is type(theirs)  # one output: the value; several (or an array): a list


@PROPERTY
@given(data=st.data())
def test_return_decode_values_equal_web3_call_for_types_the_contracts_do_not_use(
    data: st.DataObject,
) -> None:
    ours, theirs, generated = _decode_case(
        SYNTHETIC_FUNCTION, FunctionCodec.of(SYNTHETIC_FUNCTION), data.draw
    )
    assert _plain(ours) == _plain(theirs) == _plain(generated)


def test_return_decode_of_real_view_functions() -> None:
    owner = bytes.fromhex("ab" * 20)

    owner_of = function_codec("DeviceRegistry", "ownerOf")  # a single address output
    data = abi_encode(["address"], [owner])
    assert (
        owner_of.decode(data)
        == ADDR
        == _web3_call(_function_abi("DeviceRegistry", "ownerOf"), [1], data)
    )

    device = function_codec("DeviceRegistry", "device")  # one struct output with addresses
    struct_type = device.output_types[0]
    assert struct_type == "(address,uint64,uint8,bool,address)"
    data = abi_encode([struct_type], [(owner, 2**64 - 1, 2, False, b"\x01" * 20)])
    expected = (ADDR, 2**64 - 1, 2, False, "0x" + "01" * 20)
    assert device.decode(data) == expected
    assert _web3_call(_function_abi("DeviceRegistry", "device"), [1], data) == expected

    can_settle = function_codec("SupplyChainEscrow", "canSettle")  # two outputs
    data = abi_encode(["bool", "uint8"], [True, 3])
    assert can_settle.decode(data) == [True, 3]
    assert _web3_call(
        _function_abi("SupplyChainEscrow", "canSettle"), [1, ZERO_TERMS, []], data
    ) == [
        True,
        3,
    ]

    domain = function_codec("DeviceRegistry", "eip712Domain")  # seven outputs, one an array
    values = [b"\x0f", "DeviceRegistry", "1", 31337, owner, b"\x00" * 32, [1, 2]]
    data = abi_encode(list(domain.output_types), values)
    expected = [b"\x0f", "DeviceRegistry", "1", 31337, ADDR, b"\x00" * 32, [1, 2]]
    assert domain.decode(data) == expected
    assert _web3_call(_function_abi("DeviceRegistry", "eip712Domain"), [], data) == expected


def test_return_decode_of_bad_data_raises_abi_input_error() -> None:
    with pytest.raises(AbiInputError, match="undecodable"):
        function_codec("DeviceRegistry", "device").decode(b"\x00" * 31)


def test_checksum() -> None:
    assert checksum("0x" + "ab" * 20) == ADDR
    assert checksum(ADDR.lower()) == ADDR
    assert checksum(ADDR) == ADDR
