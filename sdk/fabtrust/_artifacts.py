"""The contract artifacts shipped inside the package (``fabtrust/abi/*.json``).

Generated from the Brownie build by ``scripts/gen_abi.py`` (``make abi``); a test fails when they
drift from ``contracts/``. Light module: JSON and the standard library only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fabtrust.errors import DeploymentNotFoundError

__all__ = ["CONTRACT_NAMES", "Artifact", "all_abis", "artifact"]

CONTRACT_NAMES: tuple[str, ...] = (
    "DeviceRegistry",
    "CertificateRegistry",
    "SupplyChainEscrow",
    "TestStablecoin",
    "TestCheckpoints",
)


@dataclass(frozen=True)
class Artifact:
    """ABI, creation and runtime bytecode, and compiler settings of one contract."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: str
    deployed_bytecode: str
    compiler: dict[str, Any]


@cache
def artifact(name: str) -> Artifact:
    """The shipped artifact of contract ``name``."""
    if name not in CONTRACT_NAMES:
        raise DeploymentNotFoundError(f"no artifact for contract {name!r}", contract=name)
    text = resources.files("fabtrust").joinpath("abi", f"{name}.json").read_text()
    data = json.loads(text)
    return Artifact(
        name=name,
        abi=tuple(data["abi"]),
        bytecode=data["bytecode"],
        deployed_bytecode=data["deployedBytecode"],
        compiler=dict(data["compiler"]),
    )


@cache
def all_abis() -> tuple[tuple[dict[str, Any], ...], ...]:
    """Every shipped ABI (for decoding custom errors raised anywhere in a call chain)."""
    return tuple(artifact(name).abi for name in CONTRACT_NAMES)
