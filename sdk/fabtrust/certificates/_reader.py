"""Private: reading certificates, batches, accreditations and devices from the chain.

Every read takes a ``block`` so that one verification sees one consistent state. Struct results
come back from web3 as tuples, in the order of the Solidity structs (see ICertificateRegistry and
IDeviceRegistry).

Loaded only with a chain (its callers hold a Binding); it imports nothing heavy at module level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fabtrust import _validate
from fabtrust._validate import ZERO_BYTES32
from fabtrust.certificates.models import Accreditation, Batch, BatchCertificate, Certificate
from fabtrust.errors import ChainError
from fabtrust.evidence.typed_data import CertificateResult, cert_id_of

if TYPE_CHECKING:
    from fabtrust._binding import Binding
    from fabtrust.models import Event

__all__ = ["DEVICE_STATUS", "REGISTRY", "DeviceInfo", "Reader", "hex32", "to_bytes32"]

REGISTRY = "CertificateRegistry"
DEVICES = "DeviceRegistry"
DEVICE_STATUS = ("Active", "Suspended", "Decommissioned")

Block = int | str


def to_bytes32(value: str) -> bytes:
    """``0x`` + 64 hex digits (already normalised) → 32 bytes."""
    return bytes.fromhex(value[2:])


def hex32(value: Any) -> str:
    """A bytes32 value read from the chain (bytes or hex) → ``0x`` + 64 lowercase hex digits."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex().rjust(64, "0")
    return "0x" + str(value).lower().removeprefix("0x").rjust(64, "0")


def _address_topic(address: str) -> str:
    """An indexed address as a log topic (left-padded to 32 bytes)."""
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")


def _optional(value: Any) -> str | None:
    text = hex32(value)
    return None if text == ZERO_BYTES32 else text


def _signature(value: Any) -> str | None:
    """The ``bytes deviceSignature`` of CertificateIssued as ``0x`` hex, or None when empty."""
    if not value:
        return None
    data = bytes(value) if isinstance(value, bytes | bytearray) else bytes.fromhex(str(value)[2:])
    return "0x" + data.hex() if data else None


@dataclass(frozen=True)
class DeviceInfo:
    """The stored record of a device and its current owner."""

    device_id: int
    manufacturer: str
    registered_at: int
    status: str
    key_proven: bool
    device_key: str
    owner: str


