"""EIP-712 payloads, ids and leaf encodings of the fabtrust contracts, as plain data.

The builders return the "full message" dict (``types``, ``primaryType``, ``domain``, ``message``)
that ``eth_account.messages.encode_typed_data(full_message=...)`` and wallets'
``eth_signTypedData_v4`` accept; :func:`typed_data_digest` computes the digest to sign without
eth_account. Integers are ``int``, ``bytes32`` values ``"0x"`` + 64 lowercase hex digits,
addresses EIP-55 checksummed. Every builder returns fresh dicts.

Domains (OpenZeppelin ``EIP712``, ``EIP712Domain(string name,string version,uint256 chainId,address
verifyingContract)``):

- CertificateRegistry: name ``"fabtrust CertificateRegistry"``, version ``"1"``;
- DeviceRegistry: name ``"fabtrust DeviceRegistry"``, version ``"1"``.

Light module: nothing heavier than ``eth_abi``/``eth_hash``, imported on first use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from fabtrust import _validate
from fabtrust.errors import InvalidInputError
from fabtrust.evidence._hashing import abi_encode, keccak256

__all__ = [
    "BATCH_LEAF_ENCODING",
    "CERTIFICATE_REGISTRY_NAME",
    "DEVICE_REGISTRY_NAME",
    "EIP712_VERSION",
    "ZERO_BYTES32",
    "CertificateResult",
    "batch_leaf",
    "cert_id_of",
    "data_attestation_typed_data",
    "device_id_of",
    "device_key_proof_typed_data",
    "eip712_domain",
    "issue_certificate_typed_data",
    "test_spec_id",
    "typed_data_digest",
]

CERTIFICATE_REGISTRY_NAME = "fabtrust CertificateRegistry"
DEVICE_REGISTRY_NAME = "fabtrust DeviceRegistry"
EIP712_VERSION = "1"
ZERO_BYTES32 = _validate.ZERO_BYTES32

BATCH_LEAF_ENCODING: tuple[str, ...] = (
    "uint256",
    "bytes32",
    "bytes32",
    "bytes32",
    "uint8",
    "uint64",
)
"""Leaf encoding of certificate batches: (deviceId, reportSha256, dataRoot, testSpec, result,
validUntil), as ``CertificateRegistry.BatchLeaf``; build trees with
``StandardMerkleTree.of([batch_leaf(...), ...], BATCH_LEAF_ENCODING)``."""


class CertificateResult(IntEnum):
    """A certificate's ``uint8 result``."""

    PASS = 1
    FAIL = 2


_DOMAIN_TYPE = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
)
_DATA_ATTESTATION = (("deviceId", "uint256"), ("dataRoot", "bytes32"))
_ISSUE_CERTIFICATE = (
    ("lab", "address"),
    ("deviceId", "uint256"),
    ("reportSha256", "bytes32"),
    ("dataRoot", "bytes32"),
    ("testSpec", "bytes32"),
    ("result", "uint8"),
    ("validUntil", "uint64"),
    ("supersedes", "bytes32"),
    ("deviceSignatureHash", "bytes32"),
    ("deadline", "uint256"),
)
_DEVICE_KEY_PROOF = (("manufacturer", "address"), ("deviceId", "uint256"), ("deviceKey", "address"))


# --------------------------------------------------------------------------------------------------
# argument checks


def _result(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, 2):
        raise InvalidInputError(
            f"result must be 1 (Pass) or 2 (Fail), got {value!r}", field="result"
        )
    return int(value)


def _fields(spec: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"name": name, "type": type_} for name, type_ in spec]


def _full_message(
    primary: str, spec: tuple[tuple[str, str], ...], domain: dict[str, Any], message: dict[str, Any]
) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": _fields(_DOMAIN_TYPE), primary: _fields(spec)},
        "primaryType": primary,
        "domain": domain,
        "message": message,
    }


# --------------------------------------------------------------------------------------------------
# builders


def eip712_domain(
    *, name: str, chain_id: int, verifying_contract: str, version: str = EIP712_VERSION
) -> dict[str, Any]:
    """An EIP-712 domain dict (name, version, chainId, verifyingContract)."""
    return {
        "name": name,
        "version": version,
        "chainId": _validate.uint(chain_id, field="chain_id", bits=256),
        "verifyingContract": _validate.address(
            verifying_contract, field="verifying_contract", allow_zero=True
        ),
    }


