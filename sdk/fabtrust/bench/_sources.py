"""Bench sources (private): an OPC UA subscription and an MQTT subscription, each feeding
:class:`~fabtrust.bench.models.Sample` lists to a callback, reconnecting by themselves.

A lost connection is retried every ``retry_s`` quietly; when it is back, one line goes to ``log``
(how long it was away, how many attempts). asyncua and aiomqtt are imported here only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from fabtrust.bench.config import BenchConfig, MqttSource, OpcUaSource
from fabtrust.bench.errors import BenchSourceError
from fabtrust.bench.models import Sample

__all__ = ["run_source"]

Put = Callable[[list[Sample]], None]
Log = Callable[[str], None]


async def run_source(
    config: BenchConfig,
    put: Put,
    log: Log,
    *,
    retry_s: float = 0.5,
    clock: Callable[[], int],
    on_connected: Callable[[], None] = lambda: None,
    resume_from: Callable[[], dict[str, int]] = dict,
) -> None:
    """Read ``config.source`` until cancelled; ``on_connected`` after each (re)subscription.
    ``resume_from`` gives, per channel, the newest source time (ms) already stored: after each
    OPC UA (re)subscription the values the server historized since then are read too (the gap
    while the gateway was away; what is stored already comes back as duplicates, skipped).
    Raises BenchSourceError for a configuration the source contradicts (an unknown node id, a
    unit the server states otherwise)."""
    source = config.source
    outages = _Outages(log, source.endpoint, retry_s, on_connected)
    if isinstance(source, OpcUaSource):
        await outages.run(lambda: _opcua_session(config, source, put, resume_from))
    else:
        await outages.run(lambda: _mqtt_session(config, source, put, clock))


class _Outages:
    """Runs connect-and-read sessions again and again; logs one line per outage once recovered."""

    def __init__(
        self, log: Log, endpoint: str, retry_s: float, on_connected: Callable[[], None]
    ) -> None:
        self._log, self._endpoint, self._retry_s = log, endpoint, retry_s
        self._on_connected = on_connected

    async def run(self, session: Callable[[], Any]) -> None:
        down_since: float | None = None
        attempts = 0
        first = True
        while True:
            connected = asyncio.Event()

            async def announce(connected: asyncio.Event = connected) -> None:
                nonlocal down_since, attempts, first
                await connected.wait()
                if first and down_since is None:
                    self._log(f"reading {self._endpoint}")
                elif down_since is not None:
                    away = time.monotonic() - down_since
                    what = "connected to" if first else "reconnected to"
                    self._log(
                        f"{what} {self._endpoint} after {away:.1f} s away "
                        f"({attempts} attempt{'s' if attempts != 1 else ''}); reading again"
                    )
                first = False
                down_since, attempts = None, 0
                self._on_connected()

            announcer = asyncio.ensure_future(announce())
            try:
                await session()(connected)
            except BenchSourceError:
                raise
            except asyncio.CancelledError:
                raise
            except Exception:  # the connection failed or dropped: try again
                if down_since is None:
                    down_since = time.monotonic()
                attempts += 1
            finally:
                announcer.cancel()
            await asyncio.sleep(self._retry_s)


# --------------------------------------------------------------------------------------------------
# OPC UA


def _opcua_session(
    config: BenchConfig,
    source: OpcUaSource,
    put: Put,
    resume_from: Callable[[], dict[str, int]],
) -> Any:
    async def session(connected: asyncio.Event) -> None:
        from asyncua import Client, ua

        client = Client(url=source.endpoint, timeout=2)
        await client.connect()
        try:
            channels: dict[Any, str] = {}
            nodes = []
            for sensor in config.sensors:
                node = client.get_node(sensor.node)
                try:
                    await node.read_browse_name()
                except ua.UaStatusCodeError as exc:
                    raise BenchSourceError(
                        f"sensor {sensor.name}: node {sensor.node} is not on {source.endpoint} "
                        f"({type(exc).__name__})",
                        field="sensors",
                    ) from None
                unit = await _opcua_unit(node)
                if unit is not None and unit != sensor.unit:
                    raise BenchSourceError(
                        f"sensor {sensor.name}: the server says node {sensor.node} is in {unit!r}, "
                        f"the configuration says {sensor.unit!r}",
                        field="sensors",
                    )
                channels[node.nodeid] = sensor.name
                nodes.append(node)
            handler = _OpcUaHandler(channels, put)
            subscription = await client.create_subscription(
                max(1, config.sampling_period_ms // 2), handler, queue_maxsize=0
            )
            # Every sample counts, also one equal to the previous value: trigger on the source
            # timestamp too (the default trigger, StatusValue, drops repeated values).
            await subscription._subscribe(  # the public method takes no filter
                nodes,
                ua.AttributeIds.Value,
                mfilter=ua.DataChangeFilter(Trigger=ua.DataChangeTrigger.StatusValueTimestamp),
                queuesize=10_000,
                sampling_interval=0.0,
            )
            # Values flow once the first notification (each node's current value) is in.
            with contextlib.suppress(asyncio.TimeoutError):  # no value yet: bench not started
                await asyncio.wait_for(handler.first.wait(), timeout=5)
            await _read_gap(nodes, channels, resume_from(), put)
            connected.set()
            state = client.nodes.server_state
            while True:  # a dead server shows up as a failing read within ~2 s
                await asyncio.sleep(0.5)
                await asyncio.wait_for(state.read_value(), timeout=2)
        finally:
            with contextlib.suppress(Exception):  # the connection is gone already
                await asyncio.wait_for(client.disconnect(), timeout=1)

    return session


async def _opcua_unit(node: Any) -> str | None:
    """The node's EngineeringUnits display name, None when the node has none."""
    from asyncua import ua

    try:
        prop = await node.get_child("0:EngineeringUnits")
        info = await prop.read_value()
    except (ua.UaStatusCodeError, ua.UaError):
        return None
    text = getattr(getattr(info, "DisplayName", None), "Text", None)
    return str(text) if text is not None else None


