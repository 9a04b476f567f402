"""Bad configuration and bad values: one clear error or a recorded rejected reading, never a
crash (unknown node id, bad topic, unit mismatch, not a number, NaN/inf, a future timestamp)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from fabtrust.bench import (
    BenchGateway,
    BenchSourceError,
    BenchStore,
    Sample,
    SensorConfig,
    load_bench_config,
)
from fabtrust.errors import InvalidInputError
from fabtrust.testing import SimulatedBench

NOW_MS = 1_714_550_400_000


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


BASE = {
    "device_id": "0x2a",
    "source": {"kind": "mqtt", "endpoint": "mqtt://127.0.0.1:1883"},
    "sensors": [{"name": "P1_inlet_pressure", "unit": "bar", "topic": "bench/7/P1"}],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sensors": [{"name": "P1", "unit": "bar", "topic": "bench/+/P1"}]},
         "sensors.0.topic: 'bench/+/P1': a sensor topic names one topic, without the wildcards"),
        ({"sensors": [{"name": "P1", "unit": "bar", "node": "ns=2;s=P1"}]},
         "sensor P1: a mqtt source needs its topic"),
        ({"sensors": [{"name": "P1", "unit": "bar", "topic": "a/P1", "node": "ns=2;s=P1"}]},
         "sensor P1: node does not apply to a mqtt source"),
        ({"source": {"kind": "opcua", "endpoint": "opc.tcp://h:4840"},
          "sensors": [{"name": "P1", "unit": "bar", "node": "Bench.P1"}]},
         "sensors.0.node: 'Bench.P1' is not an OPC UA node id (like ns=2;s=Bench.P1)"),
        ({"source": {"kind": "mqtt", "endpoint": "tcp://h:1883"}},
         "source.mqtt.endpoint: 'tcp://h:1883' is not an mqtt://host:port endpoint"),
        ({"device_id": "motor-7"}, "device_id: 'motor-7' is not a device id (decimal or 0x hex)"),
        ({"checkpoint_every_readings": 0}, "checkpoint_every_readings: Input should be greater"),
    ],
)  # fmt: skip
def test_bad_config_is_one_clear_line(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    path = write(tmp_path / "bench.yaml", {**BASE, **change})
    with pytest.raises(InvalidInputError) as info:
        load_bench_config(path)
    assert str(info.value).startswith(f"bench config {path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bench.yaml", {**BASE, "sensors": [{"name": "P1", "topic": "a/#"}]})
    done = subprocess.run(
        [str(Path(sys.executable).parent / "fabtrust"), "bench", "run", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: bench config ")
    assert "without the wildcards + #" in lines[0]


def test_bad_values_are_recorded_rejected_readings(tmp_path: Path) -> None:
    store = BenchStore(
        tmp_path / "s.sqlite", device_id=1, units={"P1": "bar", "N1": "rpm"}, max_clock_skew_ms=5000
    )
    result = store.ingest(
        [
            Sample(channel="P1", value="212.37", source_ms=NOW_MS),
            Sample(channel="P1", value="not a number", source_ms=NOW_MS + 100),
            Sample(channel="P1", value=float("nan"), source_ms=NOW_MS + 200),
            Sample(channel="P1", value=float("inf"), source_ms=NOW_MS + 300),
            Sample(channel="P1", value="12.5", source_ms=NOW_MS + 3_600_000),
            Sample(channel="P1", value="12.5", source_ms=NOW_MS + 400, unit="psi"),
            Sample(channel="X9", value="1", source_ms=NOW_MS + 500),
            Sample(channel="N1", value=True, source_ms=NOW_MS + 600),
            Sample(channel="N1", value="1500", source_ms=None),
            Sample(channel="P1", value="212.370", source_ms=NOW_MS),  # the same value again
            Sample(channel="N1", value=1500.0, source_ms=NOW_MS + 700),
        ],
        now_ms=NOW_MS,
    )
    assert (result.stored, result.duplicates) == (2, 1)
    assert [r.reason for r in result.rejected] == [
        "not a finite number",
        "not a finite number",
        "not a finite number",
        "timestamp from the future (3600.0 s ahead of the gateway clock)",
        "unit 'psi' is not the configured 'bar'",
        "unknown channel 'X9' (not in the bench configuration)",
        "not a finite number",
        "no source timestamp",
    ]
    assert store.rejected() == list(result.rejected)
    assert [(r.channel, r.value, r.unit) for r in store.readings()] == [
        ("P1", "212.37", "bar"),
        ("N1", "1500", "rpm"),
    ]


def test_bad_mqtt_payloads_become_rejected_readings_and_the_gateway_goes_on(
    broker: Any, tmp_path: Path
) -> None:
    bench = SimulatedBench(mqtt_url=broker.url, sensors=2, rate_hz=1, seconds=5)
    config = bench.config(kind="mqtt", device_id=7, store=tmp_path / "s.sqlite")
    gateway = BenchGateway(config=config)
    channel = bench.channels[0][0]
    now = int(time.time() * 1000)

    async def main() -> None:
        stop = asyncio.Event()
        run = asyncio.ensure_future(gateway.run(stop=stop))
        while gateway.source_connected is None or not gateway.source_connected.is_set():
            await asyncio.sleep(0.02)
        for payload in (
            "hello",
            json.dumps({"value": "NaN", "ts": now}),
            '{"value": Infinity, "ts": 1}',
            json.dumps({"value": 1.5, "ts": now + 86_400_000}),
            json.dumps({"value": 1.5, "ts": now, "unit": "psi"}),
        ):
            await bench.publish_raw(channel, payload)
        await bench.publish(opcua=False)
        total = len(bench.expected())
        while len(gateway.store) < total:
            await asyncio.sleep(0.02)
        stop.set()
        await run
        await bench.stop()

    asyncio.run(main())
    reasons = [r.reason for r in gateway.store.rejected()]
    assert len(gateway.store) == len(bench.expected())
    assert reasons[:3] == ["not a finite number"] * 3
    assert reasons[3].startswith("timestamp from the future (86")
    assert reasons[4] == f"unit 'psi' is not the configured '{bench.channels[0][1]}'"


def test_unknown_node_id_and_unit_mismatch_stop_the_gateway_with_one_error(tmp_path: Path) -> None:
    bench = SimulatedBench(sensors=2, rate_hz=1, seconds=2)
    good = bench.config(kind="opcua", device_id=7, store=tmp_path / "s.sqlite")
    name, unit = bench.channels[0]
    unknown = good.model_copy(
        update={"sensors": (SensorConfig(name=name, unit=unit, node="ns=2;s=Bench.Nope"),)}
    )
    wrong_unit = good.model_copy(
        update={"sensors": (SensorConfig(name=name, unit="psi", node=bench.node_id(name)),)}
    )

    async def attempt(config: Any) -> str:
        with pytest.raises(BenchSourceError) as info:
            await BenchGateway(config=config, store=BenchStore(
                tmp_path / f"{id(config)}.sqlite", device_id=7, units={name: config.sensors[0].unit}
            )).run()  # fmt: skip
        return str(info.value)

    async def main() -> tuple[str, str]:
        await bench.start()
        try:
            return await attempt(unknown), await attempt(wrong_unit)
        finally:
            await bench.stop()

    first, second = asyncio.run(main())
    assert first.startswith(f"sensor {name}: node ns=2;s=Bench.Nope is not on {bench.opcua_url}")
    assert second == (
        f"sensor {name}: the server says node {bench.node_id(name)} is in '{unit}', "
        "the configuration says 'psi'"
    )


def test_toml_config_and_relative_store(tmp_path: Path) -> None:
    path = tmp_path / "bench.toml"
    path.write_text(
        'device_id = "42"\nstore = "data/s.sqlite"\ncheckpoint_every_s = 5\n'
        '[source]\nkind = "opcua"\nendpoint = "opc.tcp://10.0.0.7:4840/bench"\n'
        '[[sensors]]\nname = "P1"\nunit = "bar"\nnode = "ns=2;s=Bench.P1"\n'
    )
    config = load_bench_config(path)
    assert config.device_id == 42 and config.store == tmp_path / "data" / "s.sqlite"
    assert config.source.kind == "opcua" and config.sensors[0].node == "ns=2;s=Bench.P1"
    assert config.checkpoint_every_s == 5


def test_a_batch_meeting_stored_values_keeps_indices_contiguous_and_checkpoints_chained(
    tmp_path: Path,
) -> None:
    from bench_helpers import chained_roots

    from fabtrust.evidence import ReadingsTree

    path = tmp_path / "s.sqlite"
    store = BenchStore(path, device_id=1, units={"P1": "bar", "N1": "rpm"})
    first = [Sample(channel="P1", value=f"{k}.5", source_ms=NOW_MS - 10_000 + k) for k in range(5)]
    assert store.ingest(first, now_ms=NOW_MS).stored == 5  # one executemany
    assert store.add_checkpoint() is not None
    # Replayed values (stored before), a value twice in the batch, and new values: row by row.
    again = [
        *first[3:],
        Sample(channel="N1", value="1500", source_ms=NOW_MS - 1),
        Sample(channel="N1", value="1500.0", source_ms=NOW_MS - 1),
        Sample(channel="P1", value="7", source_ms=NOW_MS - 20_000),  # older than checkpoint 1
    ]
    result = store.ingest(again, now_ms=NOW_MS)
    assert (result.stored, result.duplicates, result.late) == (2, 3, 1)
    assert store.add_checkpoint() is not None and store.add_checkpoint() is None
    store.close()

    reopened = BenchStore(path, device_id=1, units={"P1": "bar", "N1": "rpm"})
    feed = reopened.feed()
    assert [r.index for r in feed] == list(range(7))
    assert [(r.reading.channel, r.reading.value, r.late) for r in feed[5:]] == [
        ("N1", "1500", False),
        ("P1", "7", True),
    ]
    readings = reopened.readings()
    checkpoints = reopened.checkpoints()
    assert [c.reading_count for c in checkpoints] == [5, 7]
    assert [(c.chunk_root, c.root) for c in checkpoints] == chained_roots(
        readings, reopened.seed, [5, 7]
    )
    assert reopened.root_of(7) == ReadingsTree.build(readings, seed=reopened.seed).root
    assert [r.leaf for r in feed] == [
        "0x" + leaf.hex()
        for leaf in reopened._leaves  # the in-memory leaves after a restart
    ]
