"""fabtrust certificates as UNTP Digital Conformity Credentials (UNTP 0.6.1, W3C VC 2.0).

:func:`build_credential` maps what fabtrust holds (a :class:`CredentialFacts`) onto the DCC
vocabulary; :func:`anchor_of` reads a credential back into the :class:`CredentialAnchor` and
the certificate fields it claims, which verification compares with the chain. The mapping table
is in docs/credentials.md; in short:

- issuer: the lab, ``did:pkh:eip155:<chainId>:<lab>`` (a ``CredentialIssuer`` with its name);
  ``validFrom``/``validUntil``: the certificate's issuance time and end of validity.
- ``credentialSubject``: a ``ConformityAttestation`` (assessorLevel ``3rdParty``,
  assessmentLevel ``Accredited``, attestationType ``testing``) issued to the device's
  manufacturer, authorised by the lab's accreditation (an ``Endorsement`` whose
  issuingAuthority is the registry's admin), with
  ``conformityCertificate.hashDigest`` = the report's SHA-256 and
  ``auditableEvidence.hashDigest`` = the readings' Merkle root;
- one ``ConformityAssessment``: the test specification as ``referenceStandard``, the result as
  ``conformance``, the device as ``assessedProduct`` (its GS1 Digital Link when it has a GTIN,
  else its ERC-721 asset id ``eip155:<chainId>/erc721:<DeviceRegistry>/<deviceId>``).
- ``evidence``: a fabtrust ``BlockchainAnchor`` (chain id, registry, certificate id, transaction,
  block, device id, test specification id; batch root and proof for batch certificates; the
  device key's signature over the data root when the device attested it).
- ``credentialStatus``: Bitstring Status List entries
  (see :mod:`~fabtrust.credentials.status_list`).

Light module: pydantic and the standard library.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict

from fabtrust.credentials._values import hex32, timestamp
from fabtrust.credentials.contexts import DCC_CONTEXT, DCC_SCHEMA, FABTRUST_CONTEXT, VC_CONTEXT
from fabtrust.credentials.did import did_pkh, parse_did_pkh
from fabtrust.errors import InvalidInputError

__all__ = [
    "CONFORMITY_TOPICS",
    "DEFAULT_TOPIC",
    "CredentialAnchor",
    "CredentialFacts",
    "StatusEntry",
    "anchor_of",
    "build_credential",
    "certificate_urn",
    "device_asset_id",
]

CONFORMITY_TOPICS = (
    "environment.energy",
    "environment.emissions",
    "environment.water",
    "environment.waste",
    "environment.deforestation",
    "environment.biodiversity",
    "circularity.content",
    "circularity.design",
    "social.labour",
    "social.rights",
    "social.community",
    "social.safety",
    "governance.ethics",
    "governance.compliance",
    "governance.transparency",
)
"""UNTP 0.6.1 ``conformityTopic`` codes."""

DEFAULT_TOPIC = "governance.compliance"
"""The conformity topic of a bench test against a technical specification, unless told."""

_EVIDENCE_LINK_TYPE = "https://w3id.org/fabtrust/vocab#readingsMerkleRoot"
_REPORT_LINK_TYPE = "https://test.uncefact.org/vocabulary/linkTypes/dcc"
_GS1_SCHEME = {
    "type": ["IdentifierScheme"],
    "id": "https://id.gs1.org/01/",
    "name": "Global Trade Identification Number (GTIN)",
}


class StatusEntry(BaseModel):
    """One ``BitstringStatusListEntry`` of a credential."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    purpose: str
    index: int
    list_url: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


class CredentialFacts(BaseModel):
    """Everything a credential states, gathered from the chain (and the exporter's options).

    Addresses checksummed, bytes32 values ``0x`` + 64 lowercase hex, times aware UTC.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    chain_id: int
    registry: str
    device_registry: str
    cert_id: str
    tx_hash: str
    block_number: int
    lab: str
    lab_name: str
    accredited_until: datetime | None
    authority: str | None
    device_id: int
    manufacturer: str
    serial: str | None
    model: str | None
    digital_link: str | None = None
    gtin: str | None = None
    report_sha256: str
    report_name: str | None = None
    data_root: str
    test_spec: str
    spec_text: str | None = None
    passed: bool
    issued_at: datetime
    valid_until: datetime
    batch_root: str | None = None
    batch_proof: tuple[str, ...] | None = None
    device_signature: str | None = None
    topic: str = DEFAULT_TOPIC
    status: tuple[StatusEntry, ...] = ()


class CredentialAnchor(BaseModel):
    """What a credential claims about the chain: the anchor and the certificate's fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chain_id: int
    registry: str
    cert_id: str
    tx_hash: str
    block_number: int
    device_id: int
    lab: str
    report_sha256: str
    data_root: str
    test_spec: str
    passed: bool
    valid_until: int
    batch_root: str | None = None
    batch_proof: tuple[str, ...] | None = None
    device_signature: str | None = None
    status: tuple[StatusEntry, ...] = ()


