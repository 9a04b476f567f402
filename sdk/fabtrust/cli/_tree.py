"""The whole command tree, every command registered: what `from fabtrust.cli import app`, the
tests and the CLI reference (`make docs`: typer fabtrust.cli._tree utils docs) see. The console
script registers only the command it runs (:func:`fabtrust.cli._app.main`)."""

from __future__ import annotations

from ._app import app, register

__all__ = ["app"]

register()
