"""The settlement agent: settles escrow orders as soon as they may be settled, exactly once.

Each poll (:meth:`SettlementAgent.poll_once`):

1. **Reconcile** actions whose outcome is unknown (a crash or an outage between broadcast and
   receipt): look up every hash recorded for them (and the journal's fee bumps); mined → record
   the receipt; still known to the node → wait; gone → ``dropped`` (or ``superseded`` when the
   orders were closed by someone else). Nothing is sent again without the checks of step 4.
2. **Re-org check**: if the hash of the cursor block changed, find the newest remembered block
   that is still on the chain, withdraw the events of orphaned blocks (hooks and webhook get
   ``removed=True`` notices), rebuild the orders they touched and re-read from there.
3. **Read** escrow and certificate events up to ``head - confirmations`` (the *safe* block), in
   chunks, keeping the batch only if the safe block's hash did not change while it was read; call
   the hooks; then store events, order states, webhook outbox entries and the cursor (with the
   block hash) in one SQLite transaction.
4. **Act** (:class:`~fabtrust.agent._actor.Actor`), reading orders from the store a page
   (``page_size``) at a time through indexed queries (no per-order state is kept in memory):
   every open order that is Shipped or Accepted, whose inspection period is over (by the safe
   block's time) unless the buyer confirmed, is asked ``canSettle`` at the safe block; the ready
   ones are asked again at the newest block right before sending (the order state on chain is
   re-checked before every send) and settled with ``settleMany`` in batches (``settle`` for a
   single one) by the :class:`~fabtrust.agent._batches.BatchSettler`, which bisects a batch whose
   estimate or transaction fails; an order that fails alone while ``canSettle`` says ready is
   quarantined (decoded reason, a log line, an ``order_quarantined`` event) and retried alone on
   a back-off schedule. Each action is written to the state file before its transaction is
   signed, every transaction hash before its bytes leave the process, and the outcome after the
   receipt (:class:`~fabtrust.agent._actions.ActionSender`). Funded orders past ``ship_by`` are
   reported once (``order_overdue``, a page per poll) and, with ``refund_overdue``, refunded when
   the agent's account is their buyer.

Every call to the escrow goes through :class:`~fabtrust.agent._escrow.EscrowDoor`.

Acting twice is impossible: the contract settles an order once, ``settleMany`` skips what cannot
settle, and the agent re-checks on chain before each send and reconciles before each poll.

Light module: web3 is imported when the agent first talks to the chain.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fabtrust._constants import REMOTE_CONFIRMATIONS
from fabtrust.agent import _orders
from fabtrust.agent._actions import ActionSender, action_label
from fabtrust.agent._actor import Actor, ActorSettings
from fabtrust.agent._batches import BatchSettler
from fabtrust.agent._escrow import EscrowDoor
from fabtrust.agent.logs import LOGGER_NAME
from fabtrust.agent.models import (
    EVENT_KINDS,
    ActionStatus,
    AgentAction,
    AgentEvent,
    AgentStatus,
    EventKind,
    PollResult,
    TrackedOrder,
    WebhookConfig,
)
from fabtrust.agent.store import AgentStore
from fabtrust.errors import (
    ChainError,
    InvalidInputError,
    NodeUnreachableError,
    WrongChainError,
)
from fabtrust.escrow.models import OrderState

if TYPE_CHECKING:
    import os

    from fabtrust.agent._webhook import WebhookSender
    from fabtrust.chain import RawLog
    from fabtrust.client import Fabtrust

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_POLL_INTERVAL",
    "REMOTE_CONFIRMATIONS",
    "Hook",
    "SettlementAgent",
]

Hook = Callable[[AgentEvent], None]
"""A Python callback for one kind of event (exceptions it raises are logged, not propagated)."""

DEFAULT_POLL_INTERVAL = 2.0
"""Seconds between polls."""

DEFAULT_PAGE_SIZE = 1_000
"""Orders read from the store at a time (memory per poll is bounded by this, not by how many
orders are open)."""

_MAX_BATCH = 500
_OUTAGE_BACKOFF_CAP = 30.0
_CLOSED = (OrderState.SETTLED, OrderState.REFUNDED, OrderState.RESOLVED)


class SettlementAgent:
    """Follows the escrow and certificate events and settles orders once they may be settled.

    ``client``: a connected :class:`~fabtrust.Fabtrust` whose account pays for the settlement
    transactions (a read-only client only follows and reports). Connect it with
    ``journal=<state file>`` so a transaction in flight during a crash is resumed on restart.
    ``state``: path of the SQLite state (or an :class:`AgentStore`). ``confirmations``: blocks
    an event must be deep before the agent acts on it (default 0 on local chains, 3 elsewhere).
    ``poll_interval``: seconds between polls. ``batch_size``: orders per ``settleMany``.
    ``refund_overdue``: refund Funded orders past ``ship_by`` whose buyer is the agent's
    account. ``webhook``: a :class:`WebhookConfig` (events delivered at least once, in order,
    from a persistent outbox, signed; a bare URL only works with ``allow_unsigned``, so it is
    refused). ``hooks``: callbacks per event kind (see :meth:`on`).
    ``recheck_interval``: seconds before an order whose devices lacked a valid pass is asked
    again without a certificate event. ``max_outage``: give up (NodeUnreachableError) after the
    node was unreachable this long (None: wait forever). ``max_blocks_per_poll``: blocks read
    per poll while catching up. ``page_size``: orders read from the store at a time (memory per
    poll). ``quarantine_backoff`` / ``quarantine_max_backoff``: seconds before a quarantined order
    is tried again after its first failure, doubling per failure up to the maximum.
    ``after_broadcast``: called with each transaction hash right after the node accepted it (a
    test hook). ``logger``: default ``logging.getLogger("fabtrust.agent")``.
    """

    def __init__(
        self,
        client: Fabtrust,
        *,
        state: str | os.PathLike[str] | AgentStore,
        confirmations: int | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        batch_size: int = 100,
        refund_overdue: bool = False,
        webhook: str | WebhookConfig | None = None,
        hooks: Mapping[EventKind, Hook | Sequence[Hook]] | None = None,
        recheck_interval: float = 30.0,
        reorg_window: int = 1024,
        max_outage: float | None = None,
        max_blocks_per_poll: int = 10_000,
        page_size: int = DEFAULT_PAGE_SIZE,
        quarantine_backoff: float = 60.0,
        quarantine_max_backoff: float = 3600.0,
        after_broadcast: Callable[[str], None] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        if confirmations is not None and (
            not isinstance(confirmations, int) or isinstance(confirmations, bool)
        ):
            raise InvalidInputError("confirmations must be an integer", field="confirmations")
        if confirmations is not None and confirmations < 0:
            raise InvalidInputError("confirmations must be >= 0", field="confirmations")
        if not poll_interval > 0:
            raise InvalidInputError("poll_interval must be > 0 seconds", field="poll_interval")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= _MAX_BATCH:
            raise InvalidInputError(
                f"batch_size must be 1..{_MAX_BATCH}, got {batch_size!r}", field="batch_size"
            )
        if not recheck_interval > 0:
            raise InvalidInputError("recheck_interval must be > 0", field="recheck_interval")
        if reorg_window < 1 or max_blocks_per_poll < 1:
            raise InvalidInputError(
                "reorg_window and max_blocks_per_poll must be >= 1", field="reorg_window"
            )
        if max_outage is not None and not max_outage > 0:
            raise InvalidInputError("max_outage must be > 0 seconds", field="max_outage")
        if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
            raise InvalidInputError(f"page_size must be >= 1, got {page_size!r}", field="page_size")
        if not 0 < quarantine_backoff <= quarantine_max_backoff:
            raise InvalidInputError(
                "quarantine backoffs must be > 0 with quarantine_backoff <= quarantine_max_backoff",
                field="quarantine_backoff",
            )
        self._client = client
        self._binding = client.chain
        connection = self._binding.connection
        self.chain_id = connection.chain_id
        self.confirmations = (
            confirmations
            if confirmations is not None
            else (0 if connection.is_local else REMOTE_CONFIRMATIONS)
        )
        self.poll_interval = float(poll_interval)
        self.batch_size = batch_size
        self.refund_overdue = refund_overdue
        self.account = client.account
        self._recheck = float(recheck_interval)
        self._window = reorg_window
        self._max_outage = max_outage
        self._max_blocks = max_blocks_per_poll
        self.page_size = page_size
        self.quarantine_backoff = float(quarantine_backoff)
        self.quarantine_max_backoff = float(quarantine_max_backoff)
        self._log = logger or logging.getLogger(LOGGER_NAME)
        deployment = self._binding.deployment
        self._escrow = deployment.contract(_orders.ESCROW).address
        self._certificates = deployment.contract(_orders.CERTIFICATES).address
        self._deployment_block = deployment.deployment_block
        self.webhook = _webhook_config(webhook)
        if isinstance(state, AgentStore):
            self.store, self._owns_store = state, False
        elif isinstance(state, str | Path) or hasattr(state, "__fspath__"):
            self.store, self._owns_store = AgentStore(state), True
        else:
            raise InvalidInputError("state must be a file path or an AgentStore", field="state")
        self.store.bind(
            chain_id=self.chain_id, genesis_hash=connection.genesis_hash, escrow=self._escrow
        )
        # Orders live in the store only, read a page at a time: no per-order state in memory.
        self._escrow_door = EscrowDoor(self._binding, passes=self._passes)
        self._actions = ActionSender(
            store=self.store,
            escrow=self._escrow_door,
            binding=self._binding,
            logger=self._log,
            after_broadcast=after_broadcast,
        )
        self._actor = Actor(
            settings=ActorSettings(
                chain_id=self.chain_id,
                account=self.account,
                page_size=page_size,
                recheck_interval=self._recheck,
                quarantine_backoff=self.quarantine_backoff,
                quarantine_max_backoff=self.quarantine_max_backoff,
                refund_overdue=refund_overdue,
                outbox=self.webhook is not None,
            ),
            store=self.store,
            escrow=self._escrow_door,
            actions=self._actions,
            settler=BatchSettler(
                actions=self._actions,
                escrow=self._escrow_door,
                batch_size=batch_size,
                logger=self._log,
            ),
            head=self._head,
            block=self._block,
            get_order=lambda order_id: self._client.escrow.get_order(order_id=order_id),
            call_hooks=self._call_hooks,
            wake=self._wake_webhook,
            logger=self._log,
        )
        self._hooks: dict[str, list[Hook]] = {}
        for kind, callbacks in (hooks or {}).items():
            for callback in [callbacks] if callable(callbacks) else list(callbacks):
                self.on(kind=kind, callback=callback)
        self._stop = threading.Event()
        self._sender: WebhookSender | None = None

    # -- public -----------------------------------------------------------------------------------

    def on(self, *, kind: EventKind, callback: Hook) -> None:
        """Call ``callback(event)`` for every event of ``kind`` (one of :data:`EVENT_KINDS`),
        in chain order, before the event is stored (so after a crash it may be called again for
        the same event: compare ``event.key``); a re-org's withdrawal comes with
        ``removed=True``."""
        if kind not in EVENT_KINDS:
            raise InvalidInputError(
                f"unknown event kind {kind!r} (one of: {', '.join(EVENT_KINDS)})", field="kind"
            )
        if not callable(callback):
            raise InvalidInputError("callback must be callable", field="callback")
        self._hooks.setdefault(kind, []).append(callback)

    def run(self) -> None:
        """Poll until :meth:`stop` is called (from a signal handler or another thread).

        An unreachable node is waited for (backing off up to 30 s between tries), then the agent
        catches up from its cursor; only a wrong chain, a broken state file, or an outage longer
        than ``max_outage`` ends the loop with an exception.
        """
        self._stop.clear()
        self._log.info(
            "settlement agent started",
            extra={
                "event": "agent_started",
                "chain_id": self.chain_id,
                "escrow": self._escrow,
                "account": self.account,
                "confirmations": self.confirmations,
                "poll_interval": self.poll_interval,
                "state": str(self.store.path),
                "webhook": self.webhook.url if self.webhook else None,
                "webhook_signed": bool(self.webhook and self.webhook.secret),
                "page_size": self.page_size,
            },
        )
        if self.webhook is not None:
            if self.webhook.secret is None:
                self._log.warning(
                    "webhook deliveries are unsigned: receivers cannot tell them from forgeries",
                    extra={"event": "webhook_unsigned", "webhook": self.webhook.url},
                )
            self._webhook_sender().start()
        outage_since: float | None = None
        failures = 0
        try:
            while not self._stop.is_set():
                delay = self.poll_interval
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
                    if self._max_outage is not None and now - outage_since >= self._max_outage:
                        raise
                    failures += 1
                    delay = min(_OUTAGE_BACKOFF_CAP, self.poll_interval * 2 ** min(failures, 10))
                    self._log.warning(
                        "node unreachable; retrying in %.1f s",
                        delay,
                        extra={"event": "node_unreachable", "error": str(exc)},
                    )
                except WrongChainError:
                    raise
                except ChainError as exc:
                    failures += 1
                    delay = min(_OUTAGE_BACKOFF_CAP, self.poll_interval * 2 ** min(failures, 10))
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
        """Stop, remove the agent's middleware from the connection and close the state file
        (when the agent opened it)."""
        self.stop()
        if self._sender is not None:
            self._sender.stop()
        self._actions.close()
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> SettlementAgent:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def status(self) -> AgentStatus:
        """Cursor, lag behind the chain head, open orders, last actions, webhook outbox."""
        try:
            head: int | None = self._head()
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
        if self.webhook is None:
            return 0
        return self._webhook_sender().deliver_due()

    def poll_once(self) -> PollResult:
        """One round: reconcile, re-org check, read and store new safe events, act."""
        self._reconcile()
        head = self._head()
        rewound = self._check_reorg()
        cursor = self.store.cursor()
        next_block = cursor.block_number + 1 if cursor is not None else self._deployment_block
        safe = head - self.confirmations
        events = 0
        first: int | None = None
        last: int | None = None
        if safe >= next_block:
            end = min(safe, next_block + self._max_blocks - 1)
            read = self._advance(next_block, end)
            if read is None:
                return PollResult(
                    head=head,
                    safe_block=safe,
                    from_block=None,
                    to_block=None,
                    events=0,
                    rewound_to=rewound,
                )
            events, first, last = read, next_block, end
        cursor = self.store.cursor()
        if cursor is None or self.account is None or cursor.block_number < safe:
            # (still catching up: act on the present, not on a block read on the way)
            return PollResult(
                head=head,
                safe_block=safe,
                from_block=first,
                to_block=last,
                events=events,
                rewound_to=rewound,
            )
        acted = self._actor.act(cursor)
        return PollResult(
            head=head,
            safe_block=safe,
            from_block=first,
            to_block=last,
            events=events,
            rewound_to=rewound,
            ready=tuple(acted.ready),
            settled=tuple(acted.settled),
            refunded=tuple(acted.refunded),
            quarantined=tuple(acted.quarantined),
            actions=tuple(acted.actions),
            not_ready=acted.not_ready,
        )

    # -- chain access -----------------------------------------------------------------------------

    def _head(self) -> int:
        return int(self._binding.rpc(lambda: self._binding.w3.eth.block_number, "eth_blockNumber"))

    def _block(self, number: int) -> tuple[str, int] | None:
        """(hash, timestamp) of block ``number``; None when the chain is shorter."""
        from web3.exceptions import BlockNotFound

        def get() -> Any:
            try:
                return self._binding.w3.eth.get_block(number)
            except BlockNotFound:
                return None

        block = self._binding.rpc(get, "eth_getBlockByNumber")
        if block is None:
            return None
        return "0x" + bytes(block["hash"]).hex(), int(block["timestamp"])

    def _passes(self, order_id: int, block: int | str) -> list[tuple[bytes, bytes]]:
        """The certificates to present for the order's devices (``PassRef`` structs), found with
        ``CertificatesClient.valid_pass_refs`` through ``EscrowClient.settlement_passes``."""
        refs = self._client.escrow.settlement_passes(order_id=order_id, block=block)
        return [ref.as_struct() for ref in refs]

    # -- reading ----------------------------------------------------------------------------------

    def _advance(self, start: int, end: int) -> int | None:
        """Read, report and store the events of blocks ``start..end``; None if the chain moved
        under the read (nothing stored; the next poll tries again)."""
        from fabtrust.chain import iter_logs

        tip = self._block(end)
        if tip is None:
            return None
        logs: list[RawLog] = list(
            iter_logs(
                self._binding.w3,
                address=[self._escrow, self._certificates],
                from_block=start,
                to_block=end,
            )
        )
        again = self._block(end)
        if again != tip or any(log.block_hash != tip[0] for log in logs if log.block_number == end):
            self._log.info(
                "the chain changed while reading blocks %d..%d; reading again",
                start,
                end,
                extra={"event": "read_retry", "from_block": start, "to_block": end},
            )
            return None
        events, certificate_wide = self._decode(logs)
        known = self.store.known_event_keys(e.key for e in events)
        events = [e for e in events if e.key not in known]
        stored = self.store.orders_by_id(
            e.order_id for e in events if e.contract == _orders.ESCROW and e.order_id is not None
        )
        changed: dict[int, TrackedOrder] = {}
        devices: set[int] = set()
        for event in events:
            if event.contract == _orders.ESCROW and event.order_id is not None:
                oid = event.order_id
                updated = _orders.apply(changed.get(oid) or stored.get(oid), event)
                if updated is not None:
                    changed[oid] = updated
            elif event.device_id is not None:
                devices.add(event.device_id)  # orders holding it are asked canSettle again
        del stored
        block_hash, block_time = tip
        overdue: list[AgentEvent] = []
        late = [
            o
            for o in changed.values()
            if o.state is OrderState.FUNDED and not o.overdue_reported and block_time > o.ship_by
        ]
        # stored ones a page per poll (the rest on the next polls): memory stays bounded
        late += [
            o
            for o in self.store.overdue_orders(block_time=block_time, limit=self.page_size)
            if o.order_id not in changed
        ]
        for order in sorted(late, key=lambda o: o.order_id):
            event = _orders.overdue_event(
                chain_id=self.chain_id,
                order=order,
                block_number=end,
                block_hash=block_hash,
                block_time=block_time,
            )
            overdue.append(event)
            changed[order.order_id] = order.model_copy(update={"overdue_reported": True})
        reported = [*events, *overdue]
        self._notify(reported)
        self.store.commit_poll(
            events=reported,
            orders=changed.values(),
            cursor=(end, block_hash, block_time),
            block_hashes={(log.block_number, log.block_hash) for log in logs},
            outbox=self.webhook is not None,
            window=self._window,
            recheck_devices=devices,
            recheck_all=certificate_wide,
        )
        if reported and self._sender is not None:
            self._sender.wake()
        return len(reported)

    def _decode(self, logs: Iterable[RawLog]) -> tuple[list[AgentEvent], bool]:
        decoder = self._binding.decoder
        events: list[AgentEvent] = []
        certificate_wide = False
        for log in logs:
            decoded = decoder.decode(log)
            if decoded is None:
                continue
            if (
                decoded.contract == _orders.CERTIFICATES
                and decoded.name in _orders.CERTIFICATE_WIDE
            ):
                certificate_wide = True
            event = _orders.agent_event(
                chain_id=self.chain_id,
                contract=decoded.contract,
                name=decoded.name,
                args=decoded.args,
                block_number=log.block_number,
                block_hash=log.block_hash,
                tx_hash=log.tx_hash,
                log_index=log.log_index,
            )
            if event is not None:
                events.append(event)
        return events, certificate_wide

    def _notify(self, events: Iterable[AgentEvent]) -> None:
        for event in events:
            self._log.info(
                "%s%s",
                event.kind,
                " (removed by a re-org)" if event.removed else "",
                extra={
                    "event": event.kind,
                    "order_id": event.order_id,
                    "device_id": event.device_id,
                    "block_number": event.block_number,
                    "tx_hash": event.tx_hash,
                    "removed": event.removed,
                },
            )
            self._call_hooks(event)

    def _call_hooks(self, event: AgentEvent) -> None:
        for callback in self._hooks.get(event.kind, ()):
            try:
                callback(event)
            except Exception as exc:
                self._log.exception(
                    "hook for %s failed: %s",
                    event.kind,
                    exc,
                    extra={"event": "hook_failed", "kind": event.kind, "key": event.key},
                )

    # -- re-orgs ----------------------------------------------------------------------------------

    def _check_reorg(self) -> int | None:
        """Rewind when the cursor block is no longer on the chain; returns the new cursor block
        (deployment block - 1 when nothing remembered survived), or None without a re-org."""
        cursor = self.store.cursor()
        if cursor is None:
            return None
        found = self._block(cursor.block_number)
        if found is not None and found[0] == cursor.block_hash:
            return None
        fork: tuple[int, str, int] | None = None
        for number, block_hash in self.store.block_hashes():
            if number >= cursor.block_number:
                continue
            block = self._block(number)
            if block is not None and block[0] == block_hash:
                fork = (number, block_hash, block[1])
                break
        return self._rewind(fork, cursor.block_number)

    def _rewind(self, fork: tuple[int, str, int] | None, old_cursor: int) -> int:
        fork_number = fork[0] if fork is not None else self._deployment_block - 1
        canonical: dict[int, str | None] = {}

        def hash_of(number: int) -> str | None:
            if number not in canonical:
                block = self._block(number)
                canonical[number] = block[0] if block is not None else None
            return canonical[number]

        orphaned = [
            e
            for e in self.store.events(after_block=fork_number)
            if hash_of(e.block_number) != e.block_hash
        ]
        gone = {e.key for e in orphaned}
        touched = sorted({e.order_id for e in orphaned if e.order_id is not None})
        rebuilt: list[TrackedOrder] = []
        dropped: list[int] = []
        for order_id in touched:
            remaining = [e for e in self.store.events(order_id=order_id) if e.key not in gone]
            order = _orders.fold(remaining)
            if order is None:
                dropped.append(order_id)
            else:
                rebuilt.append(order)
        self.store.rewind(
            to=fork,
            orphaned=orphaned,
            orders=rebuilt,
            dropped_orders=dropped,
            outbox=self.webhook is not None,
        )
        self._log.warning(
            "re-org: block %d changed; rewound to block %d, %d event(s) withdrawn",
            old_cursor,
            fork_number,
            len(orphaned),
            extra={
                "event": "reorg",
                "old_cursor": old_cursor,
                "rewound_to": fork_number,
                "orphaned_events": len(orphaned),
                "orders_rebuilt": [o.order_id for o in rebuilt],
                "orders_dropped": dropped,
            },
        )
        self._notify(_orders.removed_copy(e) for e in reversed(orphaned))
        if orphaned and self._sender is not None:
            self._sender.wake()
        return fork_number

    # -- reconciling ------------------------------------------------------------------------------

    def _reconcile(self) -> None:
        for action in self.store.unresolved_actions():
            self._resolve(action)

    def _resolve(self, action: AgentAction) -> None:
        """Find out what became of an action whose outcome was not recorded."""
        from web3.exceptions import TransactionNotFound

        from fabtrust.chain._models import log_from_rpc

        hashes = list(action.tx_hashes)
        journal = self._binding.sender.journal if self._binding.sender is not None else None
        if journal is not None:
            # Fee bumps of recorded hashes, and anything journalled under the action's label
            # (signed and journalled, then the process died before the broadcast: resumed since).
            label = action_label(action.kind, action.id)
            entries = [journal.find_by_hash(h) for h in hashes]
            entries += [e for e in journal.entries(limit=1_000) if e.label == label]
            for entry in entries:
                if entry is not None:
                    hashes += [h for h in entry.tx_hashes if h not in hashes]
        if not hashes:
            # The hash is recorded before the bytes leave: nothing of this action was broadcast.
            self.store.finish_action(
                action.id, status="dropped", error="stopped before anything was broadcast"
            )
            self._log.info(
                "action %d was never broadcast",
                action.id,
                extra={"event": "action_dropped", "action_id": action.id},
            )
            return
        w3 = self._binding.w3

        def receipt_of(tx_hash: str) -> Any:
            try:
                return w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return None

        def known(tx_hash: str) -> bool:
            try:
                return w3.eth.get_transaction(tx_hash) is not None  # type: ignore[arg-type]
            except TransactionNotFound:
                return False

        for tx_hash in hashes:
            receipt = self._binding.rpc(
                functools.partial(receipt_of, tx_hash), "eth_getTransactionReceipt"
            )
            if receipt is None or receipt.get("blockNumber") is None:
                continue
            events = self._binding.decoder.decode_all(log_from_rpc(x) for x in receipt["logs"])
            done = self._escrow_door.done(action.kind, events)
            ok = int(receipt["status"]) == 1
            self.store.finish_action(
                action.id,
                status="mined" if ok else "reverted",
                tx_hash=tx_hash,
                block_number=int(receipt["blockNumber"]),
                gas_used=int(receipt["gasUsed"]),
                done_order_ids=done,
                error=None if ok else "reverted (found after a restart)",
            )
            self.store.hold(action.order_ids, block=int(receipt["blockNumber"]))
            self._log.info(
                "action %d recovered from the chain: %s",
                action.id,
                "mined" if ok else "reverted",
                extra={
                    "event": "action_recovered",
                    "action_id": action.id,
                    "tx_hash": tx_hash,
                    "order_ids": done,
                    "block_number": int(receipt["blockNumber"]),
                },
            )
            return
        if any(
            self._binding.rpc(functools.partial(known, h), "eth_getTransactionByHash")
            for h in hashes
        ):
            return  # still waiting to be mined
        closed = all(
            self._client.escrow.get_order(order_id=order_id).state in _CLOSED
            for order_id in action.order_ids
        )
        status: ActionStatus = "superseded" if closed else "dropped"
        self.store.finish_action(
            action.id, status=status, error="no transaction of this action is known to the node"
        )
        self._log.warning(
            "action %d %s: none of its transactions is known to the node",
            action.id,
            status,
            extra={"event": f"action_{status}", "action_id": action.id, "tx_hashes": hashes},
        )

    # -- webhook ----------------------------------------------------------------------------------

    def _wake_webhook(self) -> None:
        if self._sender is not None:
            self._sender.wake()

    def _webhook_sender(self) -> WebhookSender:
        if self._sender is None:
            from fabtrust.agent._webhook import WebhookSender

            assert self.webhook is not None
            self._sender = WebhookSender(self.store, self.webhook, self._log)
        return self._sender


def _webhook_config(webhook: str | WebhookConfig | None) -> WebhookConfig | None:
    from fabtrust.agent.webhooks import MIN_SECRET_LENGTH, check_webhook_url

    if webhook is None:
        return None
    config = WebhookConfig(url=webhook) if isinstance(webhook, str) else webhook
    if not isinstance(config, WebhookConfig):
        raise InvalidInputError("webhook must be a URL or a WebhookConfig", field="webhook")
    check_webhook_url(config.url)
    if config.secret is None and not config.allow_unsigned:
        raise InvalidInputError(
            "webhook deliveries are signed: give a webhook secret (or allow_unsigned=True to "
            "send them unsigned)",
            field="webhook",
        )
    if config.secret is not None and len(config.secret) < MIN_SECRET_LENGTH:
        raise InvalidInputError(
            f"webhook secret must be at least {MIN_SECRET_LENGTH} characters", field="webhook"
        )
    if not (config.timeout > 0 and config.initial_backoff > 0 and config.max_backoff > 0):
        raise InvalidInputError("webhook timeout and backoffs must be > 0", field="webhook")
    return config
