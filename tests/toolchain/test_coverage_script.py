"""scripts/contract_coverage.py reads forge's summary table: contract rows and the total, harness rows out."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import contract_coverage as coverage_script  # noqa: E402

sys.path.pop(0)

TABLE = """\
╭------------------------+----------------+----------------+--------------+---------------╮
| File                   | % Lines        | % Statements   | % Branches   | % Funcs       |
+=========================================================================================+
| contracts/a/A.sol      | 50.00% (1/2)   | 40.00% (2/5)   | 0.00% (0/1)  | 100.00% (1/1) |
|------------------------+----------------+----------------+--------------+---------------|
| tests/forge/H.sol      | 90.00% (9/10)  | 90.00% (9/10)  | 50.00% (1/2) | 80.00% (4/5)  |
|------------------------+----------------+----------------+--------------+---------------|
| Total                  | 50.00% (1/2)   | 40.00% (2/5)   | 0.00% (0/1)  | 100.00% (1/1) |
╰------------------------+----------------+----------------+--------------+---------------╯
"""


def test_summary_rows() -> None:
    assert coverage_script.summary_rows(TABLE) == [
        ["contracts/a/A.sol", "50.00% (1/2)", "40.00% (2/5)", "0.00% (0/1)", "100.00% (1/1)"],
        ["Total", "50.00% (1/2)", "40.00% (2/5)", "0.00% (0/1)", "100.00% (1/1)"],
    ]
    assert coverage_script.summary_rows("no table") == []
