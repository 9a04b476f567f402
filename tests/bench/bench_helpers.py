"""Helpers of the bench tests (a unique module name: test dirs have no __init__)."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]


class ChainProxy:
    """A TCP proxy on a free port to ``target`` (http://host:port). :meth:`cut` closes every
    connection and refuses new ones (the chain is unreachable); :meth:`restore` lets them in."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._target = (parts.hostname or "127.0.0.1", int(parts.port or 80))
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._up = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> ChainProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed = True
        self._server.close()
        self.cut()

    def cut(self) -> None:
        self._up = False
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def restore(self) -> None:
        self._up = True

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self._up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)


def js_root(values: list[list[Any]]) -> str:
    """The root @openzeppelin/merkle-tree (node) gives for readings leaves."""
    script = (
        "const {StandardMerkleTree} = require('@openzeppelin/merkle-tree');"
        "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(StandardMerkleTree.of(v, "
        "['bytes32','uint64','string','string','string']).root);"
    )
    done = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def chained_roots(readings: list[Any], seed: str, counts: list[int]) -> list[tuple[str, str]]:
    """``(chunk root, anchored root)`` of checkpoints covering the first ``counts[k]`` readings,
    computed independently of the gateway: the readings tree's salted values, a
    StandardMerkleTree per chunk, and the chain step with eth_abi and eth_hash
    (docs/bench.md, fabtrust.bench.chunks)."""
    from eth_abi import encode
    from eth_hash.auto import keccak

    from fabtrust.evidence import ReadingsTree, StandardMerkleTree
    from fabtrust.evidence.readings import READINGS_LEAF_ENCODING

    values = [list(v) for v in ReadingsTree.build(readings, seed=seed).tree.values]
    roots: list[tuple[str, str]] = []
    previous, start = b"\x00" * 32, 0
    for end in counts:
        chunk = StandardMerkleTree.of(values[start:end], READINGS_LEAF_ENCODING).root
        previous = keccak(
            encode(
                ["bytes32", "bytes32", "uint256", "uint256"],
                [previous, bytes.fromhex(chunk[2:]), start, end],
            )
        )
        roots.append((chunk, "0x" + previous.hex()))
        start = end
    return roots


TWO_CHANNELS = [("P1_inlet_pressure", "bar"), ("N1_shaft_speed", "rpm")]


def streamed_session(
    chain: Any, tmp_path: Path, *, value: Callable[[int], str], report_text: str
) -> tuple[Any, Any]:
    """A finished bench session of the lab (dev:2) on `chain`: 150 ticks of TWO_CHANNELS fed to
    the gateway in batches of 40 (value(k) at tick k, 100 ms apart, ten minutes ago), a checkpoint
    every 100 readings, the certificate issued. Returns (gateway, finish result)."""
    from fabtrust.bench import (
        BenchConfig,
        BenchGateway,
        CheckpointsClient,
        MqttSource,
        Sample,
        SensorConfig,
    )

    config = BenchConfig(
        device_id=chain.device_id,
        source=MqttSource(endpoint="mqtt://127.0.0.1:1"),
        sensors=tuple(SensorConfig(name=c, unit=u, topic=f"b/{c}") for c, u in TWO_CHANNELS),
        checkpoint_every_readings=100,
        store=tmp_path / "s.sqlite",
    )
    lab = chain.client(2)
    gateway = BenchGateway(config=config, checkpoints=CheckpointsClient(lab.chain))
    start = (int(time.time()) - 600) * 1000
    samples = [
        Sample(channel=c, value=value(k), source_ms=start + k * 100)
        for k in range(150)
        for c, _unit in TWO_CHANNELS
    ]
    for first in range(0, len(samples), 40):
        gateway.ingest(samples[first : first + 40])
    report = tmp_path / "report.txt"
    report.write_text(report_text)
    done = gateway.finish(
        certificates=lab.certificates,
        report=report,
        test_spec="ISO 4409",
        passed=True,
        valid_until=datetime.now(timezone.utc) + timedelta(days=1),
    )
    return gateway, done
