"""Bench gateway benchmark: readings/s from the gateway into its store with checkpointing on,
checkpoint gas, and the witness's latency from a value published to it shown as anchored.
Writes docs/benchmarks/bench.md (merged into docs/benchmarks.md by scripts/bench.py).

    python scripts/bench_bench.py [--readings 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks" / "bench.md"


def throughput(readings: int, folder: Path) -> dict[str, float]:
    """In-process: samples handed to the gateway in batches of 5,000 (what its writer does), each
    batch one SQLite transaction; a checkpoint (the chunk root of the readings since the previous
    one, chained) every 20,000; at the end the data root over every reading, built once."""
    from fabtrust.bench import BenchConfig, BenchGateway, MqttSource, Sample, SensorConfig
    from fabtrust.testing import BENCH_CHANNELS

    channels = BENCH_CHANNELS[:20]
    config = BenchConfig(
        device_id=1,
        source=MqttSource(endpoint="mqtt://127.0.0.1:1883"),
        sensors=tuple(SensorConfig(name=c, unit=u, topic=f"b/{c}") for c, u in channels),
        checkpoint_every_readings=20_000,
        checkpoint_every_s=10**9,
        store=folder / "throughput.sqlite",
    )
    start_ms = 1_714_550_400_000
    now_ms = start_ms + 10**9
    gateway = BenchGateway(config=config, clock_ms=lambda: now_ms)
    samples = [
        Sample(channel=channels[i % 20][0], value=f"{(i * 37) % 100000 / 100:.2f}",
               source_ms=start_ms + (i // 20))
        for i in range(readings)
    ]  # fmt: skip
    began = time.perf_counter()
    for first in range(0, readings, 5_000):
        gateway.ingest(samples[first : first + 5_000])
    gateway.checkpoint_now()
    gateway.store.root_of(len(gateway.store))  # the certificate's data root, once
    seconds = time.perf_counter() - began
    checkpoints = len(gateway.store.checkpoints())
    gateway.store.close()
    return {"readings": readings, "seconds": seconds, "per_s": readings / seconds,
            "checkpoints": checkpoints}  # fmt: skip


def chain_figures(folder: Path) -> dict[str, object]:
    """Checkpoint gas and witness latency on a private Anvil, over the embedded MQTT broker."""
    import fabtrust
    from fabtrust.accounts import Signer
    from fabtrust.bench import BenchGateway, CheckpointsClient, FeedClient, FeedServer, Witness
    from fabtrust.chain import connect_web3
    from fabtrust.deploy import LabGrant, RoleConfig, deploy_contracts
    from fabtrust.testing import LocalAnvil, MqttBroker, SimulatedBench

    with LocalAnvil() as node, MqttBroker(kind="auto") as broker:
        connection = connect_web3(node.url)
        now = int(connection.w3.eth.get_block("latest")["timestamp"])
        roles = RoleConfig(
            manufacturers=[Signer.dev(1).address],
            labs=[LabGrant(Signer.dev(2).address, "Lab", now + 86400 * 365)],
        )
        deployment = deploy_contracts(connection, connection.sender(Signer.dev(0)), roles)
        maker = fabtrust.connect(rpc_url=node.url, account="dev:1", deployments=deployment)
        lab = fabtrust.connect(rpc_url=node.url, account="dev:2", deployments=deployment)
        buyer = fabtrust.connect(rpc_url=node.url, deployments=deployment)
        device = maker.devices.register(
            serial="BENCH-1", model="HM", key_signer=Signer.generate()
        ).device_id
        ticks = 12
        bench = SimulatedBench(serial="BENCH-1", mqtt_url=broker.url, rate_hz=1, seconds=ticks)
        config = bench.config(
            kind="mqtt", device_id=device, store=folder / "latency.sqlite",
            checkpoint_every_readings=20, checkpoint_every_s=1,
        )  # fmt: skip
        gateway = BenchGateway(config=config, checkpoints=CheckpointsClient(lab.chain))
        feed = FeedServer(gateway.store, session={}).start()
        witness = Witness(
            feed=FeedClient(feed.url),
            checkpoints=CheckpointsClient(buyer.chain),
            certificates=buyer.certificates,
            device_id=device,
        )
        shown: dict[int, float] = {}
        stop_watch = threading.Event()

        def watch() -> None:
            while not stop_watch.is_set():
                for event in witness.poll():
                    if event.kind == "checkpoint" and event.ok and event.reading_count:
                        shown[event.reading_count] = time.perf_counter()
                time.sleep(0.05)

        published: dict[int, float] = {}

        async def run() -> None:
            stop = asyncio.Event()
            task = asyncio.ensure_future(gateway.run(stop=stop))
            while gateway.source_connected is None or not gateway.source_connected.is_set():
                await asyncio.sleep(0.02)
            for k, tick in enumerate(bench.ticks):
                published[20 * (k + 1)] = time.perf_counter()
                await bench.publish([tick], opcua=False)
                await asyncio.sleep(0.6)
            await asyncio.sleep(2)
            stop.set()
            await task
            await bench.stop()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        asyncio.run(run())
        time.sleep(1)
        stop_watch.set()
        watcher.join(5)
        feed.stop()
        latencies = []
        for count, at in published.items():
            # the first checkpoint covering this tick's readings
            covering = [t for c, t in shown.items() if c >= count]
            if covering:
                latencies.append(min(covering) - at)
        gas = [c.gas_used for c in gateway.store.checkpoints() if c.gas_used]
        gateway.store.close()
        return {"broker": broker.kind, "latencies": latencies, "gas_first": gas[0],
                "gas_next": statistics.median(gas[1:])}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        runs = [throughput(args.readings, folder / str(i)) for i in range(3)]
        chain = chain_figures(folder)
    best = statistics.median(r["per_s"] for r in runs)
    lat = sorted(chain["latencies"])  # type: ignore[arg-type]
    p90 = lat[min(len(lat) - 1, int(0.9 * len(lat)))] if lat else float("nan")
    lines = [
        "## Bench gateway",
        "",
        "```sh",
        "python scripts/bench_bench.py",
        "```",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d} ({platform.machine()}, "
        f"{os.cpu_count()} CPUs shared with other work, Python {platform.python_version()}).",
        "",
        f"**Gateway → store with checkpointing**: {args.readings:,} readings of 20 sensors handed "
        "to the gateway in batches of 5,000 (what its writer does with a busy source), each batch "
        "one SQLite transaction (WAL, synchronous=FULL, one `executemany`), each reading checked, "
        "salted (HMAC) and hashed into its leaf, a checkpoint every 20,000 readings (the chunk "
        "root of the new readings, chained to the previous checkpoint: O(new readings)), and at "
        "the end the certificate's data root over all of them, built once: median of 3 runs "
        f"**{best:,.0f} readings/s** (runs: "
        + ", ".join(f"{r['per_s']:,.0f}" for r in runs)
        + f"; target ≥ 20,000/s: {'met' if best >= 20_000 else '**missed**'}). The protocols "
        "are not in this figure: one OPC UA subscription or MQTT subscription in Python delivers "
        "a few thousand values/s (the 12,000-value tests run 10-60 s on this machine), so a "
        "plant runs one gateway per group of benches.",
        "",
        f"**Checkpoint gas** (TestCheckpoints.checkpoint): first of a session "
        f"{chain['gas_first']:,}, each following {chain['gas_next']:,.0f} (one storage slot per "
        "session, the root in the event).",
        "",
        f"**Witness latency**, value published on MQTT ({chain['broker']}) → shown by the witness "
        "as inside an anchored, verified checkpoint (a checkpoint per 20 readings, witness "
        f"polling every 50 ms, automine): median {statistics.median(lat):.2f} s, p90 {p90:.2f} s "
        f"over {len(lat)} ticks. In production the cadence (`checkpoint_every_s`) and the "
        "chain's block time dominate.",
        "",
    ]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "sdk"))
    raise SystemExit(main())
