"""Escrow: orders paid in an ERC-20 or the native coin, settled once the devices are certified.

:class:`EscrowClient` (``client.escrow``) creates, ships, confirms, settles, refunds and disputes
orders and reads them back; :func:`parse_amount` turns ``"1,250.50"`` into base units. The
escrow's custom errors are classes in :mod:`fabtrust.escrow.errors` (``except NotBuyerError as e:
e.order_id``). Light package: importing it does not import web3.
"""

from fabtrust._validate import parse_amount
from fabtrust.escrow._inputs import NATIVE_TOKEN
from fabtrust.escrow.client import ORDER_EVENTS, EscrowClient
from fabtrust.escrow.models import (
    Eligibility,
    EligibilityCheck,
    Order,
    OrderCreated,
    OrderState,
    SettleManyResult,
    SettleStatus,
)

__all__ = [
    "NATIVE_TOKEN",
    "ORDER_EVENTS",
    "Eligibility",
    "EligibilityCheck",
    "EscrowClient",
    "Order",
    "OrderCreated",
    "OrderState",
    "SettleManyResult",
    "SettleStatus",
    "parse_amount",
]
