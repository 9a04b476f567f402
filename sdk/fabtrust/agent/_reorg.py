"""Re-orgs: finding the fork point and taking back what the orphaned blocks said.

:meth:`ReorgHandler.check` runs before each read. When the hash of the cursor block changed, it
looks for the newest remembered block (the store keeps the hashes of the cursor positions and of
every block that held an event, for ``reorg_window`` blocks) whose hash is still the same, takes
back the stored events of orphaned blocks, rebuilds the orders they touched from the events that
remain (an order whose creation was orphaned is dropped), moves the cursor back to the fork (the
deployment block when nothing remembered survived), then calls the hooks with ``removed=True``
copies of the withdrawn events (the store queues the webhook's removal notices). The store is all
it shares with the rest of the agent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fabtrust.agent import _orders
from fabtrust.agent._chain import Block, ChainView
from fabtrust.agent._hooks import Hooks
from fabtrust.agent.models import AgentEvent, TrackedOrder
from fabtrust.agent.store import AgentStore

__all__ = ["ReorgHandler"]


class ReorgHandler:
    """Detects re-orgs at the cursor and rewinds the store to the fork (see the module doc)."""

    def __init__(
        self,
        *,
        store: AgentStore,
        chain: ChainView,
        hooks: Hooks,
        deployment_block: int,
        outbox: bool,
        wake: Callable[[], None],
        logger: logging.Logger,
    ) -> None:
        self._store = store
        self._chain = chain
        self._hooks = hooks
        self._deployment_block = deployment_block
        self._outbox = outbox
        self._wake = wake
        self._log = logger

    def check(self) -> int | None:
        """Rewind when the cursor block is no longer on the chain; returns the new cursor block
        (deployment block - 1 when nothing remembered survived), or None without a re-org."""
        cursor = self._store.cursor()
        if cursor is None:
            return None
        found = self._chain.block(cursor.block_number)
        if found is not None and found.hash == cursor.block_hash:
            return None
        return self._rewind(self._fork(below=cursor.block_number), cursor.block_number)

    def _fork(self, *, below: int) -> Block | None:
        """The newest remembered block under ``below`` still on the chain, or None."""
        for number, block_hash in self._store.block_hashes():
            if number >= below:
                continue
            block = self._chain.block(number)
            if block is not None and block.hash == block_hash:
                return block
        return None

    def _rewind(self, fork: Block | None, old_cursor: int) -> int:
        fork_number = fork.number if fork is not None else self._deployment_block - 1
        canonical = _CanonicalHashes(self._chain)
        orphaned = [
            e
            for e in self._store.events(after_block=fork_number)
            if canonical.hash_of(e.block_number) != e.block_hash
        ]
        rebuilt = self._rebuild(orphaned)
        self._store.rewind(
            to=fork,
            orphaned=orphaned,
            orders=rebuilt.orders,
            dropped_orders=rebuilt.dropped,
            outbox=self._outbox,
        )
        self._log.warning(
            "re-org: block %d changed; rewound to block %d, %d event(s) withdrawn",
            old_cursor,
            fork_number,
            len(orphaned),
            extra={
                "event": "reorg",
                "old_cursor": old_cursor,
                "rewound_to": fork_number,
                "orphaned_events": len(orphaned),
                "orders_rebuilt": [o.order_id for o in rebuilt.orders],
                "orders_dropped": rebuilt.dropped,
            },
        )
        self._hooks.notify(_orders.removed_copy(e) for e in reversed(orphaned))
        if orphaned:
            self._wake()
        return fork_number

    def _rebuild(self, orphaned: list[AgentEvent]) -> _Rebuilt:
        """The orders the orphaned events touched, folded again from the events that remain."""
        gone = {e.key for e in orphaned}
        rebuilt = _Rebuilt()
        for order_id in sorted({e.order_id for e in orphaned if e.order_id is not None}):
            remaining = [e for e in self._store.events(order_id=order_id) if e.key not in gone]
            order = _orders.fold(remaining)
            if order is None:
                rebuilt.dropped.append(order_id)
            else:
                rebuilt.orders.append(order)
        return rebuilt


@dataclass
class _Rebuilt:
    """Orders rebuilt after a re-org, and those whose creation was orphaned (dropped)."""

    orders: list[TrackedOrder] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)


class _CanonicalHashes:
    """Hashes of blocks on the chain now, each asked once per rewind."""

    def __init__(self, chain: ChainView) -> None:
        self._chain = chain
        self._seen: dict[int, str | None] = {}

    def hash_of(self, number: int) -> str | None:
        if number not in self._seen:
            block = self._chain.block(number)
            self._seen[number] = block.hash if block is not None else None
        return self._seen[number]
