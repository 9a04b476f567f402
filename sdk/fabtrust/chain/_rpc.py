"""Classifying what nodes say: connection trouble, RPC error messages, URL redaction."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any, NoReturn
from urllib.parse import urlsplit, urlunsplit

import requests
from web3.exceptions import ProviderConnectionError, RequestTimedOut, TooManyRequests, Web3RPCError

from fabtrust.errors import ChainError, FabtrustError, NodeUnreachableError

__all__ = [
    "SendOutcome",
    "classify_send_error",
    "is_connection_error",
    "node_errors",
    "raise_unreachable",
    "raw_request",
    "redact_url",
    "rpc_error_message",
]


def raw_request(w3: Any, method: str, params: list[Any]) -> Any:
    """The ``result`` of ``method`` asked straight of the provider (its retries included), past
    web3's middlewares and formatters - they cost more than the round trip on a receipt with
    hundreds of logs. Quantities come back as ``0x`` hex text. An error answer raises
    Web3RPCError, as web3 would."""
    response = w3.provider.make_request(method, params)
    error = response.get("error")
    if error is not None:
        message = error.get("message", error) if isinstance(error, dict) else error
        raise Web3RPCError(str(message), rpc_response=response)
    return response.get("result")


def redact_url(url: str) -> str:
    """The URL without a password (``https://user:***@host/...``), safe for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc += f":{parts.port}"
    if parts.username:
        netloc = f"{parts.username}:***@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def is_connection_error(exc: BaseException) -> bool:
    """True when the node could not be reached or did not answer in time (worth a retry)."""
    if isinstance(
        exc,
        requests.ConnectionError
        | requests.Timeout
        | ProviderConnectionError
        | RequestTimedOut
        | TooManyRequests
        | ConnectionError
        | TimeoutError,
    ):
        return True
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return status in (408, 429, 500, 502, 503, 504)
    return False


def rpc_error_message(exc: BaseException) -> str:
    """The node's error message for a JSON-RPC error (or the exception text)."""
    if isinstance(exc, Web3RPCError):
        response: Any = exc.rpc_response
        if isinstance(response, dict):
            error = response.get("error")
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                return str(error["message"])
            if isinstance(error, str):
                return error
        return str(exc.message)
    return str(exc)


class SendOutcome(enum.Enum):
    """What an ``eth_sendRawTransaction`` error means for the transaction being sent."""

    ALREADY_KNOWN = "already_known"  # the node has this exact transaction: as good as sent
    NONCE_TOO_LOW = "nonce_too_low"  # the nonce was used: by this tx (mined) or another one
    NONCE_TOO_HIGH = "nonce_too_high"  # a gap below this nonce
    REPLACEMENT_UNDERPRICED = "replacement_underpriced"  # another tx holds the nonce in the pool
    UNDERPRICED = "underpriced"  # fees below the pool minimum or the base fee
    INSUFFICIENT_FUNDS = "insufficient_funds"
    OTHER = "other"  # permanent: invalid transaction, gas limit, ...


_PATTERNS: tuple[tuple[SendOutcome, tuple[str, ...]], ...] = (
    (
        SendOutcome.ALREADY_KNOWN,
        (
            "already known",
            "known transaction",
            "already imported",
            "alreadyknown",
            "already in mempool",
        ),
    ),
    (
        SendOutcome.REPLACEMENT_UNDERPRICED,
        ("replacement transaction underpriced", "replacement underpriced", "replacement_under"),
    ),
    (
        SendOutcome.NONCE_TOO_LOW,
        (
            "nonce too low",
            "nonce is too low",
            "oldnonce",
            "nonce has already been used",
            "nonce too small",
            "doesn't have the correct nonce",
            "nonce_too_low",
        ),
    ),
    (SendOutcome.NONCE_TOO_HIGH, ("nonce too high", "nonce gap", "nonce_too_high")),
    (SendOutcome.INSUFFICIENT_FUNDS, ("insufficient funds", "insufficient balance")),
    (
        SendOutcome.UNDERPRICED,
        (
            "underpriced",
            "less than block base fee",
            "below block base fee",
            "fee cap less than",
            "gas price too low",
            "max fee per gas less than",
            "feetoolow",
        ),
    ),
)


def classify_send_error(message: str) -> SendOutcome:
    """Map a node's ``eth_sendRawTransaction`` error message to a :class:`SendOutcome`."""
    text = message.lower()
    for outcome, needles in _PATTERNS:
        if any(needle in text for needle in needles):
            return outcome
    return SendOutcome.OTHER


def raise_unreachable(url: str, exc: BaseException) -> NoReturn:
    """Raise NodeUnreachableError for ``url`` without chaining the transport's traceback."""
    reason = type(exc).__name__
    if isinstance(exc, requests.Timeout | TimeoutError | RequestTimedOut):
        reason = "timed out"
    elif isinstance(exc, requests.ConnectionError | ConnectionError | ProviderConnectionError):
        reason = "connection refused or dropped"
    elif isinstance(exc, requests.HTTPError) and exc.response is not None:
        reason = f"HTTP {exc.response.status_code}"
    raise NodeUnreachableError(redact_url(url), reason) from None


@contextlib.contextmanager
def node_errors(url: str, what: str) -> Iterator[None]:
    """Translate transport and web3 exceptions raised inside the block into fabtrust errors."""
    try:
        yield
    except FabtrustError:
        raise
    except Exception as exc:
        if is_connection_error(exc):
            raise_unreachable(url, exc)
        raise ChainError(f"{what} failed: {rpc_error_message(exc)}") from exc
