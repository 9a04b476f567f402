"""The package's wiring: light import, the client inside fabtrust.connect, models, and a device
key that is a contract (ERC-1271)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from certs_helpers import SPEC, YEAR, World, rand32

from fabtrust.accounts import Signer
from fabtrust.certificates import CertificatesClient
from fabtrust.certificates.errors import InvalidDeviceSignatureError


def test_import_is_light() -> None:
    code = (
        "import sys, fabtrust.certificates, fabtrust.certificates.errors;"
        "heavy = [m for m in ('web3', 'eth_account', 'requests') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_public_api_is_exported() -> None:
    import fabtrust.certificates as pkg

    for name in pkg.__all__:
        assert getattr(pkg, name) is not None


def test_connect_wires_the_certificates_client(fresh_chain: Any, report: Path) -> None:
    client = fresh_chain.client(2)
    assert isinstance(client.certificates, CertificatesClient)
    assert client.certificates.devices is client.devices
    assert client.certificates.registry == client.deployment.contract("CertificateRegistry").address
    accreditation = client.certificates.accreditation(lab=Signer.dev(2).address)
    assert accreditation.accredited and accreditation.name == "Hydraulics Test Centre"
    assert "CertificatesClient(registry=0x" in repr(client.certificates)


KEY_WALLET = """
// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// A device key that is a contract: signatures of its owner count (ERC-1271).
contract KeyWallet {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata sig) external view returns (bytes4) {
        if (sig.length != 65) return 0xffffffff;
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        return ecrecover(hash, v, r, s) == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
"""


def _deploy_key_wallet(world: World, owner: str) -> str:
    solcx = pytest.importorskip("solcx")
    solcx.set_solc_version("0.8.24")
    out = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {"KeyWallet.sol": {"content": KEY_WALLET}},
            "settings": {
                "evmVersion": "shanghai",
                "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
            },
        }
    )
    contract = out["contracts"]["KeyWallet.sol"]["KeyWallet"]
    w3 = world.connection.w3
    factory = w3.eth.contract(abi=contract["abi"], bytecode=contract["evm"]["bytecode"]["object"])
    tx = world.binding(0).send({"data": factory.constructor(owner).data_in_transaction})
    receipt = w3.eth.get_transaction_receipt(tx.tx_hash)  # type: ignore[arg-type]
    return str(receipt["contractAddress"])


def test_contract_device_key_erc1271(world: World, lab: CertificatesClient, report: Path) -> None:
    owner = Signer.generate()
    wallet = _deploy_key_wallet(world, owner.address)
    device_id, _ = world.register_device("HM-1271", key=_AddressOnly(wallet))  # type: ignore[arg-type]
    data_root = rand32()
    signature = lab.sign_data_attestation(device=owner, device_id=device_id, data_root=data_root)
    issued = lab.issue(
        device_id=device_id,
        report=report,
        data_root=data_root,
        test_spec=SPEC,
        passed=True,
        valid_until=world.now() + YEAR,
        device_signature=signature,
    )
    assert lab.get(cert_id=issued.cert_id).device_attested
    bundle = lab.make_bundle(cert_id=issued.cert_id, report=report)
    assert bundle.device_signature == signature
    verdict = world.readonly().verify_bundle(bundle=bundle, report=report)
    assert verdict.verified, verdict.failures
    assert wallet in verdict.check("device_signature").detail

    stranger = lab.sign_data_attestation(
        device=Signer.generate(), device_id=device_id, data_root=data_root
    )
    with pytest.raises(InvalidDeviceSignatureError):
        lab.issue(
            device_id=device_id,
            report=rand32(),
            data_root=data_root,
            test_spec=SPEC,
            passed=True,
            valid_until=world.now() + YEAR,
            device_signature=stranger,
        )
    forged = bundle.model_copy(update={"device_signature": stranger})
    verdict = world.readonly().verify_bundle(bundle=forged, report=report)
    assert {c.name for c in verdict.failures} == {"device_signature"}


class _AddressOnly:
    """Stands in for a Signer where only the address is used (a contract key has no private key)."""

    def __init__(self, address: str) -> None:
        self.address = address