def data_attestation_typed_data(
    *, chain_id: int, registry: str, device_id: int, data_root: str | bytes
) -> dict[str, Any]:
    """``DataAttestation(uint256 deviceId,bytes32 dataRoot)``, signed by the device key.

    ``registry`` is the CertificateRegistry address.
    """
    domain = eip712_domain(
        name=CERTIFICATE_REGISTRY_NAME, chain_id=chain_id, verifying_contract=registry
    )
    message = {
        "deviceId": _validate.uint(device_id, field="device_id", bits=256),
        "dataRoot": _validate.bytes32(data_root, field="data_root"),
    }
    return _full_message("DataAttestation", _DATA_ATTESTATION, domain, message)


def issue_certificate_typed_data(
    *,
    chain_id: int,
    registry: str,
    lab: str,
    device_id: int,
    report_sha256: str | bytes,
    data_root: str | bytes,
    test_spec: str | bytes,
    result: int,
    valid_until: int,
    supersedes: str | bytes = ZERO_BYTES32,
    device_signature: bytes | str = b"",
    deadline: int,
) -> dict[str, Any]:
    """``IssueCertificate(...)`` signed by the lab, submitted by anyone (``issueCertificateBySig``).

    ``lab`` is the issuing lab (the account ``issueCertificateBySig`` names): it is part of the
    signed struct, so a signer shared by two labs (e.g. an ERC-1271 wallet's owner) cannot have
    one lab's signature replayed for the other. ``deviceSignatureHash`` is
    ``keccak256(device_signature)`` (of the empty bytes when the certificate carries no device
    attestation); ``result`` is 1 (Pass) or 2 (Fail).
    """
    if isinstance(device_signature, str):
        signature = _validate.hex_bytes(device_signature, field="device_signature")
    elif isinstance(device_signature, (bytes, bytearray)):
        signature = bytes(device_signature)
    else:
        raise InvalidInputError("device_signature must be bytes or hex", field="device_signature")
    domain = eip712_domain(
        name=CERTIFICATE_REGISTRY_NAME, chain_id=chain_id, verifying_contract=registry
    )
    message = {
        "lab": _validate.address(lab, field="lab", allow_zero=True),
        "deviceId": _validate.uint(device_id, field="device_id", bits=256),
        "reportSha256": _validate.bytes32(report_sha256, field="report_sha256"),
        "dataRoot": _validate.bytes32(data_root, field="data_root"),
        "testSpec": _validate.bytes32(test_spec, field="test_spec"),
        "result": _result(result),
        "validUntil": _validate.uint(valid_until, field="valid_until", bits=64),
        "supersedes": _validate.bytes32(supersedes, field="supersedes"),
        "deviceSignatureHash": "0x" + keccak256(signature).hex(),
        "deadline": _validate.uint(deadline, field="deadline", bits=256),
    }
    return _full_message("IssueCertificate", _ISSUE_CERTIFICATE, domain, message)


def device_key_proof_typed_data(
    *, chain_id: int, registry: str, manufacturer: str, device_id: int, device_key: str
) -> dict[str, Any]:
    """``DeviceKeyProof(address manufacturer,uint256 deviceId,address deviceKey)``, signed by the
    device key to prove possession (``registry`` is the DeviceRegistry address)."""
    domain = eip712_domain(
        name=DEVICE_REGISTRY_NAME, chain_id=chain_id, verifying_contract=registry
    )
    message = {
        "manufacturer": _validate.address(manufacturer, field="manufacturer", allow_zero=True),
        "deviceId": _validate.uint(device_id, field="device_id", bits=256),
        "deviceKey": _validate.address(device_key, field="device_key", allow_zero=True),
    }
    return _full_message("DeviceKeyProof", _DEVICE_KEY_PROOF, domain, message)


# --------------------------------------------------------------------------------------------------
# ids and leaves


def device_id_of(manufacturer: str, serial: str) -> int:
    """``uint256(keccak256(abi.encode(manufacturer, serial)))``, as ``deviceIdOf`` computes it."""
    if not isinstance(serial, str):
        raise InvalidInputError("serial must be a string", field="serial")
    encoded = abi_encode(
        ("address", "string"),
        (_validate.address(manufacturer, field="manufacturer", allow_zero=True), serial),
    )
    return int.from_bytes(keccak256(encoded), "big")


