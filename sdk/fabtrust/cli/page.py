"""`fabtrust serve` and `fabtrust cert link`: the buyer's verification page, served locally, and
links (with QR codes) that open it on one certificate.

Light module: no web3 anywhere on these commands' paths (the chain id is asked with one plain
JSON-RPC call when it is needed).
"""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from ._context import command, settings_of
from ._parse import bad, parse_bytes32, parse_readable_file, problem

__all__ = ["link", "print_qr", "serve"]

_DEFAULT_BASE = "http://127.0.0.1:8000/"


def _chain_id(rpc_url: str) -> int:
    from fabtrust.errors import NodeUnreachableError

    from .chain import rpc_call

    try:
        return int(str(rpc_call(rpc_url, "eth_chainId", [], timeout=10)), 16)
    except (OSError, RuntimeError, ValueError) as exc:
        raise NodeUnreachableError(
            f"the node at {rpc_url} did not answer eth_chainId ({exc}): start it or give --rpc-url"
        ) from None


def _target(deployments: Path, chain_id: int) -> Any:
    from fabtrust.deployments import deployment_path
    from fabtrust.page import PageTarget

    return PageTarget.from_deployment_file(deployment_path(deployments, chain_id))


def print_qr(console: Any, url: str) -> None:
    """The QR code of ``url`` in the terminal (half-block characters, scannable from a screen)."""
    import io

    from fabtrust.page import qr_code

    text = io.StringIO()
    qr_code(url).terminal(out=text, compact=True, border=2)
    console.print(text.getvalue(), markup=False, highlight=False, end="")


def _write_qrs(url: str, files: list[Path]) -> list[str]:
    from fabtrust.page import write_qr

    return [str(write_qr(url, file)) for file in files]


@command
def link(
    ctx: typer.Context,
    cert: Annotated[
        str | None,
        typer.Argument(
            metavar="[CERT]", help="The certificate id (or give --bundle).", show_default=False
        ),
    ] = None,
    bundle: Annotated[
        str | None,
        typer.Option(
            "--bundle", metavar="FILE", help="Take the certificate and chain from a bundle."
        ),
    ] = None,
    base: Annotated[
        str,
        typer.Option("--base", metavar="URL", help="Where the page is published (its URL)."),
    ] = _DEFAULT_BASE,
    page_rpc: Annotated[
        str | None,
        typer.Option(
            "--page-rpc",
            metavar="URL",
            help="The RPC URL the page should read through (default: --rpc-url).",
        ),
    ] = None,
    qr: Annotated[
        list[Path] | None,
        typer.Option(
            "--qr", metavar="FILE", help="Also write the QR code (.svg or .png); repeatable."
        ),
    ] = None,
    metadata: Annotated[
        str | None,
        typer.Option(
            "--metadata",
            metavar="FILE",
            help="The device's metadata document (its SHA-256 on chain): with a gtin, the QR "
            "code is the device's GS1 Digital Link (?linkType=gs1:certificationInfo).",
        ),
    ] = None,
    resolver: Annotated[
        str,
        typer.Option("--resolver", metavar="URL", help="GS1 Digital Link resolver domain."),
    ] = "https://id.gs1.org",
) -> None:
    """Print a link that opens the verification page on a certificate, and its QR code (for a
    nameplate or a delivery note). The link carries the chain id, the registry addresses and the
    RPC URL, so the page needs nothing else. With --metadata giving a GTIN, the QR code is the
    device's GS1 Digital Link, which the manufacturer's resolver redirects to the page link."""
    settings = settings_of(ctx)
    out = settings.output
    if (cert is None) == (bundle is None):
        raise problem("CERT", "give a certificate id or --bundle FILE (one of them)")
    if bundle is not None:
        from fabtrust.certificates.bundle import CertificateBundle

        loaded = CertificateBundle.load(parse_readable_file(bundle, option="--bundle"))
        cert_id, chain_id = loaded.cert_id, loaded.chain_id
    else:
        assert cert is not None
        cert_id = parse_bytes32(cert, option="CERT")
        chain_id = _chain_id(settings.rpc_url)
    target = _target(settings.deployments, chain_id)
    if bundle is not None and target.registry != loaded.registry:
        raise bad(
            "--bundle",
            bundle,
            f"names registry {loaded.registry}, but {settings.deployments}/{chain_id}.json has "
            f"{target.registry}",
        )
    from fabtrust.page import nameplate_link, page_link

    url = page_link(base=base, target=target, cert_id=cert_id, rpc_url=page_rpc or settings.rpc_url)
    device_link: str | None = None
    if metadata is not None:
        metadata_path = parse_readable_file(metadata, option="--metadata")
        device_id = loaded.device_id if bundle is not None else None
        device_link = _device_digital_link(
            ctx, cert_id=cert_id, device_id=device_id, metadata=metadata_path, resolver=resolver
        )
    plate = nameplate_link(page=url, digital_link=device_link)
    written = _write_qrs(plate.qr, list(qr or []))
    if not settings.json_mode:
        if plate.digital_link is not None:
            out.info("nameplate QR code (GS1 Digital Link):")
            out.console.print(plate.qr, soft_wrap=True, markup=False)
            out.info("your resolver redirects it (link type gs1:certificationInfo) to the page:")
        out.console.print(url, soft_wrap=True, markup=False)
        print_qr(out.console, plate.qr)
        for file in written:
            out.info(f"QR code written to {file}")
    out.result(
        {
            "url": url,
            "cert_id": cert_id,
            "chain_id": chain_id,
            "qr": written,
            "qr_content": plate.qr,
            "digital_link": plate.digital_link,
        }
    )


