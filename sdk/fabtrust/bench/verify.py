"""Checking the checkpoints a certificate bundle names (``fabtrust cert verify`` runs it for a
bundle of a streamed bench test).

:func:`check_checkpoints` gives one :class:`~fabtrust.certificates.models.Check` named
``checkpoints``: ok when the bundle's checkpoints are on the deployment's TestCheckpoints contract
(each one's ``CheckpointAnchored`` event, by the certificate's lab, for its device and session,
with the same root, reading count and transaction, and none on chain that the bundle leaves out),
numbered 1..K with increasing reading counts and chained (:mod:`fabtrust.bench.chunks`), and
consistent with the readings: with the readings and their seed, every chunk root is rebuilt and
the last checkpoint covers exactly those readings; without them, each reading the bundle discloses
lies inside the checkpoints. Skipped (ok) for a bundle without checkpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fabtrust.bench._leaves import salt_and_leaf
from fabtrust.bench.chunks import GENESIS_ROOT, chain_root, chunk_root
from fabtrust.certificates.models import Check
from fabtrust.evidence.readings import Reading, _seed_bytes

if TYPE_CHECKING:
    from fabtrust.bench.checkpoints import CheckpointsClient
    from fabtrust.certificates.bundle import CertificateBundle

__all__ = ["CHECKPOINTS_CHECK", "check_checkpoints"]

CHECKPOINTS_CHECK = "checkpoints"


def check_checkpoints(
    bundle: CertificateBundle,
    *,
    checkpoints: CheckpointsClient,
    readings: Sequence[Reading] | None = None,
    seed: bytes | str | None = None,
) -> Check:
    """The ``checkpoints`` check of ``bundle`` (see the module notes). ``readings`` with ``seed``
    (the lab's salt seed) are the certificate's readings in order. Raises ChainError when the
    node cannot be reached."""
    listed = bundle.checkpoints
    if listed is None:
        return Check(
            name=CHECKPOINTS_CHECK, ok=True, skipped=True, detail="the bundle names no checkpoints"
        )

    def failed(detail: str) -> Check:
        return Check(name=CHECKPOINTS_CHECK, ok=False, detail=detail)

    items = listed.checkpoints
    if not items:
        return failed("the bundle's checkpoint list is empty")
    if listed.contract.lower() != checkpoints.address.lower():
        return failed(
            f"the checkpoints are on {listed.contract}, not on this deployment's TestCheckpoints "
            f"{checkpoints.address}"
        )
    previous, start = GENESIS_ROOT, 0
    for position, item in enumerate(items, start=1):
        if item.sequence != position:
            return failed(f"checkpoint #{position} of the list has sequence {item.sequence}")
        if item.reading_count <= start:
            return failed(
                f"checkpoint {item.sequence} covers {item.reading_count} readings, not more than "
                f"checkpoint {item.sequence - 1}'s {start}"
            )
        if chain_root(previous, item.chunk_root, start, item.reading_count) != item.root:
            return failed(
                f"checkpoint {item.sequence}: root {item.root[:18]}… is not chained from "
                f"checkpoint {item.sequence - 1}'s root and its chunk root"
            )
        previous, start = item.root, item.reading_count

    anchored = {
        event.sequence: event
        for event in checkpoints.anchored(device_id=bundle.device_id, session_id=listed.session_id)
    }
    for item in items:
        event = anchored.get(item.sequence)
        if event is None:
            return failed(f"checkpoint {item.sequence} is not anchored on chain for this session")
        if (event.root, event.reading_count, event.tx_hash.lower()) != (
            item.root,
            item.reading_count,
            item.tx_hash.lower(),
        ):
            return failed(
                f"checkpoint {item.sequence} on chain ({event.root[:18]}…, "
                f"{event.reading_count} readings, tx {event.tx_hash[:12]}…) is not the bundle's "
                f"({item.root[:18]}…, {item.reading_count} readings, tx {item.tx_hash[:12]}…)"
            )
        if event.lab.lower() != bundle.lab.lower():
            return failed(
                f"checkpoint {item.sequence} was anchored by {event.lab}, not the certificate's "
                f"lab {bundle.lab}"
            )
    extra = sorted(set(anchored) - {item.sequence for item in items})
    if extra:
        return failed(
            f"the chain has checkpoint {extra[0]} of this session, the bundle leaves it out"
        )

    total = items[-1].reading_count
    if readings is not None and seed is not None:
        if len(readings) != total:
            return failed(
                f"the checkpoints cover {total} readings, the readings given are {len(readings)}"
            )
        key = _seed_bytes(seed)
        leaves = [
            salt_and_leaf(key, i, r.timestamp, r.channel, r.value, r.unit)[1]
            for i, r in enumerate(readings)
        ]
        start = 0
        for item in items:
            if chunk_root(leaves[start : item.reading_count]) != item.chunk_root:
                return failed(
                    f"checkpoint {item.sequence}: readings {start}..{item.reading_count - 1} do "
                    "not give its chunk root (a reading changed after it was anchored)"
                )
            start = item.reading_count
        how = f"every chunk rebuilt from the {total} readings"
    else:
        outside = [p.index for p in bundle.readings if p.index >= total]
        if outside:
            return failed(
                f"disclosed reading #{outside[0]} is beyond the {total} readings the checkpoints "
                "cover"
            )
        how = f"{total} readings covered (give the readings and seed to rebuild every chunk)"
    return Check(
        name=CHECKPOINTS_CHECK,
        ok=True,
        detail=f"{len(items)} checkpoint(s) anchored on chain by the lab and chained; {how}",
    )
