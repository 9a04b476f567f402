"""The bench configuration: where the values come from, which sensors, which device, how often to
checkpoint. A small YAML or TOML file, loaded into a frozen pydantic model::

    device_id: 0x3f1c...            # the DeviceRegistry id of the motor under test
    source:
      kind: opcua                   # or mqtt
      endpoint: opc.tcp://bench-7.plant.local:4840/fabtrust/bench
    sensors:
      - {name: P1_inlet_pressure, unit: bar, node: "ns=2;s=Bench.P1_inlet_pressure"}
      - {name: Q1_inlet_flow, unit: L/min, node: "ns=2;s=Bench.Q1_inlet_flow"}
    sampling_period_ms: 100
    checkpoint_every_s: 10          # simulated/source time between checkpoints
    checkpoint_every_readings: 2000
    store: bench-store.sqlite

With ``kind: mqtt`` the endpoint is ``mqtt://host:port`` and each sensor has a ``topic`` (no
wildcards) instead of a ``node``. Light module: pydantic, the standard library and PyYAML on use.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fabtrust.errors import InvalidInputError

__all__ = ["BenchConfig", "MqttSource", "OpcUaSource", "SensorConfig", "load_bench_config"]

_NODE_ID_RE = re.compile(r"^(ns=\d+;)?[isgb]=.+$")


class SensorConfig(BaseModel):
    """One sensor: its channel name (the reading's ``channel``), unit, and where it is read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    unit: str = ""
    node: str | None = None
    """OPC UA node id, e.g. ``ns=2;s=Bench.P1_inlet_pressure`` (OPC UA sources)."""
    topic: str | None = None
    """MQTT topic, e.g. ``bench/7/P1_inlet_pressure`` (MQTT sources; no wildcards)."""

    @field_validator("name", "unit")
    @classmethod
    def _no_outer_space(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("must not start or end with whitespace")
        return value

    @field_validator("node")
    @classmethod
    def _check_node(cls, value: str | None) -> str | None:
        if value is not None and not _NODE_ID_RE.match(value):
            raise ValueError(f"{value!r} is not an OPC UA node id (like ns=2;s=Bench.P1)")
        return value

    @field_validator("topic")
    @classmethod
    def _check_topic(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value or "\x00" in value or len(value.encode()) > 65535:
            raise ValueError("an MQTT topic must be 1 to 65535 bytes without NUL")
        if "+" in value or "#" in value:
            raise ValueError(
                f"{value!r}: a sensor topic names one topic, without the wildcards + #"
            )
        return value


class OpcUaSource(BaseModel):
    """Values from an OPC UA server, through one subscription (data changes with their source
    timestamps)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["opcua"] = "opcua"
    endpoint: str

    @field_validator("endpoint")
    @classmethod
    def _check_endpoint(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "opc.tcp" or not parts.hostname:
            raise ValueError(f"{value!r} is not an opc.tcp://host:port endpoint")
        return value


class MqttSource(BaseModel):
    """Values from an MQTT broker (QoS 1). Payload: a JSON object ``{"value": 212.37, "ts":
    1714550400100, "unit": "bar"}`` (``ts`` source time in unix milliseconds, ``unit`` optional),
    or a bare number (then the gateway's receive time is the source time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["mqtt"] = "mqtt"
    endpoint: str
    client_id: str = "fabtrust-bench-gateway"
    persistent_session: bool = False
    """Ask the broker to keep QoS 1 messages while the gateway is away (MQTT clean_session=False,
    with ``client_id`` fixed). Mosquitto does; the embedded amqtt does not queue for an offline
    session, so it stays off there: the bench then replays what the gateway missed (duplicates
    are skipped by the store)."""

    @field_validator("endpoint")
    @classmethod
    def _check_endpoint(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise ValueError(f"{value!r} is not an mqtt://host:port endpoint")
        try:
            parts.port  # noqa: B018 - validates the port
        except ValueError:
            raise ValueError(f"{value!r} has a bad port") from None
        return value

    @property
    def host(self) -> str:
        return str(urlsplit(self.endpoint).hostname)

    @property
    def port(self) -> int:
        return urlsplit(self.endpoint).port or 1883


class BenchConfig(BaseModel):
    """A bench: its source, sensors, device under test and checkpoint cadence (see module notes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device_id: int = Field(ge=0, lt=2**256)
    source: Annotated[OpcUaSource | MqttSource, Field(discriminator="kind")]
    sensors: Annotated[tuple[SensorConfig, ...], Field(min_length=1)]
    sampling_period_ms: int = Field(default=100, ge=1, le=3_600_000)
    checkpoint_every_s: float = Field(default=10.0, gt=0)
    checkpoint_every_readings: int = Field(default=2000, ge=1)
    max_clock_skew_s: float = Field(default=5.0, ge=0)
    """A reading whose source time is further ahead of the gateway's clock is rejected."""
    store: Path = Path("bench-store.sqlite")

    @field_validator("device_id", mode="before")
    @classmethod
    def _device_id(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            try:
                return int(text, 16) if text.lower().startswith("0x") else int(text)
            except ValueError:
                raise ValueError(f"{value!r} is not a device id (decimal or 0x hex)") from None
        return value

    @model_validator(mode="after")
    def _check_sensors(self) -> BenchConfig:
        names = [s.name for s in self.sensors]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"sensor names must be unique: {', '.join(dupes)}")
        where = "node" if self.source.kind == "opcua" else "topic"
        other = "topic" if where == "node" else "node"
        for s in self.sensors:
            if getattr(s, where) is None:
                raise ValueError(f"sensor {s.name}: a {self.source.kind} source needs its {where}")
            if getattr(s, other) is not None:
                raise ValueError(
                    f"sensor {s.name}: {other} does not apply to a {self.source.kind} source"
                )
        addresses = [getattr(s, where) for s in self.sensors]
        dupes = sorted({a for a in addresses if addresses.count(a) > 1})
        if dupes:
            raise ValueError(f"two sensors read the same {where}: {', '.join(dupes)}")
        return self

    def sensor(self, name: str) -> SensorConfig:
        for s in self.sensors:
            if s.name == name:
                return s
        raise InvalidInputError(f"no sensor {name!r} in the bench configuration", field="sensors")


def load_bench_config(path: str | os.PathLike[str], **overrides: Any) -> BenchConfig:
    """Read a bench configuration (``.yaml``/``.yml`` or ``.toml``); relative ``store`` paths are
    taken from the file's folder. ``overrides`` replace top-level keys.

    Raises:
        InvalidInputError: one line naming the file and the first bad field.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot read bench config {file}: {exc.strerror or exc}") from None
    try:
        if file.suffix.lower() == ".toml":
            import tomllib  # Python 3.11+

            data: Any = tomllib.loads(text)
        else:
            import yaml  # type: ignore[import-untyped,unused-ignore]

            data = yaml.safe_load(text)
    except Exception as exc:  # tomllib.TOMLDecodeError, yaml.YAMLError
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInputError(f"bench config {file} does not parse: {problem}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"bench config {file} must be a mapping")
    data.update(overrides)
    try:
        config = BenchConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise InvalidInputError(
            f"bench config {file}: {where + ': ' if where else ''}{message}", field=where or None
        ) from None
    if not config.store.is_absolute() and "store" not in overrides:
        config = config.model_copy(update={"store": file.parent / config.store})
    return config