class Reader:
    """Chain reads of the certificates domain through one Binding."""

    def __init__(self, binding: Binding) -> None:
        self.binding = binding

    # -- registry ---------------------------------------------------------------------------------

    def call(self, function: str, *args: Any, block: Block = "latest") -> Any:
        return self.binding.call(REGISTRY, function, *args, block=block)

    def events(
        self,
        event: str,
        *,
        topics: Iterable[str | None] = (),
        to_block: int | None = None,
        chunk_size: int = 5_000,
    ) -> list[Event]:
        return list(
            self.binding.events(
                REGISTRY, event, topics=list(topics), to_block=to_block, chunk_size=chunk_size
            )
        )

    def accreditation(self, lab: str, *, block: Block = "latest") -> Accreditation:
        lab_id, active, accredited_at, valid_until, revoked_at, name = self.call(
            "accreditation", lab, block=block
        )
        accredited = bool(self.call("isAccredited", lab, block=block))
        return Accreditation(
            lab=lab,
            lab_id=int(lab_id),
            name=str(name),
            active=bool(active),
            accredited=accredited,
            accredited_at=_validate.utc(int(accredited_at)) if accredited_at else None,
            valid_until=_validate.utc(int(valid_until)) if valid_until else None,
            revoked_at=_validate.utc(int(revoked_at)) if revoked_at else None,
        )

    def batch(self, lab: str, root: str, *, block: Block = "latest") -> Batch:
        lab, anchored_at, count, revoked = self.call("batch", lab, to_bytes32(root), block=block)
        return Batch(
            root=root,
            lab=lab,
            anchored_at=_validate.utc(int(anchored_at)),
            count=int(count),
            revoked=bool(revoked),
        )

    def certificate(
        self,
        cert_id: str,
        *,
        block: int | None = None,
        issued: Event | None = None,
        lab_names: dict[str, str] | None = None,
        chunk_size: int = 5_000,
    ) -> Certificate:
        """The stored record (CertificateNotFoundError if none) merged with its events."""
        at: Block = "latest" if block is None else block
        record = self.call("certificate", to_bytes32(cert_id), block=at)
        # ICertificateRegistry.Certificate: the slot keeps no device id (the event has it).
        (
            lab,
            issued_at,
            valid_until,
            result,
            revoked,
            device_attested,
            _digest,
            successor,
            batch_root,
        ) = record
        if issued is None:
            found = self.events("CertificateIssued", topics=[cert_id], to_block=block)
            if not found:
                raise ChainError(
                    f"certificate {cert_id} is stored but its CertificateIssued event was not "
                    "found (is the node pruning logs?)"
                )
            issued = found[0]
        args = issued.args
        reason: str | None = None
        revoked_by: str | None = None
        if revoked:
            revocations = self.events("CertificateRevoked", topics=[cert_id], to_block=block)
            if revocations:
                reason = str(revocations[-1].args["reason"])
                revoked_by = str(revocations[-1].args["revokedBy"])
        replaced = self.events(
            "CertificateSuperseded", topics=[None, cert_id], to_block=block, chunk_size=chunk_size
        )
        supersedes = hex32(replaced[0].args["certId"]) if replaced else None
        names = lab_names if lab_names is not None else {}
        if lab not in names:
            names[lab] = self.accreditation(lab, block=at).name
        return Certificate(
            cert_id=cert_id,
            device_id=int(args["deviceId"]),
            lab=lab,
            lab_name=names[lab],
            report_sha256=hex32(args["reportSha256"]),
            data_root=hex32(args["dataRoot"]),
            test_spec=hex32(args["testSpec"]),
            result=CertificateResult(int(result)),
            issued_at=_validate.utc(int(issued_at)),
            valid_until=_validate.utc(int(valid_until)),
            revoked=bool(revoked),
            revocation_reason=reason,
            revoked_by=revoked_by,
            superseded_by=_optional(successor),
            supersedes=supersedes,
            device_attested=bool(device_attested),
            device_signature=_signature(args.get("deviceSignature")),
            batch_root=_optional(batch_root),
            tx_hash=issued.tx_hash,
            block_number=issued.block_number,
        )

    def certificates_from(
        self, events: Iterable[Event], *, block: int | None = None, chunk_size: int = 5_000
    ) -> list[Certificate]:
        """Certificates of ``CertificateIssued`` events, once each, in chain order."""
        seen: set[str] = set()
        names: dict[str, str] = {}
        found: list[Certificate] = []
        for event in events:
            cert_id = hex32(event.args["certId"])
            if cert_id in seen:
                continue
            seen.add(cert_id)
            found.append(
                self.certificate(
                    cert_id, block=block, issued=event, lab_names=names, chunk_size=chunk_size
                )
            )
        return found

    def unpresented(
        self, lab: str, root: str, leaf: BatchCertificate, *, block: int | None = None
    ) -> Certificate:
        """A certificate that is a leaf of ``lab``'s anchored batch but was not presented (stored)
        yet, described from the leaf and the batch (BatchNotFoundError if not anchored)."""
        at: Block = "latest" if block is None else block
        batch = self.batch(lab, root, block=at)
        lab_topic = _address_topic(lab)
        anchored = self.events("BatchAnchored", topics=[root, lab_topic], to_block=block)
        if not anchored:
            raise ChainError(f"batch {root} is anchored but its BatchAnchored event was not found")
        reason: str | None = None
        revoked_by: str | None = None
        if batch.revoked:
            revocations = self.events("BatchRevoked", topics=[root, lab_topic], to_block=block)
            if revocations:
                reason = str(revocations[-1].args["reason"])
                revoked_by = str(revocations[-1].args["revokedBy"])
        return Certificate(
            cert_id=cert_id_of(batch.lab, leaf.device_id, leaf.report_sha256),
            device_id=leaf.device_id,
            lab=batch.lab,
            lab_name=self.accreditation(batch.lab, block=at).name,
            report_sha256=leaf.report_sha256,
            data_root=leaf.data_root,
            test_spec=leaf.test_spec,
            result=leaf.result,
            issued_at=batch.anchored_at,
            valid_until=_validate.utc(leaf.valid_until),
            revoked=batch.revoked,
            revocation_reason=reason,
            revoked_by=revoked_by,
            device_attested=False,
            batch_root=root,
            tx_hash=anchored[0].tx_hash,
            block_number=anchored[0].block_number,
        )

    def batch_revocation(
        self, lab: str, root: str, *, block: int | None = None
    ) -> tuple[bool, str | None]:
        """Whether ``lab``'s batch is revoked, and the reason given."""
        batch = self.batch(lab, root, block="latest" if block is None else block)
        if not batch.revoked:
            return False, None
        revocations = self.events(
            "BatchRevoked", topics=[root, _address_topic(lab)], to_block=block
        )
        reason = str(revocations[-1].args["reason"]) if revocations else None
        return True, reason

    # -- devices ----------------------------------------------------------------------------------

    def device(self, device_id: int, *, block: Block = "latest") -> DeviceInfo:
        """The device's record and owner (DeviceNotFoundError if not registered)."""
        manufacturer, registered_at, status, key_proven, device_key = self.binding.call(
            DEVICES, "device", device_id, block=block
        )
        owner = self.binding.call(DEVICES, "ownerOf", device_id, block=block)
        status_index = int(status)
        return DeviceInfo(
            device_id=device_id,
            manufacturer=str(manufacturer),
            registered_at=int(registered_at),
            status=DEVICE_STATUS[status_index]
            if status_index < len(DEVICE_STATUS)
            else str(status_index),
            key_proven=bool(key_proven),
            device_key=str(device_key),
            owner=str(owner),
        )

    # -- blocks -----------------------------------------------------------------------------------

    def head(self) -> tuple[int, int]:
        """The latest block number and its timestamp."""
        number = self.binding.connection.block_number()
        return number, self.block_timestamp(number)

    def block_timestamp(self, number: int) -> int:
        w3 = self.binding.w3
        return int(
            self.binding.rpc(lambda: w3.eth.get_block(number)["timestamp"], "eth_getBlockByNumber")
        )

    def code_at(self, address: str, *, block: Block = "latest") -> bytes:
        w3 = self.binding.w3
        return bytes(self.binding.rpc(lambda: w3.eth.get_code(address, block), "eth_getCode"))  # type: ignore[arg-type]

    def raw_call(self, params: dict[str, Any], *, block: Block = "latest") -> bytes:
        """A plain ``eth_call``; a revert returns b"" (used for ERC-1271 probes)."""
        from fabtrust.chain import extract_revert_data

        w3 = self.binding.w3
        try:
            return bytes(w3.eth.call(params, block))  # type: ignore[arg-type]
        except Exception as exc:
            if extract_revert_data(exc) is not None:
                return b""
            self.binding.fail(exc, "eth_call")
