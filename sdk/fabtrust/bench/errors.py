"""The TestCheckpoints contract's Solidity errors as exception classes (generated from the shipped
ABI into ``_contract_errors.py`` by ``make abi``); plus :class:`BenchSourceError`, raised when a
bench source cannot be used as configured (an unknown OPC UA node, a unit the server contradicts).
"""

from __future__ import annotations

from fabtrust.bench._contract_errors import *  # noqa: F403
from fabtrust.bench._contract_errors import __all__ as _generated
from fabtrust.errors import InvalidInputError

__all__ = sorted([*_generated, "BenchSourceError"])


class BenchSourceError(InvalidInputError):
    """The bench source contradicts the configuration (unknown node id, other unit, ...)."""