def _device_digital_link(
    ctx: typer.Context, *, cert_id: str, device_id: int | None, metadata: Path, resolver: str
) -> str | None:
    """The GS1 Digital Link of the certificate's device from its metadata document (which must
    hash to the device's metadata hash on chain), or None when the document gives no GTIN."""
    from fabtrust.credentials import digital_link_of

    from ._parse import client_of

    client = client_of(ctx, signer=False)
    if device_id is None:
        device_id = client.certificates.get(cert_id=cert_id).device_id
    device = client.devices.get(device_id=device_id)
    return digital_link_of(device, metadata, resolver=resolver)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@command
def serve(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1.")
    ] = 8000,
    page: Annotated[
        Path, typer.Option("--page", metavar="FILE", help="The built page (make web).")
    ] = Path("build/web/index.html"),
    cert: Annotated[
        str | None,
        typer.Option(
            "--cert", metavar="CERT", help="Print the link and QR code of this certificate."
        ),
    ] = None,
    anvil_state: Annotated[
        Path | None,
        typer.Option(
            "--anvil-state",
            metavar="FILE",
            help="Start a local Anvil from this state (as `make demo` leaves it) and read it.",
        ),
    ] = None,
) -> None:
    """Serve the buyer's verification page on 127.0.0.1, with the deployment files and a /rpc
    proxy to the chain (--rpc-url), until Ctrl-C. Nothing is uploaded: the page hashes reports
    in the browser."""
    from fabtrust.page import PageServer, page_link

    settings = settings_of(ctx)
    out = settings.output
    cert_id = parse_bytes32(cert, option="--cert") if cert is not None else None
    if anvil_state is not None and not anvil_state.is_file():
        raise bad("--anvil-state", str(anvil_state), "does not exist (run `make demo` first)")
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stops it as Ctrl-C does
    node = None
    upstream = settings.rpc_url
    try:
        if anvil_state is not None:
            from fabtrust.testing import LocalAnvil

            node = LocalAnvil(extra_args=("--load-state", str(anvil_state))).start()
            upstream = node.url
        server = PageServer(
            page=page, deployments=settings.deployments, rpc_upstream=upstream, port=port
        )
        try:
            chain_id = _chain_id(upstream)
            deployment = f"deployments/{chain_id}.json"
            if not (settings.deployments / f"{chain_id}.json").is_file():
                out.info(f"[yellow]note:[/] no {settings.deployments}/{chain_id}.json to serve")
            url = page_link(
                base=server.url, deployment_url=deployment, cert_id=cert_id, rpc_url="/rpc"
            )
            out.info(f"verification page at {server.url} (chain {chain_id} via {upstream})")
            if not settings.json_mode:
                out.console.print(url, soft_wrap=True, markup=False)
                if cert_id is not None:
                    print_qr(out.console, url)
            with contextlib.suppress(KeyboardInterrupt):  # from here on, Ctrl-C means "stop"
                out.result({"url": url, "page": server.url, "rpc": upstream, "chain_id": chain_id})
                out.info("Ctrl-C stops it")
                server.serve_forever()
        finally:
            server.httpd.server_close()
    finally:
        if node is not None:
            node.stop()
        signal.signal(signal.SIGTERM, previous)


def demo_page(
    output: Any,
    *,
    out_dir: Path,
    cert_id: str,
    serial: str,
    kept_rpc_url: str | None = None,
    digital_link: str | None = None,
) -> tuple[str, list[str]]:
    """The demo's last words: how to open the buyer's page on ``cert_id`` (served by `fabtrust
    serve` from the chain state the demo left in ``out_dir/page/anvil-state.json``, or from the
    demo's chain itself when it was kept running at ``kept_rpc_url``), the link and its QR code
    (also written as ``out_dir/page/<serial>-qr.svg`` and ``.png``). With the device's GS1
    ``digital_link`` the QR code is the nameplate's (that link, asking for the certification info
    the resolver redirects to the page). Returns the link and the command that serves it."""
    from fabtrust.page import DEFAULT_PORT, nameplate_link, page_link

    folder = out_dir / "page"
    folder.mkdir(exist_ok=True)
    url = page_link(
        base=f"http://127.0.0.1:{DEFAULT_PORT}/",
        deployment_url="deployments/31337.json",
        cert_id=cert_id,
        rpc_url="/rpc",
    )
    command = ["fabtrust", "--deployments", str(out_dir / "deployments")]
    if kept_rpc_url is not None:
        command += ["--rpc-url", kept_rpc_url, "serve"]
    else:
        command += ["serve", "--anvil-state", str(folder / "anvil-state.json")]
    output.info(f"\n[bold cyan]▶ The buyer's page for {serial}[/]: open the link, drop the report")
    output.info(f"  start it: {' '.join(command)}")
    plate = nameplate_link(page=url, digital_link=digital_link)
    if not output.json_mode:
        output.console.print(f"  then open: {url}", soft_wrap=True, markup=False)
        if plate.digital_link is not None:
            output.console.print(
                f"  nameplate QR code (GS1 Digital Link; the manufacturer's resolver redirects "
                f"it to the page link): {plate.qr}",
                soft_wrap=True,
                markup=False,
            )
        print_qr(output.console, plate.qr)
    written = _write_qrs(plate.qr, [folder / f"{serial}-qr.svg", folder / f"{serial}-qr.png"])
    output.info(f"  QR code: {written[0]}, {written[1]}")
    return url, command
