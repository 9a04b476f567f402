"""The Solidity gates of `make lint` are real: solhint (.solhint.json) refuses the faults it names
and passes contracts/; forge fmt --check (the linked binary) fails on unformatted code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLHINT = ROOT / "node_modules" / ".bin" / "solhint"
FORGE = Path(sys.executable).parent / "forge"

BAD = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Roles} from "../common/Roles.sol";

contract Bad {
    uint256 private _value;

    function set(uint256 value) external {
        require(value > 0, "zero");
        _value = value;
    }

    function nothing() external {}
}
"""


def _solhint(*paths: str) -> subprocess.CompletedProcess[str]:
    if not SOLHINT.exists():
        pytest.skip("node_modules is missing: run make")
    return subprocess.run(
        [str(SOLHINT), "--config", str(ROOT / ".solhint.json"), "--max-warnings", "0", "--disc",
         *paths],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_solhint_passes_the_contracts() -> None:
    result = _solhint("contracts/**/*.sol")
    assert result.returncode == 0, result.stdout


def test_solhint_refuses_what_it_names() -> None:
    folder = ROOT / "build" / "solhint-test" / "x"
    folder.mkdir(parents=True, exist_ok=True)
    bad = folder / "Bad.sol"
    bad.write_text(BAD)
    try:
        result = _solhint(str(bad.relative_to(ROOT)))
    finally:
        bad.unlink()
    assert result.returncode != 0
    for rule in ("no-unused-import", "gas-custom-errors", "no-empty-blocks"):
        assert rule in result.stdout, result.stdout


def test_forge_fmt_check_fails_on_unformatted_code(tmp_path: Path) -> None:
    if not FORGE.exists():
        pytest.skip("forge is not linked: run make")
    (tmp_path / "foundry.toml").write_text((ROOT / "foundry.toml").read_text())
    source = tmp_path / "Ugly.sol"
    source.write_text("pragma solidity ^0.8.20;\ncontract Ugly{function f( ) external{}}\n")
    check = [str(FORGE), "fmt", "--check", "Ugly.sol"]
    result = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    subprocess.run([str(FORGE), "fmt", "Ugly.sol"], cwd=tmp_path, check=True, timeout=60)
    result = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
