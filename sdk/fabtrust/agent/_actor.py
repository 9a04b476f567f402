"""Acting on what the store holds: settle, quarantine, retry, refund (the agent's actor).

:meth:`Actor.act` runs once per poll after the reader has stored the safe block's events. It reads
orders from the store a page (``page_size``) at a time through indexed queries - due orders,
quarantine retries, the agent's own refundable orders - so memory does not grow with the number
of open orders; everything it decides (deferrals, holds, quarantine) goes back to the store,
the only state it shares with the rest of the agent. Ready orders are re-checked at the newest
block and settled by the :class:`~fabtrust.agent._batches.BatchSettler`; an order that fails alone
while ``canSettle`` still says Ready is quarantined (decoded reason, one log line, an
``order_quarantined`` event) and retried alone after ``quarantine_backoff`` seconds, doubling per
failure up to ``quarantine_max_backoff``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fabtrust.agent import _orders
from fabtrust.agent._actions import ActionSender
from fabtrust.agent._batches import BatchSettler, Rejected
from fabtrust.agent._chain import ChainView
from fabtrust.agent._escrow import EscrowDoor
from fabtrust.agent._hooks import Hooks
from fabtrust.agent.config import AgentConfig
from fabtrust.agent.models import AgentEvent, Cursor, TrackedOrder
from fabtrust.agent.store import AgentStore
from fabtrust.escrow.models import Order, OrderState, SettleStatus

__all__ = ["Acted", "Actor"]


@dataclass
class Acted:
    """What one acting step did (becomes part of the PollResult)."""

    ready: list[int] = field(default_factory=list)
    not_ready: dict[int, SettleStatus] = field(default_factory=dict)
    settled: list[int] = field(default_factory=list)
    refunded: list[int] = field(default_factory=list)
    quarantined: list[int] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)


class Actor:
    """Settles, quarantines, retries and refunds for one agent (see the module doc)."""

    def __init__(
        self,
        *,
        config: AgentConfig,
        chain_id: int,
        account: str | None,
        store: AgentStore,
        chain: ChainView,
        escrow: EscrowDoor,
        actions: ActionSender,
        settler: BatchSettler,
        get_order: Callable[[int], Order],
        hooks: Hooks,
        wake: Callable[[], None],
        logger: logging.Logger,
    ) -> None:
        self._cfg = config
        self._chain_id = chain_id
        self._account = account
        self._outbox = config.webhook is not None
        self._store = store
        self._chain = chain
        self._escrow = escrow
        self._actions = actions
        self._settler = settler
        self._get_order = get_order
        self._hooks = hooks
        self._wake = wake
        self._log = logger

    def act(self, cursor: Cursor) -> Acted:
        """Settle what may settle (a page of orders at a time), retry quarantined orders whose
        time has come, refund overdue orders of the agent's account."""
        safe_block, safe_time = cursor.block_number, cursor.block_time
        now = time.time()
        busy = {o for action in self._store.unresolved_actions() for o in action.order_ids}
        acted = Acted()
        after = -1
        while True:
            page = self._store.due_orders(
                safe_time=safe_time,
                safe_block=safe_block,
                now=now,
                after=after,
                limit=self._cfg.page_size,
            )
            if not page:
                break
            after = page[-1].order_id
            candidates = [o for o in page if o.order_id not in busy]  # (a tx may be in flight)
            statuses = self._escrow.can_settle(candidates, block=safe_block)
            ready = [o for o in candidates if statuses[o.order_id] is SettleStatus.READY]
            late = {o: s for o, s in statuses.items() if s is not SettleStatus.READY}
            if late:
                acted.not_ready.update(late)
                self._store.defer(late, until=now + self._cfg.recheck_interval)
                self._log.debug(
                    "orders not ready at block %d",
                    safe_block,
                    extra={
                        "event": "not_ready",
                        "block_number": safe_block,
                        "orders": {str(k): v.name.lower() for k, v in late.items()},
                    },
                )
            acted.ready += [o.order_id for o in ready]
            if ready:
                self._settle(self._recheck_now(ready, safe_block), cursor, acted)
            if len(page) < self._cfg.page_size:
                break
        self._retry_quarantined(cursor, busy, acted)
        if self._cfg.refund_overdue:
            self._refund(cursor, busy, acted)
        return acted

    def _recheck_now(self, orders: Sequence[TrackedOrder], checked_at: int) -> list[TrackedOrder]:
        """The orders that can still settle at the newest block (re-asked unless that block is
        the one just checked)."""
        head = self._chain.head()
        if head == checked_at:
            return list(orders)
        statuses = self._escrow.can_settle(orders, block=head)
        keep: list[TrackedOrder] = []
        for order in orders:
            status = statuses[order.order_id]
            if status is SettleStatus.READY:
                keep.append(order)
            else:
                self._log.info(
                    "order %d no longer ready at block %d (%s)",
                    order.order_id,
                    head,
                    status.name.lower(),
                    extra={
                        "event": "not_ready_at_send",
                        "order_id": order.order_id,
                        "status": status.name,
                    },
                )
        return keep

    def _settle(self, orders: Sequence[TrackedOrder], cursor: Cursor, acted: Acted) -> None:
        """Settle ready orders (bisecting failed batches); hold, defer or quarantine after."""
        if not orders:
            return
        round_ = self._settler.settle(orders)
        now = time.time()
        for sent in round_.sent:
            acted.actions.append(sent.action_id)
            if sent.outcome == "mined" and sent.block_number is not None:
                self._store.hold(sent.order_ids, block=sent.block_number)
        acted.settled += round_.settled
        retry = list(round_.retry_later)
        if round_.rejected:
            # Only an order the contract calls ready that still fails alone is quarantined; one
            # that stopped being ready meanwhile (e.g. a revoked pass) goes the ordinary way.
            rejected = [r.order for r in round_.rejected]
            statuses = self._escrow.can_settle(rejected, block=self._chain.head())
            for item in round_.rejected:
                order_id = item.order.order_id
                if statuses[order_id] is SettleStatus.READY:
                    self._quarantine(item, cursor)
                    acted.quarantined.append(order_id)
                else:
                    retry.append(order_id)
        if retry:
            self._store.defer(retry, until=now + self._cfg.recheck_interval)

    def _backoff(self, failures: int) -> float:
        """Seconds before a quarantined order that failed ``failures`` times is tried again."""
        factor = float(2 ** min(failures - 1, 30))
        return min(self._cfg.quarantine_max_backoff, self._cfg.quarantine_backoff * factor)

    def _quarantine(self, rejected: Rejected, cursor: Cursor) -> None:
        order = rejected.order
        before = self._store.quarantined_order(order.order_id)
        failures = 1 if before is None else before.failures + 1
        delay = self._backoff(failures)
        retry_at = time.time() + delay
        reason = str(rejected.error)
        event: AgentEvent | None = None
        if before is None:
            event = _orders.quarantine_event(
                chain_id=self._chain_id,
                order=order,
                reason=reason,
                failures=failures,
                retry_at=int(retry_at),
                block_number=cursor.block_number,
                block_hash=cursor.block_hash,
            )
            self._hooks.call(event)
        self._store.quarantine(
            order.order_id,
            reason=reason,
            error=f"{type(rejected.error).__name__}: {reason}",
            retry_at=retry_at,
            event=event if self._outbox else None,
        )
        self._log.warning(
            "order %d quarantined (failure %d): %s; tried again alone in %.0f s",
            order.order_id,
            failures,
            reason,
            delay,
            extra={
                "event": "order_quarantined",
                "order_id": order.order_id,
                "reason": reason,
                "error_type": type(rejected.error).__name__,
                "failures": failures,
                "retry_in": round(delay, 3),
            },
        )
        if event is not None:
            self._wake()

    def _retry_quarantined(self, cursor: Cursor, busy: set[int], acted: Acted) -> None:
        """Quarantined orders whose retry time came are tried once more, each alone."""
        now = time.time()
        due = [
            o
            for o in self._store.quarantine_due(now=now, limit=self._cfg.page_size)
            if o.order_id not in busy
        ]
        if not due:
            return
        statuses = self._escrow.can_settle(due, block=cursor.block_number)
        for order in due:
            order_id = order.order_id
            status = statuses[order_id]
            confirmed = (
                self._recheck_now([order], cursor.block_number)
                if status is SettleStatus.READY
                else []
            )
            if not confirmed:
                self._release(order_id, f"no longer ready ({status.name.lower()})")
                continue
            self._settle(confirmed, cursor, acted)
            if order_id in acted.settled:
                self._release(order_id, "settled")
                continue
            still = self._store.quarantined_order(order_id)
            if still is not None and still.retry_at.timestamp() <= now:
                # not settled, not failed again (a transient problem): keep the schedule
                self._store.reschedule_quarantine(
                    order_id, retry_at=now + self._backoff(still.failures)
                )

    def _release(self, order_id: int, why: str) -> None:
        if self._store.release(order_id):
            self._log.info(
                "order %d released from quarantine: %s",
                order_id,
                why,
                extra={"event": "order_released", "order_id": order_id, "why": why},
            )

    def _refund(self, cursor: Cursor, busy: set[int], acted: Acted) -> None:
        """Refund Funded orders past ship-by whose buyer is the agent's account."""
        assert self._account is not None
        now = time.time()
        after = -1
        while True:
            page = self._store.refundable_orders(
                buyer=self._account,
                safe_time=cursor.block_time,
                safe_block=cursor.block_number,
                now=now,
                after=after,
                limit=self._cfg.page_size,
            )
            if not page:
                break
            after = page[-1].order_id
            head = self._chain.block(self._chain.head())
            for order in page:
                if order.order_id in busy or head is None or head.time <= order.ship_by:
                    continue
                current = self._get_order(order.order_id)  # newest block
                if current.state is not OrderState.FUNDED:
                    continue
                sent = self._actions.send("refund", [order])
                acted.actions.append(sent.action_id)
                acted.refunded += sent.done
                if sent.outcome == "mined" and sent.block_number is not None:
                    self._store.hold(sent.order_ids, block=sent.block_number)
                elif sent.outcome != "unknown":
                    self._store.defer(sent.order_ids, until=now + self._cfg.recheck_interval)
            if len(page) < self._cfg.page_size:
                break
