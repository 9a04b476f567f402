"""The certificates client: issuing, finding and verifying test certificates.

Labs issue (directly, by EIP-712 signature submitted by anyone, or in Merkle batches) and revoke;
the consortium admin accredits labs; anyone reads certificates, finds them by the report alone,
and verifies bundles against the chain. Contract reverts surface as the classes of
:mod:`fabtrust.certificates.errors` (e.g. :class:`CertificateNotFoundError` with ``cert_id``).

Light module: web3 is only used through the Binding, which its caller made.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fabtrust import _validate
from fabtrust._validate import ZERO_BYTES32
from fabtrust.certificates._inputs import as_result, report_digest, report_source
from fabtrust.certificates._reader import REGISTRY, Reader, hex32, to_bytes32
from fabtrust.certificates._verify import verify
from fabtrust.certificates.bundle import BundleBatch, CertificateBundle
from fabtrust.certificates.errors import CertificateNotFoundError
from fabtrust.certificates.models import (
    Accreditation,
    AnchoredBatch,
    Batch,
    BatchCertificate,
    BatchProof,
    Certificate,
    Issued,
    PassRef,
    SignedIssueRequest,
    Verdict,
)
from fabtrust.errors import InvalidInputError
from fabtrust.evidence.merkle import StandardMerkleTree
from fabtrust.evidence.readings import ReadingProof, verify_reading
from fabtrust.evidence.typed_data import (
    BATCH_LEAF_ENCODING,
    CertificateResult,
    cert_id_of,
    data_attestation_typed_data,
    issue_certificate_typed_data,
    typed_data_digest,
)
from fabtrust.models import TxResult
from fabtrust.signatures import is_valid_signature

if TYPE_CHECKING:
    from fabtrust._binding import Binding
    from fabtrust.accounts import Signer
    from fabtrust.identity import DevicesClient

__all__ = ["CertificatesClient"]

_BYTES32_TEXT = re.compile(r"0[xX][0-9a-fA-F]{64}")

ReportLike = str | bytes | os.PathLike[str]
"""A report: a file path, or its SHA-256 digest (hex text or 32 bytes)."""

_UINT32_MAX = 2**32 - 1


@dataclass(frozen=True)
class _Request:
    """A checked ``ICertificateRegistry.CertificateRequest`` (bytes32 fields as 32 bytes).

    ``supersedes_report`` is the report digest of the ``supersedes`` certificate (zero when none):
    the contract hashes it with the lab and device to prove the same device (the certificate slot
    does not store it); it is not part of the signed ``IssueCertificate`` type.
    """

    device_id: int
    report_sha256: bytes
    data_root: bytes
    test_spec: bytes
    result: int
    valid_until: int
    supersedes: bytes
    device_signature: bytes
    supersedes_report: bytes = bytes(32)

    @property
    def plain(self) -> bool:
        """True when ``issueCertificate`` (no supersede, no device signature) says it all."""
        return self.supersedes == bytes(32) and not self.device_signature

    def as_struct(self) -> tuple[int, bytes, bytes, bytes, int, int, bytes, bytes, bytes]:
        """The struct in the contract's field order."""
        return (
            self.device_id,
            self.report_sha256,
            self.data_root,
            self.test_spec,
            self.result,
            self.valid_until,
            self.supersedes,
            self.supersedes_report,
            self.device_signature,
        )


