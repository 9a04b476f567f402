"""BatchSettler without a chain: bisection isolates exactly the orders that fail alone, settles
all others, costs O(bad · log n) estimates, and does not split a batch whose failure is not about
its contents."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fabtrust.agent._actions import Sent
from fabtrust.agent._batches import BatchSettler
from fabtrust.agent.models import TrackedOrder
from fabtrust.errors import TransactionError, TransactionRevertedError
from fabtrust.escrow import OrderState


def order(order_id: int) -> TrackedOrder:
    return TrackedOrder(
        order_id=order_id,
        buyer="0x" + "b" * 40,
        seller="0x" + "5" * 40,
        token="0x" + "7" * 40,
        amount=1,
        device_ids=(order_id,),
        test_spec="0x" + "0" * 64,
        ship_by=0,
        inspection_period=0,
        state=OrderState.ACCEPTED,
        created_block=1,
        updated_block=1,
    )


class FakeChain:
    """Settling fails (in the estimate) whenever a poisoned order is in the batch; ``transient``
    makes the next sends fail for a reason that is not about the batch (a nonce problem)."""

    def __init__(self, poisoned: set[int], *, mined_revert: bool = False) -> None:
        self.poisoned = poisoned
        self.mined_revert = mined_revert
        self.transient = 0
        self.sends: list[tuple[int, ...]] = []
        self.estimates: list[tuple[int, ...]] = []
        self.settled: list[int] = []

    def _error(self, ids: tuple[int, ...]) -> TransactionError | None:
        bad = sorted(self.poisoned & set(ids))
        return TransactionError(f"gas estimation failed: out of gas ({bad})") if bad else None

    # ActionSender.send
    def send(self, kind: str, orders: Sequence[TrackedOrder]) -> Sent:
        ids = tuple(o.order_id for o in orders)
        self.sends.append(ids)
        if self.transient:
            self.transient -= 1
            return Sent(len(self.sends), "settle", ids, "failed", error=TransactionError("nonce"))
        error = self._error(ids)
        if error is not None and self.mined_revert:
            revert = TransactionRevertedError("reverted in block", tx_hash="0x" + "ab" * 32)
            return Sent(len(self.sends), "settle", ids, "reverted", error=revert)
        if error is not None:
            return Sent(len(self.sends), "settle", ids, "failed", error=error)
        self.settled += ids
        return Sent(len(self.sends), "settle", ids, "mined", done=ids, block_number=7)

    # EscrowDoor.check_settle
    def check_settle(self, orders: Sequence[TrackedOrder]) -> TransactionError | None:
        ids = tuple(o.order_id for o in orders)
        self.estimates.append(ids)
        return self._error(ids)


def settler(chain: FakeChain, batch_size: int = 100) -> BatchSettler:
    fake: Any = chain
    return BatchSettler(
        actions=fake, escrow=fake, batch_size=batch_size, logger=logging.getLogger("test")
    )


def test_bisection_isolates_every_bad_order_and_settles_the_rest() -> None:
    chain = FakeChain(poisoned={3, 17})
    result = settler(chain).settle([order(i) for i in range(1, 21)])
    assert sorted(r.order.order_id for r in result.rejected) == [3, 17]
    assert all("out of gas" in str(r.error) for r in result.rejected)
    assert sorted(result.settled) == sorted(set(range(1, 21)) - {3, 17})
    assert sorted(chain.settled) == sorted(result.settled)  # each settled once
    assert result.retry_later == []
    # two bad orders among 20: a handful of transactions and estimates, not one per order
    assert len([s for s in chain.sends if len(s) > 1]) <= 6
    assert len(chain.estimates) <= 2 * 2 * 5 + 1
    assert not any(3 in s and 17 in s for s in chain.sends[1:])


def test_a_batch_without_a_bad_order_is_one_transaction() -> None:
    chain = FakeChain(poisoned=set())
    result = settler(chain, batch_size=4).settle([order(i) for i in range(1, 11)])
    assert sorted(chain.sends) == [(1, 2, 3, 4), (5, 6, 7, 8), (9, 10)]  # (up to 4 at once)
    assert chain.estimates == [] and result.rejected == []
    assert sorted(result.settled) == list(range(1, 11))


def test_a_reverted_transaction_is_bisected_too() -> None:
    chain = FakeChain(poisoned={5}, mined_revert=True)
    result = settler(chain).settle([order(i) for i in range(1, 9)])
    assert [r.order.order_id for r in result.rejected] == [5]
    assert sorted(result.settled) == [1, 2, 3, 4, 6, 7, 8]


def test_a_failure_that_is_not_about_the_batch_is_not_split() -> None:
    chain = FakeChain(poisoned=set())
    chain.transient = 1
    result = settler(chain).settle([order(i) for i in range(1, 9)])
    assert chain.sends == [tuple(range(1, 9))]  # one try, no bisection
    assert chain.estimates == [tuple(range(1, 9))]  # its simulation passes
    assert result.rejected == [] and result.settled == []
    assert result.retry_later == list(range(1, 9))
