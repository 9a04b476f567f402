"""Fixtures for the identity SDK tests: clients on the shared Anvil, and an HTTP relay that can
be taken down and brought back to play a node failure without losing the chain's state."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fabtrust.accounts import Signer
from fabtrust.testing import free_port

_BATCH_REFUSED = {
    "jsonrpc": "2.0",
    "id": None,
    "error": {"code": -32600, "message": "batch requests are not supported"},
}


class Relay:
    """Forwards JSON-RPC POSTs to ``target`` and records their methods; ``down()`` closes the
    port (connection refused), ``up()`` reopens it on the same port."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests = 0
        self.crash_on_send = False  # forward the next eth_sendRawTransaction, then die unanswered
        self.refuse_batches = False  # answer JSON-RPC batches with one error, as some providers do
        self.calls: list[tuple[str, ...]] = []  # per POST: (method,) or ("batch", *methods)
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def up(self) -> None:
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                relay.requests += 1
                parsed = json.loads(body)
                if isinstance(parsed, list):
                    relay.calls.append(("batch", *(str(p.get("method")) for p in parsed)))
                    if relay.refuse_batches:
                        self._answer(200, json.dumps(_BATCH_REFUSED).encode())
                        return
                else:
                    relay.calls.append((str(parsed.get("method")),))
                crash = relay.crash_on_send and b"eth_sendRawTransaction" in body
                request = urllib.request.Request(
                    relay.target, data=body, headers={"Content-Type": "application/json"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        payload = response.read()
                        status = response.status
                except urllib.error.HTTPError as exc:
                    payload, status = exc.read(), exc.code
                if crash:
                    # The node took the transaction and went down before answering.
                    relay.crash_on_send = False
                    self.close_connection = True
                    threading.Thread(target=relay.down, daemon=True).start()
                    return
                self._answer(status, payload)

            def _answer(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        with self._lock:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
            server.daemon_threads = True
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, daemon=True)
            self._thread.start()

    def down(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.shutdown()
                self._server.server_close()
                self._server = None
            if self._thread is not None:
                self._thread.join(10)
                self._thread = None

    @property
    def is_up(self) -> bool:
        return self._server is not None


@pytest.fixture
def relay(fresh_chain: Any) -> Iterator[Relay]:
    """A relay in front of the session Anvil (up); taken down at the end of the test."""
    node = Relay(fresh_chain.rpc_url)
    node.up()
    yield node
    node.down()


@pytest.fixture
def relay_client(fresh_chain: Any, relay: Relay) -> Callable[[int], Any]:
    """``relay_client(i)``: a client as dev:i that talks to the chain through the relay."""
    import fabtrust

    def make(index: int) -> Any:
        return fabtrust.connect(
            rpc_url=relay.url,
            account=f"dev:{index}",
            deployments=fresh_chain.deployments,
            timeout=5,
        )

    return make


@pytest.fixture
def maker(client_for: Callable[[int], Any]) -> Any:
    """The manufacturer's client (dev:1, MANUFACTURER_ROLE) on a fresh chain."""
    return client_for(1)


@pytest.fixture
def buyer(client_for: Callable[[int], Any]) -> Any:
    """dev:3: no roles."""
    return client_for(3)


@pytest.fixture
def admin(client_for: Callable[[int], Any]) -> Any:
    """dev:0: the consortium admin (DEFAULT_ADMIN_ROLE), not a manufacturer."""
    return client_for(0)


@pytest.fixture
def device_key() -> Signer:
    return Signer.generate()


@pytest.fixture
def registered_counts() -> Callable[[Any], dict[int, int]]:
    """``registered_counts(client)``: DeviceRegistered events per device id on the chain."""

    def count(client: Any) -> dict[int, int]:
        counts: dict[int, int] = {}
        for event in client.chain.events("DeviceRegistry", "DeviceRegistered"):
            device_id = int(event["deviceId"])
            counts[device_id] = counts.get(device_id, 0) + 1
        return counts

    return count
