"""The bench part of `fabtrust demo` (its own module so the demo's other steps stay apart).

A fourth motor is tested on the simulated bench: its OPC UA server streams 20 sensors at 10 Hz
(simulated time) to the bench gateway, which stores every reading, anchors checkpoints as the
lab and serves the feed; the buyer's witness follows live from the chain and the feed; the
certificate is issued on the streamed root; then one stored reading is changed and the witness
shows which checkpoint catches it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

__all__ = ["run_bench_demo"]

SERIAL = "HM-2026-0004"
SECONDS = 20


def _line(event: Any) -> str:
    if event.kind == "checkpoint":
        mark = "[green]✓[/]" if event.ok else "[red]✗ FAILED[/]"
        return (
            f"  witness: checkpoint {event.sequence} ({event.reading_count} readings, root "
            f"{str(event.root)[:14]}…, tx {str(event.tx_hash)[:12]}…) {mark}"
        )
    if event.kind == "reading":
        return f"  witness: [red]✗ {event.detail}[/]"
    if event.kind == "certificate":
        mark = "[green]verified[/]" if event.ok else "[red]NOT verified[/]"
        return f"  witness: certificate {str(event.cert_id)[:18]}… {mark}: {event.detail}"
    return f"  witness: {event.detail}"


def run_bench_demo(
    *,
    out: Any,
    out_dir: Path,
    lab: Any,
    maker: Any,
    buyer: Any,
    spec: str,
) -> dict[str, Any]:
    """Run the bench story; returns what the demo's JSON result shows."""
    from fabtrust.accounts import Signer
    from fabtrust.bench import BenchGateway, CheckpointsClient, FeedClient, FeedServer, Witness
    from fabtrust.testing import SimulatedBench

    folder = out_dir / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    key = Signer.generate()
    device_id = maker.devices.register(
        serial=SERIAL, model="HM-200 axial piston motor", key_signer=key
    ).device_id
    bench = SimulatedBench(serial=SERIAL, rate_hz=10, seconds=SECONDS)
    config = bench.config(
        kind="opcua",
        device_id=device_id,
        store=folder / "store.sqlite",
        checkpoint_every_readings=1000,
        checkpoint_every_s=5,
    )
    logging.getLogger("asyncua").setLevel(logging.ERROR)  # its session notes are not news here
    gateway = BenchGateway(
        config=config,
        checkpoints=CheckpointsClient(lab.chain),
        log=lambda line: out.info(f"  gateway: {line}"),
    )
    feed = FeedServer(gateway.store, session={}).start()
    out.info(
        f"  {SERIAL} (id {str(device_id)[:18]}…) on the bench: {len(bench.channels)} sensors "
        f"over OPC UA {bench.opcua_url}, 10 Hz, {SECONDS} s; feed {feed.url}"
    )
    witness = Witness(
        feed=FeedClient(feed.url),
        checkpoints=CheckpointsClient(buyer.chain),
        certificates=buyer.certificates,
        device_id=device_id,
    )
    seen: list[Any] = []

    def watch() -> None:
        for event in witness.follow(interval=0.2, timeout=300):
            seen.append(event)
            out.info(_line(event))

    watcher = threading.Thread(target=watch, daemon=True)
    total = len(bench.expected())

    async def stream() -> None:
        await bench.start()
        try:
            stop = asyncio.Event()
            run = asyncio.ensure_future(gateway.run(stop=stop, until_readings=total))
            while gateway.source_connected is None or not gateway.source_connected.is_set():
                await asyncio.sleep(0.02)
            await bench.publish(mqtt=False, pause_s=0.005)
            await asyncio.wait_for(run, timeout=300)
        finally:
            await bench.stop()

    try:
        watcher.start()
        asyncio.run(stream())
        report = folder / f"{SERIAL}.txt"
        report.write_text(
            f"Hydraulics Test Centre - streamed bench test report\nSpecification: {spec}\n"
            f"Device: {SERIAL} (id {device_id})\nReadings: {total} streamed over OPC UA\n"
            f"Result: PASS\n"
        )
        done = gateway.finish(
            certificates=lab.certificates,
            report=report,
            test_spec=spec,
            passed=True,
            valid_until=datetime.now(timezone.utc) + timedelta(days=365),
            device_key=key,
        )
        done.bundle.save(folder / f"{SERIAL}.bundle.json")
        out.info(
            f"  certificate {done.issued.cert_id[:18]}… on the streamed root "
            f"{done.data_root[:18]}… ({done.readings} readings, "
            f"{len(gateway.store.checkpoints())} checkpoints)"
        )
        watcher.join(120)
        certified = bool(seen) and seen[-1].kind == "certificate" and seen[-1].ok

        # Tamper: one stored reading is changed after its checkpoint was anchored.
        index = total // 2 + 7
        with sqlite3.connect(gateway.store.path) as db:
            (value,) = db.execute("SELECT value FROM readings WHERE idx = ?", (index,)).fetchone()
            db.execute("UPDATE readings SET value = ? WHERE idx = ?", (value + "1", index))
        out.info(f"  a stored reading is changed afterwards: #{index} {value} → {value}1")
        again = Witness(
            feed=FeedClient(feed.url),
            checkpoints=CheckpointsClient(buyer.chain),
            certificates=buyer.certificates,
            device_id=device_id,
        )
        events = list(again.follow(interval=0.05, timeout=60))
        failed = [e for e in events if e.kind == "checkpoint" and not e.ok]
        caught = failed[0].sequence if failed else None
        counts = [0] + [c.reading_count for c in gateway.store.checkpoints()]
        covering = [counts[caught - 1], counts[caught]] if caught else None
        for event in events:
            if event.kind == "reading" or (event.kind == "checkpoint" and not event.ok):
                out.info(_line(event))
        out.info(
            f"  [bold]checkpoint {caught} catches it[/] (the one whose chunk, readings "
            f"{covering[0]}..{covering[1] - 1}, holds #{index}; the others still verify)"
            if caught and covering
            else "  [red]no checkpoint caught the change[/]"
        )
    finally:
        feed.stop()
        gateway.store.close()
    return {
        "serial": SERIAL,
        "device_id": str(device_id),
        "readings": total,
        "checkpoints": len(done.bundle.checkpoints.checkpoints) if done.bundle.checkpoints else 0,
        "cert_id": done.issued.cert_id,
        "data_root": done.data_root,
        "witness_verified": certified,
        "tampered_reading": index,
        "caught_by_checkpoint": caught,
        "caught_checkpoint_covers": covering,  # [previous count, its count]
        "ok": certified and caught is not None,
    }
