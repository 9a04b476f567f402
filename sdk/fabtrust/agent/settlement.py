"""The settlement agent: settles escrow orders as soon as they may be settled, exactly once.

:class:`SettlementAgent` wires four parts that share nothing but the state file
(:class:`~fabtrust.agent.store.AgentStore`), and runs them in this order each poll
(:meth:`SettlementAgent.poll_once`):

1. **Reconcile** (:class:`~fabtrust.agent._reconciler.Reconciler`) actions whose outcome is
   unknown (a crash or an outage between broadcast and receipt): look up every hash recorded for
   them (and the journal's fee bumps); mined → record the receipt; still known to the node →
   wait; gone → ``dropped`` (or ``superseded`` when the orders were closed by someone else).
   Nothing is sent again without the checks of step 4.
2. **Re-org check** (:class:`~fabtrust.agent._reorg.ReorgHandler`): if the hash of the cursor
   block changed, find the newest remembered block that is still on the chain, withdraw the
   events of orphaned blocks (hooks and webhook get ``removed=True`` notices), rebuild the orders
   they touched and re-read from there.
3. **Read** (:class:`~fabtrust.agent._reader.ChainReader`) escrow and certificate events up to
   ``head - confirmations`` (the *safe* block), in chunks, keeping the batch only if the safe
   block's hash did not change while it was read; call the hooks; then store events, order
   states, webhook outbox entries and the cursor (with the block hash) in one SQLite transaction.
4. **Act** (:class:`~fabtrust.agent._actor.Actor`, only once caught up and with an account),
   reading orders from the store a page (``page_size``) at a time through indexed queries (no
   per-order state is kept in memory): every open order that is Shipped or Accepted, whose
   inspection period is over (by the safe block's time) unless the buyer confirmed, is asked
   ``canSettle`` at the safe block; the ready ones are asked again at the newest block right
   before sending and settled with ``settleMany`` in batches (``settle`` for a single one) by the
   :class:`~fabtrust.agent._batches.BatchSettler`, which bisects a batch whose estimate or
   transaction fails; an order that fails alone while ``canSettle`` says ready is quarantined
   (decoded reason, a log line, an ``order_quarantined`` event) and retried alone on a back-off
   schedule. Each action is written to the state file before its transaction is signed, every
   transaction hash before its bytes leave the process, and the outcome after the receipt
   (:class:`~fabtrust.agent._actions.ActionSender`). Funded orders past ``ship_by`` are reported
   once (``order_overdue``, a page per poll) and, with ``refund_overdue``, refunded when the
   agent's account is their buyer.

Every call to the escrow goes through :class:`~fabtrust.agent._escrow.EscrowDoor`; head and block
hashes come from :class:`~fabtrust.agent._chain.ChainView`; hooks live in
:class:`~fabtrust.agent._hooks.Hooks`. The settings are one frozen
:class:`~fabtrust.agent.config.AgentConfig`.

Acting twice is impossible: the contract settles an order once, ``settleMany`` skips what cannot
settle, and the agent re-checks on chain before each send and reconciles before each poll.

Light module: web3 is imported when the agent first talks to the chain.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from fabtrust.agent import _orders
from fabtrust.agent._actions import ActionSender
from fabtrust.agent._actor import Actor
from fabtrust.agent._batches import BatchSettler
from fabtrust.agent._chain import ChainView
from fabtrust.agent._escrow import EscrowDoor, terms
from fabtrust.agent._hooks import Hook, Hooks
from fabtrust.agent._reader import ChainReader, ReaderSettings
from fabtrust.agent._reconciler import Reconciler
from fabtrust.agent._reorg import ReorgHandler
from fabtrust.agent.config import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_POLL_INTERVAL,
    REMOTE_CONFIRMATIONS,
    AgentConfig,
)
from fabtrust.agent.logs import LOGGER_NAME
from fabtrust.agent.models import (
    AgentAction,
    AgentStatus,
    EventKind,
    PollResult,
    TrackedOrder,
    WebhookConfig,
)
from fabtrust.agent.store import AgentStore
from fabtrust.errors import ChainError, InvalidInputError, NodeUnreachableError, WrongChainError

if TYPE_CHECKING:
    from fabtrust.agent._webhook import WebhookSender
    from fabtrust.client import Fabtrust
    from fabtrust.escrow.models import Order

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_POLL_INTERVAL",
    "REMOTE_CONFIRMATIONS",
    "Hook",
    "SettlementAgent",
]

_OUTAGE_BACKOFF_CAP = 30.0


class SettlementAgent:
    """Follows the escrow and certificate events and settles orders once they may be settled.

    ``client``: a connected :class:`~fabtrust.Fabtrust` whose account pays for the settlement
    transactions (a read-only client only follows and reports). Connect it with
    ``journal=<state file>`` so a transaction in flight during a crash is resumed on restart.
    ``config``: the agent's settings (:class:`~fabtrust.agent.config.AgentConfig`: state file,
    confirmations, intervals, batch and page sizes, webhook, ...). ``hooks``: callbacks per event
    kind (see :meth:`on`). ``after_broadcast``: called with each transaction hash right after the
    node accepted it (a test hook). ``logger``: default ``logging.getLogger("fabtrust.agent")``.
    """

    def __init__(
        self,
        client: Fabtrust,
        *,
        config: AgentConfig,
        hooks: Mapping[EventKind, Hook | Sequence[Hook]] | None = None,
        after_broadcast: Callable[[str], None] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        if not isinstance(config, AgentConfig):
            raise InvalidInputError("config must be an AgentConfig", field="config")
        self.config = config
        self._client = client
        binding = client.chain
        connection = binding.connection
        self.chain_id = connection.chain_id
        self.confirmations = config.confirmations_on(local=connection.is_local)
        self.account = client.account
        self._log = logger or logging.getLogger(LOGGER_NAME)
        deployment = binding.deployment
        self._escrow = deployment.contract(_orders.ESCROW).address
        self._deployment_block = deployment.deployment_block
        self._hooks = Hooks(self._log)
        for kind, callbacks in (hooks or {}).items():
            for callback in [callbacks] if callable(callbacks) else list(callbacks):
                self._hooks.add(kind=kind, callback=callback)
        self.store = AgentStore(config.state)
        try:
            self.store.bind(
                chain_id=self.chain_id, genesis_hash=connection.genesis_hash, escrow=self._escrow
            )
        except BaseException:
            self.store.close()
            raise
        self._stop = threading.Event()
        self._sender: WebhookSender | None = None
        # The parts share nothing but the store (orders live there only, read a page at a time).
        outbox = config.webhook is not None
        chain = ChainView(binding)
        self._chain = chain
        escrow = EscrowDoor(binding, passes=self._passes)
        self._actions = ActionSender(
            store=self.store,
            escrow=escrow,
            binding=binding,
            logger=self._log,
            after_broadcast=after_broadcast,
        )
        self._reconciler = Reconciler(
            store=self.store,
            binding=binding,
            escrow=escrow,
            get_order=self._get_order,
            logger=self._log,
        )
        self._reorgs = ReorgHandler(
            store=self.store,
            chain=chain,
            hooks=self._hooks,
            deployment_block=self._deployment_block,
            outbox=outbox,
            wake=self._wake_webhook,
            logger=self._log,
        )
        self._reader = ChainReader(
            settings=ReaderSettings(
                chain_id=self.chain_id,
                escrow=self._escrow,
                certificates=deployment.contract(_orders.CERTIFICATES).address,
                page_size=config.page_size,
                reorg_window=config.reorg_window,
                outbox=outbox,
            ),
            store=self.store,
            binding=binding,
            chain=chain,
            hooks=self._hooks,
            wake=self._wake_webhook,
            logger=self._log,
        )
        self._actor = Actor(
            config=config,
            chain_id=self.chain_id,
            account=self.account,
            store=self.store,
            chain=chain,
            escrow=escrow,
            actions=self._actions,
            settler=BatchSettler(
                actions=self._actions,
                escrow=escrow,
                batch_size=config.batch_size,
                logger=self._log,
            ),
            get_order=self._get_order,
            hooks=self._hooks,
            wake=self._wake_webhook,
            logger=self._log,
        )

    # -- public -----------------------------------------------------------------------------------

    @property
    def webhook(self) -> WebhookConfig | None:
        """Where events are posted (None: no webhook)."""
        return self.config.webhook

    def on(self, *, kind: EventKind, callback: Hook) -> None:
        """Call ``callback(event)`` for every event of ``kind`` (one of :data:`EVENT_KINDS`),
        in chain order, before the event is stored (so after a crash it may be called again for
        the same event: compare ``event.key``); a re-org's withdrawal comes with
        ``removed=True``."""
        self._hooks.add(kind=kind, callback=callback)

    def run(self) -> None:
        """Poll until :meth:`stop` is called (from a signal handler or another thread).

        An unreachable node is waited for (backing off up to 30 s between tries), then the agent
        catches up from its cursor; only a wrong chain, a broken state file, or an outage longer
        than ``max_outage`` ends the loop with an exception.
        """
        self._stop.clear()
        self._started()
        outage_since: float | None = None
        failures = 0
        poll_interval = self.config.poll_interval
        try:
            while not self._stop.is_set():
                delay = poll_interval
                try:
                    result = self.poll_once()
                    if outage_since is not None:
                        self._log.info(
                            "node reachable again after %.1f s",
                            time.monotonic() - outage_since,
                            extra={"event": "node_reachable", "head": result.head},
                        )
                    outage_since, failures = None, 0
                    if result.to_block is not None and result.to_block < result.safe_block:
                        delay = 0.0  # still catching up
                except NodeUnreachableError as exc:
                    now = time.monotonic()
                    outage_since = now if outage_since is None else outage_since
                    max_outage = self.config.max_outage
                    if max_outage is not None and now - outage_since >= max_outage:
                        raise
                    failures += 1
                    delay = _backoff(poll_interval, failures)
                    self._log.warning(
                        "node unreachable; retrying in %.1f s",
                        delay,
                        extra={"event": "node_unreachable", "error": str(exc)},
                    )
                except WrongChainError:
                    raise
                except ChainError as exc:
                    failures += 1
                    delay = _backoff(poll_interval, failures)
                    self._log.error(
                        "poll failed: %s; retrying in %.1f s",
                        exc,
                        delay,
                        extra={"event": "poll_failed", "error": str(exc)},
                    )
                if delay > 0:
                    self._stop.wait(delay)
        finally:
            if self._sender is not None:
                self._sender.stop()
            self._log.info("settlement agent stopped", extra={"event": "agent_stopped"})

    def stop(self) -> None:
        """Ask :meth:`run` to return after the step in progress (safe from any thread)."""
        self._stop.set()

    def close(self) -> None:
        """Stop, remove the agent's middleware from the connection and close the state file."""
        self.stop()
        if self._sender is not None:
            self._sender.stop()
        self._actions.close()
        self.store.close()

    def __enter__(self) -> SettlementAgent:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def status(self) -> AgentStatus:
        """Cursor, lag behind the chain head, open orders, last actions, webhook outbox."""
        try:
            head: int | None = self._chain.head()
        except ChainError:
            head = None
        return self.store.status(head=head)

    def orders(self) -> list[TrackedOrder]:
        """The open orders the agent tracks (as stored: safe to call from any thread)."""
        return self.store.orders(open_only=True)

    def actions(self, *, limit: int = 20) -> list[AgentAction]:
        """The agent's most recent actions, newest first."""
        return self.store.actions(limit=limit)

    def deliver_webhooks(self) -> int:
        """Deliver the due webhook entries now, in this thread (what :meth:`run`'s background
        sender does); returns how many were delivered."""
        if self.config.webhook is None:
            return 0
        return self._webhook_sender().deliver_due()

    def poll_once(self) -> PollResult:
        """One round: reconcile, re-org check, read and store new safe events, act."""
        self._reconciler.reconcile()
        head = self._chain.head()
        rewound = self._reorgs.check()
        cursor = self.store.cursor()
        next_block = cursor.block_number + 1 if cursor is not None else self._deployment_block
        safe = head - self.confirmations
        result = PollResult(
            head=head,
            safe_block=safe,
            from_block=None,
            to_block=None,
            events=0,
            rewound_to=rewound,
        )
        if safe >= next_block:
            end = min(safe, next_block + self.config.max_blocks_per_poll - 1)
            stored = self._reader.read(next_block, end)
            if stored is None:
                return result  # the chain moved under the read: next poll
            result = result.model_copy(
                update={
                    "from_block": stored.from_block,
                    "to_block": stored.to_block,
                    "events": stored.events,
                }
            )
        cursor = self.store.cursor()
        if cursor is None or self.account is None or cursor.block_number < safe:
            # (still catching up: act on the present, not on a block read on the way)
            return result
        acted = self._actor.act(cursor)
        return result.model_copy(
            update={
                "ready": tuple(acted.ready),
                "settled": tuple(acted.settled),
                "refunded": tuple(acted.refunded),
                "quarantined": tuple(acted.quarantined),
                "actions": tuple(acted.actions),
                "not_ready": acted.not_ready,
            }
        )

    # -- wiring -----------------------------------------------------------------------------------

    def _started(self) -> None:
        """Log the start (and an unsigned webhook), start the webhook's background sender."""
        webhook = self.config.webhook
        self._log.info(
            "settlement agent started",
            extra={
                "event": "agent_started",
                "chain_id": self.chain_id,
                "escrow": self._escrow,
                "account": self.account,
                "confirmations": self.confirmations,
                "poll_interval": self.config.poll_interval,
                "state": str(self.store.path),
                "webhook": webhook.url if webhook else None,
                "webhook_signed": bool(webhook and webhook.secret),
                "page_size": self.config.page_size,
            },
        )
        if webhook is not None:
            if webhook.secret is None:
                self._log.warning(
                    "webhook deliveries are unsigned: receivers cannot tell them from forgeries",
                    extra={"event": "webhook_unsigned", "webhook": webhook.url},
                )
            self._webhook_sender().start()

    def _get_order(self, order_id: int) -> Order:
        """The order as the escrow holds it at the newest block."""
        return self._client.escrow.get_order(order_id=order_id)

    def _passes(self, order: TrackedOrder, block: int | str) -> list[tuple[bytes, bytes]]:
        """The certificates to present for the order's devices (``PassRef`` structs), found with
        ``CertificatesClient.valid_pass_refs`` through ``EscrowClient.settlement_passes``, given
        the terms the store kept (no ``OrderCreated`` log read)."""
        refs = self._client.escrow.settlement_passes(
            order_id=order.order_id, block=block, terms=terms(order)
        )
        return [ref.as_struct() for ref in refs]

    def _wake_webhook(self) -> None:
        if self._sender is not None:
            self._sender.wake()

    def _webhook_sender(self) -> WebhookSender:
        if self._sender is None:
            from fabtrust.agent._webhook import WebhookSender

            assert self.config.webhook is not None
            self._sender = WebhookSender(self.store, self.config.webhook, self._log)
        return self._sender


def _backoff(poll_interval: float, failures: int) -> float:
    """Seconds to wait after ``failures`` failed polls in a row (doubling, at most 30 s)."""
    return min(_OUTAGE_BACKOFF_CAP, poll_interval * float(2 ** min(failures, 10)))
