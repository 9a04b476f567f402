"""EIP-712 payloads, ids and batch leaves, checked against eth_account and OpenZeppelin's JS."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode as reference_abi_encode
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils.crypto import keccak as reference_keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from fabtrust.errors import InvalidInputError
from fabtrust.evidence import typed_data as td
from fabtrust.evidence.merkle import StandardMerkleTree

from .conftest import OzOracle

# Anvil's first two well-known dev keys (public test keys)
LAB = Account.from_key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
DEVICE = Account.from_key("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a7d8af4a3ab8a6e3e0a")
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DEVICES = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
SPEC = td.test_spec_id("ISO 4409:2019 hydraulic motor bench")


def eth_account_digest(typed: dict[str, Any]) -> str:
    return "0x" + _hash_eip191_message(encode_typed_data(full_message=typed)).hex()


def sign_and_recover(typed: dict[str, Any], account: Any) -> str:
    message = encode_typed_data(full_message=typed)
    signed = account.sign_message(message)
    recovered: str = Account.recover_message(message, signature=signed.signature)
    return recovered


def issue(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "chain_id": 31337,
        "registry": REGISTRY,
        "lab": LAB.address,
        "device_id": td.device_id_of(LAB.address, "HM-0001"),
        "report_sha256": "0x" + "ab" * 32,
        "data_root": "0x" + "cd" * 32,
        "test_spec": SPEC,
        "result": td.CertificateResult.PASS,
        "valid_until": 1_900_000_000,
        "supersedes": td.ZERO_BYTES32,
        "device_signature": b"\x01" * 65,
        "deadline": 1_800_000_000,
    }
    args.update(overrides)
    return td.issue_certificate_typed_data(**args)


def test_type_strings_are_the_contracts() -> None:
    types = {
        "DataAttestation": td.data_attestation_typed_data(
            chain_id=1, registry=REGISTRY, device_id=1, data_root="0x" + "00" * 32
        ),
        "IssueCertificate": issue(),
        "DeviceKeyProof": td.device_key_proof_typed_data(
            chain_id=1,
            registry=DEVICES,
            manufacturer=LAB.address,
            device_id=1,
            device_key=DEVICE.address,
        ),
    }
    expected = {
        "DataAttestation": "DataAttestation(uint256 deviceId,bytes32 dataRoot)",
        "IssueCertificate": "IssueCertificate(address lab,uint256 deviceId,bytes32 reportSha256,"
        "bytes32 dataRoot,bytes32 testSpec,uint8 result,uint64 validUntil,bytes32 supersedes,"
        "bytes32 deviceSignatureHash,uint256 deadline)",
        "DeviceKeyProof": "DeviceKeyProof(address manufacturer,uint256 deviceId,address deviceKey)",
    }
    for name, typed in types.items():
        assert typed["primaryType"] == name
        fields = ",".join(f"{f['type']} {f['name']}" for f in typed["types"][name])
        assert f"{name}({fields})" == expected[name]
        assert [f["name"] for f in typed["types"]["EIP712Domain"]] == [
            "name",
            "version",
            "chainId",
            "verifyingContract",
        ]
    assert types["DataAttestation"]["domain"]["name"] == "fabtrust CertificateRegistry"
    assert types["IssueCertificate"]["domain"]["name"] == "fabtrust CertificateRegistry"
    assert types["DeviceKeyProof"]["domain"] == {
        "name": "fabtrust DeviceRegistry",
        "version": "1",
        "chainId": 1,
        "verifyingContract": DEVICES,
    }


def test_data_attestation_signed_by_device() -> None:
    typed = td.data_attestation_typed_data(
        chain_id=31337, registry=REGISTRY.lower(), device_id=2**256 - 1, data_root=b"\x07" * 32
    )
    assert typed["domain"]["verifyingContract"] == REGISTRY
    assert typed["message"] == {"deviceId": 2**256 - 1, "dataRoot": "0x" + "07" * 32}
    assert td.typed_data_digest(typed) == eth_account_digest(typed)
    assert sign_and_recover(typed, DEVICE) == DEVICE.address
    # the digest is what the contract recomputes: hashStruct by hand
    type_hash = reference_keccak(b"DataAttestation(uint256 deviceId,bytes32 dataRoot)")
    struct = reference_keccak(
        reference_abi_encode(
            ["bytes32", "uint256", "bytes32"], [type_hash, 2**256 - 1, b"\x07" * 32]
        )
    )
    domain_type = reference_keccak(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    separator = reference_keccak(
        reference_abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                domain_type,
                reference_keccak(b"fabtrust CertificateRegistry"),
                reference_keccak(b"1"),
                31337,
                REGISTRY,
            ],
        )
    )
    assert (
        td.typed_data_digest(typed)
        == "0x" + reference_keccak(b"\x19\x01" + separator + struct).hex()
    )


def test_issue_certificate_signed_by_lab() -> None:
    signature = bytes(range(65))
    typed = issue(device_signature=signature)
    assert typed["message"]["deviceSignatureHash"] == "0x" + reference_keccak(signature).hex()
    assert typed["message"]["result"] == 1 and typed["message"]["testSpec"] == SPEC
    assert td.typed_data_digest(typed) == eth_account_digest(typed)
    assert sign_and_recover(typed, LAB) == LAB.address
    assert sign_and_recover(typed, DEVICE) != LAB.address
    no_attestation = issue(device_signature=b"")
    assert no_attestation["message"]["deviceSignatureHash"] == "0x" + reference_keccak(b"").hex()
    assert issue(device_signature="0x" + signature.hex()) == typed


def test_device_key_proof_signed_by_device_key() -> None:
    device_id = td.device_id_of(LAB.address, "SG-7")
    typed = td.device_key_proof_typed_data(
        chain_id=31337,
        registry=DEVICES,
        manufacturer=LAB.address,
        device_id=device_id,
        device_key=DEVICE.address.lower(),
    )
    assert typed["message"] == {
        "manufacturer": LAB.address,
        "deviceId": device_id,
        "deviceKey": DEVICE.address,
    }
    assert td.typed_data_digest(typed) == eth_account_digest(typed)
    assert sign_and_recover(typed, DEVICE) == DEVICE.address


def test_every_field_and_the_domain_change_the_digest() -> None:
    base = td.typed_data_digest(issue())
    variants = [
        issue(chain_id=1),
        issue(registry=DEVICES),
        issue(lab=DEVICE.address),
        issue(device_id=1),
        issue(report_sha256="0x" + "ac" * 32),
        issue(data_root="0x" + "ce" * 32),
        issue(test_spec=td.test_spec_id("another spec")),
        issue(result=td.CertificateResult.FAIL),
        issue(valid_until=1_900_000_001),
        issue(supersedes="0x" + "01" * 32),
        issue(device_signature=b"\x02" * 65),
        issue(deadline=1_800_000_001),
    ]
    digests = {td.typed_data_digest(v) for v in variants}
    assert base not in digests and len(digests) == len(variants)


@settings(max_examples=40, deadline=None)
@given(
    device_id=st.integers(0, 2**256 - 1),
    report=st.binary(min_size=32, max_size=32),
    result=st.sampled_from([1, 2]),
    valid_until=st.integers(0, 2**64 - 1),
    signature=st.binary(max_size=100),
    deadline=st.integers(0, 2**256 - 1),
    chain_id=st.integers(1, 2**64),
)
def test_digest_matches_eth_account(
    device_id: int,
    report: bytes,
    result: int,
    valid_until: int,
    signature: bytes,
    deadline: int,
    chain_id: int,
) -> None:
    typed = issue(
        chain_id=chain_id,
        device_id=device_id,
        report_sha256=report,
        result=result,
        valid_until=valid_until,
        device_signature=signature,
        deadline=deadline,
    )
    assert td.typed_data_digest(typed) == eth_account_digest(typed)


@pytest.mark.parametrize(
    ("overrides", "pattern"),
    [
        ({"result": 0}, "result must be 1"),
        ({"result": 3}, "result must be 1"),
        ({"result": True}, "result must be 1"),
        ({"valid_until": 2**64}, "valid_until: .* does not fit uint64"),
        ({"device_id": -1}, "device_id"),
        ({"deadline": "soon"}, "deadline: .* is not an integer"),
        ({"report_sha256": "0x1234"}, "report_sha256: .* is not a 32-byte hex value"),
        ({"data_root": None}, "data_root: .* is not a 32-byte hex value"),
        ({"registry": "0x1234"}, "verifying_contract: .* is not an address"),
        ({"registry": REGISTRY.replace("F", "f", 1)}, "checksum"),
        ({"device_signature": "0xzz"}, "device_signature"),
        ({"chain_id": -1}, "chain_id"),
    ],
)
def test_invalid_arguments(overrides: dict[str, Any], pattern: str) -> None:
    with pytest.raises(InvalidInputError, match=pattern):
        issue(**overrides)


def test_ids() -> None:
    manufacturer = LAB.address
    expected_device = int.from_bytes(
        reference_keccak(reference_abi_encode(["address", "string"], [manufacturer, "HM-0001"])),
        "big",
    )
    assert td.device_id_of(manufacturer, "HM-0001") == expected_device
    assert td.device_id_of(manufacturer.lower(), "HM-0001") == expected_device
    assert td.device_id_of(manufacturer, "HM-0002") != expected_device
    assert td.device_id_of(DEVICE.address, "HM-0001") != expected_device

    report = "0x" + "ab" * 32
    expected_cert = reference_keccak(
        reference_abi_encode(["address", "uint256", "bytes32"], [LAB.address, 5, b"\xab" * 32])
    )
    assert td.cert_id_of(LAB.address, 5, report) == "0x" + expected_cert.hex()
    assert td.cert_id_of(LAB.address, 5, bytes.fromhex("ab" * 32)) == "0x" + expected_cert.hex()

    # keccak256("abc"), a published test vector
    assert (
        td.test_spec_id("abc")
        == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )
    assert "0x" + reference_keccak(b"ISO 4409:2019 hydraulic motor bench").hex() == SPEC
    with pytest.raises(InvalidInputError):
        td.test_spec_id("")


def test_batch_leaves_build_openzeppelin_trees(oz: OzOracle) -> None:
    assert td.BATCH_LEAF_ENCODING == ("uint256", "bytes32", "bytes32", "bytes32", "uint8", "uint64")
    leaves = [
        td.batch_leaf(
            device_id=td.device_id_of(LAB.address, f"HM-{i:04d}"),
            report_sha256=reference_keccak(f"report {i}".encode()),
            data_root="0x" + f"{i:064x}",
            test_spec=SPEC,
            result=1 + i % 2,
            valid_until=1_900_000_000 + i,
        )
        for i in range(7)
    ]
    tree = StandardMerkleTree.of(leaves, td.BATCH_LEAF_ENCODING)
    js_values = [tree.dump()["values"][i]["value"] for i in range(7)]
    assert all(isinstance(v[0], str) for v in js_values)  # uint256 ids as decimal strings for JS
    js = oz.ok({"op": "of", "values": js_values, "leafEncoding": list(td.BATCH_LEAF_ENCODING)})
    assert js["root"] == tree.root and js["dump"] == tree.dump()
    # the leaf the contract computes: keccak256(bytes.concat(keccak256(abi.encode(leaf fields))))
    first = leaves[0]
    encoded = reference_abi_encode(
        list(td.BATCH_LEAF_ENCODING),
        [
            first[0],
            bytes.fromhex(first[1][2:]),
            bytes.fromhex(first[2][2:]),
            bytes.fromhex(first[3][2:]),
            first[4],
            first[5],
        ],
    )
    assert tree.leaf_hash(first) == "0x" + reference_keccak(reference_keccak(encoded)).hex()
    with pytest.raises(InvalidInputError, match="result"):
        td.batch_leaf(
            device_id=1, report_sha256=SPEC, data_root=SPEC, test_spec=SPEC, result=0, valid_until=1
        )


def test_digest_rejects_malformed_payloads() -> None:
    typed = issue()
    with pytest.raises(InvalidInputError, match="malformed"):
        td.typed_data_digest({"types": typed["types"], "primaryType": "IssueCertificate"})
    broken = issue()
    broken["types"]["IssueCertificate"][0]["type"] = "uint256[]"
    with pytest.raises(InvalidInputError, match="not supported"):
        td.typed_data_digest(broken)
    missing = issue()
    del missing["message"]["deadline"]
    with pytest.raises(InvalidInputError, match="deadline"):
        td.typed_data_digest(missing)


def test_builders_return_fresh_objects() -> None:
    a, b = issue(), issue()
    a["types"]["IssueCertificate"].clear()
    a["domain"]["chainId"] = 5
    assert b["types"]["IssueCertificate"] and b["domain"]["chainId"] == 31337
    assert issue() == b
