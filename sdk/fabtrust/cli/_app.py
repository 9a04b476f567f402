"""The root `fabtrust` command: global options, command groups, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._context import DEFAULT_RPC_URL, CliSettings
from ._exit import EXIT_CODES_HELP
from ._output import Output

__all__ = ["app", "main"]

app = typer.Typer(
    name="fabtrust",
    help=(
        "fabtrust: device identity, test-certificate anchoring and supply-chain escrow on any "
        f"EVM chain.\n\n{EXIT_CODES_HELP}"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    rpc_url: Annotated[
        str, typer.Option(envvar="FABTRUST_RPC_URL", help="JSON-RPC endpoint of the chain.")
    ] = DEFAULT_RPC_URL,
    account: Annotated[
        str | None,
        typer.Option(
            envvar="FABTRUST_ACCOUNT",
            help="Signer: a keystore file path, or dev:N (local chains only).",
        ),
    ] = None,
    deployments: Annotated[
        Path,
        typer.Option(envvar="FABTRUST_DEPLOYMENTS", help="Folder of <chainId>.json registries."),
    ] = Path("deployments"),
    confirmations: Annotated[
        int | None,
        typer.Option(
            envvar="FABTRUST_CONFIRMATIONS",
            min=0,
            help="Blocks to wait after a transaction (default: 0 on local chains, 2 elsewhere).",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON document on stdout; people's output on stderr.")
    ] = False,
) -> None:
    ctx.obj = CliSettings(
        rpc_url=rpc_url,
        account=account,
        deployments=deployments,
        json_mode=json_output,
        confirmations=confirmations,
        output=Output(json_mode=json_output),
    )


def _register() -> None:
    # Command modules import only typer and rich at module level (fast --help).
    from . import admin, agent, bench, cert, chain, demo, deploy, device, order, witness

    app.add_typer(chain.app, name="chain")
    app.command("deploy")(deploy.deploy)
    app.add_typer(admin.app, name="admin")
    app.add_typer(device.app, name="device")
    app.add_typer(cert.app, name="cert")
    app.add_typer(order.app, name="order")
    app.add_typer(agent.app, name="agent")
    app.add_typer(bench.app, name="bench")
    app.command("witness")(witness.witness)
    app.command("demo")(demo.demo)


_register()


def main() -> None:
    """Console-script entry point."""
    app(prog_name="fabtrust")
