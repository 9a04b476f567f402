"""Certificates: issuing, finding and verifying test certificates, and certificate bundles.

- :class:`CertificatesClient` (``fabtrust.connect(...).certificates``): labs issue, sign, batch
  and revoke; the admin accredits labs; anyone reads, finds by report and verifies.
- :mod:`~fabtrust.certificates.models`: the frozen models it returns (:class:`Certificate`,
  :class:`Issued`, :class:`SignedIssueRequest`, :class:`AnchoredBatch`, :class:`Verdict`, ...).
- :mod:`~fabtrust.certificates.bundle`: :class:`CertificateBundle`, the portable JSON a buyer
  verifies with the report.
- :func:`read_batch_file`: the rows of a certificate batch file (JSON or CSV), shape-checked.
- :mod:`~fabtrust.certificates.errors`: the CertificateRegistry's Solidity errors as exceptions.

Light package: importing it loads no web3 (chain access goes through the client's Binding), and
each name's module is imported on first use (the buyer's verify loads only what it reads: no
pydantic, which the batch-file rows still use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fabtrust.certificates._batch_file import (
        BATCH_FIELDS,
        REQUIRED_BATCH_FIELDS,
        BatchFileError,
        BatchFileRow,
        read_batch_file,
    )
    from fabtrust.certificates._verify import CHECK_NAMES
    from fabtrust.certificates.bundle import (
        BUNDLE_SCHEMA_VERSION,
        BundleBatch,
        BundleCheckpoint,
        BundleCheckpoints,
        CertificateBundle,
    )
    from fabtrust.certificates.client import CertificatesClient
    from fabtrust.certificates.models import (
        Accreditation,
        AnchoredBatch,
        Batch,
        BatchCertificate,
        BatchProof,
        Certificate,
        Check,
        Issued,
        PassRef,
        SignedIssueRequest,
        Verdict,
    )

__all__ = [
    "BATCH_FIELDS",
    "BUNDLE_SCHEMA_VERSION",
    "CHECK_NAMES",
    "REQUIRED_BATCH_FIELDS",
    "Accreditation",
    "AnchoredBatch",
    "Batch",
    "BatchCertificate",
    "BatchFileError",
    "BatchFileRow",
    "BatchProof",
    "BundleBatch",
    "BundleCheckpoint",
    "BundleCheckpoints",
    "Certificate",
    "CertificateBundle",
    "CertificatesClient",
    "Check",
    "Issued",
    "PassRef",
    "SignedIssueRequest",
    "Verdict",
    "read_batch_file",
]

_LAZY = {
    "BATCH_FIELDS": "_batch_file",
    "REQUIRED_BATCH_FIELDS": "_batch_file",
    "BatchFileError": "_batch_file",
    "BatchFileRow": "_batch_file",
    "read_batch_file": "_batch_file",
    "CHECK_NAMES": "_verify",
    "BUNDLE_SCHEMA_VERSION": "bundle",
    "BundleBatch": "bundle",
    "BundleCheckpoint": "bundle",
    "BundleCheckpoints": "bundle",
    "CertificateBundle": "bundle",
    "CertificatesClient": "client",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f"{__name__}.{_LAZY.get(name, 'models')}")
    value = getattr(module, name)
    globals()[name] = value
    return value
