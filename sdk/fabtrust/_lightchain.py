"""Private: a light, read-only binding for the buyer's verify path (no web3, no eth-abi).

``import web3`` costs ~0.5 s and ``import eth_abi`` ~0.3 s (it loads pydantic models of
eth_utils), while the ~20 reads of a verification take ~20 ms on a local chain. This module gives
the certificates :class:`~fabtrust.certificates._reader.Reader` what it reads through - ``call``
(a view, by name, through the shipped ABI), ``events`` (decoded logs), ``contract(name).address``
and ``connection`` (chain id, block number, URL) - over the standard library:

* :class:`LightRpc` - JSON-RPC over one keep-alive HTTP(S) connection (``http.client``), with
  batches; a node that cannot be reached is :class:`~fabtrust.errors.NodeUnreachableError`.
* a hand-rolled ABI codec (static types, ``string``/``bytes``, arrays, tuples) returning values
  as web3 does: addresses checksummed, ``bytesN`` as bytes, structs as tuples, one output alone.
* :func:`connect_light` - the same checks as :func:`fabtrust.connect`: chain id and genesis hash
  of the deployment registry, and each contract's runtime code (its SHA-256 when recorded).

No contract is named here: which views a verification calls, with which arguments, stays in the
Reader (one module), so a change of a contract's interface is adapted there alone.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fabtrust._artifacts import all_abis, artifact
from fabtrust.deployments import Deployment, load_deployment
from fabtrust.errors import (
    ChainError,
    ContractError,
    InvalidInputError,
    NodeUnreachableError,
    UnknownContractError,
    WrongChainError,
    canonical_type,
    error_class_for,
)
from fabtrust.models import Event

__all__ = [
    "LightBinding",
    "LightConnection",
    "LightRpc",
    "RpcError",
    "abi_decode",
    "abi_encode",
    "connect_light",
]

Param = Mapping[str, Any]
_HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
_TOO_LARGE = ("too large", "too many", "range", "limit", "exceed")


# --------------------------------------------------------------------------------------------------
# JSON-RPC


class RpcError(ChainError):
    """A JSON-RPC error answer: ``code``, ``message`` and ``data`` (revert data of an eth_call)."""

    def __init__(self, method: str, error: Mapping[str, Any]) -> None:
        self.code = error.get("code")
        self.rpc_message = str(error.get("message", ""))
        self.data = error.get("data")
        super().__init__(f"{method} failed: {self.rpc_message}")


def redact(url: str) -> str:
    """The URL without a password, safe for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname or ''}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class LightRpc:
    """JSON-RPC over one keep-alive HTTP(S) connection."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        text = url.strip() if isinstance(url, str) else ""
        if not text:
            raise InvalidInputError("the RPC URL is empty", field="rpc_url")
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise InvalidInputError(
                f"unsupported RPC URL {redact(text)}: use http://, https:// or a path to a .ipc "
                "socket",
                field="rpc_url",
            )
        self.url = redact(text)
        self._parts = parts
        self._timeout = timeout
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._headers = {"Content-Type": "application/json"}
        if parts.username is not None:
            import base64

            token = f"{parts.username}:{parts.password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
        self._conn: http.client.HTTPConnection | None = None
        self._id = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = (
                http.client.HTTPSConnection
                if self._parts.scheme.lower() == "https"
                else http.client.HTTPConnection
            )
            self._conn = kind(self._parts.hostname or "", self._parts.port, timeout=self._timeout)
        return self._conn

    def _post(self, payload: Any) -> Any:
        body = json.dumps(payload).encode()
        last: BaseException | None = None
        for _ in range(3):  # a dropped keep-alive connection is reopened
            conn = self._connection()
            try:
                conn.request("POST", self._path, body=body, headers=self._headers)
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._conn = None
                last = exc
                continue
            if response.status != 200:
                try:
                    return json.loads(raw)  # some nodes answer JSON-RPC errors with HTTP 4xx/5xx
                except ValueError:
                    raise NodeUnreachableError(self.url, f"HTTP {response.status}") from None
            try:
                return json.loads(raw)
            except ValueError:
                raise ChainError(
                    f"{self.url} did not answer like an Ethereum JSON-RPC node"
                ) from None
        reason = "timed out" if isinstance(last, TimeoutError) else "connection refused or dropped"
        raise NodeUnreachableError(self.url, reason) from None

    def request(self, method: str, params: Sequence[Any]) -> Any:
        """The result of one request; RpcError for an error answer."""
        self._id += 1
        answer = self._post({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        if not isinstance(answer, Mapping):
            raise ChainError(f"{method} failed: unexpected answer {answer!r:.80}")
        if "error" in answer:
            raise RpcError(method, answer["error"] or {})
        return answer.get("result")

    def batch(self, requests: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Results of a JSON-RPC batch, in order (an error answer as an RpcError value); a node
        that refuses batches gets the requests one by one."""
        first = self._id + 1
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)}
            for i, (m, p) in enumerate(requests)
        ]
        self._id += len(requests)
        answer = self._post(payload)
        if not isinstance(answer, list) or len(answer) != len(requests):
            return [self._one(m, p) for m, p in requests]
        by_id = {item.get("id"): item for item in answer if isinstance(item, Mapping)}
        results: list[Any] = []
        for i, (method, _) in enumerate(requests):
            item = by_id.get(first + i, {})
            if "error" in item:
                results.append(RpcError(method, item["error"] or {}))
            else:
                results.append(item.get("result"))
        return results

    def _one(self, method: str, params: Sequence[Any]) -> Any:
        try:
            return self.request(method, params)
        except RpcError as exc:
            return exc

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# --------------------------------------------------------------------------------------------------
# ABI


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """EIP-55 form of a 20-byte hex address."""
    from fabtrust._validate import checksum as eip55

    return eip55(address.lower().removeprefix("0x"))


