"""docs/cli.md is typer's generated reference of the current CLI (regenerate: make docs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TYPER = Path(sys.executable).parent / "typer"
# The CLI under test: a checkout run with PYTHONPATH=sdk (a git worktree) documents its own code.
ENV = {"COLUMNS": "100", "PATH": "/usr/bin:/bin"} | (
    {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}
)


def generate(out: Path) -> str:
    subprocess.run(
        [str(TYPER), "fabtrust.cli._tree", "utils", "docs", "--name", "fabtrust", "--output", str(out)],
        check=True, capture_output=True, text=True, env=ENV,
    )  # fmt: skip
    return out.read_text()


def test_cli_reference_is_in_sync(tmp_path: Path) -> None:
    generated = generate(tmp_path / "cli.md")
    assert (ROOT / "docs" / "cli.md").read_text() == generated, "run: make docs"
    for group in ("chain", "deploy", "admin", "device", "cert", "order", "agent", "demo"):
        assert f"`fabtrust {group}" in generated


def test_reference_lists_the_options_of_the_real_help(tmp_path: Path) -> None:
    """The reference's top-level options are the ones the console script's `fabtrust --help`
    shows, completion options included (typer's docs command used to drop them)."""
    import re

    generated = generate(tmp_path / "cli.md")
    top = generated.split("**Commands**", 1)[0]
    documented = re.findall(r"^\* `(--[a-z-]+)", top, flags=re.MULTILINE)
    real = subprocess.run(
        [str(Path(sys.executable).parent / "fabtrust"), "--help"],
        check=True, capture_output=True, text=True, env=ENV,
    ).stdout  # fmt: skip
    options = real.split("Options:", 1)[1].split("Commands:", 1)[0]
    shown = re.findall(r"^  (--[a-z-]+)", options, flags=re.MULTILINE)
    assert "--install-completion" in shown and "--show-completion" in shown
    assert documented == shown
