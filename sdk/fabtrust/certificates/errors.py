"""The CertificateRegistry's Solidity errors as exception classes.

Each is the :class:`~fabtrust.errors.ContractError` subclass that
:func:`~fabtrust.errors.error_class_for` makes for the ABI entry (the very class a revert decodes
to), exposed by name so callers can write ``except CertificateNotFoundError as e: e.cert_id``.
Arguments are attributes in snake_case; ``bytes32`` values are ``bytes``, addresses checksummed.
``DeviceNotFoundError`` comes from the DeviceRegistry (a certificate for an unknown device).
The classes are generated from the shipped ABI into ``_contract_errors.py`` (``make abi``).

Light module: nothing beyond :mod:`fabtrust.errors`.
"""

from __future__ import annotations

from fabtrust.certificates._contract_errors import *  # noqa: F403
from fabtrust.certificates._contract_errors import __all__ as _generated

__all__ = [*_generated]
