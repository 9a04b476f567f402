"""Identity: registering and managing devices on the DeviceRegistry (the MES-facing client).

``client.devices`` is a :class:`DevicesClient`. Devices are ERC-721 records with deterministic ids
(``keccak256(abi.encode(manufacturer, serial))``), a signing key and a lifecycle status; the
models in :mod:`fabtrust.identity.models` are frozen pydantic models, and the registry's Solidity
errors are the exceptions in :mod:`fabtrust.identity.errors`.

Light package: importing it does not import web3.
"""

from fabtrust.identity.client import DevicesClient
from fabtrust.identity.errors import (
    AccountIdsExhaustedError,
    DeviceAlreadyRegisteredError,
    DeviceCsvError,
    DeviceIsDecommissionedError,
    DeviceKeyAlreadyProvenError,
    DeviceKeyUnchangedError,
    DeviceLockedError,
    DeviceNotFoundError,
    DeviceNotOwnedByError,
    EmptyBatchError,
    EmptySerialError,
    InvalidKeyProofError,
    LockerIndexesExhaustedError,
    NotApprovedOperatorError,
    NotDeviceLockerError,
    NotDeviceManagerError,
    NotDeviceManufacturerError,
    NotLockerError,
    StatusUnchangedError,
    ZeroAdminError,
    ZeroDeviceKeyError,
    ZeroOwnerError,
)
from fabtrust.identity.models import (
    BatchProgress,
    BatchRegistration,
    Device,
    DeviceHistoryEntry,
    DeviceKeyProvenEntry,
    DeviceKeyRotatedEntry,
    DeviceOutcome,
    DeviceRegisteredEntry,
    DeviceRegistration,
    DeviceSpec,
    DeviceStatus,
    DeviceStatusChangedEntry,
    DeviceTransferredEntry,
)

__all__ = [
    "AccountIdsExhaustedError",
    "BatchProgress",
    "BatchRegistration",
    "Device",
    "DeviceAlreadyRegisteredError",
    "DeviceCsvError",
    "DeviceHistoryEntry",
    "DeviceIsDecommissionedError",
    "DeviceKeyAlreadyProvenError",
    "DeviceKeyProvenEntry",
    "DeviceKeyRotatedEntry",
    "DeviceKeyUnchangedError",
    "DeviceLockedError",
    "DeviceNotFoundError",
    "DeviceNotOwnedByError",
    "DeviceOutcome",
    "DeviceRegisteredEntry",
    "DeviceRegistration",
    "DeviceSpec",
    "DeviceStatus",
    "DeviceStatusChangedEntry",
    "DeviceTransferredEntry",
    "DevicesClient",
    "EmptyBatchError",
    "EmptySerialError",
    "InvalidKeyProofError",
    "LockerIndexesExhaustedError",
    "NotApprovedOperatorError",
    "NotDeviceLockerError",
    "NotDeviceManagerError",
    "NotDeviceManufacturerError",
    "NotLockerError",
    "StatusUnchangedError",
    "ZeroAdminError",
    "ZeroDeviceKeyError",
    "ZeroOwnerError",
]
