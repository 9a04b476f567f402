"""From decoded contract events to the agent's events and order states (pure functions, light).

Order state is a fold over the order's confirmed events, so after a re-org the agent rebuilds an
order by replaying the events that remain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fabtrust.agent.models import AgentEvent, EventKind, TrackedOrder
from fabtrust.escrow.models import OrderState, named_terms

__all__ = [
    "CERTIFICATES",
    "CERTIFICATE_WIDE",
    "ESCROW",
    "KINDS",
    "agent_event",
    "apply",
    "event_key",
    "fold",
    "overdue_event",
    "quarantine_event",
    "removed_copy",
]

ESCROW = "SupplyChainEscrow"
CERTIFICATES = "CertificateRegistry"

KINDS: Mapping[tuple[str, str], EventKind] = {
    (ESCROW, "OrderCreated"): "order_created",
    (ESCROW, "OrderShipped"): "order_shipped",
    (ESCROW, "DeliveryConfirmed"): "delivery_confirmed",
    (ESCROW, "OrderSettled"): "order_settled",
    (ESCROW, "OrderRefunded"): "order_refunded",
    (ESCROW, "OrderDeclined"): "order_declined",
    (ESCROW, "DisputeOpened"): "dispute_opened",
    (ESCROW, "DisputeResolved"): "dispute_resolved",
    (CERTIFICATES, "CertificateIssued"): "certificate_issued",
    (CERTIFICATES, "CertificateRevoked"): "certificate_revoked",
}

# Certificate events that may change whether some device has a valid pass, without naming it.
CERTIFICATE_WIDE = frozenset(
    {"CertificateSuperseded", "BatchRevoked", "LabAccreditationRevoked", "LabAccredited"}
)


def event_key(chain_id: int, block_hash: str, log_index: int) -> str:
    """Idempotency key of a log: the same log in the same block always gets the same key, and a
    log re-included in another block after a re-org gets a new one."""
    return f"{chain_id}:{block_hash}:{log_index}"


def agent_event(
    *,
    chain_id: int,
    contract: str,
    name: str,
    args: Mapping[str, Any],
    block_number: int,
    block_hash: str,
    tx_hash: str,
    log_index: int,
) -> AgentEvent | None:
    """The AgentEvent of a decoded log, or None when the agent does not report that event."""
    kind = KINDS.get((contract, name))
    if kind is None:
        return None
    if name == "OrderCreated" and "terms" in args:
        args = {"orderId": args["orderId"], **named_terms(args["terms"])}
    order_id = int(args["orderId"]) if "orderId" in args else None
    device_id = int(args["deviceId"]) if "deviceId" in args else None
    cert_id = str(args["certId"]) if "certId" in args else None
    return AgentEvent(
        key=event_key(chain_id, block_hash, log_index),
        kind=kind,
        chain_id=chain_id,
        contract=contract,
        name=name,
        order_id=order_id,
        device_id=device_id,
        certificate_id=cert_id,
        block_number=block_number,
        block_hash=block_hash,
        tx_hash=tx_hash,
        log_index=log_index,
        args=_plain(args),
    )


def overdue_event(
    *, chain_id: int, order: TrackedOrder, block_number: int, block_hash: str, block_time: int
) -> AgentEvent:
    """``order_overdue``: a Funded order whose ship-by time passed (seen at ``block_number``)."""
    return _order_event(
        "overdue", "order_overdue", "OrderOverdue",
        chain_id=chain_id, order=order, block_number=block_number, block_hash=block_hash,
        args={"amount": order.amount, "shipBy": order.ship_by, "blockTime": block_time},
    )  # fmt: skip


def quarantine_event(
    *,
    chain_id: int,
    order: TrackedOrder,
    reason: str,
    failures: int,
    retry_at: int,
    block_number: int,
    block_hash: str,
) -> AgentEvent:
    """``order_quarantined``: settling ``order`` fails even alone (``reason``, decoded); it is
    set aside and tried again alone at ``retry_at`` (unix time)."""
    return _order_event(
        "quarantined", "order_quarantined", "OrderQuarantined",
        chain_id=chain_id, order=order, block_number=block_number, block_hash=block_hash,
        args={
            "token": order.token, "amount": order.amount, "reason": reason,
            "failures": failures, "retryAt": retry_at,
        },
    )  # fmt: skip


def _order_event(
    key_part: str,
    kind: EventKind,
    name: str,
    *,
    chain_id: int,
    order: TrackedOrder,
    block_number: int,
    block_hash: str,
    args: dict[str, Any],
) -> AgentEvent:
    """An event the agent itself derives about ``order`` (not a log): keyed per order and block,
    with the order's id and parties first in ``args``."""
    return AgentEvent(
        key=f"{chain_id}:{key_part}:{order.order_id}:{block_hash}",
        kind=kind,
        chain_id=chain_id,
        contract=ESCROW,
        name=name,
        order_id=order.order_id,
        block_number=block_number,
        block_hash=block_hash,
        args={"orderId": order.order_id, "buyer": order.buyer, "seller": order.seller, **args},
    )


def removed_copy(event: AgentEvent) -> AgentEvent:
    """The notice that ``event`` was taken back by a re-org (its own idempotency key)."""
    return event.model_copy(update={"removed": True, "key": event.key + ":removed"})


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_NEXT_STATE: Mapping[str, OrderState] = {
    "OrderShipped": OrderState.SHIPPED,
    "DeliveryConfirmed": OrderState.ACCEPTED,
    "OrderSettled": OrderState.SETTLED,
    "OrderRefunded": OrderState.REFUNDED,
    "OrderDeclined": OrderState.DECLINED,
    "DisputeOpened": OrderState.DISPUTED,
    "DisputeResolved": OrderState.RESOLVED,
}


def apply(order: TrackedOrder | None, event: AgentEvent) -> TrackedOrder | None:
    """``order`` after ``event`` (an escrow event of that order); None stays None except for
    ``OrderCreated``."""
    if event.contract != ESCROW or event.order_id is None:
        return order
    a = event.args
    if event.name == "OrderCreated":
        return TrackedOrder(
            order_id=event.order_id,
            buyer=str(a["buyer"]),
            seller=str(a["seller"]),
            token=str(a["token"]),
            amount=int(a["amount"]),
            device_ids=tuple(int(d) for d in a["deviceIds"]),
            test_spec=str(a["testSpec"]),
            ship_by=int(a["shipBy"]),
            inspection_period=int(a["inspectionPeriod"]),
            arbiter=str(a["arbiter"]),
            labs=tuple(str(lab) for lab in a["labs"]),
            state=OrderState.FUNDED,
            created_block=event.block_number,
            updated_block=event.block_number,
        )
    if order is None:
        return None
    if event.name == "OrderOverdue":
        return order.model_copy(update={"overdue_reported": True})
    state = _NEXT_STATE.get(event.name)
    if state is None:
        return order
    update: dict[str, Any] = {"state": state, "updated_block": event.block_number}
    if event.name == "OrderShipped":
        update["shipped_at"] = int(a["shippedAt"])
    elif event.name == "DeliveryConfirmed":
        update["accepted"] = True
    elif event.name == "OrderSettled":
        update["settled_tx"] = event.tx_hash
    elif event.name == "OrderRefunded":
        update["refunded_tx"] = event.tx_hash
    return order.model_copy(update=update)


def fold(events: Iterable[AgentEvent]) -> TrackedOrder | None:
    """The order described by its events (in chain order), or None without ``OrderCreated``."""
    order: TrackedOrder | None = None
    for event in sorted(events, key=lambda e: (e.block_number, e.log_index or 0, e.name)):
        order = apply(order, event)
    return order
