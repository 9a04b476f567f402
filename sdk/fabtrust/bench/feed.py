"""The gateway's published feed: what the buyer's witness reads besides the chain.

A small HTTP server (standard library, one thread) over the bench store:

- ``GET /session``: device id, session id, the TestCheckpoints address and chain id, how many
  readings are stored, whether the test is finished and its certificate id;
- ``GET /readings?after=I&limit=N``: stored readings after arrival index ``I``, each with its salt
  and the leaf hash committed at ingest (JSON list of :class:`~fabtrust.bench.models.FeedReading`);
- ``GET /checkpoints``: the gateway's checkpoints (the witness trusts the chain's, not these).

The feed discloses readings and salts: serve it to the buyer only (bind it to localhost or put it
behind the plant's reverse proxy with authentication).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fabtrust.bench.models import Checkpoint, FeedReading
from fabtrust.bench.store import BenchStore
from fabtrust.errors import ChainError, InvalidInputError

__all__ = ["FeedClient", "FeedServer", "FeedUnreachableError"]

_MAX_LIMIT = 20_000


class FeedUnreachableError(ChainError):
    """The gateway's feed did not answer."""


class FeedServer:
    """Serves ``store`` on ``http://host:port`` until :meth:`stop` (see the module notes)."""

    def __init__(
        self, store: BenchStore, *, host: str = "127.0.0.1", port: int = 0, session: dict[str, Any]
    ) -> None:
        self._store = store
        self._session = dict(session)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                try:
                    body = outer._answer(parts.path, query)
                except (ValueError, InvalidInputError) as exc:
                    self._send(400, {"error": str(exc)})
                    return
                if body is None:
                    self._send(404, {"error": f"no such path {parts.path}"})
                else:
                    self._send(200, body)

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body, separators=(",", ":")).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name}:{port}"

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _answer(self, path: str, query: dict[str, str]) -> Any:
        store = self._store
        if path == "/session":
            return {
                **self._session,
                "device_id": str(store.device_id),
                "session_id": store.session_id,
                "readings": len(store),
                "finished": bool(store.meta("finished")),
                "cert_id": store.meta("cert_id") or None,
            }
        if path == "/readings":
            after = int(query.get("after", "-1"))
            limit = min(int(query.get("limit", "5000")), _MAX_LIMIT)
            return [r.model_dump(mode="json") for r in store.feed(after=after, limit=limit)]
        if path == "/checkpoints":
            return [c.model_dump(mode="json") for c in store.checkpoints()]
        return None


class FeedClient:
    """Reads a gateway's feed (``http://host:port``)."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise InvalidInputError(f"feed URL {url!r} must be http(s)://host:port", field="feed")
        self.url = url.rstrip("/")
        self._timeout = timeout

    def _get(self, path: str) -> Any:
        try:
            with urllib.request.urlopen(self.url + path, timeout=self._timeout) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            raise FeedUnreachableError(f"feed {self.url}{path} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FeedUnreachableError(f"feed {self.url} unreachable: {reason}") from None

    def session(self) -> dict[str, Any]:
        data = self._get("/session")
        if not isinstance(data, dict):
            raise FeedUnreachableError(f"feed {self.url}/session: not a JSON object")
        return data

    def readings(self, *, after: int = -1, limit: int = 5_000) -> list[FeedReading]:
        data = self._get(f"/readings?after={after}&limit={limit}")
        return [FeedReading.model_validate(item) for item in data]

    def checkpoints(self) -> list[Checkpoint]:
        return [Checkpoint.model_validate(item) for item in self._get("/checkpoints")]
