"""The simulated hydraulic-motor test bench, for tests and the demo (private: use it through
:mod:`fabtrust.testing`, which re-exports :class:`SimulatedBench`, :class:`MqttBroker`,
:func:`generate_bench_readings` and :data:`BENCH_CHANNELS`). It speaks the real protocols: an
asyncua OPC UA server exposing one node per sensor (``ns=2;s=Bench.<channel>``, Double, with its
EngineeringUnits), the same values published to an MQTT broker (``<prefix>/<channel>``, JSON
``{"value", "ts", "unit"}``, QoS 1), and the broker itself: :class:`MqttBroker` runs Mosquitto
(``kind="mosquitto"``, or ``"auto"`` when it is installed) or the embedded amqtt (its own
virtualenv ``.venv-broker``, made by ``make``). The server historizes every sample, so a gateway
that was away reads the gap back.

Values come from :func:`generate_bench_readings` (a plausible ISO 4409 run); time is simulated:
tick ``k`` has the source timestamp ``start_ms + k * period_ms``, and ticks are published as fast
as the caller paces them, so a 60 s test at 10 Hz takes a few seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from fabtrust.bench.config import BenchConfig, MqttSource, OpcUaSource, SensorConfig
from fabtrust.errors import InvalidInputError
from fabtrust.evidence.readings import (
    Reading,
    _datetime_seconds,
    format_readings_csv,
    parse_readings_csv,
)
from fabtrust.testing import free_port

__all__ = [
    "BENCH_CHANNELS",
    "MqttBroker",
    "SimTick",
    "SimulatedBench",
    "find_amqtt",
    "find_mosquitto",
    "generate_bench_readings",
]

NAMESPACE_URI = "urn:fabtrust:simulated-bench"


def _wait_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the broker exited with code {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


# --------------------------------------------------------------------------------------------------
# the broker


def find_mosquitto() -> str | None:
    """Mosquitto on PATH, else where Debian's ``mosquitto`` package puts it (``/usr/sbin``, not
    on a normal user's PATH); None when it is not installed."""
    found = shutil.which("mosquitto")
    if found is None and Path("/usr/sbin/mosquitto").is_file():
        found = "/usr/sbin/mosquitto"
    return found


def find_amqtt() -> str | None:
    """The amqtt broker script of ``.venv-broker`` (beside this Python's virtualenv), or on PATH."""
    for candidate in (
        Path(sys.prefix).parent / ".venv-broker" / "bin" / "amqtt",
        Path(sys.executable).parent / "amqtt",
    ):
        if candidate.exists():
            return str(candidate)
    return shutil.which("amqtt")


