"""Output conventions: human output to stderr (rich, or plain text), `--json` output to stdout.

The JSON contract (docs/cli.md, "JSON output"): under ``--json`` every command prints exactly one
JSON document on stdout - its result, or on failure ``{"error": {"code", "kind", "message"}}``
(the schema ``fabtrust/schemas/error.schema.json``); integers beyond 2^53 - 1 and every uint256
quantity (device ids, token amounts) are decimal strings, so JavaScript and jq read them exactly.
Every command group uses this one module (through :func:`fabtrust.cli._context.command`).

Light module: rich is imported when a command first renders with it (:attr:`Output.console`);
the ``error:`` line and plain-text renderings (:mod:`fabtrust.cli._text`) never need it, so the
buyer's `cert verify` does not import rich.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._exit import kind_of
from ._text import TextRenderer, clean, colour_on, is_terminal, paint

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "DECIMAL_STRING_KEYS",
    "MAX_SAFE_INTEGER",
    "Output",
    "error_document",
    "json_safe",
    "make_console",
    "write_json",
]

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JavaScript number (IEEE double) holds exactly."""

DECIMAL_STRING_KEYS: frozenset[str] = frozenset(
    {
        "device_id",
        "device_ids",
        "uncertified_device_ids",
        "amount",
        "amounts",
        "balance",
        "allowance",
        "value",
        "fee",
        "credit",
        "credits",
        "minted",
        "paid",
        "refunded",
    }
)
"""Keys whose integer values are always printed as decimal strings (uint256 ids and token
amounts), whatever their size, so their JSON type never depends on the value."""


def _default(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def json_safe(value: Any, *, as_string: bool = False) -> Any:
    """``value`` with every integer beyond 2^53 - 1 (and every integer under a key of
    :data:`DECIMAL_STRING_KEYS`) turned into its decimal string; other values unchanged."""
    if _is_int(value):
        return str(value) if as_string or abs(value) > MAX_SAFE_INTEGER else value
    if hasattr(value, "model_dump"):
        return json_safe(value.model_dump(mode="json"), as_string=as_string)
    if isinstance(value, Mapping):
        return {
            str(k): json_safe(v, as_string=as_string or k in DECIMAL_STRING_KEYS)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [json_safe(v, as_string=as_string) for v in value]
    return value


def write_json(document: Any) -> None:
    """Print one JSON document on stdout (sorted keys, indented)."""
    sys.stdout.write(
        json.dumps(json_safe(document), default=_default, indent=2, sort_keys=True) + "\n"
    )
    sys.stdout.flush()


def error_document(code: int, message: str, **extra: Any) -> dict[str, Any]:
    """``{"error": {"code": exit code, "kind": "bad_input", "message": "one line", ...}}``."""
    body: dict[str, Any] = {"code": int(code), "kind": kind_of(code), "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return {"error": body}


def make_console() -> Console:
    """Rich on stderr; on a terminal it wraps to the terminal, elsewhere (a pipe, a file, a CI log)
    it never wraps lines (``COLUMNS`` still sets a width when given). No emoji codes: a value
    such as a serial ``A:fire:1`` is printed as it is (and rich's emoji table, ~3 ms of the
    buyer's `cert verify`, is never loaded)."""
    from rich.console import Console

    if is_terminal(sys.stderr) or os.environ.get("COLUMNS"):
        return Console(stderr=True, highlight=False, emoji=False)
    return Console(stderr=True, highlight=False, emoji=False, width=100_000, soft_wrap=True)


class Output:
    """Where a command writes: people's output to stderr (rich, or plain text), JSON to stdout
    for machines. The rich console is made on first use (``console``: given, or
    :func:`make_console`)."""

    def __init__(self, json_mode: bool = False, console: Console | None = None) -> None:
        self.json_mode = json_mode
        self._console = console
        self.emitted = False
        """True once the JSON document of this command was printed."""

    @property
    def console(self) -> Console:
        """The rich console on stderr (imports rich the first time)."""
        if self._console is None:
            self._console = make_console()
        return self._console

    def _stream(self) -> Any:
        """Where plain text goes: the console's file when one was made or given, else stderr."""
        return sys.stderr if self._console is None else self._console.file

    def info(self, message: str) -> None:
        """A progress or story line for people (suppressed in --json mode)."""
        if not self.json_mode:
            self.console.print(message)

    def error(self, message: str) -> None:
        """One line naming the problem, always on stderr (no JSON document: see :meth:`fail`).
        ``message`` is printed as it is (no markup), its control characters replaced; ``error:``
        in bold red on a terminal without NO_COLOR."""
        stream = self._stream()
        label = paint("error:", "bold red", colour_on(stream))
        stream.write(f"{label} {clean(message, newlines=True)}\n")
        stream.flush()

    def fail(self, code: int, message: str, **extra: Any) -> None:
        """A command failed: one line on stderr and, under --json, the error document on stdout
        (unless the command's document was printed already)."""
        self.error(message)
        if self.json_mode and not self.emitted:
            self.emitted = True
            write_json(error_document(code, message, **extra))

    def result(
        self, data: Any, render: Callable[[Console], None] | TextRenderer | None = None
    ) -> None:
        """The command's result: JSON on stdout in --json mode; for people, ``render`` draws it
        (commands whose story lines already said everything pass no renderer); a
        :class:`~fabtrust.cli._text.TextRenderer` writes plain text, without rich."""
        if self.json_mode:
            if self.emitted:
                raise RuntimeError("a command prints one JSON document")
            self.emitted = True
            write_json(data)
        elif isinstance(render, TextRenderer):
            render.write(self._stream())
        elif render is not None:
            render(self.console)