class CertificatesClient:
    """Issue, find and verify certificates on the CertificateRegistry of one deployment.

    Made by :func:`fabtrust.connect` (``client.certificates``); ``devices`` is the devices client
    of the same connection.
    """

    def __init__(self, binding: Binding, *, devices: DevicesClient | None = None) -> None:
        self._binding = binding
        self._reader = Reader(binding)
        self.devices = devices

    def __repr__(self) -> str:
        return f"CertificatesClient(registry={self.registry})"

    @property
    def registry(self) -> str:
        """The CertificateRegistry's address."""
        return str(self._binding.contract(REGISTRY).address)

    @property
    def chain_id(self) -> int:
        return self._binding.connection.chain_id

    # ---------------------------------------------------------------------------------------------
    # issuing (labs)

    def issue(
        self,
        *,
        device_id: int,
        report: ReportLike,
        data_root: str | bytes,
        test_spec: str | bytes,
        passed: bool,
        valid_until: datetime | int,
        supersedes: str | bytes | None = None,
        device_signature: bytes | str | None = None,
    ) -> Issued:
        """Issue a certificate as the connected (accredited) lab.

        ``report`` is the report file (hashed with SHA-256) or its digest; ``data_root`` the
        readings tree root (zero when there are none); ``test_spec`` the specification text
        (hashed) or its ``bytes32`` id; ``valid_until`` an aware datetime or unix seconds.
        ``supersedes`` replaces one of this lab's certificates for the device;
        ``device_signature`` is the device key's signature over ``DataAttestation(deviceId,
        dataRoot)`` (see :meth:`sign_data_attestation`).

        Raises LabNotAccreditedError, ZeroReportDigestError, InvalidValidityError,
        DeviceNotFoundError, CertificateAlreadyExistsError, CannotSupersedeError,
        InvalidDeviceSignatureError (from :mod:`fabtrust.certificates.errors`), InvalidInputError.
        """
        req = self._request(
            device_id=device_id,
            report=report,
            data_root=data_root,
            test_spec=test_spec,
            passed=passed,
            valid_until=valid_until,
            supersedes=supersedes,
            device_signature=device_signature,
        )
        if req.plain:
            tx = self._binding.transact(
                REGISTRY,
                "issueCertificate",
                req.device_id,
                req.report_sha256,
                req.data_root,
                req.test_spec,
                req.result,
                req.valid_until,
            )
        else:
            req = self._with_supersedes_report(req)
            tx = self._binding.transact(REGISTRY, "issueCertificateWithOptions", req.as_struct())
        return _issued(tx)

    def sign_data_attestation(
        self, *, device: Signer, device_id: int, data_root: str | bytes
    ) -> str:
        """The device key's EIP-712 signature over ``DataAttestation(deviceId, dataRoot)`` for this
        registry (``0x`` hex): what ``issue(device_signature=...)`` takes. The one public way to
        sign a data attestation (no transaction)."""
        from fabtrust.accounts import Signer

        if not isinstance(device, Signer):
            raise InvalidInputError("device must be a fabtrust Signer", field="device")
        return "0x" + device.sign_typed_data(self._attestation(device_id, data_root)).hex()

    def verify_device_signature(
        self, *, device_id: int, data_root: str | bytes, signature: str | bytes
    ) -> bool:
        """True when ``signature`` is the device's current key's ``DataAttestation`` of
        ``data_root`` by the contract's rules (:func:`fabtrust.signatures.is_valid_signature`:
        ECDSA with 65 bytes, v 27/28 and low s, or ERC-1271 for a contract key). Unknown device
        → DeviceNotFoundError."""
        sig = _validate.hex_bytes(signature, field="signature")
        typed = self._attestation(device_id, data_root)
        device_key = self._reader.device(int(typed["message"]["deviceId"])).device_key
        return is_valid_signature(
            signer=device_key,
            digest=bytes.fromhex(typed_data_digest(typed)[2:]),
            signature=sig,
            code_at=self._reader.code_at,
            call=lambda to, data: self._reader.raw_call({"to": to, "data": "0x" + data.hex()}),
        )

    def _attestation(self, device_id: int, data_root: str | bytes) -> dict[str, Any]:
        return data_attestation_typed_data(
            chain_id=self.chain_id,
            registry=self.registry,
            device_id=_validate.uint(device_id, field="device_id"),
            data_root=_validate.bytes32(data_root, field="data_root"),
        )

    def sign_issue_request(
        self,
        *,
        device_id: int,
        report: ReportLike,
        data_root: str | bytes,
        test_spec: str | bytes,
        passed: bool,
        valid_until: datetime | int,
        deadline: datetime | int,
        supersedes: str | bytes | None = None,
        device_signature: bytes | str | None = None,
    ) -> SignedIssueRequest:
        """Sign (as the connected lab, EIP-712 ``IssueCertificate``) a certificate request that
        anyone may submit with :meth:`submit_signed` until ``deadline``. Sends nothing.

        Arguments as :meth:`issue`. The result is a frozen model with ``to_json()``/``save()``.
        """
        req = self._request(
            device_id=device_id,
            report=report,
            data_root=data_root,
            test_spec=test_spec,
            passed=passed,
            valid_until=valid_until,
            supersedes=supersedes,
            device_signature=device_signature,
        )
        deadline_s = _validate.timestamp(deadline, field="deadline")
        signer = self._binding.signer
        typed = issue_certificate_typed_data(
            chain_id=self.chain_id,
            registry=self.registry,
            lab=signer.address,
            device_id=req.device_id,
            report_sha256=req.report_sha256,
            data_root=req.data_root,
            test_spec=req.test_spec,
            result=req.result,
            valid_until=req.valid_until,
            supersedes=req.supersedes,
            device_signature=req.device_signature,
            deadline=deadline_s,
        )
        signature = signer.sign_typed_data(typed)
        return SignedIssueRequest(
            chain_id=self.chain_id,
            registry=self.registry,
            lab=signer.address,
            device_id=req.device_id,
            report_sha256="0x" + req.report_sha256.hex(),
            data_root="0x" + req.data_root.hex(),
            test_spec="0x" + req.test_spec.hex(),
            result=CertificateResult(req.result),
            valid_until=req.valid_until,
            supersedes=None if req.supersedes == bytes(32) else "0x" + req.supersedes.hex(),
            device_signature="0x" + req.device_signature.hex() if req.device_signature else None,
            deadline=deadline_s,
            signature="0x" + signature.hex(),
        )

    def submit_signed(self, *, request: SignedIssueRequest) -> Issued:
        """Submit a lab-signed request (``issueCertificateBySig``) from the connected account.

        Raises InvalidInputError when the request was signed for another chain or registry;
        SignatureExpiredError, InvalidLabSignatureError, LabNotAccreditedError and the errors of
        :meth:`issue` from the contract.
        """
        if not isinstance(request, SignedIssueRequest):
            raise InvalidInputError("request must be a SignedIssueRequest", field="request")
        if request.chain_id != self.chain_id:
            raise InvalidInputError(
                f"the request was signed for chain id {request.chain_id}, "
                f"this is chain id {self.chain_id}",
                field="request.chain_id",
            )
        if request.registry != self.registry:
            raise InvalidInputError(
                f"the request was signed for the registry at {request.registry}, "
                f"this deployment's is at {self.registry}",
                field="request.registry",
            )
        req = self._with_supersedes_report(
            _Request(
                device_id=request.device_id,
                report_sha256=to_bytes32(request.report_sha256),
                data_root=to_bytes32(request.data_root),
                test_spec=to_bytes32(request.test_spec),
                result=int(request.result),
                valid_until=request.valid_until,
                supersedes=to_bytes32(request.supersedes or ZERO_BYTES32),
                device_signature=bytes.fromhex(request.device_signature[2:])
                if request.device_signature
                else b"",
            )
        )
        tx = self._binding.transact(
            REGISTRY,
            "issueCertificateBySig",
            req.as_struct(),
            request.lab,
            request.deadline,
            bytes.fromhex(request.signature[2:]),
        )
        return _issued(tx)

    def anchor_batch(self, *, certificates: Sequence[BatchCertificate]) -> AnchoredBatch:
        """Anchor many certificates of the connected lab with one Merkle root (``anchorBatch``).

        Builds the OpenZeppelin StandardMerkleTree over
        :data:`~fabtrust.evidence.BATCH_LEAF_ENCODING` and returns the root, the transaction,
        and per certificate (input order) its id and proof, for
        :meth:`present_batch_certificate` and :meth:`make_bundle`.

        Raises InvalidInputError for an empty list or two certificates of the same device and
        report (they would have the same id); LabNotAccreditedError, BatchAlreadyAnchoredError.
        """
        if isinstance(certificates, BatchCertificate) or not isinstance(certificates, Sequence):
            raise InvalidInputError(
                "certificates must be a list of BatchCertificate", field="certificates"
            )
        items = list(certificates)
        if not items:
            raise InvalidInputError("a batch needs at least one certificate", field="certificates")
        if len(items) > _UINT32_MAX:
            raise InvalidInputError("too many certificates for one batch", field="certificates")
        seen: dict[tuple[int, str], int] = {}
        for i, item in enumerate(items):
            if not isinstance(item, BatchCertificate):
                raise InvalidInputError(
                    f"certificates[{i}] is a {type(item).__name__}, not a BatchCertificate",
                    field="certificates",
                )
            key = (item.device_id, item.report_sha256)
            if key in seen:
                raise InvalidInputError(
                    f"certificates[{seen[key]}] and [{i}] have the same device and report: "
                    "they would have the same certificate id",
                    field="certificates",
                )
            seen[key] = i
        lab = self._binding.address
        tree = StandardMerkleTree.of([item.leaf for item in items], BATCH_LEAF_ENCODING)
        tx = self._binding.transact(REGISTRY, "anchorBatch", to_bytes32(tree.root), len(items))
        proofs = tuple(
            BatchProof(
                root=tree.root,
                lab=lab,
                cert_id=cert_id_of(lab, item.device_id, item.report_sha256),
                leaf=item,
                proof=tuple(tree.get_proof(i)),
            )
            for i, item in enumerate(items)
        )
        return AnchoredBatch(root=tree.root, lab=lab, count=len(items), tx=tx, certificates=proofs)

    def present_batch_certificate(
        self,
        *,
        lab: str,
        root: str | bytes,
        leaf: BatchCertificate,
        proof: Sequence[str | bytes],
    ) -> Issued:
        """Store one certificate of ``lab``'s anchored batch (anyone may):
        ``presentBatchCertificate``. The lab must be accredited now and the batch anchored after
        its latest revocation.

        Raises BatchNotFoundError, BatchAlreadyRevokedError, LabNotAccreditedError,
        BatchAnchoredBeforeRevocationError, InvalidBatchProofError, InvalidValidityError (an
        expired leaf), DeviceNotFoundError, DeviceNotActiveError, CertificateAlreadyExistsError.
        """
        lab_address = _validate.address(lab, field="lab", allow_zero=True)
        root_hex = _validate.bytes32(root, field="root")
        if not isinstance(leaf, BatchCertificate):
            raise InvalidInputError("leaf must be a BatchCertificate", field="leaf")
        nodes = _proof(proof)
        tx = self._binding.transact(
            REGISTRY,
            "presentBatchCertificate",
            lab_address,
            to_bytes32(root_hex),
            leaf.as_struct(),
            [to_bytes32(node) for node in nodes],
        )
        return _issued(tx)

    def revoke(self, *, cert_id: str | bytes, reason: str) -> TxResult:
        """Revoke a certificate (its lab or an admin). Raises CertificateNotFoundError,
        NotCertificateIssuerError, CertificateAlreadyRevokedError."""
        cid = _validate.bytes32(cert_id, field="cert_id")
        return self._binding.transact(
            REGISTRY, "revokeCertificate", to_bytes32(cid), _reason(reason)
        )

    def revoke_batch(self, *, root: str | bytes, reason: str, lab: str | None = None) -> TxResult:
        """Revoke ``lab``'s batch (default: the connected lab's): none of its certificates is
        valid any more (its lab or an admin). Raises BatchNotFoundError, NotBatchIssuerError,
        BatchAlreadyRevokedError."""
        root_hex = _validate.bytes32(root, field="root")
        lab_address = (
            self._binding.address
            if lab is None
            else _validate.address(lab, field="lab", allow_zero=True)
        )
        return self._binding.transact(
            REGISTRY, "revokeBatch", lab_address, to_bytes32(root_hex), _reason(reason)
        )

    # ---------------------------------------------------------------------------------------------
    # accreditation (consortium admin)

    def accredit_lab(self, *, lab: str, name: str, valid_until: datetime | int) -> TxResult:
        """Accredit (or re-accredit) ``lab`` until ``valid_until`` (admin only).

        Raises ZeroLabError, InvalidAccreditationExpiryError, AccessControlUnauthorizedAccountError.
        """
        if not isinstance(name, str):
            raise InvalidInputError("name must be text", field="name")
        return self._binding.transact(
            REGISTRY,
            "accreditLab",
            _validate.address(lab, field="lab", allow_zero=True),
            name,
            _validate.timestamp(valid_until, field="valid_until"),
        )

    def revoke_accreditation(self, *, lab: str) -> TxResult:
        """End ``lab``'s accreditation (admin only). Every certificate it issued or anchored up to
        now becomes invalid, for ever (re-accreditation does not revive them).
        Raises LabNotAccreditedError."""
        return self._binding.transact(
            REGISTRY, "revokeAccreditation", _validate.address(lab, field="lab", allow_zero=True)
        )

    def accreditation(self, *, lab: str) -> Accreditation:
        """``lab``'s accreditation record (all empty for an account never accredited)."""
        return self._reader.accreditation(_validate.address(lab, field="lab", allow_zero=True))

    # ---------------------------------------------------------------------------------------------
    # reading

    def get(self, *, cert_id: str | bytes) -> Certificate:
        """The certificate (record and ``CertificateIssued`` event merged).
        Raises CertificateNotFoundError."""
        return self._reader.certificate(_validate.bytes32(cert_id, field="cert_id"))

    def is_valid(self, *, cert_id: str | bytes) -> bool:
        """Whether the certificate exists and is not revoked, superseded or expired (the chain's
        ``isValid``; False for an unknown id)."""
        cid = _validate.bytes32(cert_id, field="cert_id")
        return bool(self._reader.call("isValid", to_bytes32(cid)))

    def valid_pass_refs(
        self,
        *,
        device_id: int,
        test_spec: str | bytes,
        labs: Sequence[str] = (),
        block: int | str = "latest",
        chunk_size: int = 5_000,
    ) -> list[PassRef]:
        """The presentable valid Pass certificates of a device for a specification, oldest first:
        what ``settle``/``canSettle`` of the escrow take per device (:class:`PassRef`).

        "The device is certified for the spec" means "some valid Pass exists" (the registry keeps
        no latest-Pass index). Candidates are the ``CertificateIssued`` events of the device
        (topic 2 = deviceId) for this spec with result Pass; each is kept when the chain's
        ``isValidPass`` accepts it at ``block`` (not revoked, superseded or expired, its batch
        not revoked, its lab not revoked since, its device Active) and, when ``labs`` is given
        (an order's pinned labs), its lab is one of them. One batched ``eth_call`` round.
        """
        device = _validate.uint(device_id, field="device_id")
        spec = _validate.bytes32_or_text(test_spec, field="test_spec")
        size = _validate.uint(chunk_size, field="chunk_size")
        if size < 1:
            raise InvalidInputError("chunk_size must be at least 1", field="chunk_size")
        accepted = {_validate.address(lab, field="labs", allow_zero=True).lower() for lab in labs}
        events = self._reader.events(
            "CertificateIssued", topics=[None, f"{device:#066x}"], chunk_size=size
        )
        candidates: list[PassRef] = []
        seen: set[str] = set()
        for event in events:
            args = event.args
            cert_id = hex32(args["certId"])
            if (
                cert_id in seen
                or hex32(args["testSpec"]) != spec
                or int(args["result"]) != int(CertificateResult.PASS)
                or (accepted and str(args["lab"]).lower() not in accepted)
            ):
                continue
            seen.add(cert_id)
            candidates.append(PassRef(cert_id=cert_id, data_root=hex32(args["dataRoot"])))
        if not candidates:
            return []
        answers = self._binding.call_many(
            REGISTRY,
            "isValidPass",
            [
                (to_bytes32(ref.cert_id), device, to_bytes32(spec), to_bytes32(ref.data_root))
                for ref in candidates
            ],
            block=block,
        )
        return [ref for ref, ok in zip(candidates, answers, strict=True) if bool(ok)]

    def has_valid_pass(
        self, *, device_id: int, test_spec: str | bytes, labs: Sequence[str] = ()
    ) -> bool:
        """Whether some valid Pass of the device for this specification exists (from one of
        ``labs`` when given): ``bool(valid_pass_refs(...))``."""
        return bool(self.valid_pass_refs(device_id=device_id, test_spec=test_spec, labs=labs))

    def find_by_report(self, *, report: ReportLike, chunk_size: int = 5_000) -> list[Certificate]:
        """Every certificate committing to this report (file or digest), in chain order.

        One ``eth_getLogs`` filter on ``CertificateIssued``'s indexed report digest, scanned from
        the deployment block in ``chunk_size``-block chunks. Certificates of a batch appear once
        presented.
        """
        digest = report_digest(report)
        size = _validate.uint(chunk_size, field="chunk_size")
        if size < 1:
            raise InvalidInputError("chunk_size must be at least 1", field="chunk_size")
        events = self._reader.events(
            "CertificateIssued", topics=[None, None, digest], chunk_size=size
        )
        return self._reader.certificates_from(events, chunk_size=size)

    def find_by_device(self, *, device_id: int, chunk_size: int = 5_000) -> list[Certificate]:
        """Every certificate (Pass and Fail) of a device, in chain order."""
        size = _validate.uint(chunk_size, field="chunk_size")
        if size < 1:
            raise InvalidInputError("chunk_size must be at least 1", field="chunk_size")
        topic = f"{_validate.uint(device_id, field='device_id'):#066x}"
        events = self._reader.events("CertificateIssued", topics=[None, topic], chunk_size=size)
        return self._reader.certificates_from(events, chunk_size=size)

    def batch(self, *, lab: str, root: str | bytes) -> Batch:
        """``lab``'s anchored batch ``root``. Raises BatchNotFoundError."""
        return self._reader.batch(
            _validate.address(lab, field="lab", allow_zero=True),
            _validate.bytes32(root, field="root"),
        )

    def verify_batch_certificate(
        self,
        *,
        lab: str,
        root: str | bytes,
        leaf: BatchCertificate,
        proof: Sequence[str | bytes],
    ) -> bool:
        """Whether ``leaf`` of ``lab``'s batch could be presented now, as the chain says
        (``verifyBatchCertificate``: anchored by the lab after its latest revocation, not revoked,
        lab accredited now, proof valid, not expired)."""
        lab_address = _validate.address(lab, field="lab", allow_zero=True)
        root_hex = _validate.bytes32(root, field="root")
        if not isinstance(leaf, BatchCertificate):
            raise InvalidInputError("leaf must be a BatchCertificate", field="leaf")
        nodes = _proof(proof)
        return bool(
            self._reader.call(
                "verifyBatchCertificate",
                lab_address,
                to_bytes32(root_hex),
                leaf.as_struct(),
                [to_bytes32(node) for node in nodes],
            )
        )

    # ---------------------------------------------------------------------------------------------
    # bundles

    def make_bundle(
        self,
        *,
        cert_id: str | bytes | None = None,
        batch: BatchProof | None = None,
        report: ReportLike | None = None,
        device_signature: bytes | str | None = None,
        readings: Sequence[ReadingProof] = (),
        test_spec_text: str | None = None,
    ) -> CertificateBundle:
        """A :class:`CertificateBundle` for a certificate, read from the chain.

        ``cert_id`` names a stored certificate; ``batch`` (from :meth:`anchor_batch`) adds the
        batch proof and also allows a batch certificate that was not presented yet. ``report``
        (file or digest) must match the certificate; its file name goes into the bundle.
        ``device_signature`` defaults to the one ``CertificateIssued`` carries when the device
        attested the data root (whoever submitted the transaction: a lab, a relayer, a multisig).
        ``readings`` are disclosed reading proofs (each must be under the
        certificate's data root). ``test_spec_text``, the specification's text (kept off chain,
        shown beside its hash), must hash to the certificate's ``test_spec``.

        Raises CertificateNotFoundError, BatchNotFoundError, InvalidInputError.
        """
        if cert_id is None and batch is None:
            raise InvalidInputError("give a cert_id or a batch proof", field="cert_id")
        if batch is not None and not isinstance(batch, BatchProof):
            raise InvalidInputError("batch must be a BatchProof", field="batch")
        cid = _validate.bytes32(cert_id, field="cert_id") if cert_id is not None else None
        if batch is not None:
            if cid is not None and cid != batch.cert_id:
                raise InvalidInputError(
                    f"the batch proof is for certificate {batch.cert_id}, not {cid}", field="batch"
                )
            if not batch.verify():
                raise InvalidInputError(
                    "the batch proof does not lead from its leaf to its root", field="batch"
                )
            cid = batch.cert_id
        assert cid is not None
        try:
            cert = self._reader.certificate(cid)
        except CertificateNotFoundError:
            if batch is None:
                raise
            cert = self._reader.unpresented(batch.lab, batch.root, batch.leaf)
            if cert.cert_id != cid:
                raise InvalidInputError(
                    f"batch {batch.root} was anchored by {cert.lab}: its leaf is certificate "
                    f"{cert.cert_id}, not {cid}",
                    field="batch",
                ) from None
        if batch is not None and cert.batch_root != batch.root:
            source = f"batch {cert.batch_root}" if cert.batch_root else "a direct issuance"
            raise InvalidInputError(
                f"certificate {cid} comes from {source}, not from batch {batch.root}",
                field="batch",
            )
        report_file: str | None = None
        if report is not None:
            digest, report_file = report_source(report)
            if digest != cert.report_sha256:
                raise InvalidInputError(
                    f"the report's SHA-256 {digest} is not the certificate's {cert.report_sha256}",
                    field="report",
                )
        signature: str | None = None
        if device_signature is not None:
            signature = (
                "0x"
                + _validate.hex_bytes(
                    device_signature, field="device_signature", allow_empty=False
                ).hex()
            )
        elif cert.device_attested:
            signature = cert.device_signature
        spec_text = _spec_text_of(test_spec_text, cert.test_spec)
        disclosed = tuple(readings)
        for i, proof in enumerate(disclosed):
            if not isinstance(proof, ReadingProof) or not verify_reading(proof, cert.data_root):
                raise InvalidInputError(
                    f"readings[{i}] is not a reading proof under the data root {cert.data_root}",
                    field="readings",
                )
        return CertificateBundle(
            chain_id=self.chain_id,
            registry=self.registry,
            cert_id=cert.cert_id,
            device_id=cert.device_id,
            lab=cert.lab,
            report_sha256=cert.report_sha256,
            report_file=report_file,
            data_root=cert.data_root,
            test_spec=cert.test_spec,
            test_spec_text=spec_text,
            result=cert.result,
            valid_until=int(cert.valid_until.timestamp()),
            batch=BundleBatch(root=batch.root, leaf=batch.leaf, proof=batch.proof)
            if batch is not None
            else None,
            tx_hash=cert.tx_hash,
            block_number=cert.block_number,
            device_signature=signature,
            readings=disclosed,
        )

    def verify_bundle(
        self,
        *,
        bundle: CertificateBundle | str | os.PathLike[str] | None = None,
        report: ReportLike | None = None,
        readings: str | os.PathLike[str] | None = None,
        readings_seed: bytes | str | None = None,
        cert_id: str | bytes | None = None,
    ) -> Verdict:
        """Check a certificate against the chain, all reads at one block; never raises for a
        certificate that does not check out (the :class:`Verdict` says why).

        The certificate is the bundle's (a :class:`CertificateBundle` or a path to one), or
        ``cert_id``, or - with only a ``report`` - the latest valid certificate committing to the
        report's SHA-256. ``readings`` is the readings CSV (rebuilt with the lab's
        ``readings_seed``; without the seed, the bundle's disclosed readings are compared with
        its rows) or a JSON list of disclosed reading proofs.

        Checks, in order: certificate_on_chain, bundle_matches_chain (chain id, registry and every
        field), report_digest, issuer_accredited, device_registered, result_pass,
        validity_window, not_revoked, not_superseded, batch_proof, data_root, device_signature.

        Raises InvalidInputError for unusable arguments (nothing to verify, an unreadable
        bundle file, a seed without readings), ChainError when the node fails.
        """
        loaded: CertificateBundle | None
        if bundle is None or isinstance(bundle, CertificateBundle):
            loaded = bundle
        elif isinstance(bundle, str | os.PathLike):
            loaded = CertificateBundle.load(bundle)
        else:
            raise InvalidInputError("bundle must be a CertificateBundle or a path", field="bundle")
        return verify(
            self._reader,
            bundle=loaded,
            report=report,
            readings=readings,
            readings_seed=readings_seed,
            cert_id=_validate.bytes32(cert_id, field="cert_id") if cert_id is not None else None,
            rpc_url=self._binding.connection.rpc_url,
        )

    def cast_call_hint(self, *, cert_id: str | bytes) -> str:
        """The Foundry ``cast call`` that asks the chain itself whether the certificate is valid,
        for a buyer who trusts no SDK."""
        cid = _validate.bytes32(cert_id, field="cert_id")
        url = self._binding.connection.rpc_url
        return f'cast call {self.registry} "isValid(bytes32)(bool)" {cid} --rpc-url {url}'

    # ---------------------------------------------------------------------------------------------
    # helpers

    def _request(
        self,
        *,
        device_id: int,
        report: ReportLike,
        data_root: str | bytes,
        test_spec: str | bytes,
        passed: bool,
        valid_until: datetime | int,
        supersedes: str | bytes | None,
        device_signature: bytes | str | None,
    ) -> _Request:
        """The ``CertificateRequest`` struct, checked (``supersedes_report`` not resolved yet)."""
        return _Request(
            device_id=_validate.uint(device_id, field="device_id"),
            report_sha256=to_bytes32(report_digest(report)),
            data_root=to_bytes32(_validate.bytes32(data_root, field="data_root")),
            test_spec=to_bytes32(_validate.bytes32_or_text(test_spec, field="test_spec")),
            result=as_result(passed),
            valid_until=_validate.timestamp(valid_until, field="valid_until"),
            supersedes=to_bytes32(
                _validate.optional_bytes32(supersedes, field="supersedes") or ZERO_BYTES32
            ),
            device_signature=_validate.hex_bytes(
                device_signature, field="device_signature", allow_empty=False
            )
            if device_signature is not None
            else b"",
        )

    def _with_supersedes_report(self, req: _Request) -> _Request:
        """``req`` with the report digest of the certificate it supersedes, read from that
        certificate's ``CertificateIssued``. The contract checks it (CannotSupersede for an unknown
        id, which keeps zero here, or a certificate of another lab or device)."""
        if req.supersedes == bytes(32):
            return req
        cert_id = "0x" + req.supersedes.hex()
        found = self._reader.events("CertificateIssued", topics=[cert_id])
        if not found:
            return req
        args = found[0].args
        return _Request(
            **{
                **req.__dict__,
                "supersedes_report": to_bytes32(hex32(args["reportSha256"])),
            }
        )


