"""Frozen models of the settlement agent: what it saw, what it did, where it stands.

Light module: pydantic and the escrow's enums only (no web3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from fabtrust.escrow.models import OrderState, SettleStatus

__all__ = [
    "EVENT_KINDS",
    "ActionKind",
    "ActionStatus",
    "AgentAction",
    "AgentEvent",
    "AgentStatus",
    "Cursor",
    "EventKind",
    "PollResult",
    "QuarantinedOrder",
    "TrackedOrder",
    "WebhookConfig",
]

EventKind = Literal[
    "order_created",
    "order_shipped",
    "delivery_confirmed",
    "order_settled",
    "order_refunded",
    "order_declined",
    "dispute_opened",
    "dispute_resolved",
    "certificate_issued",
    "certificate_revoked",
    "order_overdue",
    "order_quarantined",
]
"""What a hook or webhook is told about. ``order_overdue`` (a Funded order whose ``ship_by``
passed, reported once) and ``order_quarantined`` (an order whose settlement fails even on its own,
set aside and retried on a back-off schedule) are the agent's own findings; the others are
contract events."""

EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)

ActionKind = Literal["settle", "refund"]

ActionStatus = Literal["pending", "sent", "mined", "reverted", "dropped", "superseded"]
"""pending: written, nothing broadcast yet · sent: broadcast (``tx_hashes`` known), outcome
unknown · mined: receipt with status 1 · reverted: receipt with status 0 or refused in simulation
· dropped: never mined and no longer known to the node · superseded: the orders reached their end
by another transaction (nothing of ours was mined)."""


class AgentEvent(BaseModel):
    """One thing that happened, as given to hooks and posted to the webhook.

    ``key`` is stable across retries and restarts (``chain_id:tx_hash:log_index`` for contract
    events, ``chain_id:overdue:order_id`` for ``order_overdue``): the webhook's idempotency key.
    ``removed`` is True when a re-org took back an event reported earlier.
    """

    model_config = ConfigDict(frozen=True)

    key: str
    kind: EventKind
    chain_id: int
    contract: str
    name: str
    order_id: int | None = None
    device_id: int | None = None
    certificate_id: str | None = None
    block_number: int
    block_hash: str
    tx_hash: str | None = None
    log_index: int | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    removed: bool = False

    def payload(self) -> dict[str, Any]:
        """The JSON document posted to the webhook (``idempotency_key`` = :attr:`key`)."""
        data = self.model_dump(mode="json")
        data["idempotency_key"] = self.key
        return data


class TrackedOrder(BaseModel):
    """An order as the agent knows it from confirmed events.

    The terms (parties, token, amount, devices, spec, ship-by, inspection, arbiter, labs) come
    from ``OrderCreated``: the escrow stores only their digest, and every settle / refund passes
    them back.

    ``state`` follows the events (Funded → Shipped → Accepted → Settled ...); ``settled_tx`` is the
    transaction of its ``OrderSettled`` event once seen, ``refunded_tx`` likewise.
    """

    model_config = ConfigDict(frozen=True)

    order_id: int
    buyer: str
    seller: str
    token: str
    amount: int
    device_ids: tuple[int, ...]
    test_spec: str
    ship_by: int
    inspection_period: int
    arbiter: str = "0x" + "00" * 20
    labs: tuple[str, ...] = ()
    state: OrderState
    shipped_at: int | None = None
    accepted: bool = False
    overdue_reported: bool = False
    created_block: int
    updated_block: int
    settled_tx: str | None = None
    refunded_tx: str | None = None

    @property
    def inspection_ends_at(self) -> int | None:
        """Unix time at which the inspection period ends (None before shipping)."""
        return None if self.shipped_at is None else self.shipped_at + self.inspection_period

    @property
    def is_open(self) -> bool:
        """Not Settled, Refunded, Resolved or Declined."""
        return self.state not in (
            OrderState.SETTLED,
            OrderState.REFUNDED,
            OrderState.RESOLVED,
            OrderState.DECLINED,
        )


class QuarantinedOrder(BaseModel):
    """An order set aside because settling it fails even on its own (its gas estimate or its
    transaction failed): ``reason`` is the decoded error (a contract error's name and values,
    or the node's message), ``failures`` how many times it failed, ``retry_at`` when it is tried
    again (alone, never in a batch)."""

    model_config = ConfigDict(frozen=True)

    order_id: int
    reason: str
    error: str
    failures: int
    quarantined_at: datetime
    last_failure_at: datetime
    retry_at: datetime


class AgentAction(BaseModel):
    """A transaction the agent decided to send, written before it was sent.

    ``order_ids`` the orders it was for; ``done_order_ids`` those it settled or refunded (from the
    receipt's events); ``tx_hashes`` every hash broadcast for it (fee bumps included), recorded
    before each broadcast.
    """

    model_config = ConfigDict(frozen=True)

    id: int
    kind: ActionKind
    order_ids: tuple[int, ...]
    status: ActionStatus
    tx_hashes: tuple[str, ...] = ()
    tx_hash: str | None = None
    block_number: int | None = None
    gas_used: int | None = None
    done_order_ids: tuple[int, ...] = ()
    error: str | None = None
    created_at: datetime
    updated_at: datetime


class Cursor(BaseModel):
    """The last block whose events the agent applied, and its hash (re-org check)."""

    model_config = ConfigDict(frozen=True)

    block_number: int
    block_hash: str
    block_time: int
    updated_at: datetime


class AgentStatus(BaseModel):
    """Where the agent stands: cursor, lag behind the head, open orders (``open_orders`` holds the
    first ones by id, ``open_total`` counts all), quarantined orders, last actions, outbox."""

    model_config = ConfigDict(frozen=True)

    chain_id: int | None
    escrow: str | None
    cursor: Cursor | None
    head: int | None = None
    lag: int | None = None
    open_orders: tuple[TrackedOrder, ...]
    open_total: int = 0
    open_by_state: dict[str, int]
    quarantined: tuple[QuarantinedOrder, ...] = ()
    quarantined_total: int = 0
    last_actions: tuple[AgentAction, ...]
    unresolved_actions: int
    outbox_pending: int
    outbox_delivered: int


class PollResult(BaseModel):
    """What one :meth:`SettlementAgent.poll_once` did."""

    model_config = ConfigDict(frozen=True)

    head: int
    safe_block: int
    from_block: int | None
    to_block: int | None
    events: int
    rewound_to: int | None = None
    ready: tuple[int, ...] = ()
    settled: tuple[int, ...] = ()
    refunded: tuple[int, ...] = ()
    quarantined: tuple[int, ...] = ()
    actions: tuple[int, ...] = ()
    not_ready: dict[int, SettleStatus] = Field(default_factory=dict)


class WebhookConfig(BaseModel):
    """Where and how to POST events: at least once, in order, signed, with an idempotency key.

    Each event is one POST of :meth:`AgentEvent.payload` (JSON) with headers ``Idempotency-Key``
    and ``X-Fabtrust-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` keyed with
    ``secret`` (see :mod:`fabtrust.agent.webhooks`; receivers refuse a ``t`` more than 300 s
    away). A secret (16+ characters) is required unless ``allow_unsigned`` says, explicitly, to
    post unsigned deliveries. The URL must be ``https://`` except to this machine (localhost,
    127.0.0.0/8, [::1]). A failed delivery (connection error, timeout, non-2xx answer) is
    retried after ``initial_backoff`` seconds, doubling up to ``max_backoff``; later events wait
    behind it. (Checked by :class:`SettlementAgent`.)
    """

    model_config = ConfigDict(frozen=True)

    url: str
    timeout: float = 5.0
    initial_backoff: float = 0.5
    max_backoff: float = 60.0
    headers: dict[str, str] = Field(default_factory=dict)
    secret: str | None = Field(default=None, repr=False)
    allow_unsigned: bool = False
