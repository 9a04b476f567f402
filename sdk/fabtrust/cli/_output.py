"""Output conventions: human output to stderr via rich, `--json` output (one document) to stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape

__all__ = ["Output"]


def _default(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@dataclass
class Output:
    """Where a command writes: rich to stderr for people, JSON to stdout for machines."""

    json_mode: bool = False
    console: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))

    def info(self, message: str) -> None:
        """A progress or story line for people (suppressed in --json mode)."""
        if not self.json_mode:
            self.console.print(message)

    def error(self, message: str) -> None:
        """One line naming the problem, always on stderr."""
        self.console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)

    def result(self, data: Any, render: Callable[[Console], None] | None = None) -> None:
        """The command's result: JSON on stdout in --json mode; for people, ``render`` draws it
        (commands whose story lines already said everything pass no renderer)."""
        if self.json_mode:
            sys.stdout.write(json.dumps(data, default=_default, indent=2, sort_keys=True) + "\n")
            sys.stdout.flush()
        elif render is not None:
            render(self.console)
