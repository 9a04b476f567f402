"""Frozen models returned and accepted by :class:`~fabtrust.certificates.CertificatesClient`.

Conventions: ``bytes32`` values (ids, digests, roots) are ``0x`` + 64 lowercase hex digits,
addresses are EIP-55 checksummed, times are aware UTC datetimes (``valid_until`` of models that
travel as files is unix seconds), and results are :class:`~fabtrust.evidence.CertificateResult`
(1 = Pass, 2 = Fail).

Light module: :class:`~fabtrust._record.Record` models (no pydantic) and the evidence helpers;
no web3.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from fabtrust import _validate
from fabtrust._record import Bounds, Record
from fabtrust.certificates._inputs import as_result, report_digest
from fabtrust.certificates._types import (
    Address,
    Bytes32,
    HexBytes,
    JsonFileModel,
    Uint256,
)
from fabtrust.errors import InvalidInputError
from fabtrust.evidence.merkle import process_proof, standard_leaf_hash
from fabtrust.evidence.typed_data import (
    BATCH_LEAF_ENCODING,
    ZERO_BYTES32,
    CertificateResult,
    cert_id_of,
)
from fabtrust.models import TxResult

__all__ = [
    "Accreditation",
    "AnchoredBatch",
    "Batch",
    "BatchCertificate",
    "BatchProof",
    "Certificate",
    "Check",
    "Issued",
    "PassRef",
    "SignedIssueRequest",
    "Verdict",
]


class Accreditation(Record):
    """A lab's accreditation record as stored by the CertificateRegistry.

    ``accredited`` says whether the lab may issue now (active and unexpired); ``lab_id`` is 0 and
    the times are None for an account that was never accredited.
    """

    lab: Address
    lab_id: int
    name: str
    active: bool
    accredited: bool
    accredited_at: datetime | None
    valid_until: datetime | None
    revoked_at: datetime | None = None
    """Latest revocation of the accreditation: every certificate the lab issued (or anchored)
    at or before it is invalid, also after a re-accreditation. None if never revoked."""


class PassRef(Record):
    """A Pass certificate presented for one device at settlement (``ICertificateRegistry.PassRef``):
    its id and the data root it committed to (the registry stores only a digest of
    ``(dataRoot, testSpec)``). Found with :meth:`CertificatesClient.valid_pass_refs`."""

    cert_id: Bytes32
    data_root: Bytes32

    def as_struct(self) -> tuple[bytes, bytes]:
        """The ``(bytes32 certId, bytes32 dataRoot)`` tuple the contracts take."""
        return bytes.fromhex(self.cert_id[2:]), bytes.fromhex(self.data_root[2:])


class Certificate(Record):
    """A stored certificate: the on-chain record merged with its ``CertificateIssued`` event."""

    cert_id: Bytes32
    device_id: int
    lab: Address
    lab_name: str
    report_sha256: Bytes32
    data_root: Bytes32
    test_spec: Bytes32
    result: CertificateResult
    issued_at: datetime
    valid_until: datetime
    revoked: bool
    revocation_reason: str | None = None
    revoked_by: Address | None = None
    superseded_by: Bytes32 | None = None
    supersedes: Bytes32 | None = None
    device_attested: bool
    device_signature: HexBytes | None = None
    """The device key's signature over the data root, from ``CertificateIssued`` (None if none)."""
    batch_root: Bytes32 | None = None
    tx_hash: Bytes32
    block_number: int

    @property
    def passed(self) -> bool:
        """True for a Pass certificate."""
        return self.result == CertificateResult.PASS

    @property
    def superseded(self) -> bool:
        return self.superseded_by is not None

    def is_expired(self, at: datetime) -> bool:
        """Whether the certificate has expired at ``at`` (valid while ``at < valid_until``)."""
        return at >= self.valid_until


class Issued(Record):
    """A certificate that was just stored: its id and the transaction that stored it."""

    cert_id: Bytes32
    device_id: int
    lab: Address
    report_sha256: Bytes32
    tx: TxResult


class SignedIssueRequest(JsonFileModel):
    """An ``IssueCertificate`` request signed by a lab (EIP-712), for anyone to submit.

    Made by :meth:`CertificatesClient.sign_issue_request`, handed over as JSON
    (:meth:`to_json` / :meth:`from_json` / :meth:`save` / :meth:`load`) and submitted with
    :meth:`CertificatesClient.submit_signed`. ``device_signature`` is ``None`` without a device
    attestation; ``supersedes`` is None when the certificate replaces none.
    """

    json_kind: ClassVar[str] = "signed issue request"

    schema_version: Literal[1] = 1
    chain_id: Annotated[int, Bounds(gt=0)]
    registry: Address
    lab: Address
    device_id: Uint256
    report_sha256: Bytes32
    data_root: Bytes32
    test_spec: Bytes32
    result: CertificateResult
    valid_until: Annotated[int, Bounds(ge=0, lt=2**64)]
    supersedes: Bytes32 | None = None
    device_signature: HexBytes | None = None
    deadline: Uint256
    signature: HexBytes

    @property
    def cert_id(self) -> str:
        """The certificate's id: ``keccak256(abi.encode(lab, deviceId, reportSha256))``."""
        return cert_id_of(self.lab, self.device_id, self.report_sha256)


