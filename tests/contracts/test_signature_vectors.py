"""The shared signature vectors (tests/vectors/signatures.json) through OpenZeppelin 5.0.2 on a
chain and through the SDK's verifier (fabtrust.signatures): both give the vector's answer.

TestSignatures exposes ECDSA.tryRecover and SignatureChecker.isValidSignatureNow (what the
registries apply); TestERC1271Wallet is an ERC-1271 signer owned by the vector key.
"""

import json
from pathlib import Path

import pytest
from brownie import TestERC1271Wallet, TestSignatures, web3

from fabtrust.signatures import is_valid_signature, recover

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "signatures.json").read_text())
DIGEST = bytes.fromhex(VECTORS["digest"][2:])


@pytest.fixture(scope="module")
def checker(admin):
    return TestSignatures.deploy({"from": admin})


@pytest.fixture(scope="module")
def signers(admin):
    owner = VECTORS["key_address"]
    return {
        "key": owner,
        "wallet-accepting": TestERC1271Wallet.deploy(owner, True, {"from": admin}).address,
        "wallet-refusing": TestERC1271Wallet.deploy(owner, False, {"from": admin}).address,
    }


def _sdk_valid(signer, signature):
    def call(to, data):
        try:
            return bytes(web3.eth.call({"to": to, "data": "0x" + data.hex()}))
        except Exception:
            return None

    return is_valid_signature(
        signer=signer,
        digest=DIGEST,
        signature=signature,
        code_at=lambda address: bytes(web3.eth.get_code(address)),
        call=call,
    )


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_contract_and_sdk_agree(checker, signers, case):
    signer = signers[case["signer"]]
    signature = bytes.fromhex(case["signature"][2:])
    onchain = checker.isValidSignatureNow(signer, DIGEST, signature)
    assert onchain is case["valid"], case["name"]
    assert _sdk_valid(signer, signature) is case["valid"], case["name"]
    if case["signer"] == "key":
        # ECDSA itself: the SDK recovers exactly when OpenZeppelin reports no error.
        recovered, error = checker.tryRecover(DIGEST, signature)
        sdk = recover(DIGEST, signature)
        assert (error == 0) == (sdk is not None), case["name"]
        if sdk is not None:
            assert sdk == recovered
