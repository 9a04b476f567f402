"""Fixtures and helpers of the CertificateRegistry suite (Anvil and Ganache).

Helpers assert exact custom errors (selector + ABI-encoded arguments), sign EIP-712 data with
eth-account from the full typed-data JSON (an implementation independent of the contract), build
Merkle batches with OpenZeppelin's JS StandardMerkleTree, and control block timestamps.
"""

import json
import pathlib
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from brownie import accounts, chain, web3
from brownie.exceptions import VirtualMachineError, decode_typed_error
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from revert_data import call_revert_data

PASS = 1
FAIL = 2
ZERO32 = "0x" + "00" * 32
UINT40_MAX = 2**40 - 1
# An empty `bytes` event field (no device signature) as brownie shows it.
NO_SIGNATURE = "0x00"

LEAF_TYPES = ["uint256", "bytes32", "bytes32", "bytes32", "uint8", "uint64"]
MERKLE_SCRIPT = pathlib.Path(__file__).with_name("merkle_vectors.js")
NODE_MODULES = pathlib.Path(__file__).resolve().parents[3] / "node_modules"

DOMAIN_NAME = "fabtrust CertificateRegistry"
DOMAIN_VERSION = "1"
EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
DATA_ATTESTATION_TYPE = [
    {"name": "deviceId", "type": "uint256"},
    {"name": "dataRoot", "type": "bytes32"},
]
ISSUE_CERTIFICATE_TYPE = [
    {"name": "lab", "type": "address"},
    {"name": "deviceId", "type": "uint256"},
    {"name": "reportSha256", "type": "bytes32"},
    {"name": "dataRoot", "type": "bytes32"},
    {"name": "testSpec", "type": "bytes32"},
    {"name": "result", "type": "uint8"},
    {"name": "validUntil", "type": "uint64"},
    {"name": "supersedes", "type": "bytes32"},
    {"name": "deviceSignatureHash", "type": "bytes32"},
    {"name": "deadline", "type": "uint256"},
]


# -------------------------------------------------------------------------------------------------
# Value helpers
# -------------------------------------------------------------------------------------------------


def b32(tag) -> str:
    """A deterministic bytes32 (hex) derived from a tag."""
    return "0x" + keccak(text=str(tag)).hex()


def hx(value) -> str:
    """Normalises bytes / HexBytes / brownie HexString / str to lowercase 0x-hex."""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


def as_bytes(value) -> bytes:
    return bytes.fromhex(hx(value)[2:])


def now() -> int:
    """Timestamp of the latest block: the `block.timestamp` that eth_call views see on both chains."""
    return chain[-1].timestamp


def mine_at(timestamp: int) -> None:
    """Mines one block with exactly `timestamp` (views then evaluate at that time)."""
    if "anvil" in web3.client_version.lower():
        web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
        web3.provider.make_request("evm_mine", [])
    else:
        chain.mine(timestamp=timestamp)
    assert chain[-1].timestamp == timestamp


def next_block_at(timestamp: int) -> None:
    """The next mined transaction gets exactly block.timestamp == timestamp (must be ahead of now())."""
    assert timestamp > now()
    if "anvil" in web3.client_version.lower():
        web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    else:
        # Ganache 7 has no setNextBlockTimestamp; evm_setTime moves its clock (ms) so that a block mined
        # within the same second gets this timestamp. Callers check the mined timestamp.
        web3.provider.make_request("evm_setTime", [timestamp * 1000])


def tx_timestamp(tx_or_error) -> int:
    """block.timestamp of a mined transaction, or of the reverted one behind a VirtualMachineError."""
    txid = getattr(tx_or_error, "txid", None)
    receipt = web3.eth.get_transaction_receipt(txid)
    return web3.eth.get_block(receipt["blockNumber"])["timestamp"]


def cert_id(lab, device_id: int, report) -> str:
    """keccak256(abi.encode(lab, deviceId, reportSha256)), computed off-chain."""
    return (
        "0x"
        + keccak(
            encode(["address", "uint256", "bytes32"], [str(lab), device_id, as_bytes(report)])
        ).hex()
    )


def fields_digest(device_id: int, data_root, test_spec) -> str:
    """The certificate slot's digest: bytes16(keccak256(abi.encode(deviceId, dataRoot, testSpec)))."""
    values = [device_id, as_bytes(data_root), as_bytes(test_spec)]
    return "0x" + keccak(encode(["uint256", "bytes32", "bytes32"], values))[:16].hex()


def report_of(cid) -> str:
    """The reportSha256 of certificate `cid` (topic 3 of its CertificateIssued), or ZERO32 if none:
    what a lab passes as `supersedesReport`, as the SDK does."""
    logs = web3.eth.get_logs(
        {
            "fromBlock": 0,
            "toBlock": "latest",
            "topics": [hx(keccak(text=CERTIFICATE_ISSUED_SIG)), hx(cid)],
        }
    )
    return hx(logs[0]["topics"][3]) if logs else ZERO32


