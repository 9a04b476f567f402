"""Evidence a certificate commits to: report digests, sensor-reading Merkle trees, EIP-712 payloads.

- :mod:`~fabtrust.evidence.digest`: SHA-256 of report files (matches ``sha256sum``).
- :mod:`~fabtrust.evidence.merkle`: OpenZeppelin ``StandardMerkleTree``, byte-for-byte compatible
  with npm ``@openzeppelin/merkle-tree`` 1.0.8.
- :mod:`~fabtrust.evidence.readings`: bench readings CSV, salted readings tree (``dataRoot``),
  per-reading disclosure proofs.
- :mod:`~fabtrust.evidence.typed_data`: EIP-712 payloads, device/certificate ids, batch leaves.

Every module in this package is light: none imports web3 or eth_account, and ``eth_abi`` /
``eth_hash`` are imported only when a hash is first computed.
"""

from __future__ import annotations

from fabtrust.evidence.digest import normalize_digest, sha256_bytes, sha256_file
from fabtrust.evidence.merkle import MultiProof, StandardMerkleTree
from fabtrust.evidence.readings import (
    READINGS_LEAF_ENCODING,
    Reading,
    ReadingProof,
    ReadingsTree,
    format_readings_csv,
    generate_seed,
    load_readings,
    parse_readings_csv,
    verify_reading,
    verify_readings_file,
)
from fabtrust.evidence.typed_data import (
    BATCH_LEAF_ENCODING,
    CertificateResult,
    batch_leaf,
    cert_id_of,
    data_attestation_typed_data,
    device_id_of,
    device_key_proof_typed_data,
    issue_certificate_typed_data,
    test_spec_id,
    typed_data_digest,
)

__all__ = [
    "BATCH_LEAF_ENCODING",
    "READINGS_LEAF_ENCODING",
    "CertificateResult",
    "MultiProof",
    "Reading",
    "ReadingProof",
    "ReadingsTree",
    "StandardMerkleTree",
    "batch_leaf",
    "cert_id_of",
    "data_attestation_typed_data",
    "device_id_of",
    "device_key_proof_typed_data",
    "format_readings_csv",
    "generate_seed",
    "issue_certificate_typed_data",
    "load_readings",
    "normalize_digest",
    "parse_readings_csv",
    "sha256_bytes",
    "sha256_file",
    "test_spec_id",
    "typed_data_digest",
    "verify_reading",
    "verify_readings_file",
]
