"""The settlement agent's settings: one frozen, checked :class:`AgentConfig`.

Every setting of :class:`~fabtrust.agent.SettlementAgent` that is data (numbers, a path, the
webhook) lives here; the callables (hooks, the after-broadcast test hook, the logger) are given
to the agent itself. A bad value raises :class:`~fabtrust.errors.InvalidInputError` naming the
field, when the config is built. The CLI's ``fabtrust agent run`` builds one from its options.

Light module: pydantic only (no web3).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from fabtrust import _validate
from fabtrust._constants import REMOTE_CONFIRMATIONS
from fabtrust.agent.models import WebhookConfig
from fabtrust.errors import InvalidInputError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_POLL_INTERVAL",
    "MAX_BATCH_SIZE",
    "REMOTE_CONFIRMATIONS",
    "AgentConfig",
]

DEFAULT_POLL_INTERVAL = 2.0
"""Seconds between polls."""

DEFAULT_PAGE_SIZE = 1_000
"""Orders read from the store at a time (memory per poll is bounded by this, not by how many
orders are open)."""

MAX_BATCH_SIZE = 500
"""Most orders in one ``settleMany``."""


class AgentConfig(BaseModel):
    """What the settlement agent is told (frozen; checked when built).

    ``state``: path of the SQLite state file. ``confirmations``: blocks an event must be deep
    before the agent acts on it (None: 0 on local chains, :data:`REMOTE_CONFIRMATIONS` elsewhere).
    ``poll_interval``: seconds between polls. ``batch_size``: orders per ``settleMany``
    (1..500). ``refund_overdue``: refund Funded orders past ``ship_by`` whose buyer is the
    agent's account. ``webhook``: a :class:`WebhookConfig` (events delivered at least once, in
    order, from a persistent outbox, signed; a bare URL is taken as ``WebhookConfig(url=...)``,
    which is refused unless it is allowed to be unsigned). ``recheck_interval``: seconds before
    an order whose devices lacked a valid pass is asked again without a certificate event.
    ``reorg_window``: blocks whose hashes are remembered for re-org detection.
    ``max_outage``: give up (NodeUnreachableError) after the node was unreachable this long
    (None: wait forever). ``max_blocks_per_poll``: blocks read per poll while catching up.
    ``page_size``: orders read from the store at a time (memory per poll).
    ``quarantine_backoff`` / ``quarantine_max_backoff``: seconds before a quarantined order is
    tried again after its first failure, doubling per failure up to the maximum.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    state: Path
    confirmations: int | None = None
    poll_interval: float = DEFAULT_POLL_INTERVAL
    batch_size: int = 100
    refund_overdue: bool = False
    webhook: WebhookConfig | None = None
    recheck_interval: float = 30.0
    reorg_window: int = 1024
    max_outage: float | None = None
    max_blocks_per_poll: int = 10_000
    page_size: int = DEFAULT_PAGE_SIZE
    quarantine_backoff: float = 60.0
    quarantine_max_backoff: float = 3600.0

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _validate.from_validation_error(exc) from None

    def confirmations_on(self, *, local: bool) -> int:
        """The depth the agent uses on a local (Anvil / Ganache) or a remote chain."""
        if self.confirmations is not None:
            return self.confirmations
        return 0 if local else REMOTE_CONFIRMATIONS

    @field_validator("state", mode="plain")
    @classmethod
    def _state(cls, value: Any) -> Path:
        if isinstance(value, str | os.PathLike):
            return Path(value)
        raise InvalidInputError("state must be a file path", field="state")

    @field_validator("confirmations", mode="plain")
    @classmethod
    def _confirmations(cls, value: Any) -> int | None:
        if value is None:
            return None
        if not _is_int(value):
            raise InvalidInputError("confirmations must be an integer", field="confirmations")
        if value < 0:
            raise InvalidInputError("confirmations must be >= 0", field="confirmations")
        return int(value)

    @field_validator("poll_interval", mode="plain")
    @classmethod
    def _poll_interval(cls, value: Any) -> float:
        return _positive(value, "poll_interval", "poll_interval must be > 0 seconds")

    @field_validator("batch_size", mode="plain")
    @classmethod
    def _batch_size(cls, value: Any) -> int:
        if not _is_int(value) or not 1 <= value <= MAX_BATCH_SIZE:
            raise InvalidInputError(
                f"batch_size must be 1..{MAX_BATCH_SIZE}, got {value!r}", field="batch_size"
            )
        return int(value)

    @field_validator("refund_overdue", mode="plain")
    @classmethod
    def _refund_overdue(cls, value: Any) -> bool:
        if not isinstance(value, bool):
            raise InvalidInputError("refund_overdue must be True or False", field="refund_overdue")
        return value

    @field_validator("webhook", mode="plain")
    @classmethod
    def _webhook(cls, value: Any) -> WebhookConfig | None:
        return _webhook_config(value)

    @field_validator("recheck_interval", mode="plain")
    @classmethod
    def _recheck_interval(cls, value: Any) -> float:
        return _positive(value, "recheck_interval", "recheck_interval must be > 0")

    @field_validator("reorg_window", "max_blocks_per_poll", mode="plain")
    @classmethod
    def _blocks(cls, value: Any) -> int:
        if not _is_int(value) or value < 1:
            raise InvalidInputError(
                "reorg_window and max_blocks_per_poll must be >= 1", field="reorg_window"
            )
        return int(value)

    @field_validator("max_outage", mode="plain")
    @classmethod
    def _max_outage(cls, value: Any) -> float | None:
        if value is None:
            return None
        return _positive(value, "max_outage", "max_outage must be > 0 seconds")

    @field_validator("page_size", mode="plain")
    @classmethod
    def _page_size(cls, value: Any) -> int:
        if not _is_int(value) or value < 1:
            raise InvalidInputError(f"page_size must be >= 1, got {value!r}", field="page_size")
        return int(value)

    @field_validator("quarantine_backoff", "quarantine_max_backoff", mode="plain")
    @classmethod
    def _backoff(cls, value: Any) -> float:
        return _positive(value, "quarantine_backoff", _BACKOFFS)

    @model_validator(mode="after")
    def _backoffs_in_order(self) -> AgentConfig:
        if self.quarantine_backoff > self.quarantine_max_backoff:
            raise InvalidInputError(_BACKOFFS, field="quarantine_backoff")
        return self


_BACKOFFS = "quarantine backoffs must be > 0 with quarantine_backoff <= quarantine_max_backoff"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive(value: Any, field: str, message: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidInputError(message, field=field)
    return float(value)


def _webhook_config(webhook: Any) -> WebhookConfig | None:
    """The webhook settings when they may be used: https (or http to this machine), signed
    with a secret of 16+ characters unless explicitly unsigned, positive timeouts."""
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