def cert_id_of(lab: str, device_id: int, report_sha256: str | bytes) -> str:
    """``keccak256(abi.encode(lab, deviceId, reportSha256))`` as ``0x`` hex."""
    encoded = abi_encode(
        ("address", "uint256", "bytes32"),
        (
            _validate.address(lab, field="lab", allow_zero=True),
            _validate.uint(device_id, field="device_id", bits=256),
            _validate.hex_bytes(report_sha256, field="report_sha256", length=32),
        ),
    )
    return "0x" + keccak256(encoded).hex()


def test_spec_id(text: str) -> str:
    """``keccak256(bytes(text))`` (UTF-8) as ``0x`` hex, e.g. for ``"ISO 4409:2019 hydraulic motor
    bench"``: the ``bytes32 testSpec`` of certificates issued against that specification."""
    if not isinstance(text, str) or not text:
        raise InvalidInputError("a test specification must be non-empty text", field="test_spec")
    return "0x" + keccak256(text.encode("utf-8")).hex()


setattr(test_spec_id, "__test__", False)  # noqa: B010 - not a pytest test despite its name


def batch_leaf(
    *,
    device_id: int,
    report_sha256: str | bytes,
    data_root: str | bytes,
    test_spec: str | bytes,
    result: int,
    valid_until: int,
) -> tuple[int, str, str, str, int, int]:
    """A certificate-batch leaf value in :data:`BATCH_LEAF_ENCODING` order."""
    return (
        _validate.uint(device_id, field="device_id", bits=256),
        _validate.bytes32(report_sha256, field="report_sha256"),
        _validate.bytes32(data_root, field="data_root"),
        _validate.bytes32(test_spec, field="test_spec"),
        _result(result),
        _validate.uint(valid_until, field="valid_until", bits=64),
    )


# --------------------------------------------------------------------------------------------------
# digest

_ATOMIC_RE = re.compile(r"^(?:u?int(?:[0-9]+)?|address|bool|bytes(?:[1-9]|[12][0-9]|3[0-2]))$")


def typed_data_digest(typed_data: Mapping[str, Any]) -> str:
    """The EIP-712 digest ``keccak256(0x1901 || domainSeparator || hashStruct(message))`` to sign.

    Supports struct types whose fields are atomic types, ``bytes``, ``string`` or other structs
    (no arrays), which covers every fabtrust payload.

    Raises:
        InvalidInputError: a malformed payload.
    """
    try:
        types = typed_data["types"]
        domain_hash = _hash_struct(types, "EIP712Domain", typed_data["domain"])
        message_hash = _hash_struct(types, typed_data["primaryType"], typed_data["message"])
    except (KeyError, TypeError) as exc:
        raise InvalidInputError(f"malformed EIP-712 typed data: missing or bad {exc}") from None
    return "0x" + keccak256(b"\x19\x01" + domain_hash + message_hash).hex()


def _encode_type(types: Mapping[str, Any], primary: str) -> str:
    seen: list[str] = []

    def collect(name: str) -> None:
        if name in seen or name not in types:
            return
        seen.append(name)
        for field in types[name]:
            collect(field["type"])

    collect(primary)
    if primary not in seen:
        raise InvalidInputError(f"EIP-712 type {primary!r} is not defined")
    ordered = [primary, *sorted(seen[1:])]
    return "".join(
        f"{name}(" + ",".join(f"{f['type']} {f['name']}" for f in types[name]) + ")"
        for name in ordered
    )


def _hash_struct(types: Mapping[str, Any], primary: str, data: Mapping[str, Any]) -> bytes:
    encoded = [keccak256(_encode_type(types, primary).encode())]
    for field in types[primary]:
        name, type_ = field["name"], field["type"]
        value = data[name]
        if type_ in types:
            encoded.append(_hash_struct(types, type_, value))
        elif type_ == "string":
            encoded.append(keccak256(str(value).encode("utf-8")))
        elif type_ == "bytes":
            encoded.append(keccak256(_validate.hex_bytes(value, field=name)))
        elif _ATOMIC_RE.match(type_):
            if type_.startswith("bytes"):
                value = _validate.hex_bytes(value, field=name, length=int(type_[5:]))
            encoded.append(abi_encode((type_,), (value,)))
        else:
            raise InvalidInputError(f"EIP-712 type {type_!r} of field {name!r} is not supported")
    return keccak256(b"".join(encoded))
