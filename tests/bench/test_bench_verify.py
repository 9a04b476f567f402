"""`fabtrust cert verify REPORT --bundle B` checks a bench bundle's checkpoints: anchored on the
deployment's TestCheckpoints by the lab, chained, none left out, and (with the readings and their
seed) every chunk rebuilt. A tampered checkpoint list fails with one clear line and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_helpers import TWO_CHANNELS, streamed_session

from fabtrust.evidence.readings import format_readings_csv

CHANNELS = TWO_CHANNELS


def verify(chain: Any, report: Path, bundle: Path, *extra: str, seed: str | None = None) -> Any:
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "fabtrust"),
            "--rpc-url", chain.rpc_url, "--deployments", str(chain.deployments), "--json",
            "cert", "verify", str(report), "--bundle", str(bundle), *extra,
        ],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "250", **({"FABTRUST_SEED": seed} if seed else {})},
    )  # fmt: skip


def check(done: Any) -> dict[str, Any]:
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    return dict(checks["checkpoints"])


def test_cert_verify_checks_the_bundles_checkpoints(bench_chain: Any, tmp_path: Path) -> None:
    gateway, done = streamed_session(
        bench_chain,
        tmp_path,
        value=lambda k: f"{200 + k * 0.5:.1f}",
        report_text=f"verify report {tmp_path.name}\n",
    )
    report = tmp_path / "report.txt"  # written by streamed_session
    bundle = tmp_path / "b.json"
    done.bundle.save(bundle)
    readings = tmp_path / "readings.csv"
    readings.write_text(format_readings_csv(gateway.store.readings()))
    seed = "0x" + gateway.store.seed
    assert done.bundle.checkpoints is not None
    assert [c.reading_count for c in done.bundle.checkpoints.checkpoints] == [120, 240, 300]

    ok = verify(bench_chain, report, bundle)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert check(ok)["status"] == "ok" and "3 checkpoint(s) anchored" in check(ok)["detail"]
    rebuilt = verify(bench_chain, report, bundle, "--data", str(readings), seed=seed)
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    assert "every chunk rebuilt from the 300 readings" in check(rebuilt)["detail"]

    data = json.loads(bundle.read_text())
    listed = data["checkpoints"]["checkpoints"]
    tampered = {
        "a chunk root changed": (
            lambda d: d["checkpoints"]["checkpoints"][1].update(chunk_root="0x" + "ab" * 32),
            "checkpoint 2: root 0x",
        ),
        "the last checkpoint left out": (
            lambda d: d["checkpoints"]["checkpoints"].pop(),
            "the chain has checkpoint 3 of this session, the bundle leaves it out",
        ),
        "a checkpoint re-chained on another root": (
            lambda d: d["checkpoints"]["checkpoints"][0].update(
                root=listed[1]["root"], reading_count=listed[1]["reading_count"]
            ),
            "checkpoint 1: root",
        ),
        "another contract": (
            lambda d: d["checkpoints"].update(contract="0x" + "11" * 20),
            "not on this deployment's TestCheckpoints",
        ),
    }
    for name, (change, message) in tampered.items():
        copy = json.loads(json.dumps(data))
        change(copy)
        path = tmp_path / "tampered.json"
        path.write_text(json.dumps(copy))
        failed = verify(bench_chain, report, path)
        assert failed.returncode == 1, name
        assert check(failed)["status"] == "failed", name
        assert message in check(failed)["detail"], (name, check(failed)["detail"])
        lines = [line for line in failed.stderr.splitlines() if "not verified:" in line]
        assert len(lines) == 1 and "(checkpoints)" in lines[0], failed.stderr

    # A reading changed in the readings file: the chunk that holds it is named.
    rows = readings.read_text().splitlines()
    rows[1 + 130] = rows[1 + 130].rsplit(",", 2)[0] + ",999," + rows[1 + 130].rsplit(",", 1)[1]
    changed = tmp_path / "changed.csv"
    changed.write_text("\n".join(rows) + "\n")
    caught = verify(bench_chain, report, bundle, "--data", str(changed), seed=seed)
    assert caught.returncode == 1
    assert "checkpoint 2: readings 120..239 do not give its chunk root" in check(caught)["detail"]


_IMPORTS_OF_VERIFY = (
    "import json, sys\n"
    "from fabtrust.cli import app\n"
    "try:\n"
    "    app(sys.argv[2:], prog_name='fabtrust')\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    "heavy = sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1].split(',')))\n"
    "print(json.dumps({'code': code, 'heavy': heavy}), file=sys.stderr)\n"
)
_WEB3 = "web3,eth_account,requests"


def test_bench_bundle_verification_over_http_imports_no_web3(
    bench_chain: Any, tmp_path: Path
) -> None:
    """A bench bundle (with checkpoints) takes the buyer's light path too: the checkpoints are
    read over the light JSON-RPC client, and the process never imports web3 (nor eth_abi and
    eth_utils without --data; rebuilding the readings' salts from a CSV ABI-encodes each row with
    eth_abi, as for any certificate)."""
    gateway, done = streamed_session(
        bench_chain,
        tmp_path,
        value=lambda k: f"{300 + k * 0.5:.1f}",
        report_text=f"light verify report {tmp_path.name}\n",
    )
    report = tmp_path / "report.txt"
    bundle = tmp_path / "b.json"
    done.bundle.save(bundle)
    assert done.bundle.checkpoints is not None
    readings = tmp_path / "readings.csv"
    readings.write_text(format_readings_csv(gateway.store.readings()))
    seed = "0x" + gateway.store.seed
    args = ["--rpc-url", bench_chain.rpc_url, "--deployments", str(bench_chain.deployments)]
    args += ["--json", "cert", "verify", str(report), "--bundle", str(bundle)]
    for extra, heavy, how in (
        ([], f"{_WEB3},eth_abi,eth_utils", "readings covered"),
        (["--data", str(readings)], _WEB3, "every chunk rebuilt from the 300 readings"),
    ):
        result = subprocess.run(
            [sys.executable, "-c", _IMPORTS_OF_VERIFY, heavy, *args, *extra],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "FABTRUST_SEED": seed},
        )  # fmt: skip
        outcome = json.loads(result.stderr.strip().splitlines()[-1])
        assert outcome == {"code": 0, "heavy": []}, result.stderr[-2000:]
        assert check(result)["status"] == "ok" and how in check(result)["detail"], extra
