"""The offline solc front behaves like the native CLI for what py-solc-x and Brownie use."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import solcx
import yaml

ROOT = Path(__file__).resolve().parents[2]
FRONT = ROOT / "scripts" / "solc_front" / "solc.js"
PINNED = json.loads((ROOT / "package.json").read_text())["dependencies"]["solc"]
OZ_IMPORT = 'import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";'


def run_front(*args: str, stdin: str = "", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(FRONT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def standard_input(sources: dict[str, str], remappings: list[str] | None = None) -> str:
    return json.dumps(
        {
            "language": "Solidity",
            "sources": {name: {"content": text} for name, text in sources.items()},
            "settings": {
                "evmVersion": "shanghai",
                "optimizer": {"enabled": True, "runs": 200},
                "remappings": remappings or [],
                "outputSelection": {"*": {"*": ["evm.bytecode.object"]}},
            },
        }
    )


def contract_importing(path: str) -> str:
    return f'pragma solidity {PINNED};\nimport "{path}";\ncontract A {{}}\n'


def test_version_in_native_format_parsed_by_solcx() -> None:
    result = run_front("--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "solc, the solidity compiler commandline interface"
    assert re.fullmatch(rf"Version: {re.escape(PINNED)}\+commit\.[0-9a-f]{{8}}\.\S+", lines[1])
    assert re.search(solcx.wrapper.VERSION_REGEX, result.stdout)


def test_standard_json_resolves_openzeppelin_through_remapping() -> None:
    source = (
        f"pragma solidity {PINNED};\n{OZ_IMPORT}\n"
        "contract A is Ownable { constructor() Ownable(msg.sender) {} }\n"
    )
    result = run_front(
        "--standard-json",
        stdin=standard_input({"A.sol": source}, ["@openzeppelin=node_modules/@openzeppelin"]),
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)  # nothing but JSON on stdout
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert output["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"]
    assert "node_modules/@openzeppelin/contracts/access/Ownable.sol" in output["sources"]


def test_base_path_and_include_path_are_searched_in_order(tmp_path: Path) -> None:
    base, include = tmp_path / "base", tmp_path / "lib"
    (base / "dep").mkdir(parents=True)
    (include / "dep").mkdir(parents=True)
    lib = f"pragma solidity {PINNED};\nlibrary FromInclude {{}}\n"
    (include / "dep" / "Lib.sol").write_text(lib)
    stdin = standard_input({"A.sol": contract_importing("dep/Lib.sol")})

    missing = run_front("--standard-json", "--base-path", str(base), stdin=stdin, cwd=tmp_path)
    errors = json.loads(missing.stdout)["errors"]
    assert any("File not found" in e["message"] for e in errors)

    found = run_front(
        "--standard-json", "--base-path", str(base), "--include-path", str(include),
        stdin=stdin, cwd=tmp_path,
    )  # fmt: skip
    assert "dep/Lib.sol" in json.loads(found.stdout)["sources"]

    # The base path wins over include paths, as with the native compiler.
    (base / "dep" / "Lib.sol").write_text(f"pragma solidity {PINNED};\nlibrary FromBase {{}}\n")
    both = run_front(
        "--standard-json", "--base-path", str(base), "--include-path", str(include),
        stdin=standard_input({"A.sol": contract_importing("dep/Lib.sol")})
        .replace('"evm.bytecode.object"', '"abi"'),
        cwd=tmp_path,
    )  # fmt: skip
    assert "FromBase" in both.stdout and "FromInclude" not in both.stdout


def test_absolute_import_outside_allowed_paths_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "X.sol").write_text(f"pragma solidity {PINNED};\nlibrary X {{}}\n")
    (tmp_path / "proj").mkdir()
    stdin = standard_input({"A.sol": contract_importing(str(outside / "X.sol"))})

    refused = run_front("--standard-json", stdin=stdin, cwd=tmp_path / "proj")
    assert any(
        "outside of allowed directories" in e["message"]
        for e in json.loads(refused.stdout)["errors"]
    )
    allowed = run_front(
        "--standard-json", "--allow-paths", str(outside), stdin=stdin, cwd=tmp_path / "proj"
    )
    assert str(outside / "X.sol") in json.loads(allowed.stdout)["sources"]


def test_unsupported_option_is_one_clear_error() -> None:
    result = run_front("--bin", "A.sol")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "solc: option --bin is not supported by the WebAssembly front (use --standard-json)"
    )


def test_registered_for_py_solc_x_and_identical_to_brownie_build() -> None:
    installed = [str(v) for v in solcx.get_installed_solc_versions()]
    assert PINNED in installed
    build = json.loads((ROOT / "build" / "contracts" / "SmokeOwnable.json").read_text())
    source = (ROOT / "contracts" / "test" / "SmokeOwnable.sol").read_text()
    output = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {"contracts/test/SmokeOwnable.sol": {"content": source}},
            "settings": {
                "evmVersion": "shanghai",
                "optimizer": {"enabled": True, "runs": 200},
                "remappings": ["@openzeppelin=node_modules/@openzeppelin"],
                "outputSelection": {"*": {"*": ["evm.deployedBytecode.object"]}},
            },
        },
        solc_version=PINNED,
        base_path=str(ROOT),
        allow_paths=str(ROOT),
    )
    compiled = output["contracts"]["contracts/test/SmokeOwnable.sol"]["SmokeOwnable"]
    # Same compiler, same settings, same metadata: byte-identical runtime code.
    assert compiled["evm"]["deployedBytecode"]["object"] == build["deployedBytecode"]


def test_missing_node_gives_one_clear_error(tmp_path: Path) -> None:
    wrapper = solcx.install.get_executable(PINNED)
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(tmp_path)  # a PATH with sh-builtins only and no node
    (tmp_path / "sh").symlink_to(shutil.which("sh") or "/bin/sh")
    result = subprocess.run(
        [str(wrapper), "--version"], capture_output=True, text=True, env=env, check=False
    )
    if "fabtrust solc front" not in wrapper.read_text(errors="replace")[:512]:
        pytest.skip("a native solc of the pinned version is installed")
    assert result.returncode == 127
    assert "node not found" in result.stderr and "Node.js 18" in result.stderr


def test_pins_agree_across_npm_brownie_and_lock() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    config = yaml.safe_load((ROOT / "brownie-config.yaml").read_text())
    assert str(config["compiler"]["solc"]["version"]) == PINNED
    assert config["compiler"]["evm_version"] == "shanghai"
    for name, spec in package["dependencies"].items():
        version = spec.rsplit("@", 1)[-1] if spec.startswith("npm:") else spec  # npm aliases
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    # OpenZeppelin newer than 5.0 uses Cancun opcodes (mcopy) that Ganache 7.9 lacks.
    assert package["dependencies"]["@openzeppelin/contracts"].startswith("5.0.")
    for remapping in config["compiler"]["solc"]["remappings"]:
        assert not remapping.endswith("/"), "Brownie remappings must have no trailing slash"