def certificate_urn(*, chain_id: int, registry: str, cert_id: str) -> str:
    """The credential id: ``urn:fabtrust:eip155:<chainId>:<registry>:certificate:<certId>``."""
    return f"urn:fabtrust:eip155:{chain_id}:{registry}:certificate:{cert_id}"


def device_asset_id(*, chain_id: int, device_registry: str, device_id: int) -> str:
    """The device record's CAIP-19 asset id: ``eip155:<chainId>/erc721:<registry>/<deviceId>``."""
    return f"eip155:{chain_id}/erc721:{device_registry}/{device_id}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _party(did: str, name: str) -> dict[str, Any]:
    return {"id": did, "name": name}


def build_credential(facts: CredentialFacts) -> dict[str, Any]:
    """The unsecured credential (a JSON-LD document) for ``facts``."""
    if facts.topic not in CONFORMITY_TOPICS:
        raise InvalidInputError(
            f"conformity topic {facts.topic!r} is not a UNTP code ({', '.join(CONFORMITY_TOPICS)})",
            field="topic",
        )
    chain = facts.chain_id
    lab_did = did_pkh(chain_id=chain, address=facts.lab)
    lab_name = facts.lab_name or f"lab {facts.lab}"
    cert_uri = certificate_urn(chain_id=chain, registry=facts.registry, cert_id=facts.cert_id)
    maker_did = did_pkh(chain_id=chain, address=facts.manufacturer)
    model = facts.model or f"device {facts.device_id:#x}"
    product: dict[str, Any] = {
        "id": facts.digital_link
        or device_asset_id(
            chain_id=chain, device_registry=facts.device_registry, device_id=facts.device_id
        ),
        "name": model,
        "registeredId": str(facts.device_id),
    }
    if facts.gtin is not None and facts.digital_link is not None:
        product["registeredId"] = facts.gtin + (f".21.{facts.serial}" if facts.serial else "")
        product["idScheme"] = dict(_GS1_SCHEME)
    if facts.serial:
        product["serialNumber"] = facts.serial
    spec_name = facts.spec_text or f"test specification {facts.test_spec}"
    until = _iso(facts.accredited_until) if facts.accredited_until else "unknown"
    authorisation: dict[str, Any] = {
        "type": ["Endorsement"],
        "id": f"urn:fabtrust:eip155:{chain}:{facts.registry}:accreditation:{facts.lab}",
        "name": f"Accreditation of {lab_name} in the fabtrust CertificateRegistry {facts.registry} "
        f"(chain {chain}), valid until {until}",
        "issuingAuthority": _party(
            did_pkh(chain_id=chain, address=facts.authority or facts.registry),
            "fabtrust CertificateRegistry admin",
        ),
    }
    certificate_link: dict[str, Any] = {
        "linkName": facts.report_name or "test report",
        "linkType": _REPORT_LINK_TYPE,
        "hashDigest": facts.report_sha256[2:],
        "hashMethod": "SHA-256",
        "encryptionMethod": "none",
    }
    evidence_link: dict[str, Any] = {
        "linkName": "raw bench readings: root of the salted Merkle tree (OpenZeppelin "
        "StandardMerkleTree, keccak256)",
        "linkType": _EVIDENCE_LINK_TYPE,
        "hashDigest": facts.data_root[2:],
        "encryptionMethod": "none",
    }
    assessment: dict[str, Any] = {
        "type": ["ConformityAssessment", "Declaration"],
        "id": f"{cert_uri}#assessment",
        "name": f"Bench test of {model} against {spec_name}",
        "assessmentDate": facts.issued_at.astimezone(timezone.utc).date().isoformat(),
        "referenceStandard": {
            "type": ["Standard"],
            "id": f"urn:fabtrust:test-spec:{facts.test_spec}",
            "name": spec_name,
            "issuingParty": _party(lab_did, lab_name),
        },
        "conformance": facts.passed,
        "conformityTopic": facts.topic,
        "assessedProduct": [{"product": product, "IDverifiedByCAB": True}],
    }
    anchor: dict[str, Any] = {
        "type": ["BlockchainAnchor"],
        "chainId": chain,
        "registry": facts.registry,
        "deviceRegistry": facts.device_registry,
        "certificateId": facts.cert_id,
        "transactionHash": facts.tx_hash,
        "blockNumber": facts.block_number,
        "deviceId": str(facts.device_id),
        "testSpec": facts.test_spec,
    }
    if facts.batch_root is not None:
        anchor["batchRoot"] = facts.batch_root
        if facts.batch_proof is not None:
            anchor["batchProof"] = list(facts.batch_proof)
    if facts.device_signature is not None:
        anchor["deviceSignature"] = facts.device_signature
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, DCC_CONTEXT, FABTRUST_CONTEXT],
        "type": ["DigitalConformityCredential", "VerifiableCredential"],
        "id": cert_uri,
        "issuer": {"type": ["CredentialIssuer"], "id": lab_did, "name": lab_name},
        "validFrom": _iso(facts.issued_at),
        "validUntil": _iso(facts.valid_until),
        "credentialSchema": {"id": DCC_SCHEMA, "type": "JsonSchema"},
        "credentialSubject": {
            "type": ["ConformityAttestation", "Attestation"],
            "id": f"{cert_uri}#attestation",
            "name": f"{'Pass' if facts.passed else 'Fail'}: {model} "
            f"{facts.serial or facts.device_id} tested by {lab_name}",
            "assessorLevel": "3rdParty",
            "assessmentLevel": "Accredited",
            "attestationType": "testing",
            "description": f"Test certificate {facts.cert_id}, anchored on chain {chain} in the "
            f"fabtrust CertificateRegistry {facts.registry}",
            "issuedToParty": _party(maker_did, f"manufacturer {facts.manufacturer}"),
            "authorisation": [authorisation],
            "conformityCertificate": certificate_link,
            "auditableEvidence": evidence_link,
            "assessment": [assessment],
        },
        "evidence": [anchor],
    }
    if facts.status:
        credential["credentialStatus"] = [entry.as_json() for entry in facts.status]
    return credential


