"""The `fabtrust` command line: a thin layer over the SDK (see docs/cli.md).

Start-up stays light: web3 and the SDK's chain modules are imported only inside commands, so
`fabtrust --help` answers quickly.
"""

from __future__ import annotations

from ._app import app, main

__all__ = ["app", "main"]
