"""Write docs/contracts/reference.md from the contracts' NatSpec (the Brownie build).

brownie compile && python scripts/gen_contract_docs.py          # write
python scripts/gen_contract_docs.py --check                      # exit 1 if out of date
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "contracts"
TARGET = ROOT / "docs" / "contracts" / "reference.md"
CONTRACTS = ("DeviceRegistry", "CertificateRegistry", "SupplyChainEscrow", "TestCheckpoints")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().replace("|", "\\|")


def _signature(item: dict[str, Any]) -> str:
    def kind(param: dict[str, Any]) -> str:
        if param["type"].startswith("tuple"):
            inner = ",".join(kind(c) for c in param["components"])
            return f"({inner}){param['type'][5:]}"
        return str(param["type"])

    return f"{item['name']}({','.join(kind(p) for p in item.get('inputs', []))})"


def _doc(entry: dict[str, Any] | list[dict[str, Any]] | None) -> str:
    if isinstance(entry, list):
        entry = entry[0] if entry else None
    if not entry:
        return ""
    parts = [entry.get("notice", ""), entry.get("details", "")]
    params = entry.get("params", {})
    if params:
        parts.append("Params: " + "; ".join(f"`{k}`: {v}" for k, v in params.items()))
    returns = entry.get("returns", {})
    if returns:
        parts.append("Returns: " + "; ".join(f"{v}" for v in returns.values()))
    return _clean(" ".join(p for p in parts if p))


def render_contract(name: str) -> list[str]:
    build = json.loads((BUILD / f"{name}.json").read_text())
    natspec = build.get("natspec", {})
    abi = build["abi"]
    lines = [f"## {name}", ""]
    if natspec.get("title"):
        lines += [f"**{_clean(natspec['title'])}**", ""]
    for key in ("notice", "details"):
        if natspec.get(key):
            lines += [_clean(natspec[key]), ""]
    own = [i for i in abi if i["type"] == "function"]
    sections = [
        ("Functions", [i for i in own if i["stateMutability"] not in ("view", "pure")], "methods"),
        ("Views", [i for i in own if i["stateMutability"] in ("view", "pure")], "methods"),
        ("Events", [i for i in abi if i["type"] == "event"], "events"),
        ("Errors", [i for i in abi if i["type"] == "error"], "errors"),
    ]
    for title, items, kind in sections:
        if not items:
            continue
        lines += [f"### {title}", "", "| signature | description |", "|---|---|"]
        for item in sorted(items, key=_signature):
            sig = _signature(item)
            lines.append(f"| `{sig}` | {_doc(natspec.get(kind, {}).get(sig))} |")
        lines.append("")
    return lines


def render() -> str:
    lines = [
        "# Contracts reference",
        "",
        "Generated from the NatSpec of the compiled contracts by"
        " `python scripts/gen_contract_docs.py` (a test fails when it is out of date).",
        "The domain pages explain the design:",
        "[identity](identity.md), [certificates](certificates.md), [escrow](escrow.md),"
        " [bench checkpoints](../bench.md).",
        "",
    ]
    for name in CONTRACTS:
        lines += render_contract(name)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.is_file() or TARGET.read_text() != text:
            print(f"gen_contract_docs: {TARGET} is out of date", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"gen_contract_docs: wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
