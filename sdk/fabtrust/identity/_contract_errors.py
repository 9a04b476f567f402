"""The DeviceRegistry's Solidity errors as exception classes (generated: do not edit).

Written by scripts/gen_errors.py from sdk/fabtrust/abi/DeviceRegistry.json (``make abi``).
Each class is the one :func:`fabtrust.errors.error_class_for` makes for the ABI entry,
so it is the class a reverted call raises; arguments are snake_case attributes and
``.arguments``. Import them from the public :mod:`errors` module of this package.
"""

from __future__ import annotations

from fabtrust.errors import ContractError, error_class_for

__all__ = [
    "DEVICE_REGISTRY_ERRORS",
    "AccountIdsExhaustedError",
    "DeviceAlreadyRegisteredError",
    "DeviceIsDecommissionedError",
    "DeviceKeyAlreadyProvenError",
    "DeviceKeyUnchangedError",
    "DeviceLockedError",
    "DeviceNotFoundError",
    "DeviceNotOwnedByError",
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

AccountIdsExhaustedError = error_class_for("AccountIdsExhausted", [], selector="0x655df16d")
DeviceAlreadyRegisteredError = error_class_for(
    "DeviceAlreadyRegistered", [{"name": "deviceId", "type": "uint256"}], selector="0x5eb69ebf"
)
DeviceIsDecommissionedError = error_class_for(
    "DeviceIsDecommissioned", [{"name": "deviceId", "type": "uint256"}], selector="0xfed20e67"
)
DeviceKeyAlreadyProvenError = error_class_for(
    "DeviceKeyAlreadyProven", [{"name": "deviceId", "type": "uint256"}], selector="0x8ed67b63"
)
DeviceKeyUnchangedError = error_class_for(
    "DeviceKeyUnchanged",
    [{"name": "deviceId", "type": "uint256"}, {"name": "deviceKey", "type": "address"}],
    selector="0x855f41ff",
)
DeviceLockedError = error_class_for(
    "DeviceLocked",
    [{"name": "deviceId", "type": "uint256"}, {"name": "locker", "type": "address"}],
    selector="0x08f43d0b",
)
DeviceNotFoundError = error_class_for(
    "DeviceNotFound", [{"name": "deviceId", "type": "uint256"}], selector="0x4b6f9025"
)
DeviceNotOwnedByError = error_class_for(
    "DeviceNotOwnedBy",
    [
        {"name": "deviceId", "type": "uint256"},
        {"name": "owner", "type": "address"},
        {"name": "actualOwner", "type": "address"},
    ],
    selector="0x50c0e3f5",
)
EmptyBatchError = error_class_for("EmptyBatch", [], selector="0xc2e5347d")
EmptySerialError = error_class_for("EmptySerial", [], selector="0xaeb7a54e")
InvalidKeyProofError = error_class_for(
    "InvalidKeyProof", [{"name": "deviceKey", "type": "address"}], selector="0x8aff460e"
)
LockerIndexesExhaustedError = error_class_for("LockerIndexesExhausted", [], selector="0x43a20d42")
NotApprovedOperatorError = error_class_for(
    "NotApprovedOperator",
    [{"name": "owner", "type": "address"}, {"name": "caller", "type": "address"}],
    selector="0x1cf8fdfe",
)
NotDeviceLockerError = error_class_for(
    "NotDeviceLocker",
    [{"name": "deviceId", "type": "uint256"}, {"name": "caller", "type": "address"}],
    selector="0xd306040e",
)
NotDeviceManagerError = error_class_for(
    "NotDeviceManager",
    [{"name": "deviceId", "type": "uint256"}, {"name": "caller", "type": "address"}],
    selector="0x80d64c06",
)
NotDeviceManufacturerError = error_class_for(
    "NotDeviceManufacturer",
    [{"name": "deviceId", "type": "uint256"}, {"name": "caller", "type": "address"}],
    selector="0x98ff8ba1",
)
NotLockerError = error_class_for(
    "NotLocker", [{"name": "caller", "type": "address"}], selector="0x7cc23b91"
)
StatusUnchangedError = error_class_for(
    "StatusUnchanged",
    [{"name": "deviceId", "type": "uint256"}, {"name": "status", "type": "uint8"}],
    selector="0x170f1c97",
)
ZeroAdminError = error_class_for("ZeroAdmin", [], selector="0x7289db0e")
ZeroDeviceKeyError = error_class_for("ZeroDeviceKey", [], selector="0x975e429a")
ZeroOwnerError = error_class_for("ZeroOwner", [], selector="0x9905827b")

DEVICE_REGISTRY_ERRORS: dict[str, type[ContractError]] = {
    "AccountIdsExhausted": AccountIdsExhaustedError,
    "DeviceAlreadyRegistered": DeviceAlreadyRegisteredError,
    "DeviceIsDecommissioned": DeviceIsDecommissionedError,
    "DeviceKeyAlreadyProven": DeviceKeyAlreadyProvenError,
    "DeviceKeyUnchanged": DeviceKeyUnchangedError,
    "DeviceLocked": DeviceLockedError,
    "DeviceNotFound": DeviceNotFoundError,
    "DeviceNotOwnedBy": DeviceNotOwnedByError,
    "EmptyBatch": EmptyBatchError,
    "EmptySerial": EmptySerialError,
    "InvalidKeyProof": InvalidKeyProofError,
    "LockerIndexesExhausted": LockerIndexesExhaustedError,
    "NotApprovedOperator": NotApprovedOperatorError,
    "NotDeviceLocker": NotDeviceLockerError,
    "NotDeviceManager": NotDeviceManagerError,
    "NotDeviceManufacturer": NotDeviceManufacturerError,
    "NotLocker": NotLockerError,
    "StatusUnchanged": StatusUnchangedError,
    "ZeroAdmin": ZeroAdminError,
    "ZeroDeviceKey": ZeroDeviceKeyError,
    "ZeroOwner": ZeroOwnerError,
}
"""The classes above by Solidity error name."""
