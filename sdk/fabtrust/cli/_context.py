"""Settings shared by every command (global options and their environment variables)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from ._exit import ExitCode
from ._output import Output

if TYPE_CHECKING:
    from fabtrust.client import Fabtrust

__all__ = ["DEFAULT_RPC_URL", "CliSettings", "command", "settings_of"]

DEFAULT_RPC_URL = "http://127.0.0.1:8545"
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
    _client: Fabtrust | None = None

    def client(self, *, signer: bool = True) -> Fabtrust:
        """Connect once per command (imports web3 only now, never for --help)."""
        if self._client is None:
            from fabtrust.client import connect

            account = self.account if signer else None
            if signer and account is None:
                raise _bad_input(
                    "this command sends a transaction: give --account (or FABTRUST_ACCOUNT)"
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


def exit_code_for(exc: BaseException) -> ExitCode:
    """Map the SDK's exception tree onto the documented exit codes."""
    from fabtrust import errors

    if isinstance(exc, errors.InvalidInputError | errors.AccountError):
        return ExitCode.BAD_INPUT
    if isinstance(exc, errors.ContractError) and exc.error_name.endswith("NotFound"):
        return ExitCode.BAD_INPUT  # an id the user named does not exist on chain
    if isinstance(exc, errors.ChainError | errors.DeploymentNotFoundError):
        return ExitCode.CHAIN
    if isinstance(exc, errors.TransactionError | errors.ContractError):
        return ExitCode.REVERTED
    return ExitCode.NOT_VERIFIED


def command(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command: SDK errors become one line on stderr and their documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from fabtrust.errors import FabtrustError

        try:
            return fn(*args, **kwargs)
        except FabtrustError as exc:
            ctx = _find_context(args, kwargs)
            output = settings_of(ctx).output if ctx is not None else Output()
            output.error(str(exc))
            raise typer.Exit(int(exit_code_for(exc))) from None
        except OSError as exc:  # a file the user named cannot be read or written
            ctx = _find_context(args, kwargs)
            output = settings_of(ctx).output if ctx is not None else Output()
            name = f" {exc.filename}" if exc.filename else ""
            output.error(f"cannot access{name}: {exc.strerror or exc}")
            raise typer.Exit(int(ExitCode.BAD_INPUT)) from None

    return wrapper


def _find_context(args: Any, kwargs: Any) -> typer.Context | None:
    for value in [*args, *kwargs.values()]:
        if isinstance(value, typer.Context):
            return value
    return None