def leaf_hash(leaf) -> str:
    """StandardMerkleTree leaf: keccak256(bytes.concat(keccak256(abi.encode(...))))."""
    values = [leaf[0], as_bytes(leaf[1]), as_bytes(leaf[2]), as_bytes(leaf[3]), leaf[4], leaf[5]]
    return "0x" + keccak(keccak(encode(LEAF_TYPES, values))).hex()


def _norm(value):
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return hx(value)
    return str(value).lower()


def assert_event(tx, name: str, expected: dict, index: int = 0) -> None:
    """The `index`-th `name` event of `tx` has exactly these arguments (no more, no fewer)."""
    actual = dict(tx.events[name][index])
    assert set(actual) == set(expected), f"{name}: fields {sorted(actual)} != {sorted(expected)}"
    for key, value in expected.items():
        assert _norm(actual[key]) == _norm(value), f"{name}.{key}: {actual[key]!r} != {value!r}"


def event_names(tx) -> list:
    """Names of the events of `tx`, in log order."""
    return [event.name for event in tx.events]


# -------------------------------------------------------------------------------------------------
# Custom errors
# -------------------------------------------------------------------------------------------------


def error_data(signature: str, *args) -> bytes:
    """selector(signature) + abi.encode(args): the exact revert data of a custom error."""
    inner = signature[signature.index("(") + 1 : -1]
    types = [t for t in inner.split(",") if t]
    normalised = [
        as_bytes(a) if t.startswith("bytes") else str(a) if t == "address" else a
        for t, a in zip(types, args, strict=True)
    ]
    return keccak(text=signature)[:4] + encode(types, normalised)


@contextmanager
def reverts_with(signature: str, *args):
    """Asserts that the block reverts with exactly this custom error and these arguments.

    Brownie decodes the revert data of a transaction or call with `decode_typed_error`; we decode the
    expected bytes with the same function and require equality (the unknown-selector form carries the
    raw hex, the known form every decoded argument).
    """
    expected = "0x" + error_data(signature, *args).hex()
    with pytest.raises(VirtualMachineError) as info:
        yield info
    actual = info.value.revert_msg
    assert actual == decode_typed_error(expected), f"expected {signature}{args}, got {actual!r}"


def raw_revert_data(contract_fn, *args, sender) -> str:
    """The raw revert data of an eth_call as 0x hex (to compare bytes directly, independent of
    Brownie's decoder)."""
    return "0x" + call_revert_data(contract_fn, *args, sender=sender).hex()


def unauthorized(account, role) -> tuple:
    """(signature, args) of OpenZeppelin's AccessControlUnauthorizedAccount."""
    return ("AccessControlUnauthorizedAccount(address,bytes32)", str(account), hx(role))


# -------------------------------------------------------------------------------------------------
# EIP-712
# -------------------------------------------------------------------------------------------------


def domain(contract, chain_id=None, verifying_contract=None) -> dict:
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": web3.eth.chain_id if chain_id is None else chain_id,
        "verifyingContract": to_checksum_address(str(verifying_contract or contract.address)),
    }


def _typed(primary: str, fields: list, dom: dict, message: dict) -> dict:
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN_TYPE, primary: fields},
        "primaryType": primary,
        "domain": dom,
        "message": message,
    }


def data_attestation_typed(contract, device_id: int, data_root, **dom) -> dict:
    message = {"deviceId": device_id, "dataRoot": as_bytes(data_root)}
    return _typed("DataAttestation", DATA_ATTESTATION_TYPE, domain(contract, **dom), message)


def issue_typed(contract, req: "Request", deadline: int, lab, **dom) -> dict:
    message = {
        "lab": to_checksum_address(str(lab)),
        "deviceId": req.deviceId,
        "reportSha256": as_bytes(req.reportSha256),
        "dataRoot": as_bytes(req.dataRoot),
        "testSpec": as_bytes(req.testSpec),
        "result": req.result,
        "validUntil": req.validUntil,
        "supersedes": as_bytes(req.supersedes),
        "deviceSignatureHash": keccak(as_bytes(req.deviceSignature)),
        "deadline": deadline,
    }
    return _typed("IssueCertificate", ISSUE_CERTIFICATE_TYPE, domain(contract, **dom), message)


def typed_digest(typed: dict) -> str:
    """The EIP-712 digest eth-account computes for the typed data."""
    signable = encode_typed_data(full_message=typed)
    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


def sign_typed(key: "Account", typed: dict) -> str:
    return hx(Account.sign_message(encode_typed_data(full_message=typed), key.key).signature)


def sign_data_attestation(contract, key, device_id: int, data_root, **dom) -> str:
    return sign_typed(key, data_attestation_typed(contract, device_id, data_root, **dom))


def sign_issue(contract, key, req: "Request", deadline: int, lab=None, **dom) -> str:
    """`key` signs IssueCertificate for `lab` (default: the key's own address)."""
    lab = key.address if lab is None else lab
    return sign_typed(key, issue_typed(contract, req, deadline, lab, **dom))


