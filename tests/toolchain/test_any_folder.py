"""A checkout in a folder whose path has dots and spaces sets itself up, deploys and runs the demo.

The repository (this checkout, with its uncommitted changes) is cloned with git from the local path
into ``<tmp>/src.v2/fabtrust.v2 copy/`` and driven only through its own Makefile, as a person would
(``make deploy``, ``make demo``, ``make slither``, and the path-sensitive toolchain tests):
a fresh virtualenv is created there (so its console scripts get shebangs for that path), npm
installs there, scripts/toolchain.py writes its wrappers for that path. Only the pip and npm
download caches are shared, so nothing but the registries' files is reused. HOME is a temporary
folder: the clone registers its own solc front and Brownie networks without touching the user's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fabtrust.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
HOME = Path.home()
FOLDER = Path("src.v2") / "fabtrust.v2 copy"


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def clone_working_tree(target: Path) -> None:
    """git clone of this checkout plus its uncommitted changes and new (not ignored) files."""
    target.parent.mkdir(parents=True)
    git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(target), cwd=target.parent)
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    if diff:
        subprocess.run(["git", "apply", "--binary", "-"], cwd=target, input=diff, check=True)
    for name in git("ls-files", "--others", "--exclude-standard", "-z", cwd=ROOT).split("\0"):
        if name:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)


def isolated_env(home: Path) -> dict[str, str]:
    """The caller's environment without this checkout's virtualenv, with a private HOME."""
    own_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONHOME"}}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != own_bin)
    env["HOME"] = str(home)
    env.setdefault("PIP_CACHE_DIR", str(HOME / ".cache" / "pip"))
    env.setdefault("npm_config_cache", str(HOME / ".npm"))
    env["FABTRUST_TEST_PORT_BASE"] = str(free_port())
    env.pop("SOLCX_BINARY_PATH", None)
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    return env


def make(target: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", target], cwd=cwd, env=env, capture_output=True, text=True, timeout=1500,
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("any folder.d")
    target = base / FOLDER
    clone_working_tree(target)
    home = base / "home"
    home.mkdir()
    return target, isolated_env(home)


def test_make_deploy_in_a_path_with_dots_and_spaces(checkout: tuple[Path, dict[str, str]]) -> None:
    root, env = checkout
    assert "." in root.name and " " in root.name
    result = make("deploy", cwd=root, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Deployed fabtrust on chain 31337" in result.stdout
    assert (root / "deployments" / "31337.json").is_file()
    # The virtualenv and the wrappers are the clone's own, for its path.
    assert (root / ".venv" / "bin" / "python").exists()
    front = Path(env["HOME"]) / ".solcx" / "solc-v0.8.24"
    assert str(root / "scripts" / "solc_front" / "solc.js") in front.read_text()


def test_make_demo_in_a_path_with_dots_and_spaces(checkout: tuple[Path, dict[str, str]]) -> None:
    root, env = checkout
    result = make("demo", cwd=root, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Demo complete" in result.stdout + result.stderr
    assert (root / "demo-output").is_dir()


def test_deploy_script_tests_in_a_path_with_dots_and_spaces(
    checkout: tuple[Path, dict[str, str]],
) -> None:
    """The toolchain tests that `make test` runs and that depend on the checkout's path."""
    root, env = checkout
    assert make("toolchain", cwd=root, env=env).returncode == 0
    env = {**env, "PATH": f"{root / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"}
    result = subprocess.run(
        [str(root / ".venv" / "bin" / "pytest"), "-p", "no:pytest-brownie", "-q",
         "tests/toolchain/test_deploy_script.py", "tests/toolchain/test_solc_front.py"],
        cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_make_slither_in_a_path_with_dots_and_spaces(checkout: tuple[Path, dict[str, str]]) -> None:
    """forge (through crytic-compile) and the solc front in that path: the tooling of make test."""
    root, env = checkout
    result = make("slither", cwd=root, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert ", 0 new" in result.stdout
