"""The root `fabtrust` command: global options, command groups, exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ._context import DEFAULT_RPC_URL, CliSettings
from ._exit import EXIT_CODES_HELP, ExitCode
from ._output import Output, error_document, write_json

__all__ = ["app", "main"]


class _JsonAwareGroup(TyperGroup):
    """The root group: under ``--json``, a usage error (unknown option, missing argument...) is
    also one JSON error document on stdout, like every other failure."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or "--json" not in argv:
            return super().main(
                argv, prog_name, complete_var, standalone_mode=standalone_mode, **extra
            )
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            _usage_error(int(ExitCode.NOT_VERIFIED), "aborted")
            sys.exit(int(ExitCode.NOT_VERIFIED))
        except Exception as exc:
            exit_code = getattr(exc, "exit_code", None)
            message = getattr(exc, "format_message", None)
            if not isinstance(exit_code, int) or not callable(message):
                raise
            show = getattr(exc, "show", None)
            if callable(show):
                show()  # the usual usage text on stderr
            _usage_error(exit_code, str(message()))
            sys.exit(exit_code)
        sys.exit(code if isinstance(code, int) else 0)


def _usage_error(code: int, message: str) -> None:
    write_json(error_document(code, " ".join(message.split()), type="UsageError"))


def _version(value: bool) -> None:
    if value:
        from fabtrust._version import __version__

        print(f"fabtrust {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="fabtrust",
    cls=_JsonAwareGroup,
    help=(
        "fabtrust: device identity, test-certificate anchoring and supply-chain escrow on any "
        f"EVM chain.\n\n{EXIT_CODES_HELP}\n\n"
        "Signers: --account NAME (a keystore made by `fabtrust account new|import`, in "
        "~/.fabtrust/keystores or FABTRUST_KEYSTORE_DIR), --account FILE (any Web3 Secret Storage "
        "v3 keystore: geth, Foundry, Brownie) or dev:N on local chains. A keystore unlocks with "
        "--password-file, else FABTRUST_PASSWORD, else a hidden prompt on a terminal. A raw "
        "private key only from FABTRUST_PRIVATE_KEY or --private-key-file, never on the command "
        "line.\n\n"
        "JSON: with --json every command prints exactly one JSON document on stdout, errors "
        'included ({"error": {"code", "kind", "message"}}, code = the exit code); device ids, '
        "token amounts and any integer beyond 2^53 are decimal strings. Schemas: "
        "fabtrust/schemas/*.schema.json in the package."
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
            help="Signer: a keystore file, a keystore name (fabtrust account list), or dev:N "
            "(local chains only). A raw private key is refused here: set FABTRUST_PRIVATE_KEY or "
            "use --private-key-file.",
        ),
    ] = None,
    private_key_file: Annotated[
        Path | None,
        typer.Option(
            "--private-key-file",
            metavar="FILE",
            help="Signer: a file holding a raw private key (0x + 64 hex digits).",
        ),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            envvar="FABTRUST_PASSWORD_FILE",
            metavar="FILE",
            help="The keystore password (first line); else FABTRUST_PASSWORD, else asked on a "
            "terminal (hidden).",
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
            help="Blocks to wait after a transaction (default: 0 on local chains, 3 elsewhere).",
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Exactly one JSON document on stdout (errors too); people's output on stderr.",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    source = ctx.get_parameter_source("account")
    ctx.obj = CliSettings(
        rpc_url=rpc_url,
        account=account,
        account_from_argv=source is not None and source.name == "COMMANDLINE",
        private_key_file=private_key_file,
        password_file=password_file,
        deployments=deployments,
        json_mode=json_output,
        confirmations=confirmations,
        output=Output(json_mode=json_output),
    )


def _chain() -> None:
    from . import chain

    app.add_typer(chain.app, name="chain")


def _deploy() -> None:
    from . import deploy

    app.command("deploy")(deploy.deploy)


def _account() -> None:
    from . import account

    app.add_typer(account.app, name="account")


def _admin() -> None:
    from . import admin

    app.add_typer(admin.app, name="admin")


def _device() -> None:
    from . import device

    app.add_typer(device.app, name="device")


def _cert() -> None:
    from . import cert, credential, page

    credential.register(cert.app)
    cert.app.command("link")(page.link)
    app.add_typer(cert.app, name="cert")


def _order() -> None:
    from . import order

    app.add_typer(order.app, name="order")


def _agent() -> None:
    from . import agent

    app.add_typer(agent.app, name="agent")


def _bench() -> None:
    from . import bench

    app.add_typer(bench.app, name="bench")


def _witness() -> None:
    from . import witness

    app.command("witness")(witness.witness)


def _demo() -> None:
    from . import demo

    app.command("demo")(demo.demo)


def _serve() -> None:
    from . import page

    app.command("serve")(page.serve)


# Top-level command -> what registers it, in `fabtrust --help` order. Command modules import only
# typer and rich at module level; each is imported when its command is registered.
_COMMANDS: dict[str, Callable[[], None]] = {
    "chain": _chain,
    "deploy": _deploy,
    "account": _account,
    "admin": _admin,
    "device": _device,
    "cert": _cert,
    "order": _order,
    "agent": _agent,
    "bench": _bench,
    "witness": _witness,
    "demo": _demo,
    "serve": _serve,
}
_registered: set[str] = set()


def register(names: Iterable[str] | None = None) -> None:
    """Register the top-level commands ``names`` (all of them when None) on :data:`app`, once."""
    for name in _COMMANDS if names is None else names:
        if name not in _registered:
            _registered.add(name)
            _COMMANDS[name]()


def _commands_in(argv: Sequence[str]) -> list[str] | None:
    """The top-level commands named in ``argv``, in tree order; None (all) when it names none
    (``fabtrust --help``, a typo: the full tree lists or suggests the commands). A process
    registers only the command it runs, so `fabtrust cert verify` does not import, nor convert to
    click, the other eleven (start-up time of the buyer's verify, docs/benchmarks.md)."""
    named = [name for name in _COMMANDS if name in argv]
    return named or None


def _one_subcommand(argv: Sequence[str]) -> None:
    """When ``argv`` runs one subcommand of a command group (`fabtrust cert verify ...`), the
    group on :data:`app` keeps only that subcommand, so typer converts (to click) one command
    instead of the group's ten (start-up of the buyer's verify, docs/benchmarks/verify.md). The
    group itself is not changed (a pruned copy replaces it on the root); with no subcommand named
    (`fabtrust cert --help`, a typo) the whole group stays, to list or suggest its commands."""
    import copy

    from typer.main import get_command_name

    args = list(argv)
    for at, info in enumerate(app.registered_groups):
        group = info.typer_instance
        if group is None or info.name not in args or group.registered_groups:
            continue
        after = args.index(info.name) + 1
        wanted = args[after] if after < len(args) else None
        keep = [
            c
            for c in group.registered_commands
            if c.callback is not None
            and (c.name or get_command_name(c.callback.__name__)) == wanted
        ]
        if keep:
            pruned = copy.copy(group)
            pruned.registered_commands = keep
            pruned_info = copy.copy(info)
            pruned_info.typer_instance = pruned
            app.registered_groups[at] = pruned_info


def main() -> None:
    """Console-script entry point.

    Pydantic plugins are off in the CLI process unless PYDANTIC_DISABLE_PLUGINS is set: pydantic
    otherwise reads the entry points of every installed distribution to find them (~10 ms of the
    buyer's `cert verify`, docs/benchmarks/verify.md), and the CLI's models use none. Set
    PYDANTIC_DISABLE_PLUGINS= (empty) to have them loaded."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    register(_commands_in(sys.argv[1:]))
    _one_subcommand(sys.argv[1:])
    app(prog_name="fabtrust")
