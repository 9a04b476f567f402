"""The CertificateRegistry's Solidity errors as exception classes (generated: do not edit).

Written by scripts/gen_errors.py from sdk/fabtrust/abi/CertificateRegistry.json (``make abi``).
Each class is the one :func:`fabtrust.errors.error_class_for` makes for the ABI entry,
so it is the class a reverted call raises; arguments are snake_case attributes and
``.arguments``. Import them from the public :mod:`errors` module of this package.
"""

from __future__ import annotations

from fabtrust.errors import ContractError, error_class_for

__all__ = [
    "CERTIFICATE_REGISTRY_ERRORS",
    "BatchAlreadyAnchoredError",
    "BatchAlreadyRevokedError",
    "BatchAnchoredBeforeRevocationError",
    "BatchNotFoundError",
    "CannotSupersedeError",
    "CertificateAlreadyExistsError",
    "CertificateAlreadyRevokedError",
    "CertificateNotFoundError",
    "DeviceNotActiveError",
    "DeviceNotFoundError",
    "InvalidAccreditationExpiryError",
    "InvalidBatchProofError",
    "InvalidDeviceSignatureError",
    "InvalidLabSignatureError",
    "InvalidResultError",
    "InvalidValidityError",
    "LabNotAccreditedError",
    "NotBatchIssuerError",
    "NotCertificateIssuerError",
    "PassCountMismatchError",
    "SignatureExpiredError",
    "ZeroAdminError",
    "ZeroBatchCountError",
    "ZeroBatchRootError",
    "ZeroDeviceRegistryError",
    "ZeroLabError",
    "ZeroReportDigestError",
]

BatchAlreadyAnchoredError = error_class_for(
    "BatchAlreadyAnchored",
    [{"name": "lab", "type": "address"}, {"name": "root", "type": "bytes32"}],
    selector="0x046a2165",
)
BatchAlreadyRevokedError = error_class_for(
    "BatchAlreadyRevoked",
    [{"name": "lab", "type": "address"}, {"name": "root", "type": "bytes32"}],
    selector="0xdedb4f09",
)
BatchAnchoredBeforeRevocationError = error_class_for(
    "BatchAnchoredBeforeRevocation",
    [
        {"name": "lab", "type": "address"},
        {"name": "root", "type": "bytes32"},
        {"name": "anchoredAt", "type": "uint64"},
        {"name": "revokedAt", "type": "uint64"},
    ],
    selector="0x3c820120",
)
BatchNotFoundError = error_class_for(
    "BatchNotFound",
    [{"name": "lab", "type": "address"}, {"name": "root", "type": "bytes32"}],
    selector="0x68032f70",
)
CannotSupersedeError = error_class_for(
    "CannotSupersede", [{"name": "certId", "type": "bytes32"}], selector="0x65be5a6c"
)
CertificateAlreadyExistsError = error_class_for(
    "CertificateAlreadyExists", [{"name": "certId", "type": "bytes32"}], selector="0x16b35fe3"
)
CertificateAlreadyRevokedError = error_class_for(
    "CertificateAlreadyRevoked", [{"name": "certId", "type": "bytes32"}], selector="0xb93e450d"
)
CertificateNotFoundError = error_class_for(
    "CertificateNotFound", [{"name": "certId", "type": "bytes32"}], selector="0x7585e638"
)
DeviceNotActiveError = error_class_for(
    "DeviceNotActive",
    [{"name": "deviceId", "type": "uint256"}, {"name": "status", "type": "uint8"}],
    selector="0x1868c88c",
)
# from the DeviceRegistry
DeviceNotFoundError = error_class_for(
    "DeviceNotFound", [{"name": "deviceId", "type": "uint256"}], selector="0x4b6f9025"
)
InvalidAccreditationExpiryError = error_class_for(
    "InvalidAccreditationExpiry", [{"name": "validUntil", "type": "uint64"}], selector="0xcd3b2f65"
)
InvalidBatchProofError = error_class_for(
    "InvalidBatchProof",
    [{"name": "lab", "type": "address"}, {"name": "root", "type": "bytes32"}],
    selector="0x645a2d9f",
)
InvalidDeviceSignatureError = error_class_for(
    "InvalidDeviceSignature", [{"name": "deviceId", "type": "uint256"}], selector="0x7e8c48de"
)
InvalidLabSignatureError = error_class_for(
    "InvalidLabSignature", [{"name": "lab", "type": "address"}], selector="0x49430789"
)
InvalidResultError = error_class_for(
    "InvalidResult", [{"name": "result", "type": "uint8"}], selector="0x93af3ae6"
)
InvalidValidityError = error_class_for(
    "InvalidValidity", [{"name": "validUntil", "type": "uint64"}], selector="0x5704a8d0"
)
LabNotAccreditedError = error_class_for(
    "LabNotAccredited", [{"name": "lab", "type": "address"}], selector="0x404c44b6"
)
NotBatchIssuerError = error_class_for(
    "NotBatchIssuer",
    [
        {"name": "lab", "type": "address"},
        {"name": "root", "type": "bytes32"},
        {"name": "caller", "type": "address"},
    ],
    selector="0xc524c2fd",
)
NotCertificateIssuerError = error_class_for(
    "NotCertificateIssuer",
    [{"name": "certId", "type": "bytes32"}, {"name": "caller", "type": "address"}],
    selector="0x40a740b1",
)
PassCountMismatchError = error_class_for(
    "PassCountMismatch",
    [{"name": "passes", "type": "uint256"}, {"name": "devices", "type": "uint256"}],
    selector="0x4a2cc115",
)
SignatureExpiredError = error_class_for(
    "SignatureExpired", [{"name": "deadline", "type": "uint256"}], selector="0xcd21db4f"
)
ZeroAdminError = error_class_for("ZeroAdmin", [], selector="0x7289db0e")
ZeroBatchCountError = error_class_for("ZeroBatchCount", [], selector="0xf7288357")
ZeroBatchRootError = error_class_for("ZeroBatchRoot", [], selector="0x46eb925b")
ZeroDeviceRegistryError = error_class_for("ZeroDeviceRegistry", [], selector="0xf3cf455b")
ZeroLabError = error_class_for("ZeroLab", [], selector="0x18a870b7")
ZeroReportDigestError = error_class_for("ZeroReportDigest", [], selector="0xac126265")

