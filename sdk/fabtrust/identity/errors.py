"""The DeviceRegistry's Solidity errors as Python exceptions, plus the identity input errors.

Each ``<Name>Error`` is the :class:`~fabtrust.errors.ContractError` subclass that
:func:`fabtrust.errors.error_class_for` builds for the DeviceRegistry ABI entry, so it is the very
class a reverted call raises: ``except DeviceAlreadyRegisteredError as e: e.device_id``.
OpenZeppelin errors the registry can raise (``AccessControlUnauthorizedAccountError``,
``ERC721InsufficientApprovalError``, ...) live in :mod:`fabtrust.errors`.

Light module: no web3 import.
"""

from __future__ import annotations

from fabtrust.errors import InvalidInputError, error_class_for

__all__ = [
    "AccountIdsExhaustedError",
    "DeviceAlreadyRegisteredError",
    "DeviceCsvError",
    "DeviceIsDecommissionedError",
    "DeviceKeyAlreadyProvenError",
    "DeviceKeyUnchangedError",
    "DeviceLockedError",
    "DeviceNotFoundError",
    "DeviceNotOwnedByError",
    "EmptyBatchError",
    "EmptySerialError",
    "InvalidKeyProofError",
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

_DEVICE_ID = {"name": "deviceId", "type": "uint256"}

ZeroAdminError = error_class_for("ZeroAdmin", [])
DeviceAlreadyRegisteredError = error_class_for("DeviceAlreadyRegistered", [_DEVICE_ID])
EmptySerialError = error_class_for("EmptySerial", [])
ZeroOwnerError = error_class_for("ZeroOwner", [])
ZeroDeviceKeyError = error_class_for("ZeroDeviceKey", [])
InvalidKeyProofError = error_class_for(
    "InvalidKeyProof", [{"name": "deviceKey", "type": "address"}]
)
EmptyBatchError = error_class_for("EmptyBatch", [])
DeviceNotFoundError = error_class_for("DeviceNotFound", [_DEVICE_ID])
NotDeviceManagerError = error_class_for(
    "NotDeviceManager", [_DEVICE_ID, {"name": "caller", "type": "address"}]
)
NotDeviceManufacturerError = error_class_for(
    "NotDeviceManufacturer", [_DEVICE_ID, {"name": "caller", "type": "address"}]
)
DeviceIsDecommissionedError = error_class_for("DeviceIsDecommissioned", [_DEVICE_ID])
StatusUnchangedError = error_class_for(
    "StatusUnchanged", [_DEVICE_ID, {"name": "status", "type": "uint8"}]
)
DeviceKeyUnchangedError = error_class_for(
    "DeviceKeyUnchanged", [_DEVICE_ID, {"name": "deviceKey", "type": "address"}]
)
DeviceKeyAlreadyProvenError = error_class_for("DeviceKeyAlreadyProven", [_DEVICE_ID])
_CALLER = {"name": "caller", "type": "address"}
NotLockerError = error_class_for("NotLocker", [_CALLER])
NotApprovedOperatorError = error_class_for(
    "NotApprovedOperator", [{"name": "owner", "type": "address"}, _CALLER]
)
DeviceNotOwnedByError = error_class_for(
    "DeviceNotOwnedBy",
    [
        _DEVICE_ID,
        {"name": "owner", "type": "address"},
        {"name": "actualOwner", "type": "address"},
    ],
)
DeviceLockedError = error_class_for(
    "DeviceLocked", [_DEVICE_ID, {"name": "locker", "type": "address"}]
)
NotDeviceLockerError = error_class_for("NotDeviceLocker", [_DEVICE_ID, _CALLER])
AccountIdsExhaustedError = error_class_for("AccountIdsExhausted", [])


class DeviceCsvError(InvalidInputError):
    """A bad devices CSV file: ``path``, ``line`` (1-based, None for the whole file) and ``column``
    (also ``field``) say where."""

    def __init__(
        self, message: str, *, path: str, line: int | None = None, column: str | None = None
    ) -> None:
        where = path if line is None else f"{path}, line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}", field=column)
        self.path = path
        self.line = line
        self.column = column
