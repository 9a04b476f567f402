"""Run the forge invariant campaigns (tests/forge/) and hold each invariant to its expected outcome.

    python scripts/invariants.py            # what `make invariants` runs
    python scripts/invariants.py --runs 512 --depth 200  # a longer campaign

forge (npm ``@foundry-rs/forge``, linked into ``.venv/bin`` by scripts/toolchain.py) compiles with
the project's offline solc front (``foundry.toml``: ``solc = ".venv/bin/solc"``, ``offline``), so
nothing is downloaded. Run count and depth come from ``foundry.toml`` unless given here.

Every invariant must pass, except those in ``EXPECTED_FAILURES``: they must still fail (when one
starts to pass, its entry has to be removed, so a fix is never left unguarded). Exit codes: 0 as
expected, 1 an invariant broke (or an expected failure passed), 2 forge could not run.
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
FORGE = Path(sys.executable).parent / "forge"

# Still broken after issue 10's contract changes (checked on them): remove the entry when the escrow
# decides the devices on the rounded seller amount (or refuses a share that rounds to 0).
EXPECTED_FAILURES: dict[str, str] = {}
# Emptied when issue 10 landed: lab and device revocation now invalidate certificates, and a
# dispute share that rounds down to 0 tokens no longer hands the devices to the buyer.


class ForgeError(Exception):
    """forge did not produce a report."""


def run_forge(runs: int | None, depth: int | None, seed: str | None) -> dict[str, Any]:
    env = dict(os.environ)
    if runs is not None:
        env["FOUNDRY_INVARIANT_RUNS"] = str(runs)
    if depth is not None:
        env["FOUNDRY_INVARIANT_DEPTH"] = str(depth)
    command = [str(FORGE), "test", "--json", "--match-test", "^invariant_"]
    if seed is not None:
        command += ["--fuzz-seed", seed]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise ForgeError(f"forge did not report results (exit {result.returncode})") from None
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, help="sequences per invariant (foundry.toml otherwise)")
    parser.add_argument("--depth", type=int, help="calls per sequence (foundry.toml otherwise)")
    parser.add_argument("--seed", help="fuzz seed (hex), to replay a campaign")
    args = parser.parse_args(argv)
    if not FORGE.exists():
        print(f"invariants: {FORGE} is missing: run `make toolchain`", file=sys.stderr)
        return 2

    try:
        suites = run_forge(args.runs, args.depth, args.seed)
    except ForgeError as exc:
        print(f"invariants: {exc}", file=sys.stderr)
        return 2
    unexpected: list[str] = []
    seen: set[str] = set()
    for suite_id, suite in sorted(suites.items()):
        contract = suite_id.rsplit(":", 1)[-1]
        for test, result in sorted(suite["test_results"].items()):
            name = f"{contract}.{test}"
            seen.add(name)
            stats = result.get("kind", {}).get("Invariant", {})
            passed = result["status"] == "Success"
            expected_failure = name in EXPECTED_FAILURES
            outcome = "passed" if passed else "FAILED"
            if expected_failure:
                outcome = "UNEXPECTEDLY PASSED" if passed else "failed as expected"
            counts = ", ".join(f"{k} {stats.get(k, '?')}" for k in ("runs", "calls", "reverts"))
            print(f"{name}: {outcome} ({counts})")
            if not passed:
                print(f"    {result.get('reason')}")
            if expected_failure:
                print(f"    expected: {EXPECTED_FAILURES[name]}")
            if passed == expected_failure:
                unexpected.append(name)
                if not passed and result.get("counterexample"):
                    print(json.dumps(result["counterexample"], indent=1)[:6000])
    missing = sorted(set(EXPECTED_FAILURES) - seen)
    for name in missing:
        print(f"{name}: listed in EXPECTED_FAILURES but not run")
    ok = not unexpected and not missing and seen
    print(f"{len(seen) - len(unexpected)} passed, {len(unexpected)} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