CERTIFICATE_REGISTRY_ERRORS: dict[str, type[ContractError]] = {
    "BatchAlreadyAnchored": BatchAlreadyAnchoredError,
    "BatchAlreadyRevoked": BatchAlreadyRevokedError,
    "BatchAnchoredBeforeRevocation": BatchAnchoredBeforeRevocationError,
    "BatchNotFound": BatchNotFoundError,
    "CannotSupersede": CannotSupersedeError,
    "CertificateAlreadyExists": CertificateAlreadyExistsError,
    "CertificateAlreadyRevoked": CertificateAlreadyRevokedError,
    "CertificateNotFound": CertificateNotFoundError,
    "DeviceNotActive": DeviceNotActiveError,
    "DeviceNotFound": DeviceNotFoundError,
    "InvalidAccreditationExpiry": InvalidAccreditationExpiryError,
    "InvalidBatchProof": InvalidBatchProofError,
    "InvalidDeviceSignature": InvalidDeviceSignatureError,
    "InvalidLabSignature": InvalidLabSignatureError,
    "InvalidResult": InvalidResultError,
    "InvalidValidity": InvalidValidityError,
    "LabNotAccredited": LabNotAccreditedError,
    "NotBatchIssuer": NotBatchIssuerError,
    "NotCertificateIssuer": NotCertificateIssuerError,
    "PassCountMismatch": PassCountMismatchError,
    "SignatureExpired": SignatureExpiredError,
    "ZeroAdmin": ZeroAdminError,
    "ZeroBatchCount": ZeroBatchCountError,
    "ZeroBatchRoot": ZeroBatchRootError,
    "ZeroDeviceRegistry": ZeroDeviceRegistryError,
    "ZeroLab": ZeroLabError,
    "ZeroReportDigest": ZeroReportDigestError,
}
"""The classes above by Solidity error name."""
