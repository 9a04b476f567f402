"""The SupplyChainEscrow's Solidity errors as exception classes (generated: do not edit).

Written by scripts/gen_errors.py from sdk/fabtrust/abi/SupplyChainEscrow.json (``make abi``).
Each class is the one :func:`fabtrust.errors.error_class_for` makes for the ABI entry,
so it is the class a reverted call raises; arguments are snake_case attributes and
``.arguments``. Import them from the public :mod:`errors` module of this package.
"""

from __future__ import annotations

from fabtrust.errors import ContractError, error_class_for

__all__ = [
    "ESCROW_ERRORS",
    "ArbiterIsPartyError",
    "ArbiterRoleMissingError",
    "DeviceInactiveError",
    "DeviceNotCertifiedError",
    "DuplicateDeviceError",
    "FeeOnTransferNotSupportedError",
    "IncorrectPaymentError",
    "InspectionPeriodActiveError",
    "InvalidInspectionPeriodError",
    "InvalidOrderStateError",
    "InvalidSellerError",
    "InvalidShareError",
    "InvalidTokenError",
    "LengthMismatchError",
    "NativeTransferFailedError",
    "NoDevicesError",
    "NotArbiterError",
    "NotBuyerError",
    "NotSellerError",
    "NothingToWithdrawError",
    "OrderNotFoundError",
    "PassCountMismatchError",
    "RegistryMismatchError",
    "SellerIsBuyerError",
    "ShipByNotInFutureError",
    "ShipDeadlineNotReachedError",
    "ShipDeadlinePassedError",
    "TermsMismatchError",
    "TokenNotAllowedError",
    "TooManyDevicesError",
    "TooManyLabsError",
    "ZeroAddressError",
    "ZeroAmountError",
    "ZeroLabError",
]

