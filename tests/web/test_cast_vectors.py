"""The cast commands have two implementations, the CLI's (sdk/fabtrust/certificates/_cast.py, the
reference) and the page's port (web/src/cast.js); both are held here to the one vector file
cast_vectors.json, so a change of one that the other does not follow fails."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fabtrust.certificates._cast import cast_commands

ROOT = Path(__file__).resolve().parents[2]
VECTORS_FILE = Path(__file__).with_name("cast_vectors.json")
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text())["vectors"]


def test_the_vectors_cover_every_kind_of_command() -> None:
    heads = {c.split('"')[1].split("(")[0] for v in VECTORS for c in v["commands"]}
    assert heads == {"isValid", "isValidPass", "verifyCertificateFields", "verifyBatchCertificate"}
    assert any(int(v["input"]["device_id"] or 0) > 2**53 for v in VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_python_cast_commands_give_the_vectors(vector: dict[str, Any]) -> None:
    given = dict(vector["input"])
    if given["device_id"] is not None:
        given["device_id"] = int(given["device_id"])
    assert list(cast_commands(**given)) == vector["commands"]


def test_page_cast_commands_give_the_vectors(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make toolchain)")
    script = tmp_path / "run.mjs"
    script.write_text(
        f"import {{ castCommands }} from {json.dumps((ROOT / 'web/src/cast.js').as_uri())};\n"
        "import { readFileSync } from 'node:fs';\n"
        f"const doc = JSON.parse(readFileSync({json.dumps(str(VECTORS_FILE))}, 'utf8'));\n"
        "console.log(JSON.stringify(doc.vectors.map((v) => castCommands(v.input))));\n"
    )
    done = subprocess.run(
        [node, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    produced = json.loads(done.stdout)
    for vector, commands in zip(VECTORS, produced, strict=True):
        assert commands == vector["commands"], vector["name"]
