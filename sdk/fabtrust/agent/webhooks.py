"""Webhook signatures and the rules for webhook URLs (standard library only).

Every delivery carries ``X-Fabtrust-Signature: t=<unix time>,v1=<hex>`` where ``v1`` is the
HMAC-SHA256, keyed with the shared secret, of ``"<t>.<body>"`` (the exact bytes posted), like
Stripe's and Svix's schemes. ``t`` is the time of the attempt (a retry is signed afresh), so a
receiver refuses anything whose ``t`` is further than :data:`REPLAY_WINDOW` seconds from its own
clock: a captured delivery cannot be replayed later, and the body cannot be altered. Receivers
deduplicate on ``Idempotency-Key`` within the window. :func:`verify` is the receiver's check
(docs/agent.md has the same in a dozen lines of plain Python).

URLs must be ``https://``; plain ``http://`` is accepted only for this machine (``localhost``,
127.0.0.0/8, ``[::1]``), where nothing crosses a network.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from urllib.parse import urlsplit

from fabtrust.errors import FabtrustError, InvalidInputError

__all__ = [
    "MIN_SECRET_LENGTH",
    "REPLAY_WINDOW",
    "SIGNATURE_HEADER",
    "WebhookSignatureError",
    "check_webhook_url",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-Fabtrust-Signature"
"""The header carrying ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""

REPLAY_WINDOW = 300
"""Seconds either side of the receiver's clock within which a signature's timestamp is accepted
(the default of :func:`verify`)."""

MIN_SECRET_LENGTH = 16
"""Shortest webhook secret the agent accepts (characters)."""


class WebhookSignatureError(FabtrustError):
    """A webhook delivery whose signature is missing, malformed, wrong or outside the window."""


def sign(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The :data:`SIGNATURE_HEADER` value for ``body`` sent at ``timestamp`` (default: now)."""
    moment = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


def verify(
    *,
    secret: str,
    header: str | None,
    body: bytes,
    tolerance: int = REPLAY_WINDOW,
    now: float | None = None,
) -> int:
    """Check a delivery's signature header against the raw ``body``; returns its timestamp.

    WebhookSignatureError when the header is missing or malformed, no ``v1`` matches (compared
    in constant time), or ``t`` is more than ``tolerance`` seconds from ``now``.
    """
    if not header:
        raise WebhookSignatureError(f"no {SIGNATURE_HEADER} header")
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(key, []).append(value)
    try:
        moment = int(fields["t"][0])
    except (KeyError, ValueError):
        raise WebhookSignatureError(f"{SIGNATURE_HEADER} has no valid t=") from None
    expected = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in fields.get("v1", [])):
        raise WebhookSignatureError("signature does not match the body")
    clock = time.time() if now is None else now
    if abs(clock - moment) > tolerance:
        raise WebhookSignatureError(
            f"signature timestamp {moment} is {int(abs(clock - moment))} s away from now "
            f"(window {tolerance} s)"
        )
    return moment


def check_webhook_url(url: str) -> str:
    """``url`` when it may receive webhooks (https, or http to this machine); else
    InvalidInputError with a one-line reason."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInputError(
            f"webhook URL must be https://host/...; got {url!r}", field="webhook"
        )
    if parts.scheme == "http" and not _loopback(host):
        raise InvalidInputError(
            f"webhook URL must use https:// (plain http:// only for localhost, 127.0.0.0/8 "
            f"or [::1]); got {url!r}",
            field="webhook",
        )
    return url


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 4:
        return address in ipaddress.ip_network("127.0.0.0/8")
    return address == ipaddress.ip_address("::1")
