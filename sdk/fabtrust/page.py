"""The buyer's verification page (``web/``, built by ``make web``): links that open it on a
certificate, their QR codes, and a small local server for it.

The page is one self-contained HTML file; a link carries everything it needs in its query:

- ``chain``, ``registry``, ``devices``, ``from``: where the contracts live (the chain id, the
  CertificateRegistry and DeviceRegistry addresses, the deployment block) - or ``deployment``, the
  URL of a ``deployments/<chainId>.json`` file next to the page;
- ``cert``: the certificate id to show (optional: without it the buyer drops the report);
- ``rpc``: the JSON-RPC URL the page reads the chain through (editable on the page).

On a nameplate, a device whose metadata document gives a GTIN carries its **GS1 Digital Link**
instead (:func:`nameplate_link`): ``https://<resolver>/01/<GTIN>/21/<serial>`` with the link type
``?linkType=gs1:certificationInfo`` (GS1 Web Vocabulary: "a link to certification
information"); the manufacturer's GS1-conformant resolver redirects that request to the page link.

:class:`PageServer` serves the page, the deployment files and (optionally) a same-origin ``/rpc``
proxy to one node, bound to 127.0.0.1 (``fabtrust serve``).

Light module: standard library; ``segno`` is imported when a QR code is made. No web3.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fabtrust.errors import InvalidInputError

if TYPE_CHECKING:
    import segno

__all__ = [
    "DEFAULT_PAGE",
    "DEFAULT_PORT",
    "GS1_CERTIFICATION_INFO",
    "READ_METHODS",
    "NameplateLink",
    "PageServer",
    "PageTarget",
    "nameplate_link",
    "page_link",
    "qr_code",
    "write_qr",
]

DEFAULT_PAGE = Path("build/web/index.html")
"""Where ``make web`` writes the page (relative to the checkout)."""
DEFAULT_PORT = 8000
_MAX_RPC_BODY = 1 << 20
_DEPLOYMENT_NAME = re.compile(r"^/deployments/([0-9]{1,20})\.json$")
READ_METHODS = frozenset(
    {
        "eth_chainId",
        "eth_blockNumber",
        "eth_getBlockByNumber",
        "eth_call",
        "eth_getCode",
        "eth_getLogs",
        "eth_getTransactionByHash",
        "net_version",
    }
)
"""What the ``/rpc`` proxy forwards: the page's reads, nothing that changes the node's state."""
GS1_CERTIFICATION_INFO = "gs1:certificationInfo"
"""The GS1 Web Vocabulary link type of a certificate's verification page
(https://ref.gs1.org/voc/certificationInfo), asked for with ``?linkType=`` on a Digital Link."""


@dataclass(frozen=True)
class PageTarget:
    """Where the page reads a certificate: chain id, the two registries and the first block."""

    chain_id: int
    registry: str
    devices: str
    from_block: int = 0

    @classmethod
    def from_deployment_file(cls, path: str | Path) -> PageTarget:
        """From a ``deployments/<chainId>.json`` file (InvalidInputError when it is not one)."""
        from fabtrust.deployments import load_deployment

        deployment = load_deployment(path)
        return cls(
            chain_id=deployment.chain_id,
            registry=deployment.contract("CertificateRegistry").address,
            devices=deployment.contract("DeviceRegistry").address,
            from_block=deployment.deployment_block,
        )


def page_link(
    *,
    base: str,
    target: PageTarget | None = None,
    deployment_url: str | None = None,
    cert_id: str | None = None,
    rpc_url: str | None = None,
) -> str:
    """The page's URL opening on ``cert_id``: ``base`` (the page's address) and a query naming
    the deployment (inline ``target`` or ``deployment_url``), the certificate and the RPC."""
    if (target is None) == (deployment_url is None):
        raise InvalidInputError("give the deployment inline (target) or as a URL, not both")
    query: dict[str, str] = {}
    if target is not None:
        query.update(
            chain=str(target.chain_id),
            registry=target.registry,
            devices=target.devices,
            **{"from": str(target.from_block)},
        )
    else:
        assert deployment_url is not None
        query["deployment"] = deployment_url
    if cert_id is not None:
        query["cert"] = cert_id
    if rpc_url is not None:
        query["rpc"] = rpc_url
    return base + ("&" if "?" in base else "?") + urlencode(query, safe="/:")


@dataclass(frozen=True)
class NameplateLink:
    """What a nameplate's QR code encodes (``qr``) and where it leads (``page``).

    With a GS1 Digital Link (``digital_link``), ``qr`` is that URI asking for the
    :data:`GS1_CERTIFICATION_INFO` link type, and the manufacturer's resolver must redirect it
    to ``page``; without one, ``qr`` is the page link itself.
    """

    qr: str
    page: str
    digital_link: str | None = None


def nameplate_link(*, page: str, digital_link: str | None) -> NameplateLink:
    """The nameplate link of a certificate: its GS1 Digital Link (a device's
    :func:`fabtrust.credentials.digital_link_of`, None when the device has no GTIN) with
    ``?linkType=gs1:certificationInfo``, else the page link ``page``."""
    if digital_link is None:
        return NameplateLink(qr=page, page=page)
    from fabtrust.credentials.gs1 import parse_digital_link

    parsed = parse_digital_link(digital_link)  # InvalidInputError when it is not one
    query = urlencode({"linkType": GS1_CERTIFICATION_INFO}, safe=":")
    return NameplateLink(qr=f"{parsed.uri}?{query}", page=page, digital_link=parsed.uri)


def qr_code(url: str) -> segno.QRCode:
    """A QR code of ``url`` (error correction M, as printed on a nameplate or delivery note)."""
    import segno

    return segno.make_qr(url, error="m")


def write_qr(url: str, path: str | Path) -> Path:
    """Write the QR code of ``url`` as ``.svg`` or ``.png`` (by the file's suffix)."""
    out = Path(path)
    if out.suffix.lower() not in (".svg", ".png"):
        raise InvalidInputError(f"{out}: a QR code is written as .svg or .png", field="qr")
    qr_code(url).save(str(out), scale=6, border=4)
    return out


def _refused(body: bytes) -> str | None:
    """Why the proxy refuses a JSON-RPC request (one call of :data:`READ_METHODS`), or None."""
    try:
        call = json.loads(body)
    except ValueError:
        return "not a JSON-RPC request"
    if not isinstance(call, dict):
        return "one JSON-RPC call per request"
    method = call.get("method")
    if method not in READ_METHODS:
        return f"{method} is not forwarded: this proxy only reads the chain"
    return None


class PageServer:
    """Serves the page at ``/``, ``deployments/<chainId>.json`` files and an optional ``/rpc``
    proxy to ``rpc_upstream``, on 127.0.0.1 (in a background thread after :meth:`start`)."""

    def __init__(
        self,
        *,
        page: str | Path,
        deployments: str | Path | None,
        rpc_upstream: str | None = None,
        port: int = 0,
    ) -> None:
        page_path = Path(page)
        if not page_path.is_file():
            raise InvalidInputError(
                f"the page {page_path} does not exist: build it with `make web`", field="page"
            )
        self.page = page_path.read_bytes()
        self.deployments = Path(deployments) if deployments is not None else None
        self.rpc_upstream = rpc_upstream
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path in ("/", "/index.html"):
                    self._send(HTTPStatus.OK, server.page, "text/html; charset=utf-8")
                    return
                match = _DEPLOYMENT_NAME.match(path)
                if match and server.deployments is not None:
                    file = server.deployments / f"{int(match.group(1))}.json"
                    if file.is_file():
                        self._send(HTTPStatus.OK, file.read_bytes(), "application/json")
                        return
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

            def do_POST(self) -> None:
                if self.path != "/rpc" or server.rpc_upstream is None:
                    self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length > _MAX_RPC_BODY:
                    self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"too large\n", "text/plain")
                    return
                body = self.rfile.read(length)
                refused = _refused(body)
                if refused is not None:
                    error = {
                        "jsonrpc": "2.0",
                        "id": None,
                        "error": {"code": -32601, "message": refused},
                    }
                    self._send(HTTPStatus.FORBIDDEN, json.dumps(error).encode(), "application/json")
                    return
                request = urllib.request.Request(
                    server.rpc_upstream, data=body, headers={"Content-Type": "application/json"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        answer = response.read()
                except (urllib.error.URLError, OSError) as exc:
                    message = f"the node at {server.rpc_upstream} did not answer: {exc}"
                    error = {
                        "jsonrpc": "2.0",
                        "id": None,
                        "error": {"code": -32000, "message": message},
                    }
                    self._send(
                        HTTPStatus.BAD_GATEWAY, json.dumps(error).encode(), "application/json"
                    )
                    return
                self._send(HTTPStatus.OK, answer, "application/json")

            def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread: threading.Thread | None = None

    def start(self) -> PageServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> PageServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
