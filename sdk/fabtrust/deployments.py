"""Where the contracts live: the ``deployments/<chainId>.json`` file and its model.

The deploy script builds a :class:`Deployment` and writes it with :func:`save_deployment`; the SDK
reads it back with :func:`load_deployment`. Addresses are validated and EIP-55 checksummed, hashes
are ``0x`` + 64 lowercase hex digits. The file is written sorted with an indent of 2, atomically
(a reader never sees half a file).

This module is light (:class:`~fabtrust._record.Record` models, no pydantic: the buyer's verify
reads it; keccak is imported lazily for checksums).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fabtrust import _validate
from fabtrust._constants import LOCAL_CHAIN_IDS
from fabtrust._record import After, Bounds, Record, RecordError
from fabtrust.errors import DeploymentNotFoundError, InvalidInputError

__all__ = [
    "CORE_CONTRACTS",
    "CompilerInfo",
    "ContractDeployment",
    "Deployment",
    "abi_digest",
    "checksum_address",
    "deployment_path",
    "load_deployment",
    "save_deployment",
]

CORE_CONTRACTS: tuple[str, ...] = ("DeviceRegistry", "CertificateRegistry", "SupplyChainEscrow")
"""The contracts every full deployment has; ``TestStablecoin`` is added on local chains only."""


def checksum_address(value: str) -> str:
    """EIP-55 checksum of a 0x-prefixed 20-byte hex address (:func:`fabtrust._validate.address`).

    All-lowercase or all-uppercase input is accepted; mixed case must already be a valid checksum
    (a wrong one usually means a typo). Raises InvalidInputError (a ValueError) otherwise.
    """
    return _validate.address(value, field="address", allow_zero=True)


def _bytes32_hex(value: str) -> str:
    return _validate.bytes32(value, field="bytes32")


ChecksumAddress = Annotated[str, After(checksum_address)]
Bytes32Hex = Annotated[str, After(_bytes32_hex)]


class CompilerInfo(Record):
    """The compiler settings a contract was built with (for verification on explorers)."""

    version: Annotated[str, Bounds(min_length=1)]
    evm_version: Annotated[str, Bounds(min_length=1)]
    optimizer_enabled: bool
    optimizer_runs: Annotated[int, Bounds(ge=0)]


class ContractDeployment(Record):
    """One deployed contract: where, by which transaction, in which block, with which ABI."""

    address: ChecksumAddress
    tx_hash: Bytes32Hex
    block_number: Annotated[int, Bounds(ge=0)]
    abi_sha256: Bytes32Hex
    code_sha256: Bytes32Hex | None = None
    """SHA-256 of the runtime code read back after deployment (checked by the SDK on connect)."""
    compiler: CompilerInfo


class Deployment(Record):
    """Everything deployed on one chain (the content of ``deployments/<chainId>.json``)."""

    schema_version: Literal[1]
    chain_id: Annotated[int, Bounds(gt=0)]
    genesis_hash: Bytes32Hex
    deployed_at: datetime
    deployer: ChecksumAddress
    contracts: Annotated[dict[str, ContractDeployment], Bounds(min_length=1)]
    roles: dict[str, list[ChecksumAddress]] = dataclasses.field(default_factory=dict)

    def _check_record(self) -> None:
        if self.deployed_at.tzinfo is None:
            raise ValueError("deployed_at must carry a timezone (e.g. 2024-05-01T12:00:00Z)")
        if "TestStablecoin" in self.contracts and self.chain_id not in LOCAL_CHAIN_IDS:
            raise ValueError(
                f"TestStablecoin may only be deployed on local chains, not chain id {self.chain_id}"
            )

    def contract(self, name: str) -> ContractDeployment:
        """The deployment of contract ``name``; DeploymentNotFoundError when it is not there."""
        try:
            return self.contracts[name]
        except KeyError:
            known = ", ".join(sorted(self.contracts)) or "none"
            raise DeploymentNotFoundError(
                f"contract {name} is not deployed on chain id {self.chain_id} (deployed: {known})",
                chain_id=self.chain_id,
                contract=name,
            ) from None

    @property
    def deployment_block(self) -> int:
        """The first block holding one of the contracts (where event scans start)."""
        return min(c.block_number for c in self.contracts.values())

    @property
    def is_local(self) -> bool:
        """True on a local development chain (31337, 1337)."""
        return self.chain_id in LOCAL_CHAIN_IDS


def abi_digest(abi: Sequence[Mapping[str, Any]]) -> str:
    """``0x`` + sha256 of the ABI as canonical JSON (sorted keys, no spaces, ASCII escapes)."""
    canonical = json.dumps(abi, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "0x" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def deployment_path(directory: str | os.PathLike[str], chain_id: int) -> Path:
    """``<directory>/<chain_id>.json``."""
    return Path(directory) / f"{int(chain_id)}.json"


def load_deployment(path_or_dir: str | os.PathLike[str], chain_id: int | None = None) -> Deployment:
    """Read a deployment file, or ``<dir>/<chain_id>.json`` when given a directory.

    Missing file → DeploymentNotFoundError; invalid JSON or content → InvalidInputError naming the
    file and the field; a file for another chain than ``chain_id`` → DeploymentNotFoundError.
    """
    path = Path(path_or_dir)
    if path.is_dir():
        if chain_id is None:
            raise InvalidInputError(
                f"{path} is a directory: a chain id is needed to pick the deployment file",
                field="chain_id",
            )
        path = deployment_path(path, chain_id)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        where = f" for chain id {chain_id}" if chain_id is not None else ""
        raise DeploymentNotFoundError(
            f"no deployment{where}: {path} does not exist (deploy the contracts first)",
            chain_id=chain_id,
            path=str(path),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            f"cannot read deployment file {path}: {exc}", field="file"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            field="file",
        ) from None
    try:
        deployment = Deployment.model_validate(data)
    except RecordError as exc:
        raise InvalidInputError(
            f"{path}: invalid deployment file: {exc}", field=exc.field or "(top level)"
        ) from None
    if chain_id is not None and deployment.chain_id != chain_id:
        raise DeploymentNotFoundError(
            f"{path} is the deployment for chain id {deployment.chain_id}, not {chain_id}",
            chain_id=chain_id,
            path=str(path),
        )
    return deployment


def save_deployment(deployment: Deployment, directory: str | os.PathLike[str]) -> Path:
    """Write ``<directory>/<chainId>.json`` atomically (sorted keys, indent 2); returns the path."""
    target_dir = Path(directory)
    target_dir.mkdir(parents=True, exist_ok=True)
    path = deployment_path(target_dir, deployment.chain_id)
    text = json.dumps(deployment.model_dump(mode="json"), sort_keys=True, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=target_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