def _keccak(data: bytes) -> bytes:
    from fabtrust.evidence._hashing import keccak256

    return keccak256(data)


def _element(param: Param) -> dict[str, Any]:
    kind = str(param["type"])
    return {**param, "type": kind[: kind.rindex("[")]}


def _array_length(kind: str) -> int | None:
    inside = kind[kind.rindex("[") + 1 : -1]
    return int(inside) if inside else None


def _dynamic(param: Param) -> bool:
    kind = str(param["type"])
    if kind.endswith("]"):
        return _array_length(kind) is None or _dynamic(_element(param))
    if kind in ("string", "bytes"):
        return True
    if kind == "tuple":
        return any(_dynamic(c) for c in param.get("components", ()))
    return False


def _head_size(param: Param) -> int:
    if _dynamic(param):
        return 32
    kind = str(param["type"])
    if kind.endswith("]"):
        return (_array_length(kind) or 0) * _head_size(_element(param))
    if kind == "tuple":
        return sum(_head_size(c) for c in param.get("components", ()))
    return 32


def _word(data: bytes, at: int) -> int:
    if at + 32 > len(data):
        raise ChainError("undecodable return data (too short)")
    return int.from_bytes(data[at : at + 32], "big")


def _decode_one(param: Param, data: bytes, at: int) -> Any:
    kind = str(param["type"])
    if kind.endswith("]"):
        length = _array_length(kind)
        element = _element(param)
        if length is None:
            count = _word(data, at)
            return _decode_list([element] * count, data, at + 32)
        return _decode_list([element] * length, data, at)
    if kind == "tuple":
        return tuple(_decode_list(list(param.get("components", ())), data, at))
    if kind in ("string", "bytes"):
        size = _word(data, at)
        raw = data[at + 32 : at + 32 + size]
        if len(raw) != size:
            raise ChainError("undecodable return data (short bytes)")
        return raw.decode("utf-8") if kind == "string" else raw
    word = data[at : at + 32]
    if len(word) != 32:
        raise ChainError("undecodable return data (too short)")
    if kind == "address":
        return checksum("0x" + word[12:].hex())
    if kind == "bool":
        return word[-1] != 0
    if kind.startswith("bytes"):
        return word[: int(kind[5:])]
    if kind.startswith("uint"):
        return int.from_bytes(word, "big")
    if kind.startswith("int"):
        return int.from_bytes(word, "big", signed=True)
    raise ChainError(f"unsupported ABI type {kind}")


