"""The agent's Python hooks: callbacks per event kind, and the log line of every event.

The reader, the re-org handler and the actor report events here; a hook that raises is logged
(``hook_failed``) and does not stop the agent. The callbacks are set when the agent is built (and
by :meth:`SettlementAgent.on`); nothing about the chain or the orders is kept here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from fabtrust.agent.models import EVENT_KINDS, AgentEvent, EventKind
from fabtrust.errors import InvalidInputError

__all__ = ["Hook", "Hooks"]

Hook = Callable[[AgentEvent], None]
"""A Python callback for one kind of event (exceptions it raises are logged, not propagated)."""


class Hooks:
    """Callbacks per event kind, called in the agent's thread."""

    def __init__(self, logger: logging.Logger) -> None:
        self._log = logger
        self._hooks: dict[str, list[Hook]] = {}

    def add(self, *, kind: EventKind, callback: Hook) -> None:
        """Call ``callback(event)`` for every event of ``kind`` (one of :data:`EVENT_KINDS`)."""
        if kind not in EVENT_KINDS:
            raise InvalidInputError(
                f"unknown event kind {kind!r} (one of: {', '.join(EVENT_KINDS)})", field="kind"
            )
        if not callable(callback):
            raise InvalidInputError("callback must be callable", field="callback")
        self._hooks.setdefault(kind, []).append(callback)

    def call(self, event: AgentEvent) -> None:
        """Call the hooks of ``event.kind`` (a failing hook is logged, the others still run)."""
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

    def notify(self, events: Iterable[AgentEvent]) -> None:
        """Log each event (one line, its kind as ``event``) and call its hooks, in order."""
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
            self.call(event)
