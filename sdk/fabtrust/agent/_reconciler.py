"""Finding out what became of actions whose outcome was not recorded: the agent's reconciler.

:meth:`Reconciler.reconcile` runs first in every poll. For each action of the store that is
``pending`` or ``sent`` (the agent died, or the node went away, between broadcast and receipt) it
looks up every transaction hash recorded for it and, through the SDK journal, its fee bumps and
anything journalled under the action's label. A receipt: the action is ``mined`` (or
``reverted``) with the orders it settled, and those orders are held until that block is read; a
transaction the node still holds: wait; nothing known: ``dropped``, or ``superseded`` when all its
orders were closed by someone else. Nothing is sent here. The store is all it shares with the
rest of the agent. Imports web3 when used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fabtrust.agent._actions import action_label
from fabtrust.agent._escrow import EscrowDoor
from fabtrust.agent.models import ActionStatus, AgentAction
from fabtrust.agent.store import AgentStore
from fabtrust.escrow.models import Order, OrderState

if TYPE_CHECKING:
    from fabtrust._binding import Binding

__all__ = ["Reconciler"]

_CLOSED = (OrderState.SETTLED, OrderState.REFUNDED, OrderState.RESOLVED)


class Reconciler:
    """Resolves the store's unresolved actions against the chain (see the module doc)."""

    def __init__(
        self,
        *,
        store: AgentStore,
        binding: Binding,
        escrow: EscrowDoor,
        get_order: Callable[[int], Order],
        logger: logging.Logger,
    ) -> None:
        self._store = store
        self._binding = binding
        self._escrow = escrow
        self._get_order = get_order
        self._log = logger

    def reconcile(self) -> None:
        """Resolve every action whose outcome is not recorded (those still in the node's pool
        stay unresolved)."""
        for action in self._store.unresolved_actions():
            self._resolve(action)

    def _resolve(self, action: AgentAction) -> None:
        hashes = self._hashes(action)
        if not hashes:
            # The hash is recorded before the bytes leave: nothing of this action was broadcast.
            self._store.finish_action(
                action.id, status="dropped", error="stopped before anything was broadcast"
            )
            self._log.info(
                "action %d was never broadcast",
                action.id,
                extra={"event": "action_dropped", "action_id": action.id},
            )
            return
        for tx_hash in hashes:
            receipt = self._receipt(tx_hash)
            if receipt is not None and receipt.get("blockNumber") is not None:
                self._recover(action, tx_hash, receipt)
                return
        if any(self._known(h) for h in hashes):
            return  # still waiting to be mined
        closed = all(self._get_order(order_id).state in _CLOSED for order_id in action.order_ids)
        status: ActionStatus = "superseded" if closed else "dropped"
        self._store.finish_action(
            action.id, status=status, error="no transaction of this action is known to the node"
        )
        self._log.warning(
            "action %d %s: none of its transactions is known to the node",
            action.id,
            status,
            extra={"event": f"action_{status}", "action_id": action.id, "tx_hashes": hashes},
        )

    def _hashes(self, action: AgentAction) -> list[str]:
        """Every hash of the action: recorded ones, their fee bumps, and anything journalled
        under its label (signed and journalled, then the process died before the broadcast:
        resumed since)."""
        hashes = list(action.tx_hashes)
        journal = self._binding.sender.journal if self._binding.sender is not None else None
        if journal is None:
            return hashes
        label = action_label(action.kind, action.id)
        entries = [journal.find_by_hash(h) for h in hashes]
        entries += [e for e in journal.entries(limit=1_000) if e.label == label]
        for entry in entries:
            if entry is not None:
                hashes += [h for h in entry.tx_hashes if h not in hashes]
        return hashes

    def _recover(self, action: AgentAction, tx_hash: str, receipt: Any) -> None:
        """Record the mined (or reverted) outcome found in ``receipt``."""
        from fabtrust.chain._models import log_from_rpc

        events = self._binding.decoder.decode_all(log_from_rpc(x) for x in receipt["logs"])
        done = self._escrow.done(action.kind, events)
        ok = int(receipt["status"]) == 1
        block_number = int(receipt["blockNumber"])
        self._store.finish_action(
            action.id,
            status="mined" if ok else "reverted",
            tx_hash=tx_hash,
            block_number=block_number,
            gas_used=int(receipt["gasUsed"]),
            done_order_ids=done,
            error=None if ok else "reverted (found after a restart)",
        )
        self._store.hold(action.order_ids, block=block_number)
        self._log.info(
            "action %d recovered from the chain: %s",
            action.id,
            "mined" if ok else "reverted",
            extra={
                "event": "action_recovered",
                "action_id": action.id,
                "tx_hash": tx_hash,
                "order_ids": done,
                "block_number": block_number,
            },
        )

    def _receipt(self, tx_hash: str) -> Any:
        """The receipt of ``tx_hash``, or None when the node has none."""
        from web3.exceptions import TransactionNotFound

        def get() -> Any:
            try:
                return self._binding.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return None

        return self._binding.rpc(get, "eth_getTransactionReceipt")

    def _known(self, tx_hash: str) -> bool:
        """Whether the node knows ``tx_hash`` (mined or in its pool)."""
        from web3.exceptions import TransactionNotFound

        def get() -> bool:
            try:
                return self._binding.w3.eth.get_transaction(tx_hash) is not None  # type: ignore[arg-type]
            except TransactionNotFound:
                return False

        return bool(self._binding.rpc(get, "eth_getTransactionByHash"))
