"""The TestCheckpoints contract from Python: anchor a session's checkpoints, read them back.

Made from a connected client: ``CheckpointsClient(fabtrust.connect(...).chain)``. Reverts come
back as the classes of :mod:`fabtrust.bench.errors`. Light module: web3 only through the Binding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from fabtrust import _validate
from fabtrust.bench.models import Checkpoint
from fabtrust.errors import InvalidInputError
from fabtrust.models import TxResult

if TYPE_CHECKING:
    from fabtrust._binding import Binding

__all__ = ["CHECKPOINTS", "AnchoredCheckpoint", "CheckpointsClient", "SessionState"]

CHECKPOINTS = "TestCheckpoints"
_UINT48 = 2**48 - 1


def to_bytes32(value: str | bytes) -> bytes:
    return _validate.hex_bytes(value, field="bytes32", length=32)


def hex32(value: object) -> str:
    """A bytes32 value read from the chain (bytes or hex) → ``0x`` + 64 lowercase hex digits."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex().rjust(64, "0")
    return "0x" + str(value).lower().removeprefix("0x").rjust(64, "0")


class SessionState(BaseModel):
    """A session as the contract stores it (all zero before its first checkpoint)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lab: str
    sequence: int
    reading_count: int


class AnchoredCheckpoint(BaseModel):
    """One ``CheckpointAnchored`` event: the chain's word on checkpoint ``sequence``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device_id: int
    session_id: str
    lab: str
    sequence: int
    root: str
    reading_count: int
    tx_hash: str
    block_number: int


class CheckpointsClient:
    """Checkpoints on the deployment's TestCheckpoints contract."""

    def __init__(self, binding: Binding) -> None:
        self._binding = binding

    @property
    def address(self) -> str:
        """The TestCheckpoints contract's address (DeploymentNotFoundError if not deployed)."""
        return str(self._binding.contract(CHECKPOINTS).address)

    def anchor(self, *, device_id: int, session_id: str, checkpoint: Checkpoint) -> TxResult:
        """Anchor ``checkpoint`` of the session as the connected (accredited) lab.

        Raises LabNotAccreditedError, NotSessionLabError, SequenceNotIncreasingError,
        ReadingCountNotIncreasingError (:mod:`fabtrust.bench.errors`), ChainError.
        """
        if checkpoint.sequence > _UINT48 or checkpoint.reading_count > _UINT48:
            raise InvalidInputError("checkpoint sequence or reading count beyond uint48")
        return self._binding.transact(
            CHECKPOINTS,
            "checkpoint",
            device_id,
            to_bytes32(session_id),
            checkpoint.sequence,
            to_bytes32(checkpoint.root),
            checkpoint.reading_count,
            label=f"checkpoint {checkpoint.sequence}",
        )

    def session(self, *, device_id: int, session_id: str) -> SessionState:
        lab, sequence, count = self._binding.call(
            CHECKPOINTS, "session", device_id, to_bytes32(session_id)
        )
        return SessionState(lab=str(lab), sequence=int(sequence), reading_count=int(count))

    def anchored(
        self, *, device_id: int, session_id: str | None = None, from_block: int | None = None
    ) -> list[AnchoredCheckpoint]:
        """The device's anchored checkpoints (of one session when given), in chain order."""
        topics: list[str | None] = [f"{device_id:#066x}"]
        if session_id is not None:
            topics.append(hex32(to_bytes32(session_id)))
        events = self._binding.events(
            CHECKPOINTS, "CheckpointAnchored", topics=topics, from_block=from_block
        )
        return [
            AnchoredCheckpoint(
                device_id=int(e.args["deviceId"]),
                session_id=hex32(e.args["sessionId"]),
                lab=str(e.args["lab"]),
                sequence=int(e.args["sequence"]),
                root=hex32(e.args["root"]),
                reading_count=int(e.args["readingCount"]),
                tx_hash=e.tx_hash,
                block_number=e.block_number,
            )
            for e in events
        ]
