"""fabtrust: a trust layer for manufacturing on any EVM chain.

Device identity, test-certificate anchoring and supply-chain escrow. The public API is assembled
here; see docs/sdk.md.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