class MqttBroker:
    """A real MQTT broker on 127.0.0.1 and a free port, as a subprocess, until :meth:`stop`.

    ``kind``: ``"amqtt"`` (embedded default), ``"mosquitto"``, or ``"auto"`` (Mosquitto when
    ``mosquitto`` is on PATH, else amqtt). :meth:`stop` and :meth:`start` again keep the port, so
    a test can take the broker away and bring it back.
    """

    def __init__(self, *, kind: str = "amqtt", port: int | None = None) -> None:
        if kind == "auto":
            kind = "mosquitto" if find_mosquitto() else "amqtt"
        if kind not in ("amqtt", "mosquitto"):
            raise InvalidInputError(f"unknown broker kind {kind!r} (amqtt, mosquitto, auto)")
        self.kind = kind
        self.port = port or free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self._dir = Path(tempfile.mkdtemp(prefix="fabtrust-broker-"))
        self.process: subprocess.Popen[bytes] | None = None

    def _command(self) -> list[str]:
        if self.kind == "mosquitto":
            conf = self._dir / "mosquitto.conf"
            conf.write_text(
                f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                "max_queued_messages 100000\n"
            )
            mosquitto = find_mosquitto()
            if mosquitto is None:
                raise InvalidInputError(
                    "Mosquitto is not installed: `make mqtt-broker` (apt-get install mosquitto)"
                )
            return [mosquitto, "-c", str(conf)]
        amqtt = find_amqtt()
        if amqtt is None:
            raise InvalidInputError(
                "the amqtt broker is not installed: run `make` in the fabtrust checkout "
                "(it makes .venv-broker), or install Mosquitto"
            )
        conf = self._dir / "amqtt.yaml"
        conf.write_text(
            "listeners:\n  default:\n    type: tcp\n"
            f"    bind: 127.0.0.1:{self.port}\n"
            "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n"
            "    allow_anonymous: true\n"
        )
        return [amqtt, "-c", str(conf)]

    def start(self, *, timeout: float = 20.0) -> MqttBroker:
        log = open(self._dir / "broker.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            self._command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        try:
            _wait_port(self.port, timeout, self.process)
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def __enter__(self) -> MqttBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# the bench


class SimTick:
    """One sampling instant: ``(channel, unit, value text)`` per sensor at ``source_ms``."""

    __slots__ = ("index", "source_ms", "values")

    def __init__(self, index: int, source_ms: int, values: list[tuple[str, str, str]]) -> None:
        self.index, self.source_ms, self.values = index, source_ms, values


class SimulatedBench:
    """A hydraulic-motor bench of ``sensors`` channels sampled at ``rate_hz`` for ``seconds`` of
    simulated time from ``start_ms`` (unix ms; default: ``seconds + 60`` s before now).

    :meth:`start` runs the OPC UA server (``opcua_url``); :meth:`publish` writes ticks to it and,
    with an ``mqtt_url``, publishes them to the broker. Use :meth:`config` for a matching
    :class:`~fabtrust.bench.BenchConfig`.
    """

    def __init__(
        self,
        *,
        serial: str = "HM-2026-0001",
        sensors: int = 20,
        rate_hz: int = 10,
        seconds: int = 60,
        start_ms: int | None = None,
        opcua_port: int | None = None,
        mqtt_url: str | None = None,
        topic_prefix: str | None = None,
    ) -> None:
        if rate_hz < 1 or seconds < 1:
            raise InvalidInputError("rate_hz and seconds must be positive")
        self.serial = serial
        self.period_ms = 1000 // rate_hz
        count = rate_hz * seconds
        self.start_ms = (
            start_ms if start_ms is not None else (int(time.time()) - seconds - 60) * 1000
        )
        rows = parse_readings_csv(
            generate_bench_readings(serial=serial, sensors=sensors, samples=count, seed=serial)
        )
        self.channels: list[tuple[str, str]] = [(r.channel, r.unit) for r in rows[:sensors]]
        self.ticks: list[SimTick] = [
            SimTick(
                k,
                self.start_ms + k * self.period_ms,
                [(r.channel, r.unit, r.value) for r in rows[k * sensors : (k + 1) * sensors]],
            )
            for k in range(count)
        ]
        self.opcua_port = opcua_port or free_port()
        self.opcua_url = f"opc.tcp://127.0.0.1:{self.opcua_port}/fabtrust/bench"
        self.mqtt_url = mqtt_url
        self.topic_prefix = topic_prefix or f"bench/{serial}"
        self._server: Any = None
        self._nodes: dict[str, Any] = {}
        self._mqtt: Any = None
        self._mqtt_stack: Any = None

    # ---- configuration for a gateway -------------------------------------------------------------

    def node_id(self, channel: str) -> str:
        return f"ns=2;s=Bench.{channel}"

    def topic(self, channel: str) -> str:
        return f"{self.topic_prefix}/{channel}"

    def config(self, *, kind: str, device_id: int, store: Path, **extra: Any) -> BenchConfig:
        """A BenchConfig reading this bench over ``kind`` (``"opcua"`` or ``"mqtt"``)."""
        source: OpcUaSource | MqttSource
        if kind == "opcua":
            source = OpcUaSource(endpoint=self.opcua_url)
            sensors = [SensorConfig(name=c, unit=u, node=self.node_id(c)) for c, u in self.channels]
        elif kind == "mqtt":
            if self.mqtt_url is None:
                raise InvalidInputError("this simulated bench has no MQTT broker")
            source = MqttSource(endpoint=self.mqtt_url, client_id=f"gw-{self.serial}")
            sensors = [SensorConfig(name=c, unit=u, topic=self.topic(c)) for c, u in self.channels]
        else:
            raise InvalidInputError(f"unknown source kind {kind!r}")
        return BenchConfig(
            device_id=device_id,
            source=source,
            sensors=tuple(sensors),
            sampling_period_ms=self.period_ms,
            store=store,
            **extra,
        )

    def expected(self, ticks: Sequence[SimTick] | None = None) -> list[tuple[str, int, str]]:
        """``(channel, source_ms, value text)`` of every value of ``ticks`` (default: all)."""
        return [
            (channel, tick.source_ms, value)
            for tick in (self.ticks if ticks is None else ticks)
            for channel, _unit, value in tick.values
        ]

    # ---- OPC UA server ---------------------------------------------------------------------------

    async def start(self) -> SimulatedBench:
        """Start the OPC UA server (same port on a restart)."""
        from asyncua import Server, ua

        server = Server()
        await server.init()
        server.set_endpoint(self.opcua_url)
        server.set_server_name("fabtrust simulated hydraulic-motor bench")
        idx = await server.register_namespace(NAMESPACE_URI)
        bench = await server.nodes.objects.add_object(idx, "Bench")
        for channel, unit in self.channels:
            node = await bench.add_variable(
                ua.NodeId(f"Bench.{channel}", idx), channel, 0.0, varianttype=ua.VariantType.Double
            )
            await server.write_attribute_value(  # no value before the first sample
                node.nodeid,
                ua.DataValue(
                    ua.Variant(0.0, ua.VariantType.Double),
                    StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData),
                ),
            )
            prop = await node.add_property(0, "EngineeringUnits", ua.EUInformation())
            await prop.write_value(
                ua.EUInformation(
                    DisplayName=ua.LocalizedText(unit), Description=ua.LocalizedText(unit)
                )
            )
            self._nodes[channel] = node
            # The server historizes every sample (in memory, unbounded, as a plant historian
            # would): a gateway that was away reads the gap back (HistoryRead).
            await server.iserver.history_manager.storage.new_historized_node(node.nodeid, None, 0)
        await server.start()
        self._server = server
        return self

    async def stop(self) -> None:
        """Stop the OPC UA server (and the MQTT publisher)."""
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if self._mqtt_stack is not None:
            await self._mqtt_stack.aclose()
            self._mqtt_stack = self._mqtt = None

    async def _mqtt_client(self) -> Any:
        if self._mqtt is None:
            import contextlib

            import aiomqtt

            source = MqttSource(endpoint=str(self.mqtt_url))
            stack = contextlib.AsyncExitStack()
            self._mqtt = await stack.enter_async_context(
                aiomqtt.Client(
                    source.host, source.port, identifier=f"sim-{self.serial}", timeout=5,
                    max_queued_outgoing_messages=0,
                )
            )  # fmt: skip
            self._mqtt_stack = stack
        return self._mqtt

    async def publish(
        self,
        ticks: Sequence[SimTick] | None = None,
        *,
        opcua: bool = True,
        mqtt: bool = True,
        pause_s: float = 0.0,
    ) -> None:
        """Write ``ticks`` (default: all) to the OPC UA nodes (with their source timestamps) and
        publish them to MQTT; ``pause_s`` between ticks (0 = as fast as the protocols go)."""
        from asyncua import ua

        client = await self._mqtt_client() if (mqtt and self.mqtt_url) else None
        for tick in self.ticks if ticks is None else ticks:
            stamp = datetime.fromtimestamp(tick.source_ms / 1000, tz=timezone.utc)
            for channel, unit, value in tick.values:
                if opcua and self._server is not None:
                    datavalue = ua.DataValue(
                        ua.Variant(float(value), ua.VariantType.Double),
                        SourceTimestamp=stamp,
                        ServerTimestamp=stamp,
                    )
                    nodeid = self._nodes[channel].nodeid
                    await self._server.write_attribute_value(nodeid, datavalue)
                    await self._server.iserver.history_manager.storage.save_node_value(
                        nodeid, datavalue
                    )
                if client is not None:
                    payload = json.dumps(
                        {"value": float(value), "ts": tick.source_ms, "unit": unit}
                    )
                    await client.publish(self.topic(channel), payload, qos=1)
            await asyncio.sleep(pause_s)

    async def publish_raw(self, channel: str, payload: str | bytes) -> None:
        """Publish any payload on a sensor's topic (tests of bad values)."""
        client = await self._mqtt_client()
        await client.publish(self.topic(channel), payload, qos=1)


