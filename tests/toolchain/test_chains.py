"""The pinned local chains are installed from npm and runnable."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def version_of(tool: str) -> str:
    beside = Path(sys.executable).parent / tool  # linked into the virtualenv by make
    path = str(beside) if beside.exists() else shutil.which(tool)
    assert path is not None, f"{tool} is not on PATH (run make)"
    return subprocess.run(
        [path, "--version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout


def test_anvil_cast_and_forge_from_npm() -> None:
    assert "1.7.1" in version_of("anvil")
    assert "1.7.1" in version_of("cast")
    assert "1.7.1" in version_of("forge")


def test_solc_beside_the_tools_is_the_pinned_front() -> None:
    """forge (foundry.toml) and slither use .venv/bin/solc: the front, not solc-select's shim."""
    assert "Version: 0.8.24+commit.e11b9ed9" in version_of("solc")


def test_ganache_7_9() -> None:
    assert version_of("ganache-cli").startswith("ganache v7.9.")


def test_brownie_networks_registered() -> None:
    config = yaml.safe_load((Path.home() / ".brownie" / "network-config.yaml").read_text())
    by_id = {net["id"]: net for net in config["development"]}
    assert by_id["fabtrust-anvil"]["cmd"] == "anvil"
    assert by_id["fabtrust-anvil"]["cmd_settings"]["base_fee"] == 0
    assert by_id["fabtrust-ganache"]["cmd_settings"]["evm_version"] == "shanghai"
