"""Reading the chain into the store: the agent's chain reader.

:meth:`ChainReader.read` takes the escrow's and the certificate registry's logs of a block range,
keeps them only if the hash of the range's last block did not change while they were read,
decodes them into :class:`~fabtrust.agent.models.AgentEvent` records (leaving out those already
stored), folds the escrow events into the orders they change, reports Funded orders past
``ship_by`` once (``order_overdue``: the new ones, and stored ones a page per poll), calls the
hooks, and then stores events, orders, webhook outbox entries, block hashes and the cursor in one
SQLite transaction. The store is all it shares with the rest of the agent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fabtrust.agent import _orders
from fabtrust.agent._chain import Block, ChainView
from fabtrust.agent._hooks import Hooks
from fabtrust.agent.models import AgentEvent, TrackedOrder
from fabtrust.agent.store import AgentStore
from fabtrust.escrow.models import OrderState

if TYPE_CHECKING:
    from fabtrust._binding import Binding
    from fabtrust.chain import RawLog

__all__ = ["ChainReader", "Decoded", "Fetched", "Folded", "ReaderSettings", "Stored"]


@dataclass(frozen=True)
class ReaderSettings:
    """What the reader needs to know about its agent."""

    chain_id: int
    escrow: str  # address of the escrow
    certificates: str  # address of the certificate registry
    page_size: int  # stored overdue orders reported per poll at most
    reorg_window: int  # blocks whose hashes are remembered
    outbox: bool  # whether events go to the webhook outbox


@dataclass(frozen=True)
class Fetched:
    """The logs of a block range, and the range's last block as it was while they were read."""

    tip: Block
    logs: list[RawLog]


@dataclass(frozen=True)
class Folded:
    """The orders a batch of escrow events changed (folded onto their stored state), and the
    devices named by its certificate events (orders holding them are asked again)."""

    orders: dict[int, TrackedOrder]
    devices: set[int]


@dataclass(frozen=True)
class Decoded:
    """The agent events of a batch of logs, and whether a certificate event may have changed
    the passes of devices it does not name (then every deferred order is asked again)."""

    events: list[AgentEvent]
    certificate_wide: bool


@dataclass(frozen=True)
class Stored:
    """What one :meth:`ChainReader.read` stored: the block range and how many events were
    reported (contract events and ``order_overdue`` findings)."""

    from_block: int
    to_block: int
    events: int


class ChainReader:
    """Reads event ranges into the store (see the module doc)."""

    def __init__(
        self,
        *,
        settings: ReaderSettings,
        store: AgentStore,
        binding: Binding,
        chain: ChainView,
        hooks: Hooks,
        wake: Callable[[], None],
        logger: logging.Logger,
    ) -> None:
        self._cfg = settings
        self._store = store
        self._binding = binding
        self._chain = chain
        self._hooks = hooks
        self._wake = wake
        self._log = logger

    def read(self, start: int, end: int) -> Stored | None:
        """Read, report and store the events of blocks ``start..end``; None if the chain moved
        under the read (nothing stored; the next poll tries again)."""
        fetched = self._fetch(start, end)
        if fetched is None:
            return None
        decoded = self._decode(fetched.logs)
        known = self._store.known_event_keys(e.key for e in decoded.events)
        events = [e for e in decoded.events if e.key not in known]
        folded = self._fold(events)
        reported = [*events, *self._overdue(folded.orders, fetched.tip)]
        self._hooks.notify(reported)
        self._store.commit_poll(
            events=reported,
            orders=folded.orders.values(),
            cursor=fetched.tip,
            block_hashes={(log.block_number, log.block_hash) for log in fetched.logs},
            outbox=self._cfg.outbox,
            window=self._cfg.reorg_window,
            recheck_devices=folded.devices,
            recheck_all=decoded.certificate_wide,
        )
        if reported:
            self._wake()
        return Stored(from_block=start, to_block=end, events=len(reported))

    def _fetch(self, start: int, end: int) -> Fetched | None:
        """The last block of the range and the range's logs, or None (and a ``read_retry`` log
        line) when that block changed while they were read."""
        from fabtrust.chain import iter_logs

        tip = self._chain.block(end)
        if tip is None:
            return None
        logs = list(
            iter_logs(
                self._binding.w3,
                address=[self._cfg.escrow, self._cfg.certificates],
                from_block=start,
                to_block=end,
            )
        )
        again = self._chain.block(end)
        if again != tip or any(
            log.block_hash != tip.hash for log in logs if log.block_number == end
        ):
            self._log.info(
                "the chain changed while reading blocks %d..%d; reading again",
                start,
                end,
                extra={"event": "read_retry", "from_block": start, "to_block": end},
            )
            return None
        return Fetched(tip=tip, logs=logs)

    def _decode(self, logs: Iterable[RawLog]) -> Decoded:
        decoder = self._binding.decoder
        events: list[AgentEvent] = []
        certificate_wide = False
        for log in logs:
            found = decoder.decode(log)
            if found is None:
                continue
            if found.contract == _orders.CERTIFICATES and found.name in _orders.CERTIFICATE_WIDE:
                certificate_wide = True
            event = _orders.agent_event(
                chain_id=self._cfg.chain_id,
                contract=found.contract,
                name=found.name,
                args=found.args,
                block_number=log.block_number,
                block_hash=log.block_hash,
                tx_hash=log.tx_hash,
                log_index=log.log_index,
            )
            if event is not None:
                events.append(event)
        return Decoded(events=events, certificate_wide=certificate_wide)

    def _fold(self, events: list[AgentEvent]) -> Folded:
        """Fold the escrow events onto the stored orders; collect the devices named."""
        stored = self._store.orders_by_id(
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
                devices.add(event.device_id)
        return Folded(orders=changed, devices=devices)

    def _overdue(self, changed: dict[int, TrackedOrder], tip: Block) -> list[AgentEvent]:
        """``order_overdue`` events of Funded orders past ``ship_by`` at ``tip`` not reported
        yet (marked reported in ``changed``): the ones just read, and stored ones a page per
        poll (the rest on the next polls: memory stays bounded)."""
        late = [
            o
            for o in changed.values()
            if o.state is OrderState.FUNDED and not o.overdue_reported and tip.time > o.ship_by
        ]
        late += [
            o
            for o in self._store.overdue_orders(block_time=tip.time, limit=self._cfg.page_size)
            if o.order_id not in changed
        ]
        overdue: list[AgentEvent] = []
        for order in sorted(late, key=lambda o: o.order_id):
            overdue.append(
                _orders.overdue_event(
                    chain_id=self._cfg.chain_id,
                    order=order,
                    block_number=tip.number,
                    block_hash=tip.hash,
                    block_time=tip.time,
                )
            )
            changed[order.order_id] = order.model_copy(update={"overdue_reported": True})
        return overdue