@dataclass
class Request:
    """ICertificateRegistry.CertificateRequest, in field order."""

    deviceId: int
    reportSha256: str
    dataRoot: str
    testSpec: str
    result: int
    validUntil: int
    supersedes: str = ZERO32
    deviceSignature: object = b""
    supersedesReport: str | None = None  # None: the report of `supersedes`, read from its event

    def tuple(self) -> tuple:
        report = self.supersedesReport
        if report is None:
            report = ZERO32 if hx(self.supersedes) == ZERO32 else report_of(self.supersedes)
        return (
            self.deviceId,
            self.reportSha256,
            self.dataRoot,
            self.testSpec,
            self.result,
            self.validUntil,
            self.supersedes,
            report,
            self.deviceSignature,
        )


# -------------------------------------------------------------------------------------------------
# Merkle batches (OpenZeppelin JS reference implementation)
# -------------------------------------------------------------------------------------------------


def js_merkle_tree(leaves: list) -> dict:
    """Runs merkle_vectors.js: {"root": hex, "leaves": [{"index", "hash", "proof"}]} for the leaves
    [(deviceId, reportSha256, dataRoot, testSpec, result, validUntil), ...]."""
    values = [[str(x[0]), hx(x[1]), hx(x[2]), hx(x[3]), int(x[4]), str(x[5])] for x in leaves]
    out = subprocess.run(
        ["node", str(MERKLE_SCRIPT)],
        input=json.dumps({"values": values}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)


# -------------------------------------------------------------------------------------------------
# Fixtures
# -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lab2():
    """A second lab account (accounts[7]); accredited by the `certs2` fixture only."""
    return accounts[7]


@pytest.fixture(scope="session")
def device_key():
    """The signing key of `device` (a local key: the registry stores its address)."""
    return Account.from_key(keccak(text="fabtrust certificates: device key 1"))


@pytest.fixture(scope="session")
def device_key2():
    return Account.from_key(keccak(text="fabtrust certificates: device key 2"))


@pytest.fixture(scope="session")
def sig_lab_key():
    """A lab that only signs (issueCertificateBySig); never sends transactions."""
    return Account.from_key(keccak(text="fabtrust certificates: signing lab"))


@pytest.fixture(scope="module")
def register(devices, manufacturer, outsider):
    """register(serial, key_address=None) -> deviceId, read from DeviceRegistered."""

    def _register(serial: str, key_address=None) -> int:
        key = key_address or outsider
        tx = devices.registerDevice(
            serial, b32("model"), key, b32("meta " + serial), manufacturer, {"from": manufacturer}
        )
        return tx.events["DeviceRegistered"]["deviceId"]

    return _register


@pytest.fixture(scope="module")
def device(register, device_key):
    """A registered device whose key is `device_key`."""
    return register("HM-0001", device_key.address)


@pytest.fixture(scope="module")
def device2(register, device_key2):
    return register("HM-0002", device_key2.address)


@pytest.fixture(scope="module")
def certs2(certs, admin, lab2):
    """`certs` with `lab2` accredited as well (labId 2)."""
    certs.accreditLab(lab2, "Second Lab", now() + 365 * 86400, {"from": admin})
    return certs


@pytest.fixture(scope="module")
def issue(certs, lab):
    """issue(device_id, tag, result=PASS, spec="spec-A", validity=30 days, sender=lab) -> (tx, certId, args)."""

    def _issue(
        device_id, tag, result=PASS, spec="spec-A", validity=30 * 86400, sender=None, data=None
    ):
        args = (
            device_id,
            b32("report " + str(tag)),
            b32(data or "data " + str(tag)),
            b32(spec),
            result,
            now() + validity,
        )
        tx = certs.issueCertificate(*args, {"from": sender or lab})
        return tx, hx(tx.return_value), args

    return _issue


# -------------------------------------------------------------------------------------------------
# "Some valid Pass exists" (the registry keeps no latest-Pass index: callers present certificate ids)
# -------------------------------------------------------------------------------------------------


def valid_passes(certs, device_id: int, spec) -> list:
    """Ids of the certificates of `device_id` for `spec` that `isValidPass` accepts now, found
    through CertificateIssued (topic 2 = deviceId) as the SDK does."""
    logs = web3.eth.get_logs(
        {
            "address": certs.address,
            "fromBlock": 0,
            "toBlock": "latest",
            "topics": [
                hx(keccak(text=CERTIFICATE_ISSUED_SIG)),
                None,
                hx(int(device_id).to_bytes(32, "big")),
            ],
        }
    )
    found = []
    for log in logs:
        cid = hx(log["topics"][1])
        data = bytes(log["data"])
        data_root, test_spec = data[32:64], data[64:96]
        if test_spec == as_bytes(spec) and certs.isValidPass(cid, device_id, test_spec, data_root):
            found.append(cid)
    return found


def has_valid_pass(certs, device_id: int, spec) -> bool:
    return bool(valid_passes(certs, device_id, spec))


CERTIFICATE_ISSUED_SIG = (
    "CertificateIssued(bytes32,uint256,bytes32,address,bytes32,bytes32,uint8,uint64,bytes)"
)
