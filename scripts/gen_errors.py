"""Generate each contract's error module (sdk/fabtrust/<domain>/_contract_errors.py) from the ABI
shipped in the SDK (sdk/fabtrust/abi/<Contract>.json).

    python scripts/gen_errors.py            # write (``make abi`` runs it after gen_abi.py)
    python scripts/gen_errors.py --check    # exit 1 if a module drifted from its ABI

Every custom error a contract declares becomes ``<Name>Error``, the class
:func:`fabtrust.errors.error_class_for` makes for the ABI entry (the very class a revert decodes
to), with its selector computed here. OpenZeppelin's errors are left out: :mod:`fabtrust.errors`
defines them once for every contract. Each domain's public ``errors.py`` re-exports the generated
names, so a changed contract needs nothing but ``make abi``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "sdk" / "fabtrust"
ABI = SDK / "abi"

# domain package: (contract, name of the {error name: class} mapping, errors borrowed from others)
MODULES: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "identity": ("DeviceRegistry", "DEVICE_REGISTRY_ERRORS", ()),
    "certificates": (
        "CertificateRegistry",
        "CERTIFICATE_REGISTRY_ERRORS",
        (("DeviceRegistry", "DeviceNotFound"),),  # a certificate for an unknown device
    ),
    "escrow": ("SupplyChainEscrow", "ESCROW_ERRORS", ()),
    "bench": ("TestCheckpoints", "CHECKPOINTS_ERRORS", ()),
}


def _abi(contract: str, abi_dir: Path) -> list[dict[str, Any]]:
    return list(json.loads((abi_dir / f"{contract}.json").read_text())["abi"])


def _canonical(param: dict[str, Any]) -> str:
    typ = str(param["type"])
    if typ.startswith("tuple"):
        inner = ",".join(_canonical(c) for c in param.get("components", ()))
        return f"({inner}){typ[len('tuple') :]}"
    return typ


def _selector(name: str, inputs: list[dict[str, Any]]) -> str:
    from eth_hash.auto import keccak

    signature = f"{name}({','.join(_canonical(p) for p in inputs)})"
    return "0x" + keccak(signature.encode()).hex()[:8]


def _openzeppelin_names() -> set[str]:
    sys.path.insert(0, str(ROOT / "sdk"))
    try:
        from fabtrust._error_classes import OPENZEPPELIN_ERROR_NAMES
    finally:
        sys.path.pop(0)
    return set(OPENZEPPELIN_ERROR_NAMES)


def _inputs(inputs: list[dict[str, Any]]) -> str:
    def one(p: dict[str, Any]) -> str:
        entry: dict[str, Any] = {"name": p.get("name", ""), "type": p["type"]}
        if "components" in p:
            entry["components"] = p["components"]
        return json.dumps(entry, sort_keys=True)

    return "[" + ", ".join(one(p) for p in inputs) + "]"


def render(package: str, abi_dir: Path = ABI) -> str:
    contract, mapping, borrowed = MODULES[package]
    skip = _openzeppelin_names()
    entries: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for item in _abi(contract, abi_dir):
        if item.get("type") == "error" and item["name"] not in skip:
            entries[item["name"]] = (contract, list(item.get("inputs", ())))
    for other, name in borrowed:
        for item in _abi(other, abi_dir):
            if item.get("type") == "error" and item["name"] == name:
                entries.setdefault(name, (other, list(item.get("inputs", ()))))
    names = sorted(entries)
    lines = [
        f'"""The {contract}\'s Solidity errors as exception classes (generated: do not edit).',
        "",
        f"Written by scripts/gen_errors.py from sdk/fabtrust/abi/{contract}.json (``make abi``).",
        "Each class is the one :func:`fabtrust.errors.error_class_for` makes for the ABI entry,",
        "so it is the class a reverted call raises; arguments are snake_case attributes and",
        "``.arguments``. Import them from the public :mod:`errors` module of this package.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from fabtrust.errors import ContractError, error_class_for",
        "",
        "__all__ = [",
        f'    "{mapping}",',
        *(f'    "{name}Error",' for name in names),
        "]",
        "",
    ]
    for name in names:
        source, inputs = entries[name]
        if source != contract:
            lines.append(f"# from the {source}")
        lines.append(
            f'{name}Error = error_class_for("{name}", {_inputs(inputs)}, '
            f'selector="{_selector(name, inputs)}")'
        )
    lines += [
        "",
        f"{mapping}: dict[str, type[ContractError]] = {{",
        *(f'    "{name}": {name}Error,' for name in names),
        "}",
        '"""The classes above by Solidity error name."""',
        "",
    ]
    return _formatted("\n".join(lines), target(package))


def _formatted(text: str, path: Path) -> str:
    """The text as ``ruff format`` writes it (the generated files pass ``make lint``)."""
    import subprocess

    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), "format", "--stdin-filename", str(path), "-"],
        input=text, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return result.stdout


def target(package: str) -> Path:
    return SDK / package / "_contract_errors.py"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str], abi_dir: Path = ABI) -> int:
    check = "--check" in argv
    drifted = []
    for package in MODULES:
        path = target(package)
        text = render(package, abi_dir)
        if path.is_file() and path.read_text() == text:
            continue
        if check:
            drifted.append(_shown(path))
        else:
            path.write_text(text)
            print(f"gen_errors: wrote {_shown(path)}")
    if drifted:
        print("gen_errors: out of date (run `make abi`): " + ", ".join(drifted), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
