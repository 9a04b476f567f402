"""Outages mid-test: the broker or the OPC UA server gone for 10 s (the gateway reconnects and
says so on one line, nothing is lost), the chain unreachable for a while (readings keep landing
in the store, checkpoints wait and are anchored in order once it is back)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from fabtrust.bench import BenchGateway, CheckpointsClient
from fabtrust.testing import SimulatedBench

OUTAGE_S = 10


async def until(predicate: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def start(gateway: BenchGateway) -> tuple[asyncio.Event, asyncio.Future[None]]:
    stop = asyncio.Event()
    run = asyncio.ensure_future(gateway.run(stop=stop))
    await until(
        lambda: gateway.source_connected is not None and gateway.source_connected.is_set(),
        "subscribe",
    )
    return stop, run


def test_broker_stopped_for_10_s_gateway_reconnects_on_one_line(
    broker: Any, tmp_path: Path
) -> None:
    bench = SimulatedBench(mqtt_url=broker.url, rate_hz=10, seconds=10)
    config = bench.config(kind="mqtt", device_id=7, store=tmp_path / "s.sqlite")
    lines: list[str] = []
    gateway = BenchGateway(config=config, log=lines.append, retry_s=0.2)

    async def main() -> None:
        stop, run = await start(gateway)
        await bench.publish(bench.ticks[:50], opcua=False, pause_s=0.005)
        await until(lambda: len(gateway.store) == 1000, "the first half")
        await bench.stop()
        assert gateway.source_connected is not None
        gateway.source_connected.clear()
        broker.stop()
        await asyncio.sleep(OUTAGE_S)
        broker.start()
        await until(gateway.source_connected.is_set, "the gateway to reconnect")
        await bench.publish(bench.ticks[50:], opcua=False, pause_s=0.005)
        await until(lambda: len(gateway.store) == 2000, "the second half")
        stop.set()
        await run
        await bench.stop()

    asyncio.run(main())
    assert len(gateway.store) == 2000 and gateway.duplicates == 0
    about = [line for line in lines if broker.url in line]
    assert about[0] == f"reading {broker.url}"
    assert len(about) == 2, about
    assert about[1].startswith(f"reconnected to {broker.url} after ")
    assert " s away (" in about[1] and about[1].endswith("; reading again")
    away = float(about[1].split(" after ")[1].split(" s away")[0])
    assert away >= OUTAGE_S - 1


def test_opcua_server_stopped_for_10_s_gateway_reconnects_on_one_line(tmp_path: Path) -> None:
    bench = SimulatedBench(rate_hz=10, seconds=10)
    config = bench.config(kind="opcua", device_id=7, store=tmp_path / "s.sqlite")
    lines: list[str] = []
    gateway = BenchGateway(config=config, log=lines.append, retry_s=0.2)

    async def main() -> None:
        await bench.start()
        stop, run = await start(gateway)
        await bench.publish(bench.ticks[:50], mqtt=False, pause_s=0.002)
        await until(lambda: len(gateway.store) == 1000, "the first half")
        assert gateway.source_connected is not None
        gateway.source_connected.clear()
        await bench.stop()
        await asyncio.sleep(OUTAGE_S)
        await bench.start()
        await until(gateway.source_connected.is_set, "the gateway to reconnect")
        await bench.publish(bench.ticks[50:], mqtt=False, pause_s=0.002)
        await until(lambda: len(gateway.store) == 2000, "the second half")
        stop.set()
        await run
        await bench.stop()

    asyncio.run(main())
    assert len(gateway.store) == 2000
    about = [line for line in lines if bench.opcua_url in line]
    assert len(about) == 2, about
    assert about[1].startswith(f"reconnected to {bench.opcua_url} after ")


def test_chain_unreachable_readings_land_and_checkpoints_catch_up_in_order(
    bench_chain: Any, proxy: Any, broker: Any, tmp_path: Path
) -> None:
    bench = SimulatedBench(mqtt_url=broker.url, rate_hz=10, seconds=15)
    config = bench.config(
        kind="mqtt",
        device_id=bench_chain.device_id,
        store=tmp_path / "s.sqlite",
        checkpoint_every_readings=400,
        checkpoint_every_s=1000,
    )
    lab = bench_chain.client(2, rpc_url=proxy.url, timeout=2.0)
    lines: list[str] = []
    gateway = BenchGateway(
        config=config, checkpoints=CheckpointsClient(lab.chain), log=lines.append, retry_s=0.2
    )
    store = gateway.store

    async def main() -> None:
        stop, run = await start(gateway)
        await bench.publish(bench.ticks[:50], opcua=False, pause_s=0.005)  # 1,000 readings
        await until(lambda: len(store) == 1000 and not store.pending_checkpoints(), "anchoring")
        anchored_before = len(store.checkpoints())
        proxy.cut()
        await bench.publish(bench.ticks[50:150], opcua=False, pause_s=0.005)
        await until(lambda: len(store) == 3000, "readings to land while the chain is away")
        waiting = store.pending_checkpoints()
        assert len(waiting) >= 4, waiting  # recorded, in order, not anchored
        assert [c.sequence for c in waiting] == list(
            range(anchored_before + 1, anchored_before + 1 + len(waiting))
        )
        proxy.restore()
        await until(lambda: not store.pending_checkpoints(), "the checkpoints to catch up")
        stop.set()
        await run
        await bench.stop()

    asyncio.run(main())
    checkpoints = store.checkpoints()
    reader = CheckpointsClient(bench_chain.client(-1).chain)
    on_chain = reader.anchored(device_id=bench_chain.device_id, session_id=gateway.session_id)
    assert [(e.sequence, e.root, e.reading_count) for e in on_chain] == [
        (c.sequence, c.root, c.reading_count) for c in checkpoints
    ]
    assert [e.block_number for e in on_chain] == sorted(e.block_number for e in on_chain)
    down = [line for line in lines if line.startswith("chain: ")]
    back = [line for line in lines if line.startswith("chain back after ")]
    assert len(down) == 1 and len(back) == 1, lines
    assert "readings keep landing in the store" in down[0]
    assert "in order (sequence" in back[0]
