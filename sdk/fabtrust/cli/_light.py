"""The buyer's `fabtrust cert verify REPORT` without the CLI framework (typer, click, rich):
start-up time is most of a verification on a local chain.

:func:`parse_verify_argv` accepts only the common forms of the command, which typer would parse
the same way::

    fabtrust [--rpc-url URL] [--deployments DIR] [--json] cert verify REPORT
             [--bundle FILE] [--data CSV] [--seed-file FILE]

(each option at most once, ``--opt value`` or ``--opt=value``; the command's options and REPORT
in any order). Anything else - ``--help``, ``--version``, another global option, an unknown or
repeated option, a missing or second REPORT, ``--``, a value that starts with ``-`` or is empty,
shell completion - is "not mine" (None), and the typer app runs as before: every usage error,
help text and rarely used option keeps its behaviour. The command's body is the typer command's
(:func:`fabtrust.cli._verify_cmd.verify_report`), and errors map to exit codes through the same
:func:`fabtrust.cli._context.report_failure`.

Light module: the standard library only at import.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_RPC_URL", "VerifyArgs", "parse_verify_argv", "run"]

DEFAULT_RPC_URL = "http://127.0.0.1:8545"
"""The default --rpc-url (fabtrust.cli._context re-exports it)."""

# The root's options that take a value and are read here; their environment variables.
_GLOBAL_VALUES = {"--rpc-url": "FABTRUST_RPC_URL", "--deployments": "FABTRUST_DEPLOYMENTS"}
_VERIFY_VALUES = ("--bundle", "--data", "--seed-file")
# typer checks a Path option's value when it exists (readable, else a usage error), the default
# and the environment's value included: those are left to it when they are not readable.
_PATH_OPTIONS = frozenset({"--deployments", "--seed-file"})
# Environment variables of the root's other options whose value typer validates (an int >= 0,
# a readable path) even for `cert verify`: set, the typer app runs.
_VALIDATED_ENV = ("FABTRUST_CONFIRMATIONS",)
_PATH_ENV = ("FABTRUST_PASSWORD_FILE",)
_COMPLETE_ENV = "_FABTRUST_COMPLETE"  # click's shell completion (prog name fabtrust)


@dataclass(frozen=True)
class VerifyArgs:
    """A `cert verify` command line as typer would have parsed it."""

    report: str
    rpc_url: str = DEFAULT_RPC_URL
    deployments: Path = Path("deployments")
    json_mode: bool = False
    bundle: str | None = None
    data: str | None = None
    seed_file: Path | None = None


def _unreadable(path: str) -> bool:
    """An existing path typer's Path check would refuse (not readable)."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return not os.access(path, os.R_OK)


def _options(
    tokens: Sequence[str], names: Sequence[str], *, flags: Sequence[str] = ()
) -> tuple[dict[str, str | None], list[str]] | None:
    """``tokens`` as options (value ones in ``names``, valueless in ``flags``) and positionals;
    None when a token is not one of these forms (unknown option, repeated option, missing or
    suspicious value)."""
    found: dict[str, str | None] = {}
    positionals: list[str] = []
    at = 0
    while at < len(tokens):
        token = tokens[at]
        at += 1
        if not token.startswith("-"):
            positionals.append(token)
            continue
        name, eq, value = token.partition("=")
        if name in found:
            return None  # repeated: typer keeps the last; not worth guessing
        if name in flags and not eq:
            found[name] = None
            continue
        if name not in names:
            return None  # unknown, --help, --, -, a flag given a value...
        if not eq:
            if at >= len(tokens):
                return None  # no value
            value = tokens[at]
            at += 1
        if not value or value.startswith("-"):
            return None
        found[name] = value
    return found, positionals


def parse_verify_argv(
    argv: Sequence[str], environ: Mapping[str, str] | None = None
) -> VerifyArgs | None:
    """The `cert verify` invocation in ``argv`` (without the program name), or None when the
    full CLI must handle it (see the module's docstring)."""
    env = os.environ if environ is None else environ
    if env.get(_COMPLETE_ENV) or any(env.get(name) for name in _VALIDATED_ENV):
        return None
    if any(env.get(name) and _unreadable(env[name]) for name in _PATH_ENV):
        return None
    args = list(argv)
    try:
        at = args.index("cert")
    except ValueError:
        return None
    if args[at + 1 : at + 2] != ["verify"]:
        return None
    root = _options(args[:at], tuple(_GLOBAL_VALUES), flags=("--json",))
    command = _options(args[at + 2 :], _VERIFY_VALUES)
    if root is None or command is None:
        return None
    (given, before), (options, positionals) = root, command
    if before or len(positionals) != 1:
        return None  # a positional before `cert`; no REPORT, or two
    values = {name: given.get(name) or env.get(var) or None for name, var in _GLOBAL_VALUES.items()}
    deployments = values["--deployments"] or "deployments"
    seed_file = options.get("--seed-file")
    paths = {"--deployments": deployments, "--seed-file": seed_file}
    if any(value is not None and _unreadable(value) for value in paths.values()):
        return None
    return VerifyArgs(
        report=positionals[0],
        rpc_url=values["--rpc-url"] or DEFAULT_RPC_URL,
        deployments=Path(deployments),
        json_mode="--json" in given,
        bundle=options.get("--bundle"),
        data=options.get("--data"),
        seed_file=None if seed_file is None else Path(seed_file),
    )


def run(argv: Sequence[str]) -> int | None:
    """Run `cert verify` for ``argv`` and return its exit code; None when ``argv`` is not a
    `cert verify` this path takes (the typer app runs it)."""
    parsed = parse_verify_argv(argv)
    if parsed is None:
        return None
    from fabtrust.errors import FabtrustError

    from ._context import CliSettings, report_failure
    from ._output import Output, error_document, write_json
    from ._verify_cmd import verify_report

    output = Output(json_mode=parsed.json_mode)
    settings = CliSettings(
        rpc_url=parsed.rpc_url,
        deployments=parsed.deployments,
        json_mode=parsed.json_mode,
        output=output,
    )
    try:
        return verify_report(
            settings,
            report=parsed.report,
            bundle=parsed.bundle,
            data=parsed.data,
            seed_file=parsed.seed_file,
        )
    except (FabtrustError, OSError) as exc:
        return report_failure(exc, output)
    except KeyboardInterrupt:  # as click: a new line, then "Aborted!" (--json: the document)
        sys.stderr.write("\n")
        if parsed.json_mode:
            write_json(error_document(1, "aborted", type="UsageError"))
        else:
            sys.stderr.write("Aborted!\n")
        return 1
