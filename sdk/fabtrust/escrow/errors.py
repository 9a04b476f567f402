"""Python exceptions for the SupplyChainEscrow's custom errors, e.g. ``except NotBuyerError as e:
e.order_id, e.caller``.

Each class is the one :func:`fabtrust.errors.error_class_for` makes from the shipped ABI, so it is
exactly the class a reverted escrow call raises (a :class:`~fabtrust.errors.ContractError`, with
the Solidity arguments as snake_case attributes and in ``.args``). Enum arguments
(``InvalidOrderState.current``) are plain ints: wrap them in
:class:`~fabtrust.escrow.OrderState`. Light module (JSON ABI and a lazily imported keccak).
"""

from __future__ import annotations

from fabtrust._artifacts import artifact
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

_ENTRIES = {
    str(item["name"]): item
    for item in artifact("SupplyChainEscrow").abi
    if item.get("type") == "error"
}


def _error(name: str) -> type[ContractError]:
    return error_class_for(name, _ENTRIES[name].get("inputs", ()))


ZeroAddressError = _error("ZeroAddress")
ArbiterRoleMissingError = _error("ArbiterRoleMissing")
OrderNotFoundError = _error("OrderNotFound")
InvalidSellerError = _error("InvalidSeller")
SellerIsBuyerError = _error("SellerIsBuyer")
InvalidTokenError = _error("InvalidToken")
ZeroAmountError = _error("ZeroAmount")
NoDevicesError = _error("NoDevices")
TooManyDevicesError = _error("TooManyDevices")
DuplicateDeviceError = _error("DuplicateDevice")
TermsMismatchError = _error("TermsMismatch")
ShipByNotInFutureError = _error("ShipByNotInFuture")
InvalidInspectionPeriodError = _error("InvalidInspectionPeriod")
IncorrectPaymentError = _error("IncorrectPayment")
FeeOnTransferNotSupportedError = _error("FeeOnTransferNotSupported")
InvalidOrderStateError = _error("InvalidOrderState")
NotSellerError = _error("NotSeller")
NotBuyerError = _error("NotBuyer")
NotArbiterError = _error("NotArbiter")
ShipDeadlinePassedError = _error("ShipDeadlinePassed")
ShipDeadlineNotReachedError = _error("ShipDeadlineNotReached")
InspectionPeriodActiveError = _error("InspectionPeriodActive")
DeviceNotCertifiedError = _error("DeviceNotCertified")
InvalidShareError = _error("InvalidShare")
NothingToWithdrawError = _error("NothingToWithdraw")
NativeTransferFailedError = _error("NativeTransferFailed")
TokenNotAllowedError = _error("TokenNotAllowed")
RegistryMismatchError = _error("RegistryMismatch")
ArbiterIsPartyError = _error("ArbiterIsParty")
TooManyLabsError = _error("TooManyLabs")
ZeroLabError = _error("ZeroLab")
PassCountMismatchError = _error("PassCountMismatch")
LengthMismatchError = _error("LengthMismatch")
DeviceInactiveError = _error("DeviceInactive")

ESCROW_ERRORS: dict[str, type[ContractError]] = {
    cls.ERROR_NAME: cls
    for cls in (
        ZeroAddressError,
        ArbiterRoleMissingError,
        OrderNotFoundError,
        InvalidSellerError,
        SellerIsBuyerError,
        InvalidTokenError,
        ZeroAmountError,
        NoDevicesError,
        TooManyDevicesError,
        DuplicateDeviceError,
        TermsMismatchError,
        ShipByNotInFutureError,
        InvalidInspectionPeriodError,
        IncorrectPaymentError,
        FeeOnTransferNotSupportedError,
        InvalidOrderStateError,
        NotSellerError,
        NotBuyerError,
        NotArbiterError,
        ShipDeadlinePassedError,
        ShipDeadlineNotReachedError,
        InspectionPeriodActiveError,
        DeviceNotCertifiedError,
        InvalidShareError,
        NothingToWithdrawError,
        NativeTransferFailedError,
        TokenNotAllowedError,
        RegistryMismatchError,
        ArbiterIsPartyError,
        TooManyLabsError,
        ZeroLabError,
        PassCountMismatchError,
        LengthMismatchError,
        DeviceInactiveError,
    )
}
"""The classes above by Solidity error name (the errors ISupplyChainEscrow declares)."""
