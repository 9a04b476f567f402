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
    "DeviceAlreadyRegisteredError",
    "DeviceIsDecommissionedError",
    "DeviceKeyAlreadyProvenError",
    "DeviceKeyUnchangedError",
    "DeviceNotFoundError",
    "EmptyBatchError",
    "EmptySerialError",
    "InvalidKeyProofError",
    "NotDeviceManagerError",
    "NotDeviceManufacturerError",
    "StatusUnchangedError",
    "ZeroAdminError",
    "ZeroDeviceKeyError",
    "ZeroOwnerError",
]

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
DeviceNotFoundError = error_class_for(
    "DeviceNotFound", [{"name": "deviceId", "type": "uint256"}], selector="0x4b6f9025"
)
EmptyBatchError = error_class_for("EmptyBatch", [], selector="0xc2e5347d")
EmptySerialError = error_class_for("EmptySerial", [], selector="0xaeb7a54e")
InvalidKeyProofError = error_class_for(
    "InvalidKeyProof", [{"name": "deviceKey", "type": "address"}], selector="0x8aff460e"
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
StatusUnchangedError = error_class_for(
    "StatusUnchanged",
    [{"name": "deviceId", "type": "uint256"}, {"name": "status", "type": "uint8"}],
    selector="0x170f1c97",
)
ZeroAdminError = error_class_for("ZeroAdmin", [], selector="0x7289db0e")
ZeroDeviceKeyError = error_class_for("ZeroDeviceKey", [], selector="0x975e429a")
ZeroOwnerError = error_class_for("ZeroOwner", [], selector="0x9905827b")

DEVICE_REGISTRY_ERRORS: dict[str, type[ContractError]] = {
    "DeviceAlreadyRegistered": DeviceAlreadyRegisteredError,
    "DeviceIsDecommissioned": DeviceIsDecommissionedError,
    "DeviceKeyAlreadyProven": DeviceKeyAlreadyProvenError,
    "DeviceKeyUnchanged": DeviceKeyUnchangedError,
    "DeviceNotFound": DeviceNotFoundError,
    "EmptyBatch": EmptyBatchError,
    "EmptySerial": EmptySerialError,
    "InvalidKeyProof": InvalidKeyProofError,
    "NotDeviceManager": NotDeviceManagerError,
    "NotDeviceManufacturer": NotDeviceManufacturerError,
    "StatusUnchanged": StatusUnchangedError,
    "ZeroAdmin": ZeroAdminError,
    "ZeroDeviceKey": ZeroDeviceKeyError,
    "ZeroOwner": ZeroOwnerError,
}
"""The classes above by Solidity error name."""
