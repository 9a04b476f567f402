"""Fixtures for the chain-core tests (helpers live in chain_helpers.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chain_helpers import THROWER_SOURCE, Node, start_anvil, start_ganache


@pytest.fixture(scope="session")
def thrower_artifact(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """ABI and creation bytecode of the Thrower test contract (compiled once with solc 0.8.24)."""
    solcx = pytest.importorskip("solcx")
    solcx.set_solc_version("0.8.24")
    out = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {"Thrower.sol": {"content": THROWER_SOURCE}},
            "settings": {
                "evmVersion": "shanghai",
                "optimizer": {"enabled": True, "runs": 200},
                "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
            },
        }
    )
    contract = out["contracts"]["Thrower.sol"]["Thrower"]
    artifact = {"abi": contract["abi"], "bytecode": "0x" + contract["evm"]["bytecode"]["object"]}
    (tmp_path_factory.mktemp("artifacts") / "Thrower.json").write_text(json.dumps(artifact))
    return artifact


@pytest.fixture
def wait_until() -> Callable[..., None]:
    def wait(predicate: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    return wait


@pytest.fixture(scope="module")
def node_factory() -> Iterator[Callable[..., Node]]:
    """Start nodes for one module; all are stopped at the module's end."""
    nodes: list[Node] = []

    def make(*extra: str, kind: str = "anvil") -> Node:
        node = start_ganache() if kind == "ganache" else start_anvil(*extra)
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.stop()


def pytest_configure(config: pytest.Config) -> None:
    # Each module runs its own node (on a free port) for all its tests: under pytest-xdist a
    # module must stay on one worker. "loadgroup" is "load" plus the groups set below (plain "load" ignores them).
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    if hasattr(config, "workerinput"):  # an xdist worker: tag node ids with their group
        config.option.loadgroup = True


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.xdist_group(f"fabtrust-chain-{item.path.stem}"))
