"""Revocation and supersession as W3C Bitstring Status Lists, derived from the chain.

Each lab publishes two ``BitstringStatusListCredential``s: statusPurpose ``revocation`` and
``refresh``. Their bits are the lab's **issuance units**, numbered in chain order (block, log
index) from 0: every ``CertificateIssued`` of the lab and every ``BatchAnchored`` of the lab. The
numbering is append-only, so an index never changes once given. A credential references

- its certificate's unit (when the certificate is stored on chain) in both lists: the
  ``revocation`` bit is set when ``CertificateRevoked`` was emitted for it, the ``refresh`` bit when
  ``CertificateSuperseded`` was (the lab issued a successor: fetch the new credential); the refresh
  list names each successor in ``credentialSubject.successors`` (a fabtrust term);
- its batch's unit (for a certificate anchored in a Merkle batch) in the ``revocation`` list: set
  when ``BatchRevoked`` was emitted for the batch.

Revoking the lab's accreditation (``LabAccreditationRevoked``) invalidates on chain everything the
lab issued or anchored up to then, for good (a later re-accreditation does not revive it): every
unit before the lab's last revocation gets its ``revocation`` bit. A device that is suspended or
decommissioned also makes its certificates invalid on chain, but that state can change back and is
not a revocation: ``cert verify`` and ``verify-credential`` read it from the chain.

The list is ``encodedList`` = multibase base64url (``u`` prefix, no padding) of the GZIP of the
bitstring, at least 16 KiB (131,072 entries), index 0 the most significant bit of the first byte.

Light module: chain access goes through the client its caller made.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from fabtrust.credentials.contexts import FABTRUST_CONTEXT, VC_CONTEXT
from fabtrust.credentials.dcc import StatusEntry
from fabtrust.errors import InvalidInputError

if TYPE_CHECKING:
    from fabtrust.client import Fabtrust

__all__ = [
    "MIN_ENTRIES",
    "PURPOSES",
    "StatusUnit",
    "decode_list",
    "default_base",
    "encode_list",
    "is_set",
    "list_url",
    "status_entries",
    "status_list_credential",
    "status_units",
]

MIN_ENTRIES = 131_072
"""The smallest list (16 KiB), so that one list tells little about any one credential."""

PURPOSES = ("revocation", "refresh")
"""The lists fabtrust publishes per lab."""

_REGISTRY = "CertificateRegistry"


@dataclass(frozen=True)
class StatusUnit:
    """One issuance unit of a lab: a stored certificate or an anchored batch, at ``index``."""

    index: int
    kind: str  # "certificate" or "batch"
    key: str  # certificate id or batch root
    revoked: bool
    successor: str | None = None


def list_url(base: str, purpose: str) -> str:
    """The id (URL) of a lab's status list credential for ``purpose``: ``<base>/<purpose>``."""
    if purpose not in PURPOSES:
        raise InvalidInputError(f"status purpose {purpose!r} is not one of {PURPOSES}")
    return f"{base.rstrip('/')}/{purpose}"


def default_base(*, chain_id: int, registry: str, lab: str) -> str:
    """Where a lab's lists are, when it did not say: a URN naming the chain, registry and lab."""
    return f"urn:fabtrust:eip155:{chain_id}:{registry}:status:{lab}"


def encode_list(bits: Iterable[int], *, size: int = MIN_ENTRIES) -> str:
    """The ``encodedList`` of a bitstring of ``size`` entries with the given indexes set."""
    raw = bytearray((max(size, MIN_ENTRIES) + 7) // 8)
    for index in bits:
        if index < 0 or index >= len(raw) * 8:
            raise InvalidInputError(f"status index {index} is outside the list", field="index")
        raw[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(raw), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (InvalidInputError for a malformed one)."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise InvalidInputError(
            "encodedList must be multibase base64url (u...)", field="encodedList"
        )
    body = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, OSError, EOFError) as exc:
        raise InvalidInputError(f"encodedList is not GZIP base64url ({exc})") from None


