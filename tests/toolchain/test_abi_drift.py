"""Generated files (SDK artifacts, the contracts reference) match the contracts as compiled now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_artifacts_match_the_build() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_abi.py", "--check"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_drift_is_detected(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_abi
    finally:
        sys.path.pop(0)
    monkeypatch.setattr(gen_abi, "TARGET", tmp_path)
    assert gen_abi.main([]) == 0  # writes a fresh copy
    assert gen_abi.main(["--check"]) == 0
    shipped = tmp_path / "DeviceRegistry.json"
    shipped.write_text(shipped.read_text().replace('"registerDevice"', '"registerGadget"'))
    assert gen_abi.main(["--check"]) == 1


def test_contract_reference_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_contract_docs.py", "--check"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + " (run: python scripts/gen_contract_docs.py)"
