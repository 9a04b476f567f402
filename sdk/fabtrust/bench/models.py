"""Frozen models of the bench: samples from the source, stored readings, checkpoints, rejections,
and the witness's events. Light module: pydantic and the evidence models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fabtrust.evidence.readings import Reading

__all__ = [
    "Checkpoint",
    "FeedReading",
    "IngestResult",
    "RejectedReading",
    "Sample",
    "WitnessEvent",
]


class Sample(BaseModel):
    """One value as a source delivered it, before any check.

    ``value`` is whatever came (a number, text, None); ``source_ms`` the source's timestamp in unix
    milliseconds (OPC UA SourceTimestamp, MQTT payload ``ts``) or None; ``unit`` the unit the source
    stated, if any (checked against the configuration).
    """

    model_config = ConfigDict(frozen=True)

    channel: str
    value: Any
    source_ms: int | None = None
    unit: str | None = None


class FeedReading(BaseModel):
    """A stored reading as the gateway's feed shows it to the witness: the reading, its arrival
    index, salt and the leaf hash committed at ingest, and its source time in milliseconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0)
    reading: Reading
    salt: str
    leaf: str
    source_ms: int
    late: bool = False


class RejectedReading(BaseModel):
    """A value the gateway did not turn into a reading, and why (kept in the store)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str
    source_ms: int | None
    raw: str
    reason: str


class Checkpoint(BaseModel):
    """Checkpoint ``sequence`` of the session, over its first ``reading_count`` readings:
    ``chunk_root`` is the root of the readings since the previous checkpoint, ``root`` the
    anchored root chaining it to the previous one (:mod:`fabtrust.bench.chunks`).
    ``tx_hash``/``block_number`` once anchored on the TestCheckpoints contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sequence: int = Field(ge=1)
    reading_count: int = Field(ge=1)
    root: str
    chunk_root: str
    source_ms: int
    tx_hash: str | None = None
    block_number: int | None = None
    gas_used: int | None = None

    @property
    def anchored(self) -> bool:
        return self.tx_hash is not None


class IngestResult(BaseModel):
    """What one :meth:`BenchStore.ingest` call did."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stored: int = 0
    duplicates: int = 0
    late: int = 0
    rejected: tuple[RejectedReading, ...] = ()


class WitnessEvent(BaseModel):
    """One line of the witness's view (``--json`` prints each as a JSON line).

    ``kind``: ``session`` (what is followed), ``checkpoint`` (one anchored checkpoint and its
    verdict), ``reading`` (a reading that does not match what was committed: always a failure),
    ``certificate`` (the final certificate's verdict), ``error`` (the feed or the chain failed).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["session", "checkpoint", "reading", "certificate", "error"]
    ok: bool
    detail: str = ""
    sequence: int | None = None
    reading_count: int | None = None
    root: str | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    index: int | None = None
    channel: str | None = None
    cert_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
