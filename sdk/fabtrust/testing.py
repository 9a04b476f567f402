"""A throw-away local Anvil for tests, benchmarks and demos (the binary from npm, linked into the
virtualenv by ``make``), and the simulated test bench (:class:`SimulatedBench`, an OPC UA server
and MQTT publisher, :class:`MqttBroker`, the synthetic readings :func:`generate_bench_readings`,
from the private ``fabtrust._testing_bench``, loaded on first use). Light module: standard library
only.

    with LocalAnvil() as node:
        client = fabtrust.connect(rpc_url=node.url, ...)
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from fabtrust.errors import InvalidInputError

if TYPE_CHECKING:
    from fabtrust._testing_bench import (
        BENCH_CHANNELS,
        MqttBroker,
        SimulatedBench,
        generate_bench_readings,
    )

__all__ = [
    "BENCH_CHANNELS",
    "LocalAnvil",
    "MqttBroker",
    "SimulatedBench",
    "find_anvil",
    "free_port",
    "generate_bench_readings",
]


def __getattr__(name: str) -> object:
    # The simulated bench (OPC UA server, MQTT publisher, broker) lives in its own module and
    # is loaded on first use, so importing fabtrust.testing stays light.
    if name in ("MqttBroker", "SimulatedBench", "generate_bench_readings", "BENCH_CHANNELS"):
        from fabtrust import _testing_bench as simulator

        return getattr(simulator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def find_anvil() -> str:
    """The Anvil beside this Python (``.venv/bin/anvil``), else one on PATH."""
    beside = Path(sys.executable).parent / "anvil"
    if beside.exists():
        return str(beside)
    found = shutil.which("anvil")
    if found is None:
        raise InvalidInputError(
            "anvil not found: run `make` in the fabtrust checkout (installs @foundry-rs/anvil)"
        )
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalAnvil:
    """Anvil on 127.0.0.1 (chain id 31337, base fee 0) until :meth:`stop` or the ``with`` ends."""

    def __init__(
        self,
        *,
        port: int | None = None,
        gas_limit: int | None = 60_000_000,
        base_fee: int | None = 0,
        extra_args: tuple[str, ...] = (),
        start_timeout: float = 20.0,
    ) -> None:
        """``port``: a free one by default. ``gas_limit``/``base_fee``: None keeps Anvil's own
        (EIP-1559 fees as on a public chain)."""
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._cmd = [find_anvil(), "--port", str(self.port), "--silent"]
        if base_fee is not None:
            self._cmd += ["--block-base-fee-per-gas", str(base_fee)]
        if gas_limit is not None:
            self._cmd += ["--gas-limit", str(gas_limit)]
        self._cmd += extra_args
        self._timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LocalAnvil:
        self.process = subprocess.Popen(
            self._cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"anvil exited with code {self.process.returncode}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"anvil did not listen on port {self.port} within {self._timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> LocalAnvil:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