def _issued(tx: TxResult) -> Issued:
    event = tx.event("CertificateIssued")
    return Issued(
        cert_id=hex32(event.args["certId"]),
        device_id=int(event.args["deviceId"]),
        lab=event.args["lab"],
        report_sha256=hex32(event.args["reportSha256"]),
        tx=tx,
    )


def _reason(reason: str) -> str:
    if not isinstance(reason, str):
        raise InvalidInputError("reason must be text", field="reason")
    return reason


def _proof(proof: Sequence[str | bytes]) -> list[str]:
    if isinstance(proof, str | bytes) or not isinstance(proof, Sequence):
        raise InvalidInputError("proof must be a list of 32-byte hex nodes", field="proof")
    return [_validate.bytes32(node, field=f"proof[{i}]") for i, node in enumerate(proof)]


def _spec_text_of(text: str | None, test_spec: str) -> str | None:
    """The specification's text to keep in a bundle: None for none or for a bytes32 id given as
    the spec; InvalidInputError when the text does not hash to ``test_spec``."""
    if text is None or _BYTES32_TEXT.fullmatch(text.strip()):
        return None
    if _validate.bytes32_or_text(text, field="test_spec") != test_spec:
        raise InvalidInputError(
            f"the specification text {text!r} does not hash to the certificate's {test_spec}",
            field="test_spec_text",
        )
    return text
