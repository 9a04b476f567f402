"""Deploy the fabtrust contracts wired together, grant roles, write deployments/<chainId>.json.

    brownie run scripts/deploy.py --network fabtrust-anvil            # local (embedded Anvil)
    FABTRUST_DEPLOY_CONFIG=deployments/consortium.yaml \\
    FABTRUST_DEPLOYER=mykeystore brownie run scripts/deploy.py --network my-chain

Environment:
  FABTRUST_DEPLOY_CONFIG  role configuration (default deployments/local.yaml on local chains;
                          required on any other chain)
  FABTRUST_DEPLOYER       Brownie account id (`brownie accounts list`) on non-local chains
  FABTRUST_REDEPLOY=1     deploy a new set even if deployments/<chainId>.json matches this chain
  FABTRUST_DEPLOYMENTS    output folder (default deployments/)

Redeploying to a chain that already has a matching deployment (same genesis block, code present at
every recorded address, same ABIs) says so and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from brownie import (
    CertificateRegistry,
    DeviceRegistry,
    SupplyChainEscrow,
    TestStablecoin,
    accounts,
    chain,
    network,
    web3,
)
from brownie.project import get_loaded_projects
from fabtrust.deployments import (
    CompilerInfo,
    ContractDeployment,
    Deployment,
    abi_digest,
    load_deployment,
    save_deployment,
)
from fabtrust.errors import DeploymentNotFoundError

ROOT = Path(__file__).resolve().parent.parent
LOCAL_CHAIN_IDS = {31337, 1337}
ROLE_IDS = {
    "MANUFACTURER_ROLE": web3.keccak(text="MANUFACTURER_ROLE"),
    "LAB_ROLE": web3.keccak(text="LAB_ROLE"),
    "ARBITER_ROLE": web3.keccak(text="ARBITER_ROLE"),
}


class DeployError(Exception):
    """A configuration problem; reported in one line."""


def _resolve_account(spec: str, chain_id: int) -> str:
    spec = str(spec).strip()
    if spec.startswith("dev:"):
        if chain_id not in LOCAL_CHAIN_IDS:
            raise DeployError(f"{spec!r}: dev accounts exist only on local chains, not {chain_id}")
        index = int(spec[4:])
        if not 0 <= index < len(accounts):
            raise DeployError(f"{spec!r}: this chain has {len(accounts)} dev accounts")
        return str(accounts[index].address)
    if not web3.is_address(spec):
        raise DeployError(f"{spec!r} is not an address or dev:N")
    return str(web3.to_checksum_address(spec))


def _load_config(chain_id: int) -> dict[str, Any]:
    path_text = os.environ.get("FABTRUST_DEPLOY_CONFIG")
    if path_text is None:
        if chain_id not in LOCAL_CHAIN_IDS:
            raise DeployError("set FABTRUST_DEPLOY_CONFIG to a role configuration for this chain")
        path_text = str(ROOT / "deployments" / "local.yaml")
    path = Path(path_text)
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise DeployError(f"cannot read deploy config {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise DeployError(f"deploy config {path} is not valid YAML: {exc}") from None
    if not isinstance(config, dict):
        raise DeployError(f"deploy config {path} must be a mapping")
    return config


def _deployer(chain_id: int) -> Any:
    if chain_id in LOCAL_CHAIN_IDS:
        return accounts[0]
    name = os.environ.get("FABTRUST_DEPLOYER")
    if not name:
        raise DeployError("set FABTRUST_DEPLOYER to a Brownie account id (brownie accounts list)")
    return accounts.load(name)


def _compiler_info(container: Any) -> CompilerInfo:
    compiler = container._build["compiler"]
    return CompilerInfo(
        version=compiler["version"],
        evm_version=compiler["evm_version"],
        optimizer_enabled=bool(compiler["optimizer"]["enabled"]),
        optimizer_runs=int(compiler["optimizer"]["runs"]),
    )


def _record(container: Any, contract: Any) -> ContractDeployment:
    tx = contract.tx
    code = bytes(web3.eth.get_code(contract.address))
    return ContractDeployment(
        address=contract.address,
        tx_hash=tx.txid,
        block_number=tx.block_number,
        abi_sha256=abi_digest(container.abi),
        code_sha256="0x" + hashlib.sha256(code).hexdigest(),
        compiler=_compiler_info(container),
    )


def _existing_matches(existing: Deployment, genesis_hash: str) -> bool:
    containers = {
        "DeviceRegistry": DeviceRegistry,
        "CertificateRegistry": CertificateRegistry,
        "SupplyChainEscrow": SupplyChainEscrow,
    }
    if existing.genesis_hash != genesis_hash:
        return False
    for name, container in containers.items():
        if name not in existing.contracts:
            return False
        record = existing.contracts[name]
        code = bytes(web3.eth.get_code(record.address))
        if not code or "0x" + hashlib.sha256(code).hexdigest() != record.code_sha256:
            return False
        if record.abi_sha256 != abi_digest(container.abi):
            return False
    return True


def deploy() -> Deployment:
    chain_id = chain.id
    genesis_hash = web3.eth.get_block(0)["hash"].hex()
    if not genesis_hash.startswith("0x"):
        genesis_hash = "0x" + genesis_hash
    out_dir = Path(os.environ.get("FABTRUST_DEPLOYMENTS", ROOT / "deployments"))
    if os.environ.get("FABTRUST_REDEPLOY") != "1":
        try:
            existing = load_deployment(out_dir, chain_id=chain_id)
        except DeploymentNotFoundError:
            existing = None
        if existing is not None and _existing_matches(existing, genesis_hash):
            print(f"fabtrust is already deployed on chain {chain_id} ({out_dir}/{chain_id}.json):")
            _print_addresses(existing)
            print("Nothing deployed. Set FABTRUST_REDEPLOY=1 to deploy a new set.")
            return existing

    config = _load_config(chain_id)
    deployer = _deployer(chain_id)
    tx = {"from": deployer, "required_confs": 1 if chain_id in LOCAL_CHAIN_IDS else 2}
    admin = _resolve_account(config.get("admin", deployer.address), chain_id)
    arbiter = _resolve_account(config.get("default_arbiter", admin), chain_id)

    # Deployed with the deployer as admin so it can grant roles; admin handed over at the end.
    devices = DeviceRegistry.deploy(deployer, tx)
    certs = CertificateRegistry.deploy(deployer, devices, tx)
    escrow = SupplyChainEscrow.deploy(deployer, devices, certs, arbiter, tx)
    records = {
        "DeviceRegistry": _record(DeviceRegistry, devices),
        "CertificateRegistry": _record(CertificateRegistry, certs),
        "SupplyChainEscrow": _record(SupplyChainEscrow, escrow),
    }
    if config.get("test_stablecoin") and chain_id in LOCAL_CHAIN_IDS:
        token = TestStablecoin.deploy(tx)
        records["TestStablecoin"] = _record(TestStablecoin, token)

    granted: dict[str, list[str]] = {"ARBITER_ROLE": [arbiter]}
    for spec in config.get("manufacturers", []) or []:
        address = _resolve_account(spec, chain_id)
        devices.grantRole(ROLE_IDS["MANUFACTURER_ROLE"], address, tx)
        granted.setdefault("MANUFACTURER_ROLE", []).append(address)
    for spec in config.get("arbiters", []) or []:
        address = _resolve_account(spec, chain_id)
        escrow.grantRole(ROLE_IDS["ARBITER_ROLE"], address, tx)
        granted["ARBITER_ROLE"].append(address)
    for lab in config.get("labs", []) or []:
        address = _resolve_account(lab["account"], chain_id)
        valid_until = chain.time() + int(lab.get("valid_days", 365)) * 86400
        certs.accreditLab(address, str(lab["name"]), valid_until, tx)
        granted.setdefault("LAB_ROLE", []).append(address)
    if admin != deployer.address:
        for contract in (devices, certs, escrow):
            contract.grantRole(b"\x00" * 32, admin, tx)
            contract.renounceRole(b"\x00" * 32, deployer, tx)
    granted["DEFAULT_ADMIN_ROLE"] = [admin]

    deployment = Deployment(
        schema_version=1,
        chain_id=chain_id,
        genesis_hash=genesis_hash,
        deployed_at=datetime.now(timezone.utc),
        deployer=deployer.address,
        contracts=records,
        roles=granted,
    )
    path = save_deployment(deployment, out_dir)
    print(f"Deployed fabtrust on chain {chain_id} ({network.show_active()}), written to {path}:")
    _print_addresses(deployment)
    return deployment


def _print_addresses(deployment: Deployment) -> None:
    for name, record in deployment.contracts.items():
        print(f"  {name:<20} {record.address}  (block {record.block_number})")


def main() -> None:
    if not get_loaded_projects():
        sys.exit("deploy: run inside the fabtrust project (brownie run scripts/deploy.py)")
    try:
        deploy()
    except DeployError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    print(json.dumps({"error": "run with: brownie run scripts/deploy.py --network NAME"}))
    sys.exit(2)
