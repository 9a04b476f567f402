"""Frozen models returned by :class:`~fabtrust.escrow.EscrowClient` (light: pydantic only)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from fabtrust.errors import InvalidInputError
from fabtrust.models import TxResult

__all__ = [
    "Eligibility",
    "EligibilityCheck",
    "Order",
    "OrderCreated",
    "OrderState",
    "SettleManyResult",
    "SettleStatus",
]

_NATIVE = "0x0000000000000000000000000000000000000000"

TERMS_FIELDS: tuple[str, ...] = (
    "buyer",
    "seller",
    "token",
    "amount",
    "deviceIds",
    "testSpec",
    "shipBy",
    "inspectionPeriod",
    "arbiter",
    "labs",
)
"""``ISupplyChainEscrow.OrderTerms`` field names in struct order (``OrderCreated.terms``): the
escrow client and the settlement agent read decoded terms by these names."""


def named_terms(terms: Any) -> dict[str, Any]:
    """Decoded ``OrderTerms`` (a mapping by field name, as web3 decodes ``OrderCreated.terms``, or
    the struct's values in order, as the escrow takes them back) by :data:`TERMS_FIELDS` name."""
    if isinstance(terms, Mapping):
        return {name: terms[name] for name in TERMS_FIELDS}
    return dict(zip(TERMS_FIELDS, terms, strict=True))


class OrderState(IntEnum):
    """``ISupplyChainEscrow.OrderState``: where an order is in its lifecycle."""

    NONE = 0
    FUNDED = 1
    SHIPPED = 2
    ACCEPTED = 3
    DISPUTED = 4
    SETTLED = 5
    REFUNDED = 6
    RESOLVED = 7
    DECLINED = 8

    @classmethod
    def parse(cls, value: OrderState | int | str) -> OrderState:
        """An OrderState from itself, its number or its name (any case: ``"shipped"``)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        elif isinstance(value, str) and value.strip().upper() in cls.__members__:
            return cls[value.strip().upper()]
        names = ", ".join(member.name.lower() for member in cls)
        raise InvalidInputError(f"unknown order state {value!r} (one of: {names})", field="state")


class SettleStatus(IntEnum):
    """``ISupplyChainEscrow.SettleStatus``: why an order cannot be settled now (READY if it can)."""

    READY = 0
    UNKNOWN_ORDER = 1
    WRONG_STATE = 2
    INSPECTION_OPEN = 3
    DEVICE_UNCERTIFIED = 4
    DEVICE_INACTIVE = 5
    TERMS_MISMATCH = 6


class Order(BaseModel):
    """One escrow order as stored on chain.

    ``token`` is the ERC-20 address, or the zero address for the native coin (:attr:`is_native`).
    Times are aware UTC datetimes; ``shipped_at``/``accepted_at`` are None until they happen,
    ``shipment_hash`` None before shipping, ``inspection_ends_at`` None before shipping.
    ``arbiter`` is the arbiter fixed into the order at creation. ``labs`` are the labs whose
    certificates the order accepts (empty: any accredited lab). ``disputed_late``: the dispute was
    opened after the inspection period, so the order still settles with valid passes.
    """

    model_config = ConfigDict(frozen=True)

    id: int
    buyer: str
    seller: str
    token: str
    amount: int
    device_ids: tuple[int, ...]
    test_spec: str
    arbiter: str
    ship_by: datetime
    inspection_period: timedelta
    state: OrderState
    shipped_at: datetime | None
    accepted_at: datetime | None
    shipment_hash: str | None
    inspection_ends_at: datetime | None
    labs: tuple[str, ...] = ()
    disputed_late: bool = False

    @property
    def is_native(self) -> bool:
        """Whether the order is paid in the chain's native coin."""
        return self.token == _NATIVE


class OrderCreated(BaseModel):
    """Result of :meth:`EscrowClient.create_order`: the new id, its transaction, and the ERC-20
    approval sent first (None when the allowance already sufficed or for native-coin orders)."""

    model_config = ConfigDict(frozen=True)

    order_id: int
    tx: TxResult
    approval: TxResult | None = None


class SettleManyResult(BaseModel):
    """Result of :meth:`EscrowClient.settle_many`: which of the orders were settled."""

    model_config = ConfigDict(frozen=True)

    settled_order_ids: tuple[int, ...]
    tx: TxResult

    @property
    def settled(self) -> int:
        """How many orders were settled."""
        return len(self.settled_order_ids)


CheckKind = Literal["order", "state", "dispute", "delivery", "device", "certificate"]


class EligibilityCheck(BaseModel):
    """One settlement condition: ``ok`` and why (``device_id`` set for certificate checks)."""

    model_config = ConfigDict(frozen=True)

    kind: CheckKind
    ok: bool
    detail: str
    device_id: int | None = None


class Eligibility(BaseModel):
    """Whether an order can be settled at ``block_number`` (time ``block_time``), and why not.

    ``status`` is what the contract's ``canSettle`` answers for the same block; ``eligible`` is
    ``status == READY``. ``checks`` lists every condition (order state, dispute, delivery confirmed
    or inspection over, a valid pass per device); ``reasons`` the details of the failed ones.
    """

    model_config = ConfigDict(frozen=True)

    order_id: int
    eligible: bool
    status: SettleStatus
    state: OrderState
    checks: tuple[EligibilityCheck, ...]
    reasons: tuple[str, ...]
    block_number: int
    block_time: datetime
    inspection_ends_at: datetime | None = None
    uncertified_device_ids: tuple[int, ...] = ()
    inactive_device_ids: tuple[int, ...] = ()