ArbiterIsPartyError = error_class_for(
    "ArbiterIsParty",
    [
        {"name": "arbiter", "type": "address"},
        {"name": "buyer", "type": "address"},
        {"name": "seller", "type": "address"},
    ],
    selector="0xbb3156ee",
)
ArbiterRoleMissingError = error_class_for(
    "ArbiterRoleMissing", [{"name": "account", "type": "address"}], selector="0x03e804ae"
)
DeviceInactiveError = error_class_for(
    "DeviceInactive",
    [
        {"name": "orderId", "type": "uint256"},
        {"name": "deviceId", "type": "uint256"},
        {"name": "status", "type": "uint8"},
    ],
    selector="0x976018c0",
)
DeviceNotCertifiedError = error_class_for(
    "DeviceNotCertified",
    [{"name": "orderId", "type": "uint256"}, {"name": "deviceId", "type": "uint256"}],
    selector="0x983a22f5",
)
DuplicateDeviceError = error_class_for(
    "DuplicateDevice", [{"name": "deviceId", "type": "uint256"}], selector="0xccaa7a66"
)
FeeOnTransferNotSupportedError = error_class_for(
    "FeeOnTransferNotSupported",
    [
        {"name": "token", "type": "address"},
        {"name": "expected", "type": "uint256"},
        {"name": "received", "type": "uint256"},
    ],
    selector="0xa014ec7e",
)
IncorrectPaymentError = error_class_for(
    "IncorrectPayment",
    [{"name": "expected", "type": "uint256"}, {"name": "received", "type": "uint256"}],
    selector="0x0d35e921",
)
InspectionPeriodActiveError = error_class_for(
    "InspectionPeriodActive",
    [{"name": "orderId", "type": "uint256"}, {"name": "endsAt", "type": "uint64"}],
    selector="0x029b4022",
)
InvalidInspectionPeriodError = error_class_for(
    "InvalidInspectionPeriod",
    [{"name": "inspectionPeriod", "type": "uint64"}, {"name": "maxPeriod", "type": "uint64"}],
    selector="0x49a4af1d",
)
InvalidOrderStateError = error_class_for(
    "InvalidOrderState",
    [{"name": "orderId", "type": "uint256"}, {"name": "current", "type": "uint8"}],
    selector="0xd67a24bf",
)
InvalidSellerError = error_class_for(
    "InvalidSeller", [{"name": "seller", "type": "address"}], selector="0x30328028"
)
InvalidShareError = error_class_for(
    "InvalidShare", [{"name": "sellerShareBps", "type": "uint16"}], selector="0x9ab9dde8"
)
InvalidTokenError = error_class_for(
    "InvalidToken", [{"name": "token", "type": "address"}], selector="0x961c9a4f"
)
LengthMismatchError = error_class_for(
    "LengthMismatch",
    [{"name": "orders", "type": "uint256"}, {"name": "passes", "type": "uint256"}],
    selector="0xab8b67c6",
)
NativeTransferFailedError = error_class_for(
    "NativeTransferFailed",
    [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
    selector="0xa5b05eec",
)
NoDevicesError = error_class_for("NoDevices", [], selector="0x3ec1da64")
NotArbiterError = error_class_for(
    "NotArbiter",
    [{"name": "orderId", "type": "uint256"}, {"name": "caller", "type": "address"}],
    selector="0x6ceeb9e5",
)
NotBuyerError = error_class_for(
    "NotBuyer",
    [{"name": "orderId", "type": "uint256"}, {"name": "caller", "type": "address"}],
    selector="0x8f1e0b3a",
)
NotSellerError = error_class_for(
    "NotSeller",
    [{"name": "orderId", "type": "uint256"}, {"name": "caller", "type": "address"}],
    selector="0x4a1233a9",
)
NothingToWithdrawError = error_class_for(
    "NothingToWithdraw",
    [{"name": "account", "type": "address"}, {"name": "token", "type": "address"}],
    selector="0xac46653e",
)
OrderNotFoundError = error_class_for(
    "OrderNotFound", [{"name": "orderId", "type": "uint256"}], selector="0x4e90badc"
)
PassCountMismatchError = error_class_for(
    "PassCountMismatch",
    [
        {"name": "orderId", "type": "uint256"},
        {"name": "expected", "type": "uint256"},
        {"name": "received", "type": "uint256"},
    ],
    selector="0xfc870d90",
)
RegistryMismatchError = error_class_for(
    "RegistryMismatch",
    [
        {"name": "deviceRegistry", "type": "address"},
        {"name": "certificatesDeviceRegistry", "type": "address"},
    ],
    selector="0x0cb3ba69",
)
SellerIsBuyerError = error_class_for(
    "SellerIsBuyer", [{"name": "account", "type": "address"}], selector="0x95205a9d"
)
ShipByNotInFutureError = error_class_for(
    "ShipByNotInFuture",
    [{"name": "shipBy", "type": "uint64"}, {"name": "currentTime", "type": "uint256"}],
    selector="0x7b613924",
)
ShipDeadlineNotReachedError = error_class_for(
    "ShipDeadlineNotReached",
    [{"name": "orderId", "type": "uint256"}, {"name": "shipBy", "type": "uint64"}],
    selector="0x793b61bd",
)
ShipDeadlinePassedError = error_class_for(
    "ShipDeadlinePassed",
    [{"name": "orderId", "type": "uint256"}, {"name": "shipBy", "type": "uint64"}],
    selector="0x11e6d85e",
)
TermsMismatchError = error_class_for(
    "TermsMismatch", [{"name": "orderId", "type": "uint256"}], selector="0x7b1cb83b"
)
TokenNotAllowedError = error_class_for(
    "TokenNotAllowed", [{"name": "token", "type": "address"}], selector="0x94403b70"
)
TooManyDevicesError = error_class_for(
    "TooManyDevices",
    [{"name": "count", "type": "uint256"}, {"name": "max", "type": "uint256"}],
    selector="0xb9fd50ec",
)
TooManyLabsError = error_class_for(
    "TooManyLabs",
    [{"name": "count", "type": "uint256"}, {"name": "max", "type": "uint256"}],
    selector="0x5021fdc3",
)
ZeroAddressError = error_class_for("ZeroAddress", [], selector="0xd92e233d")
ZeroAmountError = error_class_for("ZeroAmount", [], selector="0x1f2a2005")
ZeroLabError = error_class_for("ZeroLab", [], selector="0x18a870b7")

ESCROW_ERRORS: dict[str, type[ContractError]] = {
    "ArbiterIsParty": ArbiterIsPartyError,
    "ArbiterRoleMissing": ArbiterRoleMissingError,
    "DeviceInactive": DeviceInactiveError,
    "DeviceNotCertified": DeviceNotCertifiedError,
    "DuplicateDevice": DuplicateDeviceError,
    "FeeOnTransferNotSupported": FeeOnTransferNotSupportedError,
    "IncorrectPayment": IncorrectPaymentError,
    "InspectionPeriodActive": InspectionPeriodActiveError,
    "InvalidInspectionPeriod": InvalidInspectionPeriodError,
    "InvalidOrderState": InvalidOrderStateError,
    "InvalidSeller": InvalidSellerError,
    "InvalidShare": InvalidShareError,
    "InvalidToken": InvalidTokenError,
    "LengthMismatch": LengthMismatchError,
    "NativeTransferFailed": NativeTransferFailedError,
    "NoDevices": NoDevicesError,
    "NotArbiter": NotArbiterError,
    "NotBuyer": NotBuyerError,
    "NotSeller": NotSellerError,
    "NothingToWithdraw": NothingToWithdrawError,
    "OrderNotFound": OrderNotFoundError,
    "PassCountMismatch": PassCountMismatchError,
    "RegistryMismatch": RegistryMismatchError,
    "SellerIsBuyer": SellerIsBuyerError,
    "ShipByNotInFuture": ShipByNotInFutureError,
    "ShipDeadlineNotReached": ShipDeadlineNotReachedError,
    "ShipDeadlinePassed": ShipDeadlinePassedError,
    "TermsMismatch": TermsMismatchError,
    "TokenNotAllowed": TokenNotAllowedError,
    "TooManyDevices": TooManyDevicesError,
    "TooManyLabs": TooManyLabsError,
    "ZeroAddress": ZeroAddressError,
    "ZeroAmount": ZeroAmountError,
    "ZeroLab": ZeroLabError,
}
"""The classes above by Solidity error name."""
