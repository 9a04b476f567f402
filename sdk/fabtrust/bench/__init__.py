"""The bench edge: live test data over OPC UA or MQTT → signed, salted readings in a local store →
checkpoints on chain → the certificate on the streamed root; and the buyer's remote witness.

- :mod:`~fabtrust.bench.config`: :class:`BenchConfig` (a YAML/TOML file) and its loader.
- :mod:`~fabtrust.bench.store`: :class:`BenchStore`, the crash-safe SQLite store of a session.
- :mod:`~fabtrust.bench.gateway`: :class:`BenchGateway` (sources, store, checkpoints, certificate).
- :mod:`~fabtrust.bench.chunks`: what a checkpoint commits to (chunk roots, chained).
- :mod:`~fabtrust.bench.checkpoints`: :class:`CheckpointsClient` for the TestCheckpoints contract.
- :mod:`~fabtrust.bench.feed`: the gateway's HTTP feed and its client.
- :mod:`~fabtrust.bench.witness`: :class:`Witness`, checkpoint and certificate verdicts.
- :mod:`~fabtrust.bench.errors`: the contract's errors, :class:`BenchSourceError`.

Uses :mod:`fabtrust.evidence` and :mod:`fabtrust.certificates`, never the reverse. asyncua and
aiomqtt (the ``bench`` extra) are imported only when a source is read.
"""

from fabtrust.bench.checkpoints import AnchoredCheckpoint, CheckpointsClient, SessionState
from fabtrust.bench.config import (
    BenchConfig,
    MqttSource,
    OpcUaSource,
    SensorConfig,
    load_bench_config,
)
from fabtrust.bench.errors import BenchSourceError
from fabtrust.bench.feed import FeedClient, FeedServer, FeedUnreachableError
from fabtrust.bench.gateway import BenchCertificate, BenchGateway
from fabtrust.bench.models import (
    Checkpoint,
    FeedReading,
    IngestResult,
    RejectedReading,
    Sample,
    WitnessEvent,
)
from fabtrust.bench.store import BenchStore
from fabtrust.bench.witness import Witness

__all__ = [
    "AnchoredCheckpoint",
    "BenchCertificate",
    "BenchConfig",
    "BenchGateway",
    "BenchSourceError",
    "BenchStore",
    "Checkpoint",
    "CheckpointsClient",
    "FeedClient",
    "FeedReading",
    "FeedServer",
    "FeedUnreachableError",
    "IngestResult",
    "MqttSource",
    "OpcUaSource",
    "RejectedReading",
    "Sample",
    "SensorConfig",
    "SessionState",
    "Witness",
    "WitnessEvent",
    "load_bench_config",
]
