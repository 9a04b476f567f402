"""Settings shared by every command (global options and their environment variables), and the
mapping of a failed command onto its one ``error:`` line and exit code.

Light module (no typer at import): the buyer's `cert verify` (fabtrust.cli._light) uses it
without the CLI framework.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from ._exit import ExitCode, exit_code_for
from ._light import DEFAULT_RPC_URL
from ._output import Output

if TYPE_CHECKING:
    import typer

    from fabtrust.accounts import Signer
    from fabtrust.client import Fabtrust

__all__ = [
    "DEFAULT_RPC_URL",
    "CliSettings",
    "command",
    "exit_code_for",
    "report_failure",
    "settings_of",
]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class CliSettings:
    rpc_url: str = DEFAULT_RPC_URL
    account: str | None = None
    deployments: Path = Path("deployments")
    json_mode: bool = False
    confirmations: int | None = None
    output: Output = field(default_factory=Output)
    account_from_argv: bool = False
    private_key_file: Path | None = None
    password_file: Path | None = None
    _client: Fabtrust | None = None
    _signer: Signer | None = None

    def optional_signer(self) -> Signer | None:
        """The signer of the global options and environment (keystore unlocked once), or
        None when none is given."""
        if self._signer is None:
            from ._signer import resolve_signer

            self._signer = resolve_signer(
                account=self.account,
                account_from_argv=self.account_from_argv,
                private_key_file=self.private_key_file,
                password_file=self.password_file,
            )
        return self._signer

    def use_signer(self, signer: Signer) -> None:
        """Sign with ``signer`` from now on (the next client connects with it)."""
        self._signer = signer
        self._client = None

    def signer(self, *, required: str) -> Signer:
        """The signer; without one, the one-line error ``required`` (exit 2)."""
        signer = self.optional_signer()
        if signer is None:
            raise _bad_input(required)
        return signer

    def client(self, *, signer: bool = True) -> Fabtrust:
        """Connect once per command (imports web3 only now, never for --help); a read-only
        client made earlier in the command is replaced by a signing one when one is needed."""
        if self._client is not None and signer and self._client.chain.sender is None:
            self._client = None
        if self._client is None:
            from fabtrust.client import connect

            account = (
                self.signer(
                    required="this command sends a transaction: give --account (a keystore or "
                    "dev:N) or set FABTRUST_PRIVATE_KEY"
                )
                if signer
                else None
            )
            self._client = connect(
                rpc_url=self.rpc_url,
                account=account,
                deployments=self.deployments,
                confirmations=self.confirmations,
            )
        return self._client


def _bad_input(message: str) -> Exception:
    from fabtrust.errors import InvalidInputError

    return InvalidInputError(message)


def settings_of(ctx: typer.Context) -> CliSettings:
    root = ctx.find_root()
    if not isinstance(root.obj, CliSettings):
        root.obj = CliSettings()
    return root.obj


def report_failure(exc: BaseException, out: Output) -> int:
    """A command failed with ``exc`` (an SDK error, or a file it could not access): one line on
    stderr, under --json the error document on stdout; returns the exit code. The one mapping of
    every command (the :func:`command` wrapper) and of the light `cert verify`."""
    from fabtrust.errors import FabtrustError

    if isinstance(exc, FabtrustError):
        code = exit_code_for(exc)
        from ._words import explain

        out.fail(code, explain(exc), type=type(exc).__name__, contract_error=_contract_error(exc))
        return int(code)
    if isinstance(exc, OSError):  # a file the user named cannot be read or written
        name = f" {os.fsdecode(exc.filename)!r}" if exc.filename else ""
        out.fail(
            ExitCode.BAD_INPUT,
            f"cannot access{name}: {exc.strerror or exc}",
            type=type(exc).__name__,
        )
        return int(ExitCode.BAD_INPUT)
    raise TypeError(f"not a command failure: {exc!r}")


def command(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command: SDK errors become one line on stderr and their documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from fabtrust.errors import FabtrustError

        try:
            return fn(*args, **kwargs)
        except (FabtrustError, OSError) as exc:
            code = report_failure(exc, _output_of(args, kwargs))
            import typer

            raise typer.Exit(code) from None

    return wrapper


def _output_of(args: Any, kwargs: Any) -> Output:
    ctx = _find_context(args, kwargs)
    return settings_of(ctx).output if ctx is not None else Output()


def _contract_error(exc: BaseException) -> str | None:
    from fabtrust.errors import ContractError

    return exc.error_name if isinstance(exc, ContractError) else None


def _find_context(args: Any, kwargs: Any) -> typer.Context | None:
    # typer hands commands the (vendored) click Context, of which typer.Context is a subclass.
    for value in [*args, *kwargs.values()]:
        if callable(getattr(value, "find_root", None)):  # typer.Context has it
            return value  # type: ignore[no-any-return]
    return None
