"""Settling ready orders in batches that one bad order cannot block (bisection).

:meth:`BatchSettler.settle` cuts the ready orders into batches of ``batch_size`` and sends them
(up to four at a time, their transactions sharing blocks). When a batch fails because of what is
in it - its gas estimate fails (a revert, out of gas, over the block gas limit) or its transaction
reverts - the batch is cut in two, each half simulated (``eth_estimateGas``, no transaction) and
sent if it would go through, or cut again if not. An order that fails alone is *rejected*: the
caller quarantines it; everything else settles in the same round. With one bad order among ``n``
that costs about ``2·log2(n)`` estimates and ``log2(n)`` transactions. A failure that is not about
the batch (no revert, and its simulation passes: a nonce or fee problem) leaves its orders for the
next try, unsplit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from fabtrust.agent._actions import ActionSender, Sent
from fabtrust.agent._escrow import EscrowDoor
from fabtrust.agent.models import TrackedOrder
from fabtrust.errors import FabtrustError, NodeUnreachableError, TransactionError

__all__ = ["BatchSettler", "Rejected", "SettleRound"]

_IN_FLIGHT = 4


@dataclass(frozen=True)
class Rejected:
    """An order whose settlement fails even alone, and the decoded error of its simulation."""

    order: TrackedOrder
    error: TransactionError


@dataclass
class SettleRound:
    """What one :meth:`BatchSettler.settle` did: every action sent, the orders rejected, the
    orders to try again later (their batch failed for a reason that was not about them)."""

    sent: list[Sent] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    retry_later: list[int] = field(default_factory=list)

    @property
    def settled(self) -> list[int]:
        return [o for s in self.sent for o in s.done]

    def extend(self, other: SettleRound) -> None:
        self.sent += other.sent
        self.rejected += other.rejected
        self.retry_later += other.retry_later


class BatchSettler:
    """Sends settlement batches through ``actions``, bisecting the ones that fail."""

    def __init__(
        self,
        *,
        actions: ActionSender,
        escrow: EscrowDoor,
        batch_size: int,
        logger: logging.Logger,
    ) -> None:
        self._actions = actions
        self._escrow = escrow
        self._batch_size = batch_size
        self._log = logger

    def settle(self, orders: Sequence[TrackedOrder]) -> SettleRound:
        """Settle ``orders`` (all ready at the newest block) in batches; see the module doc."""
        chunks = [
            list(orders[start : start + self._batch_size])
            for start in range(0, len(orders), self._batch_size)
        ]
        result = SettleRound()
        if len(chunks) <= 1:
            for chunk in chunks:
                self._run(chunk, result)
            return result
        unreachable: NodeUnreachableError | None = None

        def one(chunk: list[TrackedOrder]) -> SettleRound:
            part = SettleRound()
            self._run(chunk, part)
            return part

        with ThreadPoolExecutor(max_workers=min(_IN_FLIGHT, len(chunks))) as pool:
            for future in [pool.submit(one, chunk) for chunk in chunks]:
                try:
                    result.extend(future.result())
                except NodeUnreachableError as exc:
                    unreachable = exc
        if unreachable is not None:
            raise unreachable
        return result

    def _run(self, orders: list[TrackedOrder], out: SettleRound) -> None:
        """Send one batch; on a failure caused by its contents, isolate the culprits."""
        sent = self._actions.send("settle", orders)
        out.sent.append(sent)
        if sent.outcome in ("mined", "unknown"):
            return  # (an unknown outcome is reconciled on the next poll)
        # a revert is about the contents; any other failure is when its simulation fails too
        cause: FabtrustError | None = (
            sent.error if sent.outcome == "reverted" else self._escrow.check_settle(orders)
        )
        if not isinstance(cause, TransactionError):
            out.retry_later += [o.order_id for o in orders]
            return
        self._isolate(orders, cause, out)

    def _isolate(
        self, orders: list[TrackedOrder], cause: TransactionError, out: SettleRound
    ) -> None:
        """``orders`` fail together with ``cause``: bisect down to the orders that fail alone."""
        if len(orders) == 1:
            out.rejected.append(Rejected(orders[0], cause))
            return
        middle = len(orders) // 2
        self._log.info(
            "a batch of %d order(s) fails (%s); splitting it",
            len(orders),
            cause,
            extra={
                "event": "batch_split",
                "order_ids": [o.order_id for o in orders],
                "error": str(cause),
            },
        )
        for half in (orders[:middle], orders[middle:]):
            error = self._escrow.check_settle(half)
            if error is None:
                self._run(half, out)
            else:
                self._isolate(half, error, out)
