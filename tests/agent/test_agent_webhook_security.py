"""Webhook signatures on by default (timestamped, replay window), https off this machine, and the
receiver's verification snippet of docs/agent.md run against a real delivery."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import WEBHOOK_SECRET, Market, WebhookReceiver, wait_until

from fabtrust.agent import AgentConfig, SettlementAgent, WebhookConfig
from fabtrust.agent.webhooks import (
    REPLAY_WINDOW,
    WebhookSignatureError,
    check_webhook_url,
    sign,
    verify,
)
from fabtrust.errors import InvalidInputError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "agent.md"


def receiver_snippet() -> Any:
    """The ```python block of docs/agent.md that defines verify_fabtrust_webhook, executed."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    [code] = [b for b in blocks if "def verify_fabtrust_webhook" in b]
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOCS), "exec"), namespace)
    return namespace["verify_fabtrust_webhook"]


@pytest.mark.parametrize(
    "url",
    [
        "https://mes.example/hooks",
        "https://10.0.0.5:8443/h",
        "http://localhost:8080/h",
        "http://127.0.0.1/h",
        "http://127.8.9.10:9/h",
        "http://[::1]:8080/h",
    ],
)
def test_webhook_urls_accepted(url: str) -> None:
    assert check_webhook_url(url) == url


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://mes.example/hooks", "must use https://"),
        ("http://10.0.0.5/h", "must use https://"),
        ("http://128.0.0.1/h", "must use https://"),
        ("http://localhost.evil.example/h", "must use https://"),
        ("ftp://mes.example/h", "https://host"),
        ("mes.example/h", "https://host"),
    ],
)
def test_webhook_urls_refused_in_one_line(url: str, words: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_webhook_url(url)
    message = str(caught.value)
    assert words in message and url in message and "\n" not in message


def test_signatures_bind_body_time_and_secret() -> None:
    body = b'{"kind":"order_settled"}'
    header = sign(secret=WEBHOOK_SECRET, body=body, timestamp=1_700_000_000)
    assert re.fullmatch(r"t=1700000000,v1=[0-9a-f]{64}", header)
    assert (
        verify(secret=WEBHOOK_SECRET, header=header, body=body, now=1_700_000_100) == 1_700_000_000
    )
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify(secret=WEBHOOK_SECRET, header=header, body=body + b" ", now=1_700_000_000)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify(secret="another-secret-0123456789", header=header, body=body, now=1_700_000_000)
    forged = header.replace("t=1700000000", "t=1700000500")  # a replay with a new time
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify(secret=WEBHOOK_SECRET, header=forged, body=body, now=1_700_000_500)
    late = 1_700_000_000 + REPLAY_WINDOW + 1
    with pytest.raises(WebhookSignatureError, match="window"):
        verify(secret=WEBHOOK_SECRET, header=header, body=body, now=late)
    with pytest.raises(WebhookSignatureError, match="no X-Fabtrust-Signature"):
        verify(secret=WEBHOOK_SECRET, header=None, body=body)
    rotated = f"{header},v1={'0' * 64}"  # several v1 values: any one may match
    assert verify(secret=WEBHOOK_SECRET, header=rotated, body=body, now=1_700_000_000)


def test_unsigned_or_insecure_webhooks_are_refused(
    market: Market, connect_agent: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    client = connect_agent(signer, state)
    refused: list[tuple[Any, str]] = [
        ("http://127.0.0.1:9/hook", "give a webhook secret"),
        (WebhookConfig(url="http://127.0.0.1:9/hook", secret="short"), "at least 16"),
        (WebhookConfig(url="http://mes.example/hook", secret=WEBHOOK_SECRET), "https://"),
    ]
    for webhook, words in refused:
        with pytest.raises(InvalidInputError, match=words):
            AgentConfig(state=state, webhook=webhook)

    receiver = WebhookReceiver()
    receiver.up()
    unsigned = WebhookConfig(url=receiver.url, allow_unsigned=True)  # the explicit opt-out
    caplog.set_level(logging.INFO, logger="fabtrust.agent")
    with SettlementAgent(
        client, config=AgentConfig(state=state, webhook=unsigned, poll_interval=0.05)
    ) as agent:
        thread = threading.Thread(target=agent.run, daemon=True)
        thread.start()
        try:
            market.shipped_order()
            wait_until(lambda: len(receiver.accepted()) >= 4, what="four deliveries")
        finally:
            agent.stop()
            thread.join(30)
    warned = [r for r in caplog.records if getattr(r, "event", None) == "webhook_unsigned"]
    assert len(warned) == 1 and warned[0].levelname == "WARNING"
    assert all(d.signature is None for d in receiver.accepted())
    receiver.down()


def test_docs_receiver_snippet_verifies_a_real_delivery(
    market: Market, connect_agent: Any, tmp_path: Path
) -> None:
    verify_fabtrust_webhook = receiver_snippet()
    receiver = WebhookReceiver()
    receiver.up()
    signer = market.fund_agent()
    state = tmp_path / "agent.sqlite"
    config = WebhookConfig(url=receiver.url, secret=WEBHOOK_SECRET)
    with SettlementAgent(
        connect_agent(signer, state), config=AgentConfig(state=state, webhook=config)
    ) as agent:
        market.shipped_order()
        agent.poll_once()
        assert agent.deliver_webhooks() == 4  # two certificates, created, shipped
    deliveries = receiver.accepted()
    assert len(deliveries) == 4
    for d in deliveries:
        assert d.signature is not None
        assert verify_fabtrust_webhook(WEBHOOK_SECRET, d.signature, d.raw) is True
        assert verify(secret=WEBHOOK_SECRET, header=d.signature, body=d.raw)  # the SDK agrees
        assert verify_fabtrust_webhook(WEBHOOK_SECRET, d.signature, d.raw + b" ") is False
        assert verify_fabtrust_webhook("wrong-secret-0123456789", d.signature, d.raw) is False
        assert verify_fabtrust_webhook(WEBHOOK_SECRET, d.signature, d.raw, tolerance=-1) is False
        assert verify_fabtrust_webhook(WEBHOOK_SECRET, "", d.raw) is False
    receiver.down()
