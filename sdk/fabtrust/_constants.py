"""Constants shared by several fabtrust modules, each written once.

Import them from here (or from the public module that re-exports them); never write a second
copy of a value below in another module. tests/sdk/test_constants.py holds each one in place.
"""

from __future__ import annotations

__all__ = [
    "DEVICE_STATUSES",
    "LOCAL_CHAIN_IDS",
    "REMOTE_CONFIRMATIONS",
]

LOCAL_CHAIN_IDS: frozenset[int] = frozenset({31337, 1337})
"""Chain ids of local development chains (Anvil/Hardhat 31337, Ganache 1337): development keys,
the test stablecoin and 0 confirmations are allowed there and nowhere else."""

REMOTE_CONFIRMATIONS = 3
"""Default depth, in blocks, off local chains (0 on Anvil/Ganache, whose blocks never re-org unless
asked to): the SDK waits this deep after each transaction it sends, and the settlement agent acts
only on events this deep. One value for both, so a transaction the SDK reports as final is exactly
as final as the events the agent moves money on. 3 rather than 2: the agent's value (it releases
escrowed payments, the one irreversible act) wins over the client's latency; on a proof-of-stake
chain a re-org deeper than one or two blocks is exceptional, and each extra block costs one slot
(12 s on Ethereum, about 2 s on most L2s)."""

DEVICE_STATUSES: tuple[str, ...] = ("Active", "Suspended", "Decommissioned")
"""IDeviceRegistry.DeviceStatus names by their uint8 value."""
