"""One version source: the package metadata, ``fabtrust.__version__``, ``fabtrust --version`` and the
contracts' ``version()`` all say what sdk/fabtrust/_version.py says."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest

import fabtrust
from fabtrust._version import __version__

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import set_version  # noqa: E402

sys.path.pop(0)


def test_pyproject_reads_the_one_source() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "fabtrust._version.__version__"}


def test_installed_metadata_and_package_agree() -> None:
    # A stale editable install (version bumped, not reinstalled) fails here: `make setup` reinstalls.
    assert installed_version("fabtrust") == __version__ == fabtrust.__version__


def test_cli_version_prints_the_source() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "fabtrust"), "--version"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout == f"fabtrust {__version__}\n"


def test_solidity_copy_agrees() -> None:
    found = set_version.read_versions()
    assert found == {set_version.SOURCE: __version__, set_version.SOLIDITY: __version__}


def test_shipped_abis_declare_version() -> None:
    for name in ("DeviceRegistry", "CertificateRegistry", "SupplyChainEscrow", "TestCheckpoints"):
        abi = json.loads((ROOT / "sdk" / "fabtrust" / "abi" / f"{name}.json").read_text())["abi"]
        (item,) = [i for i in abi if i.get("name") == "version"]
        assert item["stateMutability"] == "pure"
        assert item["outputs"] == [{"internalType": "string", "name": "", "type": "string"}]


def test_set_version_refuses_a_non_version(capsys) -> None:  # type: ignore[no-untyped-def]
    assert set_version.main(["v1"]) == 2
    assert set_version.main([]) == 2
    assert "usage" in capsys.readouterr().err
