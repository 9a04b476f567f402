"""`fabtrust demo` end to end: the whole story on its own embedded Anvil, checked from --json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FABTRUST = Path(sys.executable).parent / "fabtrust"


def test_demo_runs_the_whole_story(tmp_path: Path) -> None:
    out = tmp_path / "story"
    result = subprocess.run(
        [str(FABTRUST), "--json", "demo", "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    story = json.loads(result.stdout)  # one JSON document on stdout
    assert story["ok"] is True
    assert set(story["contracts"]) == {
        "DeviceRegistry", "CertificateRegistry", "SupplyChainEscrow", "TestStablecoin",
        "TestCheckpoints",
    }  # fmt: skip
    assert len(story["motors"]) == 3
    bench = story["bench"]  # the fourth motor, streamed from the simulated bench
    assert bench["ok"] is True and bench["witness_verified"] is True
    assert bench["readings"] == 4000 and bench["checkpoints"] >= 4
    before, upto = bench["caught_checkpoint_covers"]  # the first checkpoint that includes it
    assert bench["caught_by_checkpoint"] >= 1 and before <= bench["tampered_reading"] < upto
    for verdict in story["checks"].values():
        assert verdict["verified"] is True
        failed = [c["name"] for c in verdict["checks"] if not c["ok"]]
        assert failed == []
    assert story["seller_paid"] == 3 * 12_500 * 10**6
    buyer = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # dev:3
    assert set(story["owners"].values()) == {buyer}
    assert story["tampered_verified"] is False
    assert story["tampered_failures"] == ["report_digest"]
    # Every file it wrote lies under the one output folder.
    assert sorted(p.name for p in out.iterdir()) == [
        "bench",
        "bundles",
        "deployments",
        "readings",
        "reports",
    ]
    assert len(list((out / "bundles").glob("*.bundle.json"))) == 3
    assert len(list((out / "reports").glob("*.txt"))) == 4  # three reports + the tampered copy
    assert [p.name for p in tmp_path.iterdir()] == ["story"]


def test_demo_human_output_tells_the_story(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(FABTRUST), "demo", "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
        env={"COLUMNS": "200", "PATH": str(FABTRUST.parent) + ":/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == ""  # people's output goes to stderr
    for line in (
        "accredits the test lab",
        "registers three hydraulic motors",
        "one individually, two as a batch",
        "fabtrust cert verify",
        "cast call",
        "seller paid 37,500.00 tUSD; device records with the buyer",
        "witness: checkpoint 1 (",
        "catches it (the first whose readings include #",
        "report_digest",
        "Demo complete",
    ):
        assert line in result.stderr, line
