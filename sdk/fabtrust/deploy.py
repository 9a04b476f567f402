"""Deploying the fabtrust contracts, wired together, with their roles.

One code path for every deployer: ``scripts/deploy.py`` (Brownie: compile, network, keystore)
calls :func:`deploy_contracts` with the fresh Brownie build, and the demo and tests call it with
the artifacts shipped in the package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from web3 import Web3

from fabtrust._artifacts import Artifact, all_abis, artifact
from fabtrust.accounts import Signer
from fabtrust.chain import ChainConnection, TransactionSender
from fabtrust.deployments import CompilerInfo, ContractDeployment, Deployment, abi_digest
from fabtrust.errors import InvalidInputError

__all__ = ["LabGrant", "RoleConfig", "deploy_contracts", "matching_deployment", "role_id"]

ADMIN_ROLE = "0x" + "00" * 32


def role_id(name: str) -> str:
    """bytes32 id of an AccessControl role (``DEFAULT_ADMIN_ROLE`` is zero)."""
    if name == "DEFAULT_ADMIN_ROLE":
        return ADMIN_ROLE
    return "0x" + Web3.keccak(text=name).hex().removeprefix("0x")


@dataclass(frozen=True)
class LabGrant:
    address: str
    name: str
    valid_until: int  # unix seconds


@dataclass(frozen=True)
class RoleConfig:
    """Who gets which role at deployment. ``admin`` defaults to the deployer; when it differs,
    the deployer hands DEFAULT_ADMIN_ROLE over and renounces it."""

    admin: str | None = None
    default_arbiter: str | None = None
    manufacturers: Sequence[str] = ()
    arbiters: Sequence[str] = ()
    labs: Sequence[LabGrant] = ()
    test_stablecoin: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


def deploy_contracts(
    connection: ChainConnection,
    sender: TransactionSender,
    roles: RoleConfig,
    *,
    artifacts: Callable[[str], Artifact] = artifact,
    progress: Callable[[str], None] | None = None,
) -> Deployment:
    """Deploy DeviceRegistry, CertificateRegistry and SupplyChainEscrow (and, on local chains and
    when asked, the TestStablecoin), grant roles, and return the :class:`Deployment` record
    (not yet saved: see :func:`fabtrust.deployments.save_deployment`)."""
    if roles.test_stablecoin and not connection.is_local:
        raise InvalidInputError("the TestStablecoin is deployed on local chains only")
    w3 = connection.w3
    deployer: Signer = sender.signer
    say = progress or (lambda _message: None)
    admin = Web3.to_checksum_address(roles.admin or deployer.address)
    arbiter = Web3.to_checksum_address(roles.default_arbiter or admin)
    records: dict[str, ContractDeployment] = {}
    addresses: dict[str, str] = {}

    def deploy(name: str, *args: Any) -> str:
        art = artifacts(name)
        factory = w3.eth.contract(abi=list(art.abi), bytecode=art.bytecode)
        data = factory.constructor(*args).data_in_transaction
        receipt = sender.send({"data": data}, abis_for_errors=all_abis(), label=f"deploy {name}")
        address = Web3.to_checksum_address(str(receipt.contract_address))
        code = bytes(w3.eth.get_code(address))
        records[name] = ContractDeployment(
            address=address,
            tx_hash=receipt.tx_hash,
            block_number=receipt.block_number,
            abi_sha256=abi_digest(list(art.abi)),
            code_sha256="0x" + hashlib.sha256(code).hexdigest(),
            compiler=CompilerInfo(**art.compiler),
        )
        addresses[name] = address
        say(f"deployed {name} at {address}")
        return address

    def call(name: str, function: str, *args: Any) -> None:
        contract = w3.eth.contract(address=addresses[name], abi=list(artifacts(name).abi))
        data = contract.encode_abi(function, args=list(args))
        sender.send({"to": addresses[name], "data": data}, abis_for_errors=all_abis(),
                    label=f"{name}.{function}")  # fmt: skip

    devices = deploy("DeviceRegistry", deployer.address)
    certs = deploy("CertificateRegistry", deployer.address, devices)
    deploy("SupplyChainEscrow", deployer.address, devices, certs, arbiter)
    if roles.test_stablecoin:
        deploy("TestStablecoin")

    granted: dict[str, list[str]] = {"ARBITER_ROLE": [arbiter]}
    for account in roles.manufacturers:
        address = Web3.to_checksum_address(account)
        call("DeviceRegistry", "grantRole", role_id("MANUFACTURER_ROLE"), address)
        granted.setdefault("MANUFACTURER_ROLE", []).append(address)
    for account in roles.arbiters:
        address = Web3.to_checksum_address(account)
        call("SupplyChainEscrow", "grantRole", role_id("ARBITER_ROLE"), address)
        granted["ARBITER_ROLE"].append(address)
    for lab in roles.labs:
        address = Web3.to_checksum_address(lab.address)
        call("CertificateRegistry", "accreditLab", address, lab.name, lab.valid_until)
        granted.setdefault("LAB_ROLE", []).append(address)
    if admin != deployer.address:
        for name in ("DeviceRegistry", "CertificateRegistry", "SupplyChainEscrow"):
            call(name, "grantRole", ADMIN_ROLE, admin)
            call(name, "renounceRole", ADMIN_ROLE, deployer.address)
    granted["DEFAULT_ADMIN_ROLE"] = [admin]
    say("roles granted")
    return Deployment(
        schema_version=1,
        chain_id=connection.chain_id,
        genesis_hash=connection.genesis_hash,
        deployed_at=datetime.now(timezone.utc),
        deployer=deployer.address,
        contracts=records,
        roles=granted,
    )


def matching_deployment(
    connection: ChainConnection,
    existing: Deployment,
    *,
    artifacts: Callable[[str], Artifact] = artifact,
) -> bool:
    """True when ``existing`` describes what is deployed on this chain: same chain id and genesis
    block, the recorded runtime code at every address, and the same ABIs as ``artifacts``."""
    if existing.chain_id != connection.chain_id or existing.genesis_hash != connection.genesis_hash:
        return False
    for name in ("DeviceRegistry", "CertificateRegistry", "SupplyChainEscrow"):
        record = existing.contracts.get(name)
        if record is None or record.abi_sha256 != abi_digest(list(artifacts(name).abi)):
            return False
        code = bytes(connection.w3.eth.get_code(Web3.to_checksum_address(record.address)))
        if not code or "0x" + hashlib.sha256(code).hexdigest() != record.code_sha256:
            return False
    return True
