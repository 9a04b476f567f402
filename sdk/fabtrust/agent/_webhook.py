"""Delivering the outbox to the webhook: in order, at least once, retried with backoff.

A background thread takes the oldest undelivered entries from the store's outbox and POSTs them
one at a time. A failure (connection error, timeout, non-2xx) records the attempt and the time of
the next one (``initial_backoff`` doubling up to ``max_backoff``); entries behind it wait, so the
receiver sees events in chain order. An entry is marked delivered only after a 2xx answer, so a
crash or a lost answer means a repeat with the same ``Idempotency-Key`` - never a loss. Each
attempt is signed with its own timestamp (:func:`fabtrust.agent.webhooks.sign`).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import urllib.error
import urllib.request

from fabtrust.agent.models import WebhookConfig
from fabtrust.agent.store import AgentStore, OutboxItem
from fabtrust.agent.webhooks import SIGNATURE_HEADER, sign

__all__ = ["WebhookSender"]


class WebhookSender:
    """Sends the outbox of ``store`` to ``config.url`` from a daemon thread."""

    def __init__(self, store: AgentStore, config: WebhookConfig, logger: logging.Logger) -> None:
        self._store = store
        self._config = config
        self._log = logger
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the sending thread (no-op when running)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name="fabtrust-agent-webhook", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after the delivery in progress (undelivered entries stay queued)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """New entries were queued: look now."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
                next_at = self._store.outbox_next_attempt()
            except Exception as exc:  # the store failing must not kill the thread silently
                self._log.error(
                    "webhook outbox unreadable: %s", exc, extra={"event": "webhook_error"}
                )
                next_at = time.time() + 1.0
            wait = 1.0 if next_at is None else max(0.0, min(1.0, next_at - time.time()))
            self._wake.wait(wait)
            self._wake.clear()

    def deliver_due(self) -> int:
        """Deliver what is due now, in order; stop at the first failure. Returns how many."""
        delivered = 0
        while not self._stop.is_set():
            items = self._store.outbox_due()
            if not items:
                return delivered
            for item in items:
                if self._stop.is_set():
                    return delivered
                error = self._post(item)
                if error is not None:
                    delay = min(
                        self._config.max_backoff,
                        self._config.initial_backoff * 2 ** min(item.attempts, 30),
                    )
                    self._store.outbox_failed(item.id, error=error, retry_at=time.time() + delay)
                    self._log.warning(
                        "webhook delivery failed (%s); retrying in %.1f s",
                        error,
                        delay,
                        extra={
                            "event": "webhook_retry",
                            "idempotency_key": item.key,
                            "attempt": item.attempts + 1,
                            "retry_in": round(delay, 3),
                        },
                    )
                    return delivered
                self._store.outbox_delivered(item.id)
                delivered += 1
                self._log.debug(
                    "webhook delivered",
                    extra={
                        "event": "webhook_delivered",
                        "idempotency_key": item.key,
                        "attempt": item.attempts + 1,
                    },
                )
        return delivered

    def _post(self, item: OutboxItem) -> str | None:
        """POST one entry; None on a 2xx answer, else what went wrong."""
        body = item.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "fabtrust-agent",
            **self._config.headers,
            "Idempotency-Key": item.key,
        }
        if self._config.secret is not None:  # signed at each attempt: a fresh timestamp
            headers[SIGNATURE_HEADER] = sign(secret=self._config.secret, body=body)
        request = urllib.request.Request(self._config.url, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self._config.timeout) as response:
                status = int(response.status)
                response.read()
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return f"{type(exc).__name__}: {reason}"
        if not 200 <= status < 300:
            return f"HTTP {status}"
        return None
