"""The DeviceRegistry's Solidity errors as Python exceptions, plus the identity input errors.

Each ``<Name>Error`` is the :class:`~fabtrust.errors.ContractError` subclass that
:func:`fabtrust.errors.error_class_for` builds for the DeviceRegistry ABI entry (generated into
``_contract_errors.py`` by ``make abi``), so it is the very class a reverted call raises:
``except DeviceAlreadyRegisteredError as e: e.device_id``. OpenZeppelin errors the registry can
raise (``AccessControlUnauthorizedAccountError``, ``ERC721InsufficientApprovalError``, ...) live in
:mod:`fabtrust.errors`.

Light module: no web3 import.
"""

from __future__ import annotations

from fabtrust.errors import InvalidInputError
from fabtrust.identity._contract_errors import *  # noqa: F403
from fabtrust.identity._contract_errors import __all__ as _generated

__all__ = sorted([*_generated, "DeviceCsvError"])


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
