"""Runtime dependencies are exactly what the SDK imports: every third-party module imported under
sdk/fabtrust comes from a declared runtime dependency (or the optional extra it belongs to), and every
declared runtime dependency is imported somewhere."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk" / "fabtrust"


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _project() -> dict:  # type: ignore[type-arg]
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def _imported_modules() -> dict[str, set[str]]:
    """Third-party top-level module -> files of the SDK importing it (absolute imports, any depth)."""
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for path in sorted(SDK.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top == "fabtrust" or top in sys.stdlib_module_names:
                    continue
                assert top in owners, f"{path.relative_to(ROOT)} imports {top}: not installed"
                found.setdefault(top, set()).add(str(path.relative_to(SDK)))
    return found


def test_runtime_dependencies_are_what_the_sdk_imports() -> None:
    project = _project()
    runtime = {_name(r) for r in project["dependencies"]}
    extras = {
        _name(r) for name in ("fast", "bench") for r in project["optional-dependencies"][name]
    }
    owners = packages_distributions()
    used: set[str] = set()
    undeclared = {}
    for module, files in _imported_modules().items():
        # A module may be installed by several distributions (eth_utils: eth-utils and its fork
        # faster-eth-utils); one of them declared is enough.
        candidates = {_name(d) for d in owners[module]} & (runtime | extras)
        if not candidates:
            undeclared[module] = sorted(files)
        used |= candidates
    assert undeclared == {}, "imported by the SDK but not a declared runtime dependency"
    # coincurve (extra "fast") is picked up by eth-keys by itself, never imported.
    unused = runtime - used
    assert unused == set(), "declared runtime dependencies the SDK never imports"


def test_dev_tools_are_not_runtime_dependencies() -> None:
    runtime = {_name(r) for r in _project()["dependencies"]}
    assert not runtime & {"py-solc-x", "eth-brownie", "pytest", "pre-commit", "slither-analyzer"}
