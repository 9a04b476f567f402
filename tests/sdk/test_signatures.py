"""fabtrust.signatures: the SDK's one signature verifier, under OpenZeppelin 5.0.2's rules.

tests/vectors/signatures.json is shared with tests/contracts/test_signature_vectors.py, which runs
the same cases through OpenZeppelin's ECDSA and SignatureChecker on a chain: both must agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fabtrust.accounts import Signer
from fabtrust.certificates._verify import signature_valid
from fabtrust.evidence.typed_data import data_attestation_typed_data
from fabtrust.signatures import (
    SECP256K1_N,
    erc1271_calldata,
    is_valid_signature,
    recover,
    recover_typed_data,
    signature_problem,
)

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "signatures.json").read_text())
DIGEST = bytes.fromhex(VECTORS["digest"][2:])
WALLETS = {"wallet-accepting": "0x" + "aa" * 20, "wallet-refusing": "0x" + "bb" * 20}


def _wallet_call(to: str, data: bytes) -> bytes | None:
    """A stand-in for TestERC1271Wallet's isValidSignature (the contract test runs the real one)."""
    assert data[:4] == bytes.fromhex("1626ba7e")
    from eth_abi.abi import decode

    digest, signature = decode(["bytes32", "bytes"], data[4:])
    accepting = to == WALLETS["wallet-accepting"]
    ok = accepting and recover(digest, signature) == VECTORS["key_address"]
    return (bytes.fromhex("1626ba7e") if ok else b"\xff" * 4) + bytes(28)


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_vector(case: dict[str, Any]) -> None:
    signer = WALLETS.get(case["signer"], VECTORS["key_address"])
    valid = is_valid_signature(
        signer=signer,
        digest=DIGEST,
        signature=bytes.fromhex(case["signature"][2:]),
        code_at=lambda address: b"\x60" if address in WALLETS.values() else b"",
        call=_wallet_call,
    )
    assert valid is case["valid"]


def test_problems_are_named() -> None:
    good = bytes.fromhex(VECTORS["cases"][0]["signature"][2:])
    assert signature_problem(good) is None
    assert recover(DIGEST, good) == VECTORS["key_address"]
    assert signature_problem(good[:64]) == "64 bytes, not 65 (r, s, v)"
    high = good[:32] + (SECP256K1_N - int.from_bytes(good[32:64], "big")).to_bytes(32, "big")
    assert "upper half" in str(signature_problem(high + bytes([55 - good[64]])))
    assert signature_problem(good[:64] + b"\x01") == "v is 1, not 27 or 28"
    assert recover(DIGEST[:31], good) is None


def test_erc1271_calldata() -> None:
    data = erc1271_calldata(DIGEST, b"\x01\x02")
    assert data[:4].hex() == "1626ba7e" and data[4:36] == DIGEST


def _typed() -> dict[str, Any]:
    return data_attestation_typed_data(
        chain_id=31337, registry="0x" + "11" * 20, device_id=7, data_root="0x" + "22" * 32
    )


def test_typed_data_round_trip() -> None:
    key = Signer.generate()
    signature = key.sign_typed_data(_typed())
    assert recover_typed_data(_typed(), signature) == key.address


class _Reader:
    """What certificates._verify asks of the chain: no code at the device key (an EOA)."""

    def code_at(self, address: str, *, block: Any = "latest") -> bytes:
        return b""

    def raw_call(self, params: dict[str, Any], *, block: Any = "latest") -> bytes:
        raise AssertionError("no ERC-1271 call for an account without code")


def test_cert_verify_refuses_a_malleated_high_s_device_signature() -> None:
    """Regression: `cert verify` accepted the high-s twin of a device signature, which the
    CertificateRegistry's OpenZeppelin ECDSA rejects (ECDSAInvalidSignatureS)."""
    key = Signer.generate()
    typed = _typed()
    signature = key.sign_typed_data(typed)
    s = int.from_bytes(signature[32:64], "big")
    twin = signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    reader: Any = _Reader()
    assert signature_valid(reader, key.address, typed, signature, block=1) is True
    assert signature_valid(reader, key.address, typed, twin, block=1) is False
