"""The buyer's remote witness: follow a running bench test from the chain and the gateway's feed.

For every checkpoint the chain holds for the device (``CheckpointAnchored`` events), the witness
takes the session's first ``reading_count`` readings from the feed, recomputes each reading's leaf
from the reading and its salt, builds the root of that prefix, and compares it with the root on
chain: equal → the checkpoint is verified (every reading shown is exactly what was committed at
that moment, none missing, none added). A reading whose recomputed leaf differs from the leaf the
gateway committed is reported on its own, as a failure. When the gateway says the test is finished,
the certificate is checked (``verify_bundle`` against the chain) and its data root must be the root
of the last checkpoint, which covers every reading.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from fabtrust.bench._leaves import leaf_hash
from fabtrust.bench.chunks import GENESIS_ROOT, chain_root, chunk_root
from fabtrust.bench.feed import FeedClient
from fabtrust.bench.models import FeedReading, WitnessEvent
from fabtrust.errors import FabtrustError
from fabtrust.evidence.merkle import tree_of_leaf_hashes

if TYPE_CHECKING:
    from fabtrust.bench.checkpoints import AnchoredCheckpoint, CheckpointsClient
    from fabtrust.certificates import CertificatesClient

__all__ = ["Witness"]


class Witness:
    """Follows device ``device_id``'s session served by ``feed`` (see the module notes)."""

    def __init__(
        self,
        *,
        feed: FeedClient,
        checkpoints: CheckpointsClient,
        certificates: CertificatesClient,
        device_id: int,
    ) -> None:
        self._feed = feed
        self._checkpoints = checkpoints
        self._certificates = certificates
        self.device_id = device_id
        self.session_id: str | None = None
        self._readings: list[FeedReading] = []
        self._leaves: list[bytes] = []  # recomputed from each reading and its salt
        self._bad: set[int] = set()
        self._seen: set[int] = set()  # checkpoint sequences already judged
        self._from_block: int | None = None
        self.done = False
        self.failures = 0
        self.checkpoints_ok = 0
        self.last_root: str | None = None
        """The last anchored root seen (the chain's word; the next checkpoint chains to it)."""
        self.last_count = 0

    # ---- one round -------------------------------------------------------------------------------

    def poll(self) -> list[WitnessEvent]:
        """One round: new checkpoints on chain, their verdicts, and at the end the certificate's.
        Raises ChainError / FeedUnreachableError when either cannot be reached (call again)."""
        events: list[WitnessEvent] = []
        session = self._feed.session()
        if self.session_id is None:
            if str(session.get("device_id")) != str(self.device_id):
                self.done = True
                return [
                    WitnessEvent(
                        kind="error",
                        ok=False,
                        detail=f"the feed serves device {session.get('device_id')}, "
                        f"not {self.device_id}",
                    )
                ]
            self.session_id = str(session["session_id"])
            events.append(
                WitnessEvent(
                    kind="session",
                    ok=True,
                    detail=f"following session {self.session_id} of device {self.device_id}",
                    data={"checkpoints_contract": self._checkpoints.address},
                )
            )
        anchored = self._checkpoints.anchored(
            device_id=self.device_id, session_id=self.session_id, from_block=self._from_block
        )
        for checkpoint in anchored:
            if checkpoint.sequence in self._seen:
                continue
            events.extend(self._judge(checkpoint))
            self._seen.add(checkpoint.sequence)
            self._from_block = checkpoint.block_number
        if session.get("finished") and session.get("cert_id"):
            total = int(session.get("readings", 0))
            if self.last_count >= total:
                events.append(self._certificate(str(session["cert_id"])))
                self.done = True
        return events

    def follow(
        self, *, interval: float = 0.5, timeout: float | None = None
    ) -> Iterator[WitnessEvent]:
        """Events as they happen until the certificate's verdict (or ``timeout`` seconds)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done:
            yield from self.poll()
            if self.done or (deadline is not None and time.monotonic() > deadline):
                return
            time.sleep(interval)

    # ---- verdicts --------------------------------------------------------------------------------

    def _fetch(self, count: int) -> None:
        while len(self._readings) < count:
            batch = self._feed.readings(after=len(self._readings) - 1, limit=20_000)
            if not batch:
                return
            for item in batch:
                if item.index != len(self._readings):
                    raise FabtrustError(
                        f"the feed skipped from reading {len(self._readings)} to {item.index}"
                    )
                self._readings.append(item)
                r = item.reading
                salt = bytes.fromhex(item.salt[2:])
                self._leaves.append(leaf_hash(salt, r.timestamp, r.channel, r.value, r.unit))

    def _judge(self, checkpoint: AnchoredCheckpoint) -> list[WitnessEvent]:
        events: list[WitnessEvent] = []
        common: dict[str, Any] = {
            "sequence": checkpoint.sequence,
            "reading_count": checkpoint.reading_count,
            "root": checkpoint.root,
            "tx_hash": checkpoint.tx_hash,
            "block_number": checkpoint.block_number,
        }
        try:
            self._fetch(checkpoint.reading_count)
        except ValidationError as exc:
            self.failures += 1
            return [WitnessEvent(kind="checkpoint", ok=False, detail=f"feed: {exc}", **common)]
        if len(self._readings) < checkpoint.reading_count:
            self.failures += 1
            return [
                WitnessEvent(
                    kind="checkpoint",
                    ok=False,
                    detail=f"the feed has {len(self._readings)} readings, the checkpoint covers "
                    f"{checkpoint.reading_count}",
                    **common,
                )
            ]
        for index in range(self.last_count, checkpoint.reading_count):
            item = self._readings[index]
            if "0x" + self._leaves[index].hex() != item.leaf and index not in self._bad:
                self._bad.add(index)
                self.failures += 1
                r = item.reading
                events.append(
                    WitnessEvent(
                        kind="reading",
                        ok=False,
                        index=index,
                        channel=r.channel,
                        sequence=checkpoint.sequence,
                        detail=f"reading #{index} {r.channel}={r.value} {r.unit} @ {r.timestamp} "
                        "is not the reading committed at ingest",
                    )
                )
        start, end = self.last_count, checkpoint.reading_count
        root = chain_root(
            self.last_root or GENESIS_ROOT, chunk_root(self._leaves[start:end]), start, end
        )
        ok = root == checkpoint.root
        if ok:
            self.checkpoints_ok += 1
            detail = f"readings {start}..{end - 1} give the anchored root"
        else:
            self.failures += 1
            bad = sorted(i for i in self._bad if start <= i < end)
            detail = (
                f"the feed's readings {start}..{end - 1} give {root[:18]}…, "
                f"the chain has {checkpoint.root[:18]}…"
                + (f"; changed reading(s): {', '.join(f'#{i}' for i in bad[:5])}" if bad else "")
            )
        events.append(WitnessEvent(kind="checkpoint", ok=ok, detail=detail, **common))
        self.last_root = checkpoint.root
        self.last_count = checkpoint.reading_count
        return events

    def _certificate(self, cert_id: str) -> WitnessEvent:
        verdict = self._certificates.verify_bundle(cert_id=cert_id)
        root_ok = False
        detail = ""
        data_root: str | None = None
        try:
            cert = self._certificates.get(cert_id=cert_id)
            data_root = (
                "0x" + tree_of_leaf_hashes(self._leaves[: self.last_count])[0].hex()
                if self.last_count
                else None
            )
            root_ok = cert.data_root == data_root and cert.device_id == self.device_id
            if not root_ok:
                detail = (
                    f"its data root {cert.data_root[:18]}… is not the root of the "
                    f"{self.last_count} readings the checkpoints cover ({str(data_root)[:18]}…)"
                )
        except FabtrustError as exc:
            detail = str(exc)
        ok = verdict.verified and root_ok and self.failures == 0
        if not detail:
            if not verdict.verified:
                detail = "; ".join(f"{c.name}: {c.detail}" for c in verdict.failures)
            elif self.failures:
                detail = (
                    f"the certificate checks out on chain, but {self.failures} failure(s) above"
                )
            else:
                detail = (
                    f"on chain and valid, data root = root of the {self.last_count} readings "
                    f"the checkpoints cover, {self.checkpoints_ok} checkpoint(s) ok"
                )
        return WitnessEvent(
            kind="certificate",
            ok=ok,
            cert_id=cert_id,
            root=data_root,
            reading_count=self.last_count,
            detail=detail,
            data={"verdict": verdict.model_dump(mode="json")},
        )