class BatchCertificate(Record):
    """One certificate of a batch: the leaf ``(deviceId, reportSha256, dataRoot, testSpec, result,
    validUntil)`` of :data:`~fabtrust.evidence.BATCH_LEAF_ENCODING`.

    Build it with :meth:`create` (which hashes a report file and a test specification text) or
    directly from the normalised values.
    """

    device_id: Uint256
    report_sha256: Bytes32
    data_root: Bytes32 = ZERO_BYTES32
    test_spec: Bytes32
    result: CertificateResult
    valid_until: Annotated[int, Bounds(ge=0, lt=2**64)]

    @classmethod
    def create(
        cls,
        *,
        device_id: int,
        report: str | bytes | os.PathLike[str],
        test_spec: str | bytes,
        passed: bool,
        valid_until: datetime | int,
        data_root: str | bytes = ZERO_BYTES32,
    ) -> BatchCertificate:
        """A leaf from a report file (or digest), a specification text (or id) and ``passed``."""
        return cls(
            device_id=_validate.uint(device_id, field="device_id"),
            report_sha256=report_digest(report),
            data_root=_validate.bytes32(data_root, field="data_root"),
            test_spec=_validate.bytes32_or_text(test_spec, field="test_spec"),
            result=CertificateResult(as_result(passed)),
            valid_until=_validate.timestamp(valid_until, field="valid_until"),
        )

    @property
    def leaf(self) -> tuple[int, str, str, str, int, int]:
        """The leaf value in :data:`~fabtrust.evidence.BATCH_LEAF_ENCODING` order."""
        return (
            self.device_id,
            self.report_sha256,
            self.data_root,
            self.test_spec,
            int(self.result),
            self.valid_until,
        )

    @property
    def leaf_hash(self) -> str:
        """``keccak256(keccak256(abi.encode(leaf)))``, as ``batchLeafHash`` computes it."""
        return standard_leaf_hash(BATCH_LEAF_ENCODING, self.leaf)

    def as_struct(self) -> tuple[int, bytes, bytes, bytes, int, int]:
        """The ``BatchLeaf`` struct as the contract call takes it."""
        return (
            self.device_id,
            bytes.fromhex(self.report_sha256[2:]),
            bytes.fromhex(self.data_root[2:]),
            bytes.fromhex(self.test_spec[2:]),
            int(self.result),
            self.valid_until,
        )


class BatchProof(Record):
    """A certificate of an anchored batch with its Merkle proof: what
    :meth:`CertificatesClient.present_batch_certificate` and bundles need."""

    root: Bytes32
    lab: Address
    cert_id: Bytes32
    leaf: BatchCertificate
    proof: tuple[Bytes32, ...]

    def verify(self) -> bool:
        """Whether the proof leads from the leaf to :attr:`root` (off chain)."""
        return process_proof(self.leaf.leaf_hash, self.proof) == self.root


class AnchoredBatch(Record):
    """A batch anchored with :meth:`CertificatesClient.anchor_batch`: the root, the transaction
    and, per certificate in input order, its id and proof."""

    root: Bytes32
    lab: Address
    count: int
    tx: TxResult
    certificates: tuple[BatchProof, ...]

    def proof_for(self, *, report_sha256: str, device_id: int | None = None) -> BatchProof:
        """The proof of this report's certificate (and device's, when a report covers several)."""
        wanted = report_sha256.lower()
        found = [
            p
            for p in self.certificates
            if p.leaf.report_sha256 == wanted
            and (device_id is None or p.leaf.device_id == device_id)
        ]
        if len(found) != 1:
            raise InvalidInputError(
                f"{len(found)} certificates of this batch match report {report_sha256}",
                field="report_sha256",
            )
        return found[0]


class Batch(Record):
    """An anchored batch as stored by the CertificateRegistry."""

    root: Bytes32
    lab: Address
    anchored_at: datetime
    count: int
    revoked: bool


class Check(Record):
    """One check of a verification: ``ok`` and a one-line ``detail`` saying why.

    A ``skipped`` check did not apply (nothing to check it against); it is ``ok`` and does not
    change the verdict.
    """

    name: str
    ok: bool
    detail: str
    skipped: bool = False


class Verdict(Record):
    """The result of :meth:`CertificatesClient.verify_bundle`.

    ``verified`` is True when every check is ok. All chain reads were made at ``block_number``
    (whose timestamp is ``block_time``).
    """

    verified: bool
    chain_id: int
    registry: Address
    block_number: int
    block_time: datetime
    cert_id: Bytes32 | None
    certificate: Certificate | None = None
    checks: tuple[Check, ...]
    cast_call: str | None = None
    """The independent check: ``cast_calls`` one per line."""
    cast_calls: tuple[str, ...] = ()
    """Foundry ``cast call`` commands asking the registry itself; each prints ``true`` when the
    certificate is authentic for this report, a valid Pass now (see ``cast_commands``)."""

    @property
    def failures(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if not c.ok)

    def check(self, name: str) -> Check:
        """The check called ``name`` (KeyError if it was not made)."""
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