def _decode_list(params: Sequence[Param], data: bytes, base: int) -> list[Any]:
    values: list[Any] = []
    at = base
    for param in params:
        if _dynamic(param):
            values.append(_decode_one(param, data, base + _word(data, at)))
            at += 32
        else:
            values.append(_decode_one(param, data, at))
            at += _head_size(param)
    return values


def abi_decode(params: Sequence[Param], data: bytes) -> list[Any]:
    """Values of ``params`` (ABI entries) from ABI-encoded ``data``."""
    return _decode_list(params, data, 0)


def _as_bytes(value: Any, kind: str) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and _HEX.fullmatch(value):
        return bytes.fromhex(value[2:])
    raise InvalidInputError(f"{kind}: expected bytes or 0x hex, got {value!r:.80}")


def _encode_one(param: Param, value: Any) -> bytes:
    kind = str(param["type"])
    if kind.endswith("]"):
        items = list(value)
        body = _encode_list([_element(param)] * len(items), items)
        return body if _array_length(kind) is not None else len(items).to_bytes(32, "big") + body
    if kind == "tuple":
        components = list(param.get("components", ()))
        if isinstance(value, Mapping):
            value = [value[c["name"]] for c in components]
        return _encode_list(components, list(value))
    if kind in ("string", "bytes"):
        raw = value.encode("utf-8") if kind == "string" else _as_bytes(value, kind)
        padded = raw + b"\0" * (-len(raw) % 32)
        return len(raw).to_bytes(32, "big") + padded
    if kind == "address":
        return bytes(12) + _as_bytes(value, kind).rjust(20, b"\0")[-20:]
    if kind == "bool":
        return int(bool(value)).to_bytes(32, "big")
    if kind.startswith("bytes"):
        return _as_bytes(value, kind).ljust(32, b"\0")
    if kind.startswith("uint"):
        return int(value).to_bytes(32, "big")
    if kind.startswith("int"):
        return int(value).to_bytes(32, "big", signed=True)
    raise InvalidInputError(f"unsupported ABI type {kind}")


def _encode_list(params: Sequence[Param], values: Sequence[Any]) -> bytes:
    if len(params) != len(values):
        raise InvalidInputError(f"expected {len(params)} values, got {len(values)}")
    heads: list[bytes] = []
    tails: list[bytes] = []
    head_size = sum(_head_size(p) for p in params)
    for param, value in zip(params, values, strict=True):
        encoded = _encode_one(param, value)
        if _dynamic(param):
            heads.append((head_size + sum(len(t) for t in tails)).to_bytes(32, "big"))
            tails.append(encoded)
        else:
            heads.append(encoded)
    return b"".join(heads) + b"".join(tails)


def abi_encode(params: Sequence[Param], values: Sequence[Any]) -> bytes:
    """``abi.encode(values...)`` for ``params`` (ABI entries)."""
    return _encode_list(params, values)


def _signature(entry: Param) -> str:
    return f"{entry['name']}({','.join(canonical_type(p) for p in entry.get('inputs', ()))})"


@cache
def _function(contract: str, name: str) -> Mapping[str, Any]:
    matches = [
        item
        for item in artifact(contract).abi
        if item.get("type") == "function" and item.get("name") == name
    ]
    if len(matches) != 1:
        raise InvalidInputError(f"{contract} has {len(matches)} functions named {name}")
    return matches[0]


@cache
def _selector(signature: str) -> bytes:
    return _keccak(signature.encode())[:4]


@cache
def _events(contract: str) -> dict[bytes, Mapping[str, Any]]:
    return {
        _keccak(_signature(item).encode()): item
        for item in artifact(contract).abi
        if item.get("type") == "event" and not item.get("anonymous")
    }


def _jsonable(value: Any) -> Any:
    """As :func:`fabtrust._decode.jsonable`: bytes → 0x hex, arrays and structs → tuples."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return tuple(_jsonable(item) for item in value)
    return value


def decode_revert(data: bytes) -> ContractError:
    """The ContractError of revert data, from the shipped ABIs' errors (as the full client)."""
    if len(data) < 4:
        return UnknownContractError(tx_hash=None, raw_data=data)
    selector = data[:4]
    for abi in all_abis():
        for entry in abi:
            if entry.get("type") != "error" or _selector(_signature(entry)) != selector:
                continue
            inputs = list(entry.get("inputs", ()))
            cls = error_class_for(str(entry["name"]), inputs, selector="0x" + selector.hex())
            try:
                values = abi_decode(inputs, data[4:])
            except ChainError:
                continue
            args = {
                str(p["name"]): tuple(v) if isinstance(v, list) else v
                for p, v in zip(inputs, values, strict=True)
            }
            return cls(tx_hash=None, raw_data=data, **args)
    return UnknownContractError(tx_hash=None, raw_data=data)


