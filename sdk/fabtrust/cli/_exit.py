"""Exit codes of the `fabtrust` command (documented in --help and docs/cli.md)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["EXIT_CODES_HELP", "ExitCode"]


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
