"""Contract coverage: which lines, statements, branches and functions of contracts/ the forge
invariant campaigns (tests/forge/) execute. What `make coverage` runs.

    python scripts/contract_coverage.py                     # runs/depth below (about a minute)
    python scripts/contract_coverage.py --runs 128 --depth 100

forge coverage compiles with the project's offline solc front (foundry.toml), unoptimised, so
nothing is downloaded. Writes reports/coverage/lcov.info (for genhtml or an editor) and
reports/coverage/summary.md (the table, also printed). Mocks (contracts/test/) and the harness
(tests/forge/) are left out. Exit codes: 0 written, 2 forge failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORGE = Path(sys.executable).parent / "forge"
OUT = ROOT / "reports" / "coverage"
EXCLUDED = r"(^|/)(tests|contracts/test)/"
_ROW = re.compile(r"^\| (contracts/\S+|Total)\s+\|(.+)\|\s*$")


def summary_rows(text: str) -> list[list[str]]:
    """The rows of forge's summary table, as [file, lines, statements, branches, functions]."""
    rows = []
    for line in text.splitlines():
        match = _ROW.match(line)
        if match:
            rows.append([match.group(1), *(cell.strip() for cell in match.group(2).split("|"))])
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=32, help="invariant runs per invariant")
    parser.add_argument("--depth", type=int, default=50, help="calls per invariant run")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["FOUNDRY_INVARIANT_RUNS"] = str(args.runs)
    env["FOUNDRY_INVARIANT_DEPTH"] = str(args.depth)
    command = [
        str(FORGE), "coverage", "--no-match-coverage", EXCLUDED,
        "--report", "summary", "--report", "lcov", "--report-file", str(OUT / "lcov.info"),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    rows = summary_rows(result.stdout)
    if result.returncode != 0 or not rows:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        print(f"coverage: forge coverage failed (exit {result.returncode})", file=sys.stderr)
        return 2
    table = [
        "| file | lines | statements | branches | functions |",
        "|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    text = (
        f"Contract coverage by the forge invariant campaigns (tests/forge/, {args.runs} runs x "
        f"depth {args.depth}); the Brownie suite is not traced.\n\n" + "\n".join(table) + "\n"
    )
    (OUT / "summary.md").write_text(text)
    print(text, end="")
    print(f"coverage: wrote {OUT.relative_to(ROOT)}/summary.md and lcov.info")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
