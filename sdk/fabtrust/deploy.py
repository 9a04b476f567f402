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
from pathlib import Path
from typing import Any

from web3 import Web3

from fabtrust._artifacts import Artifact, all_abis, artifact
from fabtrust._constants import LOCAL_CHAIN_IDS
from fabtrust.accounts import Signer
from fabtrust.chain import ChainConnection, TransactionSender
from fabtrust.deployments import CompilerInfo, ContractDeployment, Deployment, abi_digest
from fabtrust.errors import InvalidInputError

__all__ = [
    "LabGrant",
    "RoleConfig",
    "deploy_contracts",
    "load_role_config",
    "matching_deployment",
    "role_id",
]

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
    """Deploy DeviceRegistry, CertificateRegistry, SupplyChainEscrow and TestCheckpoints (and, on
    local chains and when asked, the TestStablecoin), grant roles, and return the
    :class:`Deployment` record (not yet saved: see :func:`fabtrust.deployments.save_deployment`)."""
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
        contract = w3.eth.contract(
            address=Web3.to_checksum_address(addresses[name]), abi=list(artifacts(name).abi)
        )
        data = contract.encode_abi(function, args=list(args))
        sender.send({"to": addresses[name], "data": data}, abis_for_errors=all_abis(),
                    label=f"{name}.{function}")  # fmt: skip

    devices = deploy("DeviceRegistry", deployer.address)
    certs = deploy("CertificateRegistry", deployer.address, devices)
    escrow = deploy("SupplyChainEscrow", deployer.address, devices, certs, arbiter)
    # The escrow locks order devices in place (IDeviceRegistry.lockDevices / transferLocked).
    call("DeviceRegistry", "grantRole", role_id("LOCKER_ROLE"), escrow)
    deploy("TestCheckpoints", certs)  # bench checkpoints (fabtrust.bench)
    if roles.test_stablecoin:
        stablecoin = deploy("TestStablecoin")
        # The escrow takes only allow-listed tokens (the native coin always).
        call("SupplyChainEscrow", "setTokenAllowed", stablecoin, True)

    granted: dict[str, list[str]] = {"ARBITER_ROLE": [arbiter], "LOCKER_ROLE": [escrow]}
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


def _resolve(spec: Any, chain_id: int, where: str) -> str:
    from fabtrust.accounts import Signer

    text = str(spec).strip()
    if text.startswith("dev:"):
        if chain_id not in LOCAL_CHAIN_IDS:
            raise InvalidInputError(
                f"{where}: {text!r}: dev accounts exist only on local chains, not {chain_id}",
                field=where,
            )
        return Signer.dev(int(text[4:])).address
    if not Web3.is_address(text):
        raise InvalidInputError(f"{where}: {text!r} is not an address or dev:N", field=where)
    return str(Web3.to_checksum_address(text))


def load_role_config(path: str | Path, *, chain_id: int, now: int) -> RoleConfig:
    """Read a role configuration (YAML, see deployments/local.yaml and docs/deployment.md).
    Accounts are addresses or ``dev:N`` (local chains only); lab validity is ``valid_days`` from
    ``now``. Errors name the file and the entry."""
    import yaml  # type: ignore[import-untyped,unused-ignore]

    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text()) or {}
    except OSError as exc:
        raise InvalidInputError(f"cannot read deploy config {file}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0]
        raise InvalidInputError(f"deploy config {file} is not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"deploy config {file} must be a mapping")

    def accounts(key: str) -> list[str]:
        value = data.get(key) or []
        if not isinstance(value, list):
            raise InvalidInputError(f"{file}: {key} must be a list", field=key)
        return [_resolve(item, chain_id, key) for item in value]

    labs = []
    for index, lab in enumerate(data.get("labs") or []):
        if not isinstance(lab, dict) or "account" not in lab or "name" not in lab:
            raise InvalidInputError(f"{file}: labs[{index}] needs account and name", field="labs")
        labs.append(
            LabGrant(
                address=_resolve(lab["account"], chain_id, f"labs[{index}]"),
                name=str(lab["name"]),
                valid_until=now + int(lab.get("valid_days", 365)) * 86400,
            )
        )
    admin, arbiter = data.get("admin"), data.get("default_arbiter")
    return RoleConfig(
        admin=_resolve(admin, chain_id, "admin") if admin else None,
        default_arbiter=_resolve(arbiter, chain_id, "default_arbiter") if arbiter else None,
        manufacturers=accounts("manufacturers"),
        arbiters=accounts("arbiters"),
        labs=labs,
        test_stablecoin=bool(data.get("test_stablecoin")) and chain_id in LOCAL_CHAIN_IDS,
    )
