"""`fabtrust witness DEVICE_ID --json`: one JSON line per event, every checkpoint verified and the
certificate at the end (exit 0); after one stored reading is changed, the reading and the one
checkpoint whose chunk holds it are failures, the others still verify (exit 1). The session is fed to the gateway directly
(the protocols have their own tests)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_helpers import TWO_CHANNELS, streamed_session

from fabtrust.bench import (
    FeedServer,
)

CHANNELS = TWO_CHANNELS


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
    gateway, done = streamed_session(
        bench_chain,
        tmp_path,
        value=lambda k: f"{100 + k * 0.25:.2f}",
        report_text=f"report {tmp_path.name}\n",
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
