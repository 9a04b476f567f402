"""Python exceptions for the SupplyChainEscrow's custom errors, e.g. ``except NotBuyerError as e:
e.order_id, e.caller``.

Each class is the one :func:`fabtrust.errors.error_class_for` makes from the shipped ABI (generated
into ``_contract_errors.py`` by ``make abi``), so it is exactly the class a reverted escrow call
raises (a :class:`~fabtrust.errors.ContractError`, with the Solidity arguments as snake_case
attributes and in ``.arguments``). Enum arguments (``InvalidOrderState.current``) are plain ints:
wrap them in :class:`~fabtrust.escrow.OrderState`. ``ESCROW_ERRORS`` maps error names to classes.
"""

from __future__ import annotations

from fabtrust.escrow._contract_errors import *  # noqa: F403
from fabtrust.escrow._contract_errors import __all__ as _generated

__all__ = [*_generated]
