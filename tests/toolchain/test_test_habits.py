"""Habits of the test suite: ports come from fabtrust.testing.free_port (never a fixed number, never
a second copy of the helper), and Anvil is started by fabtrust.testing.LocalAnvil."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES = {
    "a fixed port": re.compile(r"^\s*\w*PORT\w* = \d{4,5}\b", re.M),
    "a copy of free_port": re.compile(
        r"def _?free_port|\.bind\(\(\"127\.0\.0\.1\", 0\)\)\s*\n.*getsockname"
    ),
    "an anvil started by hand": re.compile(r"Popen\(\s*\[[^\]]*\"anvil\""),
}


def test_tests_use_the_shared_helpers() -> None:
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        text = path.read_text()
        for what, pattern in RULES.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_the_rules_catch_what_they_name() -> None:
    assert RULES["a fixed port"].search("PORT = 18642\n")
    assert RULES["a copy of free_port"].search("def _free_port() -> int:")
    assert RULES["a copy of free_port"].search(
        '    probe.bind(("127.0.0.1", 0))\n    port = probe.getsockname()[1]'
    )
    assert RULES["an anvil started by hand"].search(
        'subprocess.Popen(\n    [BIN / "anvil", "--port"'
    )
