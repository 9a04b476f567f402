"""Fixtures for the evidence tests: a live @openzeppelin/merkle-tree oracle (Node.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
ORACLE_SCRIPT = Path(__file__).resolve().with_name("oz_merkle.js")
OZ_PACKAGE = REPO_ROOT / "node_modules" / "@openzeppelin" / "merkle-tree"


class OzOracle:
    """Line-delimited JSON to tests/sdk/evidence/oz_merkle.js (one long-lived node process)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the node oracle exited")
        response: dict[str, Any] = json.loads(line)
        return response

    def ok(self, request: dict[str, Any]) -> dict[str, Any]:
        """Like :meth:`call`, failing the test if the JS library threw."""
        response = self.call(request)
        if "error" in response:
            pytest.fail(f"@openzeppelin/merkle-tree threw: {response['error']}")
        return response


@pytest.fixture(scope="session")
def oz() -> Iterator[OzOracle]:
    node = shutil.which("node")
    if node is None or not (OZ_PACKAGE / "package.json").is_file():
        pytest.fail("node and node_modules/@openzeppelin/merkle-tree are needed (npm ci)")
    version = json.loads((OZ_PACKAGE / "package.json").read_text())["version"]
    assert version == "1.0.8", f"tests pin @openzeppelin/merkle-tree 1.0.8, found {version}"
    process = subprocess.Popen(
        [node, str(ORACLE_SCRIPT), str(REPO_ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        yield OzOracle(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
