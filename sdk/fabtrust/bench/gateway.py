"""The bench gateway: source values → checked, salted readings in the local store → checkpoints
anchored on chain → the certificate on the final root.

    gateway = BenchGateway(config=load_bench_config("bench.yaml"), checkpoints=..., log=print)
    await gateway.run(stop=stop_event)          # until stopped (Ctrl-C, SIGTERM, end of test)
    result = gateway.finish(certificates=lab.certificates, report="report.pdf", ...)

Order of events for every value: it is stored (one SQLite transaction per batch) before anything
else happens to it; then a checkpoint is recorded in the store when ``checkpoint_every_readings``
readings or ``checkpoint_every_s`` seconds of source time have passed since the last one; then the
anchoring task sends the recorded checkpoints in sequence order. A chain outage only delays
anchoring (one line when it starts, one when it ends); a source outage one line when it is back.
Restarted on the same store (after a crash or SIGKILL), the gateway resumes the same session:
readings already stored are skipped as duplicates, unsent checkpoints are sent, and a checkpoint
that reached the chain before the crash is recognised instead of sent twice.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from fabtrust.bench.config import BenchConfig
from fabtrust.bench.errors import SequenceNotIncreasingError
from fabtrust.bench.models import Checkpoint, IngestResult, Sample
from fabtrust.bench.store import BenchStore
from fabtrust.certificates.bundle import BundleCheckpoint, BundleCheckpoints, CertificateBundle
from fabtrust.certificates.models import Issued
from fabtrust.errors import ChainError, FabtrustError, InvalidInputError, TransactionError

if TYPE_CHECKING:
    from fabtrust.accounts import Signer
    from fabtrust.bench.checkpoints import CheckpointsClient
    from fabtrust.certificates import CertificatesClient

__all__ = ["BenchCertificate", "BenchGateway"]

_BATCH = 5_000
_GATHER_S = 0.02
"""How long the writer lets values gather before one transaction (one fsync) stores them."""


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class BenchCertificate(BaseModel):
    """The end of a bench test: the certificate on the final root, and its bundle (which names the
    session's checkpoints)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issued: Issued
    bundle: CertificateBundle
    data_root: str
    readings: int


class BenchGateway:
    """One bench session (see the module notes). ``checkpoints`` is None to run without a chain
    (checkpoints are recorded and wait in the store); ``clock_ms`` is the gateway's clock in unix
    milliseconds (for the future-timestamp check)."""

    def __init__(
        self,
        *,
        config: BenchConfig,
        checkpoints: CheckpointsClient | None = None,
        store: BenchStore | None = None,
        log: Callable[[str], None] = lambda _line: None,
        clock_ms: Callable[[], int] = _wall_ms,
        retry_s: float = 0.5,
    ) -> None:
        self.config = config
        self.store = store or BenchStore(
            config.store,
            device_id=config.device_id,
            units={s.name: s.unit for s in config.sensors},
            max_clock_skew_ms=round(config.max_clock_skew_s * 1000),
        )
        self.checkpoints = checkpoints
        self._log = log
        self._clock = clock_ms
        self._retry_s = retry_s
        self._wake: asyncio.Event | None = None
        self.source_connected: asyncio.Event | None = None
        """Set (during :meth:`run`) each time the source is (re)subscribed."""
        self._chain_down_since: float | None = None
        self._last_error: str | None = None
        self.rejected = 0
        self.duplicates = 0
        self.late = 0

    @property
    def device_id(self) -> int:
        return self.config.device_id

    @property
    def session_id(self) -> str:
        return self.store.session_id

    # ---- storing ---------------------------------------------------------------------------------

    def ingest(self, samples: Iterable[Sample]) -> IngestResult:
        """Store ``samples`` (one transaction), then record a checkpoint if one is due."""
        result = self.store.ingest(samples, now_ms=self._clock())
        self.rejected += len(result.rejected)
        self.duplicates += result.duplicates
        self.late += result.late
        for rejected in result.rejected[:3]:
            self._log(f"rejected {rejected.channel} @ {rejected.source_ms}: {rejected.reason}")
        if self.checkpoint_due():
            self.checkpoint_now()
        return result

    def checkpoint_due(self) -> bool:
        latest = self.store.latest_checkpoint()
        count = len(self.store)
        since = count - (latest.reading_count if latest else 0)
        if since <= 0:
            return False
        if since >= self.config.checkpoint_every_readings:
            return True
        reference = latest.source_ms if latest else self.store.first_source_ms
        elapsed = self.store.last_source_ms - reference
        return elapsed >= self.config.checkpoint_every_s * 1000

    def checkpoint_now(self) -> Checkpoint | None:
        """Record a checkpoint over every reading stored so far (None if none came since)."""
        checkpoint = self.store.add_checkpoint()
        if checkpoint is not None and self._wake is not None:
            self._wake.set()
        return checkpoint

    # ---- anchoring -------------------------------------------------------------------------------

    def anchor_pending(self) -> list[Checkpoint]:
        """Send every recorded, unanchored checkpoint in sequence order (blocking). A checkpoint
        the chain has already (sent before a crash) is looked up instead of sent again.

        Raises ChainError/TransactionError when the chain cannot be reached (nothing is lost:
        call again later), ContractError when the contract refuses (e.g. LabNotAccreditedError).
        """
        if self.checkpoints is None:
            return []
        done = []
        for checkpoint in self.store.pending_checkpoints():
            state = self.checkpoints.session(device_id=self.device_id, session_id=self.session_id)
            if state.sequence >= checkpoint.sequence:
                self._recover(checkpoint)
            else:
                try:
                    tx = self.checkpoints.anchor(
                        device_id=self.device_id, session_id=self.session_id, checkpoint=checkpoint
                    )
                except SequenceNotIncreasingError:
                    self._recover(checkpoint)
                else:
                    self.store.mark_anchored(
                        sequence=checkpoint.sequence,
                        tx_hash=tx.tx_hash,
                        block_number=tx.block_number,
                        gas_used=tx.gas_used,
                    )
            done.append(checkpoint)
        return done

    def _recover(self, checkpoint: Checkpoint) -> None:
        assert self.checkpoints is not None
        for event in self.checkpoints.anchored(
            device_id=self.device_id, session_id=self.session_id
        ):
            if event.sequence == checkpoint.sequence:
                if event.root != checkpoint.root or event.reading_count != checkpoint.reading_count:
                    raise InvalidInputError(
                        f"checkpoint {checkpoint.sequence} on chain ({event.root}, "
                        f"{event.reading_count} readings) is not the store's ({checkpoint.root}, "
                        f"{checkpoint.reading_count}): this store is not the one that anchored it",
                        field="store",
                    )
                self.store.mark_anchored(
                    sequence=checkpoint.sequence,
                    tx_hash=event.tx_hash,
                    block_number=event.block_number,
                    gas_used=None,
                )
                return
        raise InvalidInputError(
            f"the chain has checkpoints past {checkpoint.sequence} of session {self.session_id} "
            "but not this one: this store is not the one that anchored them",
            field="store",
        )

    async def _anchor_loop(self, wake: asyncio.Event) -> None:
        while True:
            await wake.wait()
            wake.clear()
            try:
                done = await asyncio.to_thread(self.anchor_pending)
            except (ChainError, TransactionError, FabtrustError) as exc:
                message = str(exc).splitlines()[0]
                if self._chain_down_since is None:
                    self._chain_down_since = time.monotonic()
                    self._log(
                        f"chain: {message}; readings keep landing in the store, "
                        "checkpoints wait and will be anchored in order"
                    )
                self._last_error = message
                await asyncio.sleep(self._retry_s)
                wake.set()
                continue
            if self._chain_down_since is not None and done:
                away = time.monotonic() - self._chain_down_since
                self._log(
                    f"chain back after {away:.1f} s: anchored {len(done)} waiting checkpoint(s) "
                    f"in order (sequence {done[0].sequence} to {done[-1].sequence})"
                )
                self._chain_down_since = None

    # ---- running ---------------------------------------------------------------------------------

    async def run(
        self, *, stop: asyncio.Event | None = None, until_readings: int | None = None
    ) -> None:
        """Read the source, store, checkpoint and anchor until ``stop`` is set (or the store
        holds ``until_readings`` readings); then record a checkpoint of what remains and try once
        more to anchor. Raises BenchSourceError for a source that contradicts the configuration.
        """
        from fabtrust.bench._sources import run_source

        stop = stop or asyncio.Event()
        queue: asyncio.Queue[Sample] = asyncio.Queue()
        self._wake = wake = asyncio.Event()
        wake.set()  # checkpoints left over from a previous run

        def put(samples: list[Sample]) -> None:
            for sample in samples:
                queue.put_nowait(sample)

        async def write() -> None:
            while True:
                batch = [await queue.get()]
                if queue.qsize() < _BATCH:
                    await asyncio.sleep(_GATHER_S)
                while len(batch) < _BATCH and not queue.empty():
                    batch.append(queue.get_nowait())
                self.ingest(batch)
                if until_readings is not None and len(self.store) >= until_readings:
                    stop.set()

        self.source_connected = connected = asyncio.Event()
        source = asyncio.ensure_future(
            run_source(
                self.config,
                put,
                self._log,
                retry_s=self._retry_s,
                clock=self._clock,
                on_connected=connected.set,
                resume_from=self.store.last_source_ms_by_channel,
            )
        )
        writer = asyncio.ensure_future(write())
        anchorer = asyncio.ensure_future(self._anchor_loop(wake))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            if until_readings is not None and len(self.store) >= until_readings:
                stop.set()
            finished, _ = await asyncio.wait(
                {source, writer, stopper}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in finished:
                if task is not stopper:
                    task.result()  # a BenchSourceError (or a bug) ends the run
        finally:
            for task in (source, stopper):
                task.cancel()
            await asyncio.gather(source, stopper, return_exceptions=True)
            rest: list[Sample] = []
            while not queue.empty():
                rest.append(queue.get_nowait())
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
            if rest:
                self.ingest(rest)
            anchorer.cancel()
            await asyncio.gather(anchorer, return_exceptions=True)
            self._wake = None

    # ---- the end of the test ---------------------------------------------------------------------

    def finish(
        self,
        *,
        certificates: CertificatesClient,
        report: str | bytes | os.PathLike[str],
        test_spec: str,
        passed: bool,
        valid_until: datetime | int,
        device_key: Signer | None = None,
    ) -> BenchCertificate:
        """Close the session: a last checkpoint over every reading, all checkpoints anchored, then
        the certificate issued on the final root (signed by ``device_key``, the device's key,
        when given) and its bundle naming the checkpoints. Raises ChainError when the chain is
        unreachable (call again: nothing is lost), InvalidInputError for an empty session."""
        if len(self.store) == 0:
            raise InvalidInputError("no readings were stored: nothing to certify")
        if self.checkpoints is None:
            raise InvalidInputError(
                "finishing needs the chain: give the gateway a CheckpointsClient"
            )
        self.checkpoint_now()
        self.anchor_pending()
        count = len(self.store)
        root = self.store.root_of(count)  # the only full tree of the session, built once
        signature = None
        if device_key is not None:
            signature = certificates.sign_data_attestation(
                device=device_key, device_id=self.device_id, data_root=root
            )
        issued = certificates.issue(
            device_id=self.device_id,
            report=report,
            data_root=root,
            test_spec=test_spec,
            passed=passed,
            valid_until=valid_until,
            device_signature=signature,
        )
        bundle = certificates.make_bundle(cert_id=issued.cert_id, report=report)
        bundle = bundle.model_copy(
            update={
                "checkpoints": BundleCheckpoints(
                    contract=self.checkpoints.address,
                    session_id=self.session_id,
                    checkpoints=tuple(
                        BundleCheckpoint(
                            sequence=c.sequence,
                            reading_count=c.reading_count,
                            root=c.root,
                            chunk_root=c.chunk_root,
                            tx_hash=str(c.tx_hash),
                        )
                        for c in self.store.checkpoints()
                    ),
                )
            }
        )
        self.store.set_meta("cert_id", issued.cert_id)
        self.store.set_meta("finished", "1")
        return BenchCertificate(issued=issued, bundle=bundle, data_root=root, readings=count)
