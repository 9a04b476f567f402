"""`fabtrust witness DEVICE_ID --json`: one JSON line per event, every checkpoint verified and the
certificate at the end (exit 0); after one stored reading is changed, the reading and the one
checkpoint whose chunk holds it are failures, the others still verify (exit 1). The session is fed to the gateway directly
(the protocols have their own tests)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fabtrust.bench import (
    BenchConfig,
    BenchGateway,
    CheckpointsClient,
    FeedServer,
    MqttSource,
    Sample,
    SensorConfig,
)

CHANNELS = [("P1_inlet_pressure", "bar"), ("N1_shaft_speed", "rpm")]


def witness(chain: Any, device_id: int, feed: str) -> tuple[int, list[dict[str, Any]], str]:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "fabtrust"),
            "--rpc-url", chain.rpc_url, "--deployments", str(chain.deployments), "--json",
            "witness", str(device_id), "--feed", feed, "--interval", "0.05", "--timeout", "60",
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_witness_cli_verifies_then_catches_a_changed_reading(
    bench_chain: Any, tmp_path: Path
) -> None:
    config = BenchConfig(
        device_id=bench_chain.device_id,
        source=MqttSource(endpoint="mqtt://127.0.0.1:1"),
        sensors=tuple(SensorConfig(name=c, unit=u, topic=f"b/{c}") for c, u in CHANNELS),
        checkpoint_every_readings=100,
        store=tmp_path / "s.sqlite",
    )
    lab = bench_chain.client(2)
    gateway = BenchGateway(config=config, checkpoints=CheckpointsClient(lab.chain))
    start = (int(time.time()) - 600) * 1000
    samples = [
        Sample(channel=c, value=f"{100 + k * 0.25:.2f}", source_ms=start + k * 100)
        for k in range(150)
        for c, _unit in CHANNELS
    ]
    for first in range(0, len(samples), 40):
        gateway.ingest(samples[first : first + 40])
    report = tmp_path / "report.txt"
    report.write_text(f"report {tmp_path.name}\n")
    done = gateway.finish(
        certificates=lab.certificates,
        report=report,
        test_spec="ISO 4409",
        passed=True,
        valid_until=datetime.now(timezone.utc) + timedelta(days=1),
    )
    checkpoints = gateway.store.checkpoints()
    assert [c.reading_count for c in checkpoints] == [120, 240, 300]
    feed = FeedServer(gateway.store, session={}).start()
    try:
        code, events, _ = witness(bench_chain, bench_chain.device_id, feed.url)
        assert code == 0
        assert [e["kind"] for e in events] == ["session", "checkpoint", "checkpoint", "checkpoint",
                                               "certificate"]  # fmt: skip
        assert all(e["ok"] for e in events)
        assert [e["root"] for e in events[1:4]] == [c.root for c in checkpoints]
        assert events[-1]["cert_id"] == done.issued.cert_id

        with sqlite3.connect(gateway.store.path) as db:
            db.execute("UPDATE readings SET value = '999' WHERE idx = 130")
        code, events, _ = witness(bench_chain, bench_chain.device_id, feed.url)
    finally:
        feed.stop()
    assert code == 1
    by_kind = [(e["kind"], e["ok"], e.get("sequence")) for e in events]
    assert by_kind == [
        ("session", True, None),
        ("checkpoint", True, 1),  # readings 0..119 untouched
        ("reading", False, 2),
        ("checkpoint", False, 2),  # the checkpoint whose chunk (readings 120..239) holds #130
        ("checkpoint", True, 3),  # chained to the anchored root of 2: its own chunk is intact
        ("certificate", False, None),
    ]
    assert events[2]["index"] == 130 and events[2]["channel"] == CHANNELS[0][0]
    assert "changed reading(s): #130" in events[3]["detail"]
