"""A simulated hydraulic-motor test bench that speaks the real protocols, for tests and the demo
(re-exported by :mod:`fabtrust.testing`): an asyncua OPC UA server exposing one node per sensor
(``ns=2;s=Bench.<channel>``, Double, with its EngineeringUnits), the same values published to an
MQTT broker (``<prefix>/<channel>``, JSON ``{"value", "ts", "unit"}``, QoS 1), and the broker
itself: :class:`MqttBroker` runs Mosquitto when it is installed and ``prefer_mosquitto`` is set,
else the embedded amqtt (its own virtualenv ``.venv-broker``, made by ``make``).

Values come from :func:`fabtrust.evidence.generate_bench_readings` (a plausible ISO 4409 run);
time is simulated: tick ``k`` has the source timestamp ``start_ms + k * period_ms``, and ticks are
published as fast as the caller paces them, so a 60 s test at 10 Hz takes a few seconds.
"""

from __future__ import annotations

import asyncio
import json
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
from fabtrust.evidence.readings import generate_bench_readings, parse_readings_csv

__all__ = ["MqttBroker", "SimTick", "SimulatedBench", "find_amqtt"]

NAMESPACE_URI = "urn:fabtrust:simulated-bench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
            kind = "mosquitto" if shutil.which("mosquitto") else "amqtt"
        if kind not in ("amqtt", "mosquitto"):
            raise InvalidInputError(f"unknown broker kind {kind!r} (amqtt, mosquitto, auto)")
        self.kind = kind
        self.port = port or _free_port()
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
            return [str(shutil.which("mosquitto")), "-c", str(conf)]
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
        self.opcua_port = opcua_port or _free_port()
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