# --------------------------------------------------------------------------------------------------
# synthetic bench data (the values the simulated bench serves; demos and tests)


class _Channel:
    __slots__ = ("decimals", "name", "noise", "unit")

    def __init__(self, name: str, unit: str, decimals: int, noise: float) -> None:
        self.name, self.unit, self.decimals, self.noise = name, unit, decimals, noise


_CHANNELS: tuple[_Channel, ...] = (
    _Channel("P1_inlet_pressure", "bar", 2, 0.35),
    _Channel("P2_outlet_pressure", "bar", 2, 0.08),
    _Channel("P3_case_drain_pressure", "bar", 3, 0.02),
    _Channel("P4_charge_pressure", "bar", 2, 0.05),
    _Channel("Q1_inlet_flow", "L/min", 2, 0.25),
    _Channel("Q2_outlet_flow", "L/min", 2, 0.25),
    _Channel("Q3_case_drain_flow", "L/min", 3, 0.02),
    _Channel("T1_inlet_oil_temperature", "°C", 2, 0.05),
    _Channel("T2_outlet_oil_temperature", "°C", 2, 0.05),
    _Channel("T3_case_drain_temperature", "°C", 2, 0.08),
    _Channel("T4_tank_oil_temperature", "°C", 2, 0.04),
    _Channel("T5_ambient_temperature", "°C", 2, 0.03),
    _Channel("N1_shaft_speed", "rpm", 1, 1.5),
    _Channel("M1_shaft_torque", "Nm", 2, 0.6),
    _Channel("V1_vibration_drive_end", "mm/s", 3, 0.04),
    _Channel("V2_vibration_non_drive_end", "mm/s", 3, 0.04),
    _Channel("T6_bearing_temperature", "°C", 2, 0.05),
    _Channel("L1_tank_level", "%", 1, 0.05),
    _Channel("X1_particle_count_4um", "p/mL", 0, 25.0),
    _Channel("H1_oil_water_content", "ppm", 0, 4.0),
    _Channel("P5_pilot_pressure", "bar", 2, 0.05),
    _Channel("T7_cooler_outlet_temperature", "°C", 2, 0.05),
    _Channel("Q4_cooler_water_flow", "L/min", 2, 0.1),
    _Channel("E1_drive_power", "kW", 2, 0.15),
)

