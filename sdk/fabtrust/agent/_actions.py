"""Sending one action with write-ahead records: the agent's actor (imports web3 when used).

An action (settle or refund some orders) is written to the store (``pending``) before its
transaction is signed; every transaction hash is recorded (``sent``) before its bytes leave the
process (the :class:`~fabtrust.agent._broadcast.BroadcastWatch` middleware); the outcome is
written after the receipt. :meth:`ActionSender.send` returns what happened as a :class:`Sent`
record and leaves scheduling (deferral, holds, quarantine) to its caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from fabtrust.agent._escrow import EscrowDoor
from fabtrust.agent.models import ActionKind, TrackedOrder
from fabtrust.agent.store import AgentStore
from fabtrust.errors import (
    FabtrustError,
    NodeUnreachableError,
    TransactionRevertedError,
    TransactionTimeoutError,
)

if TYPE_CHECKING:
    from fabtrust._binding import Binding
    from fabtrust.agent._broadcast import BroadcastWatch

__all__ = ["ActionSender", "Outcome", "Sent", "action_label"]

Outcome = Literal["mined", "reverted", "unknown", "failed"]
"""mined: receipt with status 1 · reverted: the transaction reverted (mined, or refused in the
gas estimate with revert data) · unknown: timed out waiting for it (reconciled later) · failed:
anything else (nothing broadcast, or an error without revert data)."""


@dataclass(frozen=True)
class Sent:
    """What became of one action: its id, orders, the ones it settled (refunded), the block."""

    action_id: int
    kind: ActionKind
    order_ids: tuple[int, ...]
    outcome: Outcome
    done: tuple[int, ...] = ()
    block_number: int | None = None
    error: FabtrustError | None = None


def action_label(kind: str, action_id: int) -> str:
    """The journal label of an action's transaction."""
    return f"fabtrust-agent:{kind}:{action_id}"


class ActionSender:
    """Sends actions through ``escrow`` with write-ahead records in ``store``."""

    def __init__(
        self,
        *,
        store: AgentStore,
        escrow: EscrowDoor,
        binding: Binding,
        logger: logging.Logger,
        after_broadcast: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._escrow = escrow
        self._binding = binding
        self._log = logger
        self._after_broadcast = after_broadcast
        self._watch: BroadcastWatch | None = None

    def close(self) -> None:
        """Remove the broadcast middleware from the connection."""
        if self._watch is not None:
            self._watch.uninstall(self._binding.w3)
            self._watch = None

    def _broadcast_watch(self) -> BroadcastWatch:
        if self._watch is None:
            from fabtrust.agent._broadcast import BroadcastWatch

            self._watch = BroadcastWatch()
            self._watch.install(self._binding.w3)
        return self._watch

    def send(self, kind: ActionKind, orders: Sequence[TrackedOrder]) -> Sent:
        """Write the action, send its transaction, record the outcome. NodeUnreachableError
        propagates (the action stays unresolved and is reconciled on the next poll)."""
        order_ids = tuple(o.order_id for o in orders)
        action_id = self._store.begin_action(kind=kind, order_ids=order_ids)
        self._log.info(
            "%s %d order(s)",
            kind,
            len(order_ids),
            extra={"event": f"{kind}_sending", "action_id": action_id, "order_ids": order_ids},
        )

        def before(tx_hash: str) -> None:
            self._store.record_broadcast(action_id, tx_hash)

        try:
            with self._broadcast_watch().watching(before, self._after_broadcast):
                tx = self._escrow.send(kind, orders, label=action_label(kind, action_id))
        except TransactionRevertedError as exc:
            self._store.finish_action(
                action_id, status="reverted", tx_hash=exc.tx_hash, error=str(exc)
            )
            self._log.warning(
                "%s reverted: %s",
                kind,
                exc,
                extra={"event": f"{kind}_reverted", "action_id": action_id, "tx_hash": exc.tx_hash},
            )
            return Sent(action_id, kind, order_ids, "reverted", error=exc)
        except (NodeUnreachableError, TransactionTimeoutError) as exc:
            self._log.warning(
                "%s outcome unknown (%s); it is checked on the next poll",
                kind,
                exc,
                extra={"event": f"{kind}_unknown", "action_id": action_id},
            )
            if isinstance(exc, NodeUnreachableError):
                raise
            return Sent(action_id, kind, order_ids, "unknown", error=exc)
        except FabtrustError as exc:
            action = self._store.action(action_id)
            if action is not None and not action.tx_hashes:
                self._store.finish_action(action_id, status="dropped", error=str(exc))
            self._log.error(
                "%s failed: %s",
                kind,
                exc,
                extra={"event": f"{kind}_failed", "action_id": action_id},
            )
            return Sent(action_id, kind, order_ids, "failed", error=exc)
        done = self._escrow.done(kind, tx.events)
        self._store.finish_action(
            action_id,
            status="mined",
            tx_hash=tx.tx_hash,
            block_number=tx.block_number,
            gas_used=tx.gas_used,
            done_order_ids=done,
        )
        self._log.info(
            "%s mined: %d of %d order(s)",
            kind,
            len(done),
            len(order_ids),
            extra={
                "event": "settled" if kind == "settle" else "refunded",
                "action_id": action_id,
                "order_ids": done,
                "skipped": [o for o in order_ids if o not in done],
                "tx_hash": tx.tx_hash,
                "block_number": tx.block_number,
                "gas_used": tx.gas_used,
            },
        )
        return Sent(
            action_id, kind, order_ids, "mined", done=tuple(done), block_number=tx.block_number
        )
