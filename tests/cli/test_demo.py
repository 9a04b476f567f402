"""`fabtrust demo` end to end: the whole story on its own embedded Anvil, checked from --json."""

from __future__ import annotations

import json
import shlex
import signal
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
    before, upto = bench["caught_checkpoint_covers"]  # the checkpoint whose chunk holds it
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
        "credentials",
        "deployments",
        "devices",
        "page",
        "readings",
        "reports",
    ]
    assert len(list((out / "bundles").glob("*.bundle.json"))) == 3
    assert len(list((out / "reports").glob("*.txt"))) == 4  # three reports + the tampered copy
    assert [p.name for p in tmp_path.iterdir()] == ["story"]
    # The buyer's page: a link to the first motor's certificate, its QR codes, and the chain
    # state that `fabtrust serve --anvil-state` brings back (the certificate is still there).
    first = story["checks"]["HM-2026-0001"]["cert_id"]
    assert story["page_url"].startswith("http://127.0.0.1:8000/?deployment=deployments/31337.json")
    assert f"cert={first}" in story["page_url"] and "rpc=/rpc" in story["page_url"]
    page = out / "page"
    assert sorted(p.name for p in page.iterdir()) == [
        "HM-2026-0001-qr.png", "HM-2026-0001-qr.svg", "anvil-state.json",
    ]  # fmt: skip
    from fabtrust.testing import LocalAnvil

    with LocalAnvil(extra_args=("--load-state", str(page / "anvil-state.json"))) as node:
        again = subprocess.run(
            [str(FABTRUST), "--json", "--rpc-url", node.url, "--deployments", str(out / "deployments"),
             "cert", "verify", str(out / "reports" / "HM-2026-0001.txt")],
            capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        )  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["cert_id"] == first
    # the command the demo prints serves the page on that state (here on a free port)
    command = story["page_command"]
    assert command[0] == "fabtrust"
    serving = subprocess.Popen(
        [str(FABTRUST), "--json", *command[1:], "--port", "0", "--page", str(tmp_path / "page.html")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    _, err = serving.communicate(timeout=60)
    assert serving.returncode == 2 and "make web" in err, err  # no page built in tmp_path
    (tmp_path / "page.html").write_text("<!doctype html><title>page</title>")
    serving = subprocess.Popen(
        [str(FABTRUST), "--json", *command[1:], "--port", "0", "--page", str(tmp_path / "page.html")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        assert serving.stdout is not None
        text = ""
        while not text.endswith("}\n"):
            line = serving.stdout.readline()
            assert line, "fabtrust serve ended early"
            text += line
        assert json.loads(text)["chain_id"] == 31337
    finally:
        serving.send_signal(signal.SIGTERM)
        serving.communicate(timeout=30)
    assert serving.returncode == 0


def test_demo_human_output_tells_the_story(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(FABTRUST), "demo", "--keep-chain", "--out", str(tmp_path / "o")],
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
        "catches it (the one whose chunk, readings ",
        "report_digest",
        "Demo complete",
    ):
        assert line in result.stderr, line
    # --keep-chain: the printed "by hand" command works afterwards, against the demo's chain.
    hint = next(line for line in result.stderr.splitlines() if "by hand: fabtrust" in line)
    command = shlex.split(hint.split("by hand: ", 1)[1])
    assert command[0] == "fabtrust"
    pid = int((tmp_path / "o" / "anvil.pid").read_text())
    try:
        again = subprocess.run(
            [str(FABTRUST), *command[1:]], capture_output=True, text=True, timeout=120,
            cwd=tmp_path, env={"COLUMNS": "200", "PATH": str(FABTRUST.parent) + ":/usr/bin:/bin"},
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert "VERIFIED" in again.stderr
        # The readings and their seed file (0600) rebuild the data root.
        readings = tmp_path / "o" / "readings"
        seed = readings / "HM-2026-0001.seed"
        assert seed.stat().st_mode & 0o777 == 0o600
        with_data = subprocess.run(
            [str(FABTRUST), "--json", *command[1:], "--data", str(readings / "HM-2026-0001.csv"),
             "--seed-file", str(seed)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )  # fmt: skip
        assert with_data.returncode == 0, with_data.stderr
        checks = {c["name"]: c["status"] for c in json.loads(with_data.stdout)["checks"]}
        assert checks["data_root"] == "ok"
    finally:
        down = subprocess.run(
            [str(FABTRUST), "chain", "down", "--state-dir", str(tmp_path / "o")],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert down.returncode == 0, down.stderr
    status = Path(f"/proc/{pid}/status")
    assert not status.exists() or "zombie" in status.read_text()  # the kept chain is gone
