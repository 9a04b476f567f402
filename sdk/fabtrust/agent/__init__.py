"""The settlement agent: settles escrow orders automatically, once, and tells the MES.

:class:`SettlementAgent` (settings in one frozen :class:`AgentConfig`) follows the escrow and
certificate events from its cursor (first run: the deployment block), acts only on events
``confirmations`` blocks deep, rewinds on re-orgs, settles each order with ``settleMany`` once
``canSettle`` holds (re-checked on chain right before every send; a failing batch is bisected and
an order that fails alone quarantined), reports Funded orders past ``ship_by`` and optionally
refunds them for their buyer. Orders are read from the store a page at a time, so memory does
not grow with the number of open orders.
Its state - cursor with block hash, orders, events, actions with their transaction hashes, and
the webhook outbox - lives in one SQLite file (:class:`AgentStore`). Hooks are Python callbacks
per :data:`EventKind`; the webhook gets each event at least once with an idempotency key, signed
with a timestamp (:mod:`fabtrust.agent.webhooks`). Logs
are stdlib logging on ``fabtrust.agent``; :class:`JsonLogFormatter` writes them as JSON lines.

The CLI runs it as ``fabtrust agent run`` and shows ``fabtrust agent status``. Light package:
importing it does not import web3.
"""

from fabtrust.agent.config import AgentConfig
from fabtrust.agent.logs import LOGGER_NAME, JsonLogFormatter
from fabtrust.agent.models import (
    EVENT_KINDS,
    ActionKind,
    ActionStatus,
    AgentAction,
    AgentEvent,
    AgentStatus,
    Cursor,
    EventKind,
    PollResult,
    QuarantinedOrder,
    TrackedOrder,
    WebhookConfig,
)
from fabtrust.agent.settlement import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_POLL_INTERVAL,
    REMOTE_CONFIRMATIONS,
    Hook,
    SettlementAgent,
)
from fabtrust.agent.store import AgentStore

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_POLL_INTERVAL",
    "EVENT_KINDS",
    "LOGGER_NAME",
    "REMOTE_CONFIRMATIONS",
    "ActionKind",
    "ActionStatus",
    "AgentAction",
    "AgentConfig",
    "AgentEvent",
    "AgentStatus",
    "AgentStore",
    "Cursor",
    "EventKind",
    "Hook",
    "JsonLogFormatter",
    "PollResult",
    "QuarantinedOrder",
    "SettlementAgent",
    "TrackedOrder",
    "WebhookConfig",
]
