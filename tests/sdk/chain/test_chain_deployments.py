"""deployments/<chainId>.json: the model, load/save round trip and error messages."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from eth_utils.address import to_checksum_address

from fabtrust.deployments import (
    CompilerInfo,
    ContractDeployment,
    Deployment,
    abi_digest,
    checksum_address,
    load_deployment,
    save_deployment,
)
from fabtrust.errors import DeploymentNotFoundError, InvalidInputError

ADDR = to_checksum_address("0x5fbdb2315678afecb367f032c93f642f64180aa3")
ADDR2 = to_checksum_address("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512")
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
H1 = "0x" + "ab" * 32
H2 = "0x" + "cd" * 32


def flip_case(address: str) -> str:
    """The address with its first letter's case flipped (an invalid checksum)."""
    body = address[2:]
    i = next(i for i, c in enumerate(body) if c.isalpha())
    return "0x" + body[:i] + body[i].swapcase() + body[i + 1 :]


def raw_deployment(**overrides: Any) -> dict[str, Any]:
    compiler = {
        "version": "0.8.24",
        "evm_version": "shanghai",
        "optimizer_enabled": True,
        "optimizer_runs": 200,
    }
    data: dict[str, Any] = {
        "schema_version": 1,
        "chain_id": 31337,
        "genesis_hash": H1,
        "deployed_at": "2024-05-01T12:00:00Z",
        "deployer": DEPLOYER,
        "contracts": {
            "DeviceRegistry": {
                "address": ADDR.lower(),
                "tx_hash": H2.upper().replace("0X", "0x"),
                "block_number": 3,
                "abi_sha256": H1,
                "compiler": compiler,
            },
            "CertificateRegistry": {
                "address": ADDR2,
                "tx_hash": H1,
                "block_number": 2,
                "abi_sha256": H2,
                "compiler": compiler,
            },
        },
        "roles": {"MANUFACTURER_ROLE": [DEPLOYER.lower()]},
    }
    data.update(overrides)
    return data


def test_model_normalises() -> None:
    dep = Deployment.model_validate(raw_deployment())
    device = dep.contract("DeviceRegistry")
    assert device.address == ADDR  # checksummed
    assert device.tx_hash == H2  # lowercase
    assert dep.roles == {"MANUFACTURER_ROLE": [DEPLOYER]}
    assert dep.deployment_block == 2
    assert dep.is_local
    assert dep.deployed_at == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    with pytest.raises(DeploymentNotFoundError, match="SupplyChainEscrow") as info:
        dep.contract("SupplyChainEscrow")
    assert info.value.contract == "SupplyChainEscrow" and info.value.chain_id == 31337
    with pytest.raises(dataclasses.FrozenInstanceError):
        dep.chain_id = 2  # type: ignore[misc]


def test_save_load_round_trip(tmp_path: Path) -> None:
    dep = Deployment(
        schema_version=1,
        chain_id=1337,
        genesis_hash=H1,
        deployed_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        deployer=DEPLOYER,
        contracts={
            "TestStablecoin": ContractDeployment(
                address=ADDR,
                tx_hash=H2,
                block_number=7,
                abi_sha256=abi_digest([]),
                compiler=CompilerInfo(
                    version="0.8.24",
                    evm_version="shanghai",
                    optimizer_enabled=False,
                    optimizer_runs=0,
                ),
            )
        },
    )
    path = save_deployment(dep, tmp_path / "deployments")
    assert path == tmp_path / "deployments" / "1337.json"
    text = path.read_text()
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"
    assert [p.name for p in path.parent.iterdir()] == ["1337.json"]  # no temp files left
    assert load_deployment(path) == dep
    assert load_deployment(tmp_path / "deployments", chain_id=1337) == dep
    # overwriting keeps one file
    save_deployment(dep, tmp_path / "deployments")
    assert [p.name for p in path.parent.iterdir()] == ["1337.json"]


