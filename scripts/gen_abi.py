"""Regenerate the artifacts shipped inside the SDK (sdk/fabtrust/abi/*.json) from Brownie's build.

    brownie compile && python scripts/gen_abi.py          # write
    python scripts/gen_abi.py --check                      # exit 1 if the shipped files drifted

Then scripts/gen_errors.py writes (or checks) the per-contract error modules,
sdk/fabtrust/<domain>/_contract_errors.py, from the shipped ABIs.

Each file holds the contract's ABI, creation bytecode, runtime bytecode and compiler settings, so
the SDK can talk to (and, on local chains, deploy) the contracts without Brownie.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "contracts"
TARGET = ROOT / "sdk" / "fabtrust" / "abi"
CONTRACTS = (
    "DeviceRegistry",
    "CertificateRegistry",
    "SupplyChainEscrow",
    "TestStablecoin",
    "TestCheckpoints",
)


def artifact(name: str) -> dict[str, Any]:
    path = BUILD / f"{name}.json"
    if not path.is_file():
        raise SystemExit(f"gen_abi: {path} is missing: run `brownie compile` first")
    build = json.loads(path.read_text())
    compiler = build["compiler"]
    return {
        "contractName": name,
        "sourcePath": build["sourcePath"],
        "abi": build["abi"],
        "bytecode": "0x" + build["bytecode"],
        "deployedBytecode": "0x" + build["deployedBytecode"],
        "compiler": {
            "version": compiler["version"],
            "evm_version": compiler["evm_version"],
            "optimizer_enabled": bool(compiler["optimizer"]["enabled"]),
            "optimizer_runs": int(compiler["optimizer"]["runs"]),
        },
    }


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def render(name: str) -> str:
    return json.dumps(artifact(name), indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    drifted = []
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in CONTRACTS:
        path = TARGET / f"{name}.json"
        text = render(name)
        if check:
            if not path.is_file() or path.read_text() != text:
                drifted.append(_shown(path))
        elif not path.is_file() or path.read_text() != text:
            path.write_text(text)
            print(f"gen_abi: wrote {_shown(path)}")
    if drifted:
        print("gen_abi: out of date (run `make abi`): " + ", ".join(drifted), file=sys.stderr)
        return 1
    # The per-contract error modules follow the shipped ABIs (scripts/gen_errors.py).
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_errors
    finally:
        sys.path.pop(0)
    return gen_errors.main(argv, abi_dir=TARGET)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
