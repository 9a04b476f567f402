"""Run slither over contracts/ and fail on any finding that is not triaged in slither-triage.json.

    python scripts/slither_check.py          # what `make slither` runs
    python scripts/slither_check.py --all    # also list the triaged findings with their reasons

slither (PyPI ``slither-analyzer``, in the dev virtualenv) compiles through crytic-compile's
Foundry platform, i.e. ``forge build`` with ``foundry.toml``: the project's offline solc front
(``.venv/bin/solc``), nothing downloaded. Settings are in ``slither.config.json`` (the mocks in
contracts/test/, the forge harness in tests/ and OpenZeppelin are not analysed).

A finding is identified by its detector and the code element it is about, e.g.
``timestamp SupplyChainEscrow.refund(uint256)`` (no line numbers, so edits elsewhere do not
un-triage it). Each triaged key carries one reason. Exit codes: 0 nothing new, 1 a new finding,
2 slither could not run. Keys no longer reported are listed so the triage file can be pruned.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRIAGE = ROOT / "slither-triage.json"
BIN = Path(sys.executable).parent


def element_name(element: dict[str, Any]) -> str:
    """``Contract.function(sig)`` / ``Contract.function(sig).variable`` / ``Contract``."""
    fields = element.get("type_specific_fields", {})
    own = fields.get("signature") or element["name"]
    parent = fields.get("parent")
    return f"{element_name(parent)}.{own}" if parent else own


def finding_key(result: dict[str, Any]) -> str:
    return f"{result['check']} {element_name(result['elements'][0])}"


def run_slither() -> list[dict[str, Any]]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "FOUNDRY_PROFILE": "slither",  # foundry.toml: contracts/ only, not the tests/forge harness
    }
    command = [str(BIN / "slither"), ".", "--config-file", "slither.config.json", "--json", "-"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"slither: no JSON report (exit {result.returncode})") from None
    if not report.get("success"):
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"slither: {report.get('error')}")
    detectors: list[dict[str, Any]] = report.get("results", {}).get("detectors", [])
    return detectors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="also list the triaged findings")
    args = parser.parse_args(argv)
    triage: dict[str, str] = json.loads(TRIAGE.read_text())["triaged"]

    findings: dict[str, list[dict[str, Any]]] = {}
    for result in run_slither():
        findings.setdefault(finding_key(result), []).append(result)

    new = sorted(key for key in findings if key not in triage)
    for key in sorted(findings):
        if key in triage and args.all:
            print(f"triaged  {key}\n         reason: {triage[key]}")
    for key in new:
        first = findings[key][0]
        print(f"NEW      {key} [{first['impact']}/{first['confidence']}]")
        print("         " + first["description"].strip().replace("\n", "\n         "))
    for key in sorted(set(triage) - set(findings)):
        print(f"stale    {key} (no longer reported: remove it from {TRIAGE.name})")
    print(
        f"slither: {len(findings)} findings, {len(findings) - len(new)} triaged, {len(new)} new"
        + (f" (add each to {TRIAGE.name} with a reason, or fix it)" if new else "")
    )
    return 1 if new else 0


if __name__ == "__main__":
    raise SystemExit(main())