def write(tmp_path: Path, data: Any, name: str = "31337.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["contracts"]["DeviceRegistry"].update(address="0x1234"), "contracts.DeviceRegistry.address"),
        # wrong EIP-55 checksum: one letter's case flipped
        (lambda d: d["contracts"]["CertificateRegistry"].update(address=flip_case(ADDR2)), "contracts.CertificateRegistry.address"),
        (lambda d: d["contracts"]["DeviceRegistry"].update(tx_hash="0x1234"), "contracts.DeviceRegistry.tx_hash"),
        (lambda d: d["contracts"]["DeviceRegistry"].update(block_number=-1), "contracts.DeviceRegistry.block_number"),
        (lambda d: d["contracts"]["DeviceRegistry"]["compiler"].pop("version"), "contracts.DeviceRegistry.compiler.version"),
        (lambda d: d.update(schema_version=2), "schema_version"),
        (lambda d: d.update(genesis_hash="abc"), "genesis_hash"),
        (lambda d: d.pop("deployer"), "deployer"),
        (lambda d: d.update(unexpected=1), "unexpected"),
        (lambda d: d.update(contracts={}), "contracts"),
        (lambda d: d["roles"].update(ADMIN=["nope"]), "roles.ADMIN.0"),
    ],
)  # fmt: skip
def test_invalid_files_name_the_field(tmp_path: Path, mutate: Any, field: str) -> None:
    data = raw_deployment()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(InvalidInputError) as info:
        load_deployment(path)
    assert info.value.field == field
    assert field in str(info.value)
    assert str(path) in str(info.value)


def test_rules_across_fields(tmp_path: Path) -> None:
    data = raw_deployment(chain_id=1)
    data["contracts"]["TestStablecoin"] = data["contracts"]["DeviceRegistry"]
    with pytest.raises(InvalidInputError, match="TestStablecoin may only be deployed on local"):
        load_deployment(write(tmp_path, data, "1.json"))
    with pytest.raises(InvalidInputError, match="timezone"):
        load_deployment(write(tmp_path, raw_deployment(deployed_at="2024-05-01T12:00:00")))


def test_invalid_json_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "schema_version": 1,\n  oops\n}')
    with pytest.raises(InvalidInputError, match="line 3") as info:
        load_deployment(path)
    assert info.value.field == "file"


def test_missing_and_mismatched(tmp_path: Path) -> None:
    with pytest.raises(DeploymentNotFoundError, match="chain id 5") as info:
        load_deployment(tmp_path, chain_id=5)
    assert info.value.path == str(tmp_path / "5.json")
    with pytest.raises(DeploymentNotFoundError):
        load_deployment(tmp_path / "nope.json")
    with pytest.raises(InvalidInputError, match="chain id is needed"):
        load_deployment(tmp_path)
    path = write(tmp_path, raw_deployment())
    with pytest.raises(DeploymentNotFoundError, match="for chain id 31337, not 1"):
        load_deployment(path, chain_id=1)


def test_abi_digest_is_canonical() -> None:
    abi = [
        {"type": "function", "name": "f", "inputs": [], "outputs": [], "stateMutability": "view"}
    ]
    reordered = [dict(reversed(list(abi[0].items())))]
    assert abi_digest(abi) == abi_digest(reordered)
    canonical = '[{"inputs":[],"name":"f","outputs":[],"stateMutability":"view","type":"function"}]'
    assert abi_digest(abi) == "0x" + hashlib.sha256(canonical.encode()).hexdigest()
    assert abi_digest(abi) != abi_digest([])


def test_checksum_address() -> None:
    assert checksum_address(ADDR.lower()) == ADDR
    assert checksum_address(ADDR.upper().replace("0X", "0x")) == ADDR
    assert checksum_address(ADDR) == ADDR
    with pytest.raises(ValueError, match="checksum"):
        checksum_address(flip_case(ADDR))
    with pytest.raises(ValueError):
        checksum_address("0x123")


def test_deployments_module_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, fabtrust.deployments; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in out.stdout.split()}
    assert not loaded & {"web3", "eth_account", "eth_abi", "eth_utils", "requests"}