_WAITING_FOR_INITIAL_DATA = 0x80320000


async def _read_gap(
    nodes: list[Any], channels: dict[Any, str], stored: dict[str, int], put: Put
) -> None:
    """The values each node's history holds from the newest source time stored for its channel
    on (a channel with none stored: from the oldest stored of any channel; nothing stored at all:
    a fresh session, nothing to catch up). A server without history for a node is not an error:
    its values from the subscription on are all there is."""
    from asyncua import ua

    if not stored:
        return
    oldest = min(stored.values())
    for node in nodes:
        channel = channels[node.nodeid]
        start = datetime.fromtimestamp(stored.get(channel, oldest) / 1000, tz=timezone.utc)
        try:
            values = await node.read_raw_history(starttime=start)
        except (ua.UaStatusCodeError, ua.UaError):
            continue
        samples = [_opcua_sample(channel, v.Value.Value if v.Value else None, v) for v in values]
        put([sample for sample in samples if sample is not None])


def _opcua_sample(channel: str, val: Any, value: Any) -> Sample | None:
    """A sample from an OPC UA DataValue (None: the server had no value yet)."""
    stamp = value.SourceTimestamp or value.ServerTimestamp
    source_ms = _ms(stamp) if stamp is not None else None
    status = value.StatusCode
    if status is not None and not status.is_good():
        if status.value == _WAITING_FOR_INITIAL_DATA:
            return None  # nothing was measured
        val = f"<bad status {status.name}>"
    return Sample(channel=channel, value=val, source_ms=source_ms)


class _OpcUaHandler:
    def __init__(self, channels: dict[Any, str], put: Put) -> None:
        self._channels, self._put = channels, put
        self.first = asyncio.Event()

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        self.first.set()
        sample = _opcua_sample(self._channels[node.nodeid], val, data.monitored_item.Value)
        if sample is not None:
            self._put([sample])

    def status_change_notification(self, status: Any) -> None:
        pass


def _ms(stamp: datetime) -> int:
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return round(stamp.timestamp() * 1000)


# --------------------------------------------------------------------------------------------------
# MQTT


def _mqtt_session(
    config: BenchConfig, source: MqttSource, put: Put, clock: Callable[[], int]
) -> Any:
    topics = {str(s.topic): s.name for s in config.sensors}

    async def session(connected: asyncio.Event) -> None:
        import aiomqtt

        persistent = source.persistent_session
        async with aiomqtt.Client(
            source.host,
            source.port,
            # A fixed id resumes the broker's session; otherwise a fresh one, so that a session
            # left behind by a killed gateway never competes with this one.
            identifier=source.client_id
            if persistent
            else f"{source.client_id}-{os.getpid()}-{time.monotonic_ns() % 10**9}",
            clean_session=not persistent,
            timeout=2,
            keepalive=5,
        ) as client:
            for topic in topics:
                await client.subscribe(topic, qos=1)
            connected.set()
            async for message in client.messages:
                channel = topics.get(str(message.topic))
                if channel is None:
                    continue
                put([_mqtt_sample(channel, message.payload, clock)])

    return session


def _mqtt_sample(channel: str, payload: Any, clock: Callable[[], int]) -> Sample:
    """A sample from a payload: JSON ``{"value", "ts", "unit"}`` or a bare number."""
    text = (
        payload.decode("utf-8", "replace")
        if isinstance(payload, bytes | bytearray)
        else str(payload)
    )
    try:
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=lambda c: c)
    except ValueError:
        return Sample(channel=channel, value=text, source_ms=clock())
    if isinstance(data, dict):
        ts = data.get("ts")
        source_ms: int | None
        try:
            source_ms = int(ts) if ts is not None and not isinstance(ts, bool) else None
        except (TypeError, ValueError):
            source_ms = None
        unit = data.get("unit")
        return Sample(
            channel=channel,
            value=_number_text(data.get("value")),
            source_ms=source_ms,
            unit=str(unit) if unit is not None else None,
        )
    return Sample(channel=channel, value=_number_text(data), source_ms=clock())


def _number_text(value: Any) -> Any:
    """JSON numbers arrive as their text (exact); NaN/Infinity constants as text that fails."""
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return float(value) if not math.isfinite(float(value)) else value
    return value