BENCH_CHANNELS: tuple[tuple[str, str], ...] = tuple((c.name, c.unit) for c in _CHANNELS)
"""``(channel, unit)`` of the synthetic bench, in order; ``sensors=n`` uses the first ``n``."""

_DEFAULT_START = datetime(2024, 5, 1, 8, 0, 0, tzinfo=timezone.utc)


def generate_bench_readings(
    *,
    serial: str,
    sensors: int = 20,
    samples: int = 600,
    seed: int | str | bytes,
    start: datetime | int = _DEFAULT_START,
    interval_s: int = 1,
) -> str:
    """Synthetic but physically plausible hydraulic-motor bench data, as readings CSV text.

    A test run in the spirit of ISO 4409: the motor (displacement 80-125 cm³/rev, efficiencies
    drawn per ``serial``) is run up to ~1500 rpm, then loaded in four pressure steps (≈50, 100, 160,
    210 bar differential) while the oil warms up. Flows follow displacement x speed and volumetric
    efficiency (leakage grows with pressure), torque follows displacement x Δp and hydro-mechanical
    efficiency, temperatures rise with losses; every channel gets sensor noise and is rounded to
    its sensor's resolution. The same arguments always give the same text.

    Args:
        serial: the motor's serial number (varies the motor's characteristics).
        sensors: how many channels of :data:`BENCH_CHANNELS` to log (1 to 24).
        samples: samples per channel (rows = samples x sensors).
        seed: seeds the random generator (not the secret salt seed).
        start: time of the first sample (aware datetime or unix seconds).
        interval_s: seconds between samples.
    """
    if not 1 <= sensors <= len(_CHANNELS):
        raise InvalidInputError(f"sensors must be between 1 and {len(_CHANNELS)}, got {sensors}")
    if samples < 1 or interval_s < 1:
        raise InvalidInputError("samples and interval_s must be positive")
    if not serial:
        raise InvalidInputError("serial must not be empty")
    start_s = _datetime_seconds(start, str(start)) if isinstance(start, datetime) else int(start)
    seed_text = seed.hex() if isinstance(seed, bytes) else repr(seed)
    rng = random.Random(hashlib.sha256(f"{seed_text}|{serial}".encode()).digest())
    channels = _CHANNELS[:sensors]

    displacement = rng.choice((80.0, 100.0, 125.0))  # cm³/rev
    leak_coeff = rng.uniform(1.6e-4, 2.4e-4)  # volumetric loss per bar
    eta_hm = rng.uniform(0.90, 0.94)
    target_speed = 1500.0
    ambient = rng.uniform(19.0, 24.0)
    steps = (50.0, 100.0, 160.0, 210.0)
    particles = rng.uniform(800.0, 1600.0)
    water = rng.uniform(60.0, 140.0)
    level = rng.uniform(70.0, 80.0)

    speed = 0.0
    dp = 0.0
    oil = ambient + rng.uniform(1.0, 3.0)
    bearing = oil
    rows: list[Reading] = []
    for k in range(samples):
        phase = k / samples
        # operating point: run-up over the first 10 %, then four equal load steps
        if phase < 0.1:
            speed_set, dp_set = target_speed * phase / 0.1, 20.0
        else:
            speed_set, dp_set = target_speed, steps[min(3, int((phase - 0.1) / 0.225))]
        speed += (speed_set - speed) * 0.5
        dp += (dp_set - dp) * 0.35
        eta_v = 1.0 - leak_coeff * dp
        droop = 1.0 - 0.00002 * dp
        n_rpm = speed * droop
        q_ideal = displacement * n_rpm / 1000.0  # L/min
        q_in = q_ideal / eta_v if n_rpm > 0 else 0.0
        q_leak = q_in - q_ideal
        back = 4.0 + 0.015 * q_in
        torque = displacement * dp / (20.0 * math.pi) * eta_hm
        power = torque * n_rpm * 2.0 * math.pi / 60.0 / 1000.0
        losses = dp * 1e5 * q_in / 60000.0 * (1.0 - eta_v * eta_hm) / 1000.0  # kW
        oil += (ambient + 28.0 + 0.6 * losses - oil) * (3.0 * interval_s / max(samples, 60))
        bearing += (oil + 6.0 + 0.004 * n_rpm - bearing) * 0.05
        t_out = oil + dp * (1.0 - eta_v * eta_hm) * 0.0606
        vib = 0.6 + 0.0009 * n_rpm + 0.002 * dp
        values = {
            "P1_inlet_pressure": back + dp,
            "P2_outlet_pressure": back,
            "P3_case_drain_pressure": 0.6 + 0.08 * q_leak,
            "P4_charge_pressure": 20.0,
            "Q1_inlet_flow": q_in,
            "Q2_outlet_flow": q_in - q_leak,
            "Q3_case_drain_flow": q_leak,
            "T1_inlet_oil_temperature": oil,
            "T2_outlet_oil_temperature": t_out,
            "T3_case_drain_temperature": t_out + 2.5 + 0.01 * dp,
            "T4_tank_oil_temperature": oil - 1.2,
            "T5_ambient_temperature": ambient,
            "N1_shaft_speed": n_rpm,
            "M1_shaft_torque": torque,
            "V1_vibration_drive_end": vib,
            "V2_vibration_non_drive_end": vib * 0.8,
            "T6_bearing_temperature": bearing,
            "L1_tank_level": level,
            "X1_particle_count_4um": particles,
            "H1_oil_water_content": water,
            "P5_pilot_pressure": 30.0,
            "T7_cooler_outlet_temperature": oil - 4.0,
            "Q4_cooler_water_flow": 12.0 + 0.08 * losses,
            "E1_drive_power": power / 0.93 + 0.4,
        }
        timestamp = start_s + k * interval_s
        for channel in channels:
            raw = values[channel.name] + rng.gauss(0.0, channel.noise)
            if channel.name.startswith(("Q", "N", "M", "E")) and n_rpm <= 0:
                raw = abs(rng.gauss(0.0, channel.noise))
            text = f"{max(raw, 0.0):.{channel.decimals}f}"
            rows.append(
                Reading(timestamp=timestamp, channel=channel.name, value=text, unit=channel.unit)
            )
    return format_readings_csv(rows)
