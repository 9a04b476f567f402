"""The whole command tree, every command registered: what `from fabtrust.cli import app`, the
tests and the CLI reference (`make docs`: typer fabtrust.cli._tree utils docs) see. The console
script registers only the command it runs (:func:`fabtrust.cli._app.main`)."""

from __future__ import annotations

import copy

from . import _app

__all__ = ["app"]

_app.register()

# A shallow copy of the console script's app (same commands, callback and options), made anew
# each time this module is executed: `typer fabtrust.cli._tree utils docs` executes it twice,
# once for its own `run` command, which switches the completion options off on the app it gets,
# then for `docs`. With the shared app the reference lost `--install-completion` /
# `--show-completion`, which the real `fabtrust --help` shows.
app = copy.copy(_app.app)
