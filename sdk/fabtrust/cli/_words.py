"""Words for people: a contract error as a sentence (dates in ISO-8601 UTC, role names instead of
their hashes, order and device states by name), the Solidity error name kept at the end
in parentheses for searching and scripts (``... (DeviceNotFound)``).

Light module: the standard library; the role hashes are computed once, when first needed.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Any

from fabtrust._constants import DEVICE_STATUSES

__all__ = ["explain", "role_name"]

_TIME_ARGS = frozenset(
    {"validUntil", "shipBy", "currentTime", "endedAt", "endsAt", "deadline", "anchoredAt"}
)

_SENTENCES: dict[str, str] = {
    "DeviceNotFound": "device {deviceId} is not registered",
    "DeviceAlreadyRegistered": "device {deviceId} is registered already",
    "DeviceIsDecommissioned": "device {deviceId} is decommissioned",
    "DeviceNotOwnedBy": "device {deviceId} belongs to {actualOwner}, not to {owner}",
    "DeviceLocked": "device {deviceId} is locked by {locker} (it is in an open order)",
    "NotApprovedOperator": "{owner} has not approved {caller} for its devices (the seller runs "
    "fabtrust order approve-escrow)",
    "TermsMismatch": "the terms given are not those of order {orderId}",
    "DeviceNotCertified": "device {deviceId} of order {orderId} has no valid Pass certificate",
    "NotDeviceManufacturer": "{caller} is not the manufacturer of device {deviceId}",
    "NotDeviceManager": "{caller} may not manage device {deviceId}",
    "InvalidValidity": "the end of validity {validUntil} is not in the future",
    "InvalidAccreditationExpiry": "the accreditation end {validUntil} is not in the future",
    "LabNotAccredited": "{lab} is not an accredited lab",
    "CertificateNotFound": "no certificate {certId} on chain",
    "CertificateAlreadyExists": "certificate {certId} exists already (rebuild its bundle with "
    "fabtrust cert bundle {certId})",
    "CertificateAlreadyRevoked": "certificate {certId} is revoked already",
    "NotCertificateIssuer": "{caller} did not issue certificate {certId}",
    "BatchNotFound": "no batch {root} on chain",
    "BatchAlreadyAnchored": "batch {root} is anchored already",
    "BatchAlreadyRevoked": "batch {root} is revoked already",
    "OrderNotFound": "no order {orderId}",
    "InvalidOrderState": "order {orderId} is {current}",
    "NotSeller": "{caller} is not the seller of order {orderId}",
    "NotBuyer": "{caller} is not the buyer of order {orderId}",
    "NotArbiter": "{caller} is not the arbiter of order {orderId}",
    "SellerIsBuyer": "{account} cannot sell to itself",
    "ShipByNotInFuture": "the shipping deadline {shipBy} is not after the chain's time "
    "{currentTime}",
    "ShipDeadlinePassed": "order {orderId} had to ship by {shipBy}",
    "ShipDeadlineNotReached": "order {orderId} may ship until {shipBy}: no refund before",
    "InspectionPeriodActive": "the inspection of order {orderId} runs until {endsAt}",
    "DisputeWindowClosed": "the dispute window of order {orderId} closed at {endedAt}",
    "AccessControlUnauthorizedAccount": "{account} lacks the {neededRole} role",
    "SignatureExpired": "the signature expired at {deadline}",
}

_ORDER_STATES = (
    "None",
    "Funded",
    "Shipped",
    "Accepted",
    "Disputed",
    "Settled",
    "Refunded",
    "Resolved",
    "Declined",
)


@functools.cache
def _roles() -> dict[str, str]:
    from fabtrust.evidence._hashing import keccak256

    names = {"0x" + "00" * 32: "admin"}
    for name in ("MANUFACTURER_ROLE", "LAB_ROLE", "ARBITER_ROLE"):
        names["0x" + keccak256(name.encode()).hex()] = name.removesuffix("_ROLE").lower()
    return names


def role_name(role: str | bytes) -> str:
    """``manufacturer``, ``lab``, ``arbiter`` or ``admin`` for a role id; else the hex id."""
    text = "0x" + bytes(role).hex() if isinstance(role, bytes | bytearray) else str(role).lower()
    return _roles().get(text, text)


def _value(name: str, value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        hex_value = "0x" + bytes(value).hex()
        return role_name(hex_value) if name.lower().endswith("role") else hex_value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        if name in _TIME_ARGS and 0 < value < 2**40:
            moment = datetime.fromtimestamp(value, tz=timezone.utc)
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if name == "current":
            return _ORDER_STATES[value] if 0 <= value < len(_ORDER_STATES) else str(value)
        if name == "status":
            return DEVICE_STATUSES[value] if 0 <= value < len(DEVICE_STATUSES) else str(value)
        return str(value)
    return str(value)


def explain(exc: BaseException) -> str:
    """One line for people; a contract error becomes a sentence ending ``(ErrorName)``."""
    from fabtrust.errors import ContractError

    if not isinstance(exc, ContractError):
        return str(exc)
    values = {name: _value(name, value) for name, value in exc.arguments.items()}
    template = _SENTENCES.get(exc.error_name)
    if template is None:
        if not values:
            return str(exc)
        inner = ", ".join(f"{k}={v}" for k, v in values.items())
        text = f"the chain refused: {exc.error_name}({inner})"
    else:
        try:
            text = f"{template.format(**values)} ({exc.error_name})"
        except (KeyError, IndexError):
            text = str(exc)
    if exc.tx_hash:
        text += f" in transaction {exc.tx_hash}"
    return text
