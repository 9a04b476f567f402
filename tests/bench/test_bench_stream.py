"""A whole bench test over the real protocols: 20 sensors at 10 Hz for 60 s of simulated time,
over MQTT (a real broker) and over OPC UA (the simulated bench's real server). Every reading
reaches the store, the final root equals the root computed independently (Python's readings tree
and @openzeppelin/merkle-tree), checkpoints (chunk roots, chained) are anchored in order and equal
to their independent computation, the certificate is issued on the final root, and the buyer's
witness verifies every checkpoint and the certificate."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench_helpers import chained_roots, js_root

from fabtrust.bench import BenchGateway, CheckpointsClient, FeedClient, FeedServer, Witness
from fabtrust.evidence import ReadingsTree
from fabtrust.evidence.readings import canonical_decimal
from fabtrust.testing import SimulatedBench

SENSORS, RATE_HZ, SECONDS = 20, 10, 60
TOTAL = SENSORS * RATE_HZ * SECONDS


async def stream(bench: SimulatedBench, gateway: BenchGateway, *, opcua: bool) -> None:
    stop = asyncio.Event()
    run = asyncio.ensure_future(gateway.run(stop=stop, until_readings=TOTAL))
    while gateway.source_connected is None or not gateway.source_connected.is_set():
        await asyncio.sleep(0.02)
    await bench.publish(opcua=opcua, mqtt=not opcua, pause_s=0.002 if opcua else 0.0)
    await asyncio.wait_for(run, timeout=180)


def run_test(chain: Any, tmp_path: Path, kind: str, bench: SimulatedBench) -> None:
    lab = chain.client(2)
    config = bench.config(
        kind=kind,
        device_id=chain.device_id,
        store=tmp_path / "store.sqlite",
        checkpoint_every_readings=2500,
        checkpoint_every_s=20,
    )
    lines: list[str] = []
    gateway = BenchGateway(
        config=config, checkpoints=CheckpointsClient(lab.chain), log=lines.append
    )

    async def main() -> None:
        if kind == "opcua":
            await bench.start()
        try:
            await stream(bench, gateway, opcua=kind == "opcua")
        finally:
            await bench.stop()

    asyncio.run(main())
    store = gateway.store
    assert len(store) == TOTAL
    assert gateway.rejected == 0, store.rejected()[:3]
    stored = sorted(
        (r.reading.channel, r.source_ms, r.reading.value) for r in store.feed(limit=TOTAL)
    )
    expected = sorted((c, ms, canonical_decimal(Decimal(v))) for c, ms, v in bench.expected())
    assert stored == expected  # every value, exactly once, exactly as published

    report = tmp_path / "report.txt"
    report.write_text(f"bench report {kind} {tmp_path.name}\n")  # a fresh certificate id
    done = gateway.finish(
        certificates=lab.certificates,
        report=report,
        test_spec="ISO 4409",
        passed=True,
        valid_until=datetime.now(timezone.utc) + timedelta(days=30),
        device_key=chain.device_key,
    )
    readings = store.readings()
    tree = ReadingsTree.build(readings, seed=store.seed)
    assert done.data_root == tree.root == js_root([list(v) for v in tree.tree.values])
    checkpoints = store.checkpoints()
    assert [c.sequence for c in checkpoints] == list(range(1, len(checkpoints) + 1))
    assert all(c.anchored for c in checkpoints)
    assert checkpoints[-1].reading_count == TOTAL and len(checkpoints) >= TOTAL // 2500
    counts = [c.reading_count for c in checkpoints]
    assert [(c.chunk_root, c.root) for c in checkpoints] == chained_roots(
        readings, store.seed, counts
    )
    values = [list(v) for v in tree.tree.values]  # the first chunk, by @openzeppelin/merkle-tree
    assert checkpoints[0].chunk_root == js_root(values[: counts[0]])
    assert done.bundle.checkpoints is not None
    assert [c.tx_hash for c in done.bundle.checkpoints.checkpoints] == [
        c.tx_hash for c in checkpoints
    ]
    buyer = chain.client(-1)
    verdict = buyer.certificates.verify_bundle(
        bundle=done.bundle, report=report, readings=None, cert_id=None
    )
    assert verdict.verified, verdict.failures

    feed = FeedServer(store, session={}).start()
    try:
        witness = Witness(
            feed=FeedClient(feed.url),
            checkpoints=CheckpointsClient(buyer.chain),
            certificates=buyer.certificates,
            device_id=chain.device_id,
        )
        events = list(witness.follow(interval=0.05, timeout=60))
    finally:
        feed.stop()
    kinds = [e.kind for e in events]
    assert kinds == ["session"] + ["checkpoint"] * len(checkpoints) + ["certificate"]
    assert all(e.ok for e in events), [e.detail for e in events if not e.ok]
    assert [e.sequence for e in events if e.kind == "checkpoint"] == [
        c.sequence for c in checkpoints
    ]


def test_mqtt_bench_streams_every_reading_into_the_certificate(
    bench_chain: Any, broker: Any, tmp_path: Path
) -> None:
    bench = SimulatedBench(
        serial="HM-2026-0001", mqtt_url=broker.url, rate_hz=RATE_HZ, seconds=SECONDS
    )
    run_test(bench_chain, tmp_path, "mqtt", bench)


def test_opcua_bench_streams_every_reading_into_the_certificate(
    bench_chain: Any, tmp_path: Path
) -> None:
    bench = SimulatedBench(serial="HM-2026-0001", rate_hz=RATE_HZ, seconds=SECONDS)
    run_test(bench_chain, tmp_path, "opcua", bench)
