"""Exporting a certificate as a signed UNTP Digital Conformity Credential, and a lab's status lists.

:func:`export_credential` reads a certificate (stored, or a leaf of an anchored batch given its
proof), its device, the lab's accreditation and the lab's status-list positions from the chain,
builds the credential (:mod:`~fabtrust.credentials.dcc`) and signs it as a VC-JOSE JWT with the
connected lab's key (:mod:`~fabtrust.credentials.envelope`). :func:`export_status_lists` derives
and signs the lab's Bitstring Status List credentials (:mod:`~fabtrust.credentials.status_list`).

Light module: chain access goes through the client its caller made.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from fabtrust.credentials._values import hex32
from fabtrust.credentials.dcc import DEFAULT_TOPIC, CredentialFacts, build_credential
from fabtrust.credentials.did import did_pkh
from fabtrust.credentials.envelope import enveloped, sign_credential
from fabtrust.credentials.gs1 import (
    DEFAULT_RESOLVER,
    DeviceMetadata,
    device_digital_link,
    load_device_metadata,
)
from fabtrust.credentials.status_list import (
    PURPOSES,
    default_base,
    status_entries,
    status_list_credential,
    status_units,
)
from fabtrust.errors import InvalidInputError

if TYPE_CHECKING:
    from fabtrust.certificates import BatchProof
    from fabtrust.client import Fabtrust

__all__ = ["ExportedCredential", "export_credential", "export_status_lists"]


class ExportedCredential(BaseModel):
    """A signed credential: the JSON-LD ``credential``, its compact ``jwt`` and the
    ``EnvelopedVerifiableCredential`` ``document`` that goes into a file."""

    model_config = ConfigDict(frozen=True)

    credential: dict[str, Any]
    jwt: str
    document: dict[str, Any]


def _lab_signer_check(client: Fabtrust, lab: str) -> None:
    signer = client.chain.signer
    if signer.address != lab:
        raise InvalidInputError(
            f"a credential is signed by the certificate's lab {lab}; the connected account is "
            f"{signer.address}",
            field="account",
        )


def export_credential(
    client: Fabtrust,
    *,
    cert_id: str,
    batch: BatchProof | None = None,
    metadata: DeviceMetadata | str | os.PathLike[str] | None = None,
    spec_text: str | None = None,
    report_name: str | None = None,
    topic: str = DEFAULT_TOPIC,
    resolver: str = DEFAULT_RESOLVER,
    status_base: str | None = None,
) -> ExportedCredential:
    """The certificate ``cert_id`` as a UNTP DCC signed by the connected account (its lab).

    ``batch``: the certificate's batch proof (required for a leaf not presented on chain yet;
    adds the Merkle proof to the anchor). ``metadata``: the device's metadata document (checked
    against its on-chain metadata hash; its GTIN makes the product id a GS1 Digital Link).
    ``spec_text``: the test specification's text (must hash to the certificate's test spec id).
    ``status_base``: where the lab publishes its status lists (default: a URN of the lab).

    Raises CertificateNotFoundError, BatchNotFoundError, DeviceNotFoundError, InvalidInputError.
    """
    from fabtrust.certificates.errors import CertificateNotFoundError
    from fabtrust.evidence import test_spec_id

    cid = hex32(cert_id, "cert_id")
    certs = client.certificates
    bundle = certs.make_bundle(cert_id=cid, batch=batch)
    _lab_signer_check(client, bundle.lab)
    try:
        stored = certs.get(cert_id=cid)
        issued_at = stored.issued_at
        batch_root = stored.batch_root
    except CertificateNotFoundError:
        assert batch is not None  # make_bundle found the certificate in the batch
        issued_at = certs.batch(lab=bundle.lab, root=batch.root).anchored_at
        batch_root = batch.root
    if spec_text is not None and test_spec_id(spec_text) != bundle.test_spec:
        raise InvalidInputError(
            f"the specification text hashes to {test_spec_id(spec_text)}, the certificate's test "
            f"specification is {bundle.test_spec}",
            field="spec_text",
        )
    device = client.devices.get(device_id=bundle.device_id)
    meta: DeviceMetadata | None
    if metadata is None or isinstance(metadata, DeviceMetadata):
        meta = metadata
    else:
        meta = load_device_metadata(metadata, expected_sha256=device.metadata_hash)
    if meta is not None and meta.sha256 != device.metadata_hash:
        raise InvalidInputError(
            f"the metadata document hashes to {meta.sha256}, the device's metadata hash on chain "
            f"is {device.metadata_hash}",
            field="metadata",
        )
    accreditation = certs.accreditation(lab=bundle.lab)
    roles = client.deployment.roles
    admins = roles.get("DEFAULT_ADMIN_ROLE") or [client.deployment.deployer]
    base = status_base or default_base(
        chain_id=bundle.chain_id, registry=bundle.registry, lab=bundle.lab
    )
    units = status_units(client, lab=bundle.lab)
    facts = CredentialFacts(
        chain_id=bundle.chain_id,
        registry=bundle.registry,
        device_registry=client.devices.registry_address,
        cert_id=cid,
        tx_hash=bundle.tx_hash,
        block_number=bundle.block_number,
        lab=bundle.lab,
        lab_name=accreditation.name,
        accredited_until=accreditation.valid_until,
        authority=admins[0],
        device_id=bundle.device_id,
        manufacturer=device.manufacturer,
        serial=device.serial,
        model=device.model_text,
        digital_link=device_digital_link(serial=device.serial, metadata=meta, resolver=resolver),
        gtin=meta.gtin if meta is not None else None,
        report_sha256=bundle.report_sha256,
        report_name=report_name,
        data_root=bundle.data_root,
        test_spec=bundle.test_spec,
        spec_text=spec_text,
        passed=int(bundle.result) == 1,
        issued_at=issued_at,
        valid_until=datetime.fromtimestamp(bundle.valid_until, tz=timezone.utc),
        batch_root=batch_root,
        batch_proof=tuple(batch.proof) if batch is not None else None,
        device_signature=bundle.device_signature,
        topic=topic,
        status=status_entries(units, cert_id=cid, batch_root=batch_root, base=base),
    )
    credential = build_credential(facts)
    jwt = sign_credential(credential, signer=client.chain.signer, chain_id=bundle.chain_id)
    return ExportedCredential(credential=credential, jwt=jwt, document=enveloped(jwt))


def export_status_lists(
    client: Fabtrust, *, status_base: str | None = None
) -> dict[str, ExportedCredential]:
    """The connected lab's status list credentials (``revocation`` and ``refresh``), derived from
    the chain at the latest block and signed by the lab."""
    lab = client.chain.address
    chain_id = client.chain.connection.chain_id
    registry = client.certificates.registry
    head = client.chain.connection.block_number()
    units = status_units(client, lab=lab, to_block=head)
    base = status_base or default_base(chain_id=chain_id, registry=registry, lab=lab)
    now = _block_time(client, head)
    issuer = did_pkh(chain_id=chain_id, address=lab)
    out: dict[str, ExportedCredential] = {}
    for purpose in PURPOSES:
        credential = status_list_credential(
            purpose=purpose, units=units, base=base, issuer=issuer, valid_from=now
        )
        jwt = sign_credential(credential, signer=client.chain.signer, chain_id=chain_id)
        out[purpose] = ExportedCredential(credential=credential, jwt=jwt, document=enveloped(jwt))
    return out


def _block_time(client: Fabtrust, number: int) -> datetime:
    w3 = client.chain.w3
    stamp = client.chain.rpc(lambda: w3.eth.get_block(number)["timestamp"], "eth_getBlockByNumber")
    return datetime.fromtimestamp(int(stamp), tz=timezone.utc)
