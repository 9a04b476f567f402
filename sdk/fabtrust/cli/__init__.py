"""The `fabtrust` command line: a thin layer over the SDK (see docs/cli.md).

Start-up stays light: web3 and the SDK's chain modules are imported only inside commands, so
`fabtrust --help` answers quickly.
"""

from __future__ import annotations

from typing import Any

from ._app import main

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":  # the full tree (fabtrust.cli._tree); the console script builds its own
        from ._tree import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
