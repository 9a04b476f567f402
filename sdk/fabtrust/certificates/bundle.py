"""Certificate bundles: everything a buyer needs, beside the report, to check a certificate.

A :class:`CertificateBundle` names the chain and registry, the certificate id and the fields the
certificate commits to, the transaction that stored it, and optionally the batch proof (for a
certificate anchored in a Merkle batch), the device's signature over the data root, and disclosed
readings with their proofs. It is plain JSON (``to_json``/``save``); nothing in it has to be
trusted: :meth:`CertificatesClient.verify_bundle` checks each part against the chain.

Light module: :class:`~fabtrust._record.Record` models (no pydantic); no web3.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from fabtrust._record import Bounds, Record
from fabtrust.certificates._types import (
    Address,
    Bytes32,
    HexBytes,
    JsonFileModel,
    Uint256,
)
from fabtrust.certificates.models import BatchCertificate
from fabtrust.evidence.merkle import process_proof
from fabtrust.evidence.readings import ReadingProof
from fabtrust.evidence.typed_data import CertificateResult

__all__ = [
    "BUNDLE_SCHEMA_VERSION",
    "BundleBatch",
    "BundleCheckpoint",
    "BundleCheckpoints",
    "CertificateBundle",
]

BUNDLE_SCHEMA_VERSION = 1
"""The ``schema_version`` written by this version of fabtrust."""


class BundleBatch(Record):
    """The batch a certificate was anchored in: the root, the leaf and its Merkle proof."""

    root: Bytes32
    leaf: BatchCertificate
    proof: tuple[Bytes32, ...]

    def verify(self) -> bool:
        """Whether the proof leads from the leaf to the root (off chain)."""
        return process_proof(self.leaf.leaf_hash, self.proof) == self.root


class BundleCheckpoint(Record):
    """One checkpoint of a streamed bench test over its first ``reading_count`` readings:
    ``chunk_root`` is the root of the readings since the previous checkpoint, ``root`` the
    anchored root chaining it to the previous one (``fabtrust.bench.chunks``), anchored by
    transaction ``tx_hash`` (see docs/bench.md)."""

    sequence: Annotated[int, Bounds(ge=1)]
    reading_count: Annotated[int, Bounds(ge=1)]
    root: Bytes32
    chunk_root: Bytes32
    tx_hash: Bytes32


class BundleCheckpoints(Record):
    """The checkpoints a bench gateway anchored on the TestCheckpoints ``contract`` during the
    test that the certificate's data root ends (``fabtrust witness`` re-checks them)."""

    contract: Address
    session_id: Bytes32
    checkpoints: tuple[BundleCheckpoint, ...]


class CertificateBundle(JsonFileModel):
    """A portable, self-describing certificate (see the module notes).

    ``valid_until`` is unix seconds; ``device_id`` is written to JSON as a decimal string;
    ``report_file`` is the report's file name, for people (it is not checked). ``test_spec_text``
    is the specification's text, kept off chain (the chain holds its keccak-256, ``test_spec``).
    ``tx_hash`` and ``block_number`` are None in a bundle written before its transaction was
    mined (the chain is the authority either way; a completed bundle names the transaction).
    """

    json_kind: ClassVar[str] = "certificate bundle"

    schema_version: Literal[1] = 1
    chain_id: Annotated[int, Bounds(gt=0)]
    registry: Address
    cert_id: Bytes32
    device_id: Uint256
    lab: Address
    report_sha256: Bytes32
    report_file: str | None = None
    data_root: Bytes32
    test_spec: Bytes32
    test_spec_text: str | None = None
    result: CertificateResult
    valid_until: Annotated[int, Bounds(ge=0, lt=2**64)]
    batch: BundleBatch | None = None
    tx_hash: Bytes32 | None
    block_number: Annotated[int, Bounds(ge=0)] | None
    device_signature: HexBytes | None = None
    readings: tuple[ReadingProof, ...] = ()
    checkpoints: BundleCheckpoints | None = None
    """For a certificate of a streamed bench test: the checkpoints anchored while it ran."""
