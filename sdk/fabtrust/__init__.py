"""fabtrust: a trust layer for manufacturing on any EVM chain.

Device identity, test-certificate anchoring and supply-chain escrow. ``fabtrust.connect(...)``
returns a :class:`Fabtrust` client with ``.devices``, ``.certificates``, ``.escrow`` and
``.chain``. See docs/sdk.md.

``import fabtrust`` is light: web3 loads on first use of a chain-facing name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fabtrust._version import __version__
from fabtrust.errors import FabtrustError

if TYPE_CHECKING:
    from fabtrust.accounts import Signer
    from fabtrust.client import Fabtrust, connect
    from fabtrust.models import Event, TxResult

__all__ = ["Event", "Fabtrust", "FabtrustError", "Signer", "TxResult", "__version__", "connect"]

_LAZY = {
    "connect": "fabtrust.client",
    "Fabtrust": "fabtrust.client",
    "Signer": "fabtrust.accounts",
    "Event": "fabtrust.models",
    "TxResult": "fabtrust.models",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fabtrust' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