def is_set(bitstring: bytes, index: int) -> bool:
    """Whether entry ``index`` of a decoded bitstring is 1."""
    if index < 0 or index >= len(bitstring) * 8:
        raise InvalidInputError(f"status index {index} is outside the list ({len(bitstring) * 8})")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_units(client: Fabtrust, *, lab: str, to_block: int | None = None) -> list[StatusUnit]:
    """The lab's issuance units in chain order, with their revocation and supersession state,
    from the registry's events (up to ``to_block``)."""
    chain = client.chain

    def events(name: str, topics: list[str | None] | None = None) -> list[Any]:
        return list(chain.events(_REGISTRY, name, topics=topics or [], to_block=to_block))

    lab_topic = "0x" + lab.lower().removeprefix("0x").rjust(64, "0")
    issued = [e for e in events("CertificateIssued") if str(e.args["lab"]).lower() == lab.lower()]
    anchored = events("BatchAnchored", [None, lab_topic])
    revoked = {_hex(e.args["certId"]) for e in events("CertificateRevoked")}
    successors = {
        _hex(e.args["certId"]): _hex(e.args["successor"]) for e in events("CertificateSuperseded")
    }
    batches_revoked = {_hex(e.args["root"]) for e in events("BatchRevoked", [None, lab_topic])}
    lab_revocations = [
        (e.block_number, e.log_index) for e in events("LabAccreditationRevoked", [lab_topic])
    ]
    lab_revoked_until = max(lab_revocations, default=(-1, -1))
    ordered = sorted([*issued, *anchored], key=lambda e: (e.block_number, e.log_index))
    units: list[StatusUnit] = []
    for index, event in enumerate(ordered):
        lab_revoked = (event.block_number, event.log_index) < lab_revoked_until
        if event.name == "CertificateIssued":
            cert_id = _hex(event.args["certId"])
            units.append(
                StatusUnit(
                    index=index,
                    kind="certificate",
                    key=cert_id,
                    revoked=cert_id in revoked or lab_revoked,
                    successor=successors.get(cert_id),
                )
            )
        else:
            root = _hex(event.args["root"])
            units.append(
                StatusUnit(
                    index=index,
                    kind="batch",
                    key=root,
                    revoked=root in batches_revoked or lab_revoked,
                )
            )
    return units


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return "0x" + str(value).lower().removeprefix("0x").rjust(64, "0")


def status_entries(
    units: Iterable[StatusUnit], *, cert_id: str, batch_root: str | None, base: str
) -> tuple[StatusEntry, ...]:
    """The ``credentialStatus`` entries of a certificate (see the module notes)."""
    entries: list[StatusEntry] = []

    def add(purpose: str, index: int) -> None:
        entries.append(StatusEntry(purpose=purpose, index=index, list_url=list_url(base, purpose)))

    for unit in units:
        if unit.kind == "certificate" and unit.key == cert_id:
            add("revocation", unit.index)
            add("refresh", unit.index)
        elif unit.kind == "batch" and batch_root is not None and unit.key == batch_root:
            add("revocation", unit.index)
    return tuple(sorted(entries, key=lambda e: (e.purpose != "revocation", e.index)))


def status_list_credential(
    *,
    purpose: str,
    units: Iterable[StatusUnit],
    base: str,
    issuer: str,
    valid_from: datetime,
) -> dict[str, Any]:
    """The (unsecured) ``BitstringStatusListCredential`` of ``purpose`` for these units."""
    items = list(units)
    if purpose == "revocation":
        bits = [u.index for u in items if u.revoked]
    elif purpose == "refresh":
        bits = [u.index for u in items if u.successor is not None]
    else:
        raise InvalidInputError(f"status purpose {purpose!r} is not one of {PURPOSES}")
    url = list_url(base, purpose)
    subject: dict[str, Any] = {
        "id": f"{url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": encode_list(bits, size=len(items)),
    }
    if purpose == "refresh":
        subject["successors"] = [
            {
                "type": "CertificateSuccessor",
                "statusListIndex": str(u.index),
                "certificateId": u.key,
                "successor": u.successor,
            }
            for u in items
            if u.successor is not None
        ]
    return {
        "@context": [VC_CONTEXT, FABTRUST_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": subject,
    }
