"""Exit codes of the `fabtrust` command (documented in --help and docs/cli.md), and the mapping
of the SDK's exception tree onto them. Every command (and every engineer's new command group)
uses this one mapping, through :func:`fabtrust.cli._context.command`."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["EXIT_CODES_HELP", "ExitCode", "exit_code_for", "kind_of"]


class ExitCode(IntEnum):
    OK = 0
    """Success; for `cert verify`: the certificate is verified."""
    NOT_VERIFIED = 1
    """Not verified, or not eligible (e.g. an order that cannot settle yet)."""
    BAD_INPUT = 2
    """Bad input: malformed address, hex, id, amount, date; missing or unreadable file."""
    CHAIN = 3
    """Chain unreachable, wrong chain, or no deployment for it."""
    REVERTED = 4
    """A transaction reverted (the decoded contract error is printed)."""


EXIT_CODES_HELP = (
    "Exit codes: 0 ok / verified, 1 not verified or not eligible, 2 bad input, "
    "3 chain unreachable or wrong chain, 4 transaction reverted (with the decoded error)."
)

_KINDS: dict[ExitCode, str] = {
    ExitCode.NOT_VERIFIED: "not_verified",
    ExitCode.BAD_INPUT: "bad_input",
    ExitCode.CHAIN: "chain",
    ExitCode.REVERTED: "reverted",
}


def kind_of(code: int) -> str:
    """The ``kind`` of a JSON error document for an exit code (``bad_input``, ``chain``...)."""
    try:
        return _KINDS[ExitCode(code)]
    except (ValueError, KeyError):
        return "error"


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
    if isinstance(exc, OSError):
        return ExitCode.BAD_INPUT
    return ExitCode.NOT_VERIFIED
