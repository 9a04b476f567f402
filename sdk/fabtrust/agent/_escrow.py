"""The agent's one door to the escrow contract: every read and transaction it makes there.

Functions, arguments and event names of ``SupplyChainEscrow`` that the agent relies on live here
and nowhere else, so a change of the escrow's ABI (say, ``settle`` / ``canSettle`` taking
certificate references per device) is a change of this module. Calls take the agent's
:class:`TrackedOrder` records, not bare ids: the escrow keeps only a digest of each order's terms,
and every call passes the terms back (:func:`terms`, from what the store kept of ``OrderCreated``).
Imports web3 through the binding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from fabtrust.agent._orders import ESCROW
from fabtrust.agent.models import ActionKind, TrackedOrder
from fabtrust.errors import NodeUnreachableError, TransactionError
from fabtrust.escrow.models import SettleStatus

if TYPE_CHECKING:
    from fabtrust._binding import Binding
    from fabtrust.models import Event, TxResult

__all__ = ["EscrowDoor", "PassFinder", "terms"]

PassFinder = Callable[[TrackedOrder, "int | str"], list[tuple[bytes, bytes]]]
"""(order, block) -> the certificate references (``PassRef`` structs) to present for the
order's devices: ``EscrowClient.settlement_passes`` given the order's stored :func:`terms` (no
log read), which finds them with ``CertificatesClient.valid_pass_refs``."""

_DONE_EVENT: dict[ActionKind, str] = {"settle": "OrderSettled", "refund": "OrderRefunded"}


class EscrowDoor:
    """Reads and transactions of the escrow for the agent, over one binding."""

    def __init__(self, binding: Binding, *, passes: PassFinder) -> None:
        self._binding = binding
        self._passes = passes

    # -- reads ------------------------------------------------------------------------------------

    def can_settle(self, orders: Sequence[TrackedOrder], *, block: int) -> dict[int, SettleStatus]:
        """``canSettle`` of each order at ``block`` (JSON-RPC batches where the provider takes
        them)."""
        answers = self._binding.call_many(
            ESCROW,
            "canSettle",
            [(o.order_id, terms(o), self._passes(o, block)) for o in orders],
            block=block,
        )
        return {
            order.order_id: SettleStatus(int(status))
            for order, (_, status) in zip(orders, answers, strict=True)
        }

    # -- settling ---------------------------------------------------------------------------------

    def check_settle(self, orders: Sequence[TrackedOrder]) -> TransactionError | None:
        """Simulate the settlement of ``orders`` (``eth_estimateGas`` from the agent's account):
        None when it would go through, else the decoded error (a ContractError with the
        contract's error and values, TransactionRevertedError, or TransactionError with the
        node's message, e.g. out of gas). NodeUnreachableError propagates."""
        function, args = self._settle_call(orders)
        params = {
            "to": self._binding.contract(ESCROW).address,
            "data": self._binding.encode(ESCROW, function, *args),
        }
        try:
            self._binding.estimate(params)
        except NodeUnreachableError:
            raise
        except TransactionError as exc:
            return exc
        return None

    def settle(self, orders: Sequence[TrackedOrder], *, label: str) -> TxResult:
        """Settle ``orders`` in one transaction (``settle`` for one, ``settleMany`` for more)."""
        function, args = self._settle_call(orders)
        return self._binding.transact(ESCROW, function, *args, label=label)

    def refund(self, order: TrackedOrder, *, label: str) -> TxResult:
        """Refund a Funded order past its ship-by time (the buyer only)."""
        return self._binding.transact(ESCROW, "refund", order.order_id, terms(order), label=label)

    def send(self, kind: ActionKind, orders: Sequence[TrackedOrder], *, label: str) -> TxResult:
        """The transaction of an action of ``kind`` for ``orders``."""
        if kind == "refund":
            return self.refund(orders[0], label=label)
        return self.settle(orders, label=label)

    @staticmethod
    def done(kind: ActionKind, events: Iterable[Event]) -> list[int]:
        """The orders that a receipt's decoded events say were settled (refunded)."""
        name = _DONE_EVENT[kind]
        return [int(e.args["orderId"]) for e in events if e.contract == ESCROW and e.name == name]

    def _settle_call(self, orders: Sequence[TrackedOrder]) -> tuple[str, tuple[Any, ...]]:
        passes = [self._passes(o, "latest") for o in orders]
        if len(orders) == 1:
            return "settle", (orders[0].order_id, terms(orders[0]), passes[0])
        return "settleMany", ([o.order_id for o in orders], [terms(o) for o in orders], passes)


def terms(order: TrackedOrder) -> tuple[Any, ...]:
    """The order's ``OrderTerms`` struct as the escrow takes it back (it keeps only their digest),
    from the terms the store kept from ``OrderCreated``."""
    return (
        order.buyer,
        order.seller,
        order.token,
        order.amount,
        list(order.device_ids),
        bytes.fromhex(order.test_spec.removeprefix("0x")),
        order.ship_by,
        order.inspection_period,
        order.arbiter,
        list(order.labs),
    )
