"""Credentials: fabtrust certificates in the forms the rest of the world reads.

- :mod:`~fabtrust.credentials.dcc`: a certificate as a UNTP Digital Conformity Credential
  (W3C VC 2.0 JSON-LD) carrying its on-chain anchor.
- :mod:`~fabtrust.credentials.envelope`: VC-JOSE-COSE JWTs signed ES256K by the lab's key
  (``did:pkh``, :mod:`~fabtrust.credentials.did`).
- :mod:`~fabtrust.credentials.export` / :mod:`~fabtrust.credentials.verify`: export from and
  verify against the chain (the verdict of ``cert verify``, with the credential's own checks).
- :mod:`~fabtrust.credentials.status_list`: revocation and supersession as Bitstring Status Lists.
- :mod:`~fabtrust.credentials.gs1`: GTINs and GS1 Digital Link URIs of devices.
- :mod:`~fabtrust.credentials.contexts`: the shipped JSON-LD contexts and UNTP schema (never
  fetched from the network).

It uses the certificates and identity SDK, never the reverse. Light package: importing it loads
no web3, pyld or joserfc.
"""

from fabtrust.credentials.contexts import DCC_CONTEXT, DCC_SCHEMA, FABTRUST_CONTEXT, VC_CONTEXT
from fabtrust.credentials.dcc import (
    CredentialAnchor,
    CredentialFacts,
    StatusEntry,
    build_credential,
)
from fabtrust.credentials.did import did_pkh, parse_did_pkh
from fabtrust.credentials.envelope import enveloped, sign_credential, verify_jwt
from fabtrust.credentials.export import ExportedCredential, export_credential, export_status_lists
from fabtrust.credentials.gs1 import (
    DEFAULT_RESOLVER,
    DeviceMetadata,
    DigitalLink,
    check_gtin,
    device_digital_link,
    digital_link,
    digital_link_of,
    load_device_metadata,
    parse_digital_link,
)
from fabtrust.credentials.verify import CREDENTIAL_CHECKS, load_credential, verify_credential

__all__ = [
    "CREDENTIAL_CHECKS",
    "DCC_CONTEXT",
    "DCC_SCHEMA",
    "DEFAULT_RESOLVER",
    "FABTRUST_CONTEXT",
    "VC_CONTEXT",
    "CredentialAnchor",
    "CredentialFacts",
    "DeviceMetadata",
    "DigitalLink",
    "ExportedCredential",
    "StatusEntry",
    "build_credential",
    "check_gtin",
    "device_digital_link",
    "did_pkh",
    "digital_link",
    "digital_link_of",
    "enveloped",
    "export_credential",
    "export_status_lists",
    "load_credential",
    "load_device_metadata",
    "parse_did_pkh",
    "parse_digital_link",
    "sign_credential",
    "verify_credential",
    "verify_jwt",
]
