"""The `fabtrust` command line: a thin layer over the SDK (see docs/cli.md).

Start-up stays light: web3 and the SDK's chain modules are imported only inside commands, so
`fabtrust --help` answers quickly; the buyer's `fabtrust cert verify REPORT` in its common forms
runs without typer, click and rich at all (fabtrust.cli._light), everything else through the
typer app (fabtrust.cli._app).
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: the light `cert verify` when ``sys.argv`` is one it takes,
    else the typer app (:func:`fabtrust.cli._app.main`).

    Pydantic plugins are off in the CLI process unless PYDANTIC_DISABLE_PLUGINS is set (see
    :func:`fabtrust.cli._app.main`), on both paths."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from ._light import run

    code = run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from ._app import main as full_main

    full_main()


def __getattr__(name: str) -> Any:
    if name == "app":  # the full tree (fabtrust.cli._tree); the console script builds its own
        from ._tree import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