def _revert_data(error: RpcError) -> bytes | None:
    """Revert data of an eth_call error answer, or None when it is not a revert."""
    data = error.data
    if isinstance(data, Mapping):
        data = data.get("data") or data.get("result")
    if isinstance(data, str) and _HEX.fullmatch(data.strip()):
        return bytes.fromhex(data.strip()[2:])
    message = error.rpc_message.lower()
    if error.code == 3 or "revert" in message:
        return b""
    return None


# --------------------------------------------------------------------------------------------------
# the binding


@dataclass(frozen=True)
class LightConnection:
    """What identifies the chain behind a :class:`LightRpc` (as ChainConnection, without web3)."""

    rpc: LightRpc
    rpc_url: str
    chain_id: int
    genesis_hash: str

    def block_number(self) -> int:
        return int(self.rpc.request("eth_blockNumber", []), 16)


@dataclass(frozen=True)
class _Contract:
    address: str


def _tag(block: int | str) -> str:
    return hex(block) if isinstance(block, int) else block


class LightBinding:
    """The read side of :class:`fabtrust._binding.Binding` over :class:`LightRpc`."""

    def __init__(self, connection: LightConnection, deployment: Deployment) -> None:
        self.connection = connection
        self.deployment = deployment
        self.rpc = connection.rpc

    def contract(self, name: str) -> _Contract:
        return _Contract(checksum(self.deployment.contract(name).address))

    def call(self, contract: str, function: str, *args: Any, block: int | str = "latest") -> Any:
        """A view call; a revert becomes the matching ContractError."""
        entry = _function(contract, function)
        inputs = list(entry.get("inputs", ()))
        data = _selector(_signature(entry)) + abi_encode(inputs, args)
        params = {"to": self.contract(contract).address, "data": "0x" + data.hex()}
        try:
            raw = self.rpc.request("eth_call", [params, _tag(block)])
        except RpcError as exc:
            revert = _revert_data(exc)
            if revert is not None:
                raise decode_revert(revert) from None
            raise ChainError(f"{contract}.{function} failed: {exc.rpc_message}") from None
        out = abi_decode(list(entry.get("outputs", ())), bytes.fromhex(str(raw)[2:]))
        return out[0] if len(out) == 1 else out

    def raw_call(self, params: Mapping[str, Any], *, block: int | str = "latest") -> bytes:
        """A plain eth_call; a revert returns b""."""
        try:
            raw = self.rpc.request("eth_call", [dict(params), _tag(block)])
        except RpcError as exc:
            if _revert_data(exc) is not None:
                return b""
            raise ChainError(f"eth_call failed: {exc.rpc_message}") from None
        return bytes.fromhex(str(raw)[2:])

    def events(
        self,
        contract: str,
        event: str | None = None,
        *,
        topics: Sequence[str | None] = (),
        from_block: int | None = None,
        to_block: int | None = None,
        chunk_size: int = 5_000,
    ) -> Iterator[Event]:
        """Decoded events of ``contract`` from the deployment block on, in chain order."""
        codecs = _events(contract)
        topic_list: list[str | None] | None = None
        if event is not None:
            topic0 = next(t for t, e in codecs.items() if e["name"] == event)
            topic_list = ["0x" + topic0.hex(), *topics]
        address = self.contract(contract).address
        start = self.deployment.deployment_block if from_block is None else from_block
        end_block = self.connection.block_number() if to_block is None else to_block
        size = chunk_size
        while start <= end_block:
            end = min(start + size - 1, end_block)
            query: dict[str, Any] = {
                "address": address,
                "fromBlock": hex(start),
                "toBlock": hex(end),
            }
            if topic_list is not None:
                query["topics"] = topic_list
            try:
                logs = self.rpc.request("eth_getLogs", [query])
            except RpcError as exc:
                if end > start and any(w in exc.rpc_message.lower() for w in _TOO_LARGE):
                    size = max(1, (end - start + 1) // 2)
                    continue
                raise
            ordered = sorted(
                logs, key=lambda x: (int(x["blockNumber"], 16), int(x["logIndex"], 16))
            )
            for log in ordered:
                decoded = _decode_log(contract, codecs, log)
                if decoded is not None:
                    yield decoded
            start = end + 1

    def block(self, number: int | str) -> Mapping[str, Any]:
        return dict(self.rpc.request("eth_getBlockByNumber", [_tag(number), False]) or {})

    def code(self, address: str, *, block: int | str = "latest") -> bytes:
        return bytes.fromhex(str(self.rpc.request("eth_getCode", [address, _tag(block)]))[2:])


def _decode_log(
    contract: str, codecs: Mapping[bytes, Mapping[str, Any]], log: Mapping[str, Any]
) -> Event | None:
    topics = [bytes.fromhex(t[2:]) for t in log.get("topics", ())]
    entry = codecs.get(topics[0]) if topics else None
    if entry is None:
        return None
    inputs = list(entry.get("inputs", ()))
    indexed = [p for p in inputs if p.get("indexed")]
    plain = [p for p in inputs if not p.get("indexed")]
    if len(topics) != len(indexed) + 1:
        return None
    args: dict[str, Any] = {}
    try:
        for param, topic in zip(indexed, topics[1:], strict=True):
            args[str(param["name"])] = topic if _dynamic(param) else _decode_one(param, topic, 0)
        values = abi_decode(plain, bytes.fromhex(str(log["data"])[2:]))
    except (ChainError, UnicodeDecodeError):
        return None
    for param, value in zip(plain, values, strict=True):
        args[str(param["name"])] = value
    return Event(
        contract=contract,
        name=str(entry["name"]),
        args={key: _jsonable(value) for key, value in args.items()},
        address=checksum(str(log["address"])),
        block_number=int(log["blockNumber"], 16),
        tx_hash=str(log["transactionHash"]),
        log_index=int(log["logIndex"], 16),
    )


def connect_light(
    *,
    rpc_url: str,
    deployments: str | os.PathLike[str] | Deployment,
    timeout: float = 10.0,
) -> LightBinding:
    """A checked read-only binding: the chain id and genesis hash of the deployment registry,
    and each contract's runtime code, as :func:`fabtrust.connect` checks them (same errors)."""
    rpc = LightRpc(rpc_url, timeout=timeout)
    answers = rpc.batch([("eth_chainId", []), ("eth_getBlockByNumber", ["0x0", False])])
    for answer in answers:
        if isinstance(answer, RpcError) or answer is None:
            raise ChainError(f"{rpc.url} did not answer like an Ethereum JSON-RPC node")
    chain_id = int(answers[0], 16)
    genesis = str(answers[1]["hash"]).lower()
    if isinstance(deployments, Deployment):
        deployment = deployments
    else:
        deployment = load_deployment(Path(deployments), chain_id=chain_id)
    if deployment.chain_id != chain_id:
        raise WrongChainError(kind="chain_id", expected=deployment.chain_id, actual=chain_id)
    if deployment.genesis_hash is not None and deployment.genesis_hash.lower() != genesis:
        raise WrongChainError(
            kind="genesis_hash", expected=deployment.genesis_hash.lower(), actual=genesis
        )
    records = sorted(deployment.contracts.items())
    codes = rpc.batch([("eth_getCode", [r.address, "latest"]) for _, r in records])
    for (name, record), code in zip(records, codes, strict=True):
        if isinstance(code, RpcError):
            raise ChainError(f"eth_getCode failed: {code.rpc_message}")
        raw = bytes.fromhex(str(code)[2:])
        expected = getattr(record, "code_sha256", None)
        actual = "0x" + hashlib.sha256(raw).hexdigest()
        if not raw or (expected is not None and expected != actual):
            raise WrongChainError(
                kind="code",
                expected=f"{name} code {expected or '(any)'}",
                actual=actual if raw else "no code",
                address=record.address,
            )
    connection = LightConnection(rpc=rpc, rpc_url=rpc.url, chain_id=chain_id, genesis_hash=genesis)
    return LightBinding(connection, deployment)
