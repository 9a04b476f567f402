"""The per-contract error modules are generated from the shipped ABIs and follow them (drift test).

scripts/gen_errors.py writes sdk/fabtrust/<domain>/_contract_errors.py from sdk/fabtrust/abi/*.json
(``make abi`` runs it after gen_abi.py); each domain's public errors module re-exports them.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
try:
    import gen_errors
finally:
    sys.path.pop(0)

from fabtrust._error_classes import OPENZEPPELIN_ERROR_NAMES  # noqa: E402


def test_generated_modules_match_the_shipped_abis() -> None:
    assert gen_errors.main(["--check"]) == 0, "run `make abi`"


@pytest.mark.parametrize("package", sorted(gen_errors.MODULES))
def test_every_abi_error_has_its_class_with_the_right_selector(package: str) -> None:
    contract, mapping, _ = gen_errors.MODULES[package]
    public = importlib.import_module(f"fabtrust.{package}.errors")
    abi = json.loads((ROOT / "sdk" / "fabtrust" / "abi" / f"{contract}.json").read_text())["abi"]
    own = [e for e in abi if e["type"] == "error" and e["name"] not in OPENZEPPELIN_ERROR_NAMES]
    assert own, contract
    for entry in own:
        cls = getattr(public, entry["name"] + "Error")
        types = ",".join(gen_errors._canonical(p) for p in entry["inputs"])
        assert f"{entry['name']}({types})" == cls.SIGNATURE
        assert gen_errors._selector(entry["name"], entry["inputs"]) == cls.SELECTOR
        assert getattr(public, mapping)[entry["name"]] is cls
        assert cls.__name__ in public.__all__


def test_a_changed_abi_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    abi_dir = tmp_path / "abi"
    shutil.copytree(ROOT / "sdk" / "fabtrust" / "abi", abi_dir)
    path = abi_dir / "DeviceRegistry.json"
    data = json.loads(path.read_text())
    data["abi"].append(
        {
            "type": "error",
            "name": "DeviceLocked",
            "inputs": [{"name": "deviceId", "type": "uint256"}],
        }
    )
    path.write_text(json.dumps(data))
    assert gen_errors.main(["--check"], abi_dir=abi_dir) == 1
    text = gen_errors.render("identity", abi_dir)
    assert "DeviceLockedError = error_class_for(" in text
    assert '"DeviceLocked": DeviceLockedError' in text
    written = tmp_path / "identity_errors.py"
    monkeypatch.setattr(gen_errors, "target", lambda package: tmp_path / f"{package}_errors.py")
    assert gen_errors.main([], abi_dir=abi_dir) == 0
    assert "DeviceLockedError" in written.read_text()
    assert gen_errors.main(["--check"], abi_dir=abi_dir) == 0