def _get(data: Any, *path: str | int) -> Any:
    node = data
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or len(node) <= step:
                raise InvalidInputError(
                    f"the credential has no {'.'.join(map(str, path))}", field=str(path[0])
                )
            node = node[step]
        else:
            if not isinstance(node, dict) or step not in node:
                raise InvalidInputError(
                    f"the credential has no {'.'.join(map(str, path))}", field=str(path[0])
                )
            node = node[step]
    return node


def anchor_of(credential: dict[str, Any]) -> CredentialAnchor:
    """The anchor and certificate fields a credential claims (InvalidInputError naming the first
    missing or malformed one). Nothing is trusted here: verification compares them with the chain.
    """
    evidence = _get(credential, "evidence")
    items = evidence if isinstance(evidence, list) else [evidence]
    anchors = [
        e
        for e in items
        if isinstance(e, dict)
        and (e.get("type") == "BlockchainAnchor" or "BlockchainAnchor" in (e.get("type") or []))
    ]
    if len(anchors) != 1:
        raise InvalidInputError(
            f"the credential must carry one BlockchainAnchor evidence, it has {len(anchors)}",
            field="evidence",
        )
    anchor = anchors[0]
    subject = _get(credential, "credentialSubject")
    did_chain, lab = parse_did_pkh(str(_get(credential, "issuer", "id")))
    conformance = _get(subject, "assessment", 0, "conformance")
    if not isinstance(conformance, bool):
        raise InvalidInputError("assessment conformance must be true or false", field="assessment")
    proof = anchor.get("batchProof")
    root = anchor.get("batchRoot")
    device_signature = anchor.get("deviceSignature")
    if device_signature is not None and not (
        isinstance(device_signature, str) and re.fullmatch(r"0x(?:[0-9a-f]{2})+", device_signature)
    ):
        raise InvalidInputError(
            "the anchor's deviceSignature must be 0x-prefixed lowercase hex", field="evidence"
        )
    status_items = credential.get("credentialStatus") or []
    status: list[StatusEntry] = []
    for item in status_items if isinstance(status_items, list) else [status_items]:
        try:
            status.append(
                StatusEntry(
                    purpose=str(item["statusPurpose"]),
                    index=int(item["statusListIndex"]),
                    list_url=str(item["statusListCredential"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidInputError(
                "credentialStatus must be BitstringStatusListEntry objects",
                field="credentialStatus",
            ) from None
    try:
        chain_id = int(_get(anchor, "chainId"))
        block = int(_get(anchor, "blockNumber"))
        device_id = int(str(_get(anchor, "deviceId")))
    except ValueError:
        raise InvalidInputError(
            "the anchor's chainId, blockNumber and deviceId must be integers", field="evidence"
        ) from None
    if did_chain != chain_id:
        raise InvalidInputError(
            f"the issuer's did:pkh names chain {did_chain}, the anchor chain {chain_id}",
            field="issuer",
        )
    return CredentialAnchor(
        chain_id=chain_id,
        registry=str(_get(anchor, "registry")),
        cert_id=hex32(_get(anchor, "certificateId"), "certificateId"),
        tx_hash=hex32(_get(anchor, "transactionHash"), "transactionHash"),
        block_number=block,
        device_id=device_id,
        lab=lab,
        report_sha256=hex32(
            _get(subject, "conformityCertificate", "hashDigest"), "conformityCertificate"
        ),
        data_root=hex32(_get(subject, "auditableEvidence", "hashDigest"), "auditableEvidence"),
        test_spec=hex32(_get(anchor, "testSpec"), "testSpec"),
        passed=conformance,
        valid_until=timestamp(_get(credential, "validUntil"), "validUntil"),
        batch_root=hex32(root, "batchRoot") if root is not None else None,
        batch_proof=tuple(hex32(p, "batchProof") for p in proof)
        if isinstance(proof, list)
        else None,
        device_signature=device_signature,
        status=tuple(status),
    )
