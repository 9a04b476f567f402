"""The JSON contract: under --json every command prints exactly one JSON document on stdout,
errors included, and every error document validates against the error schema shipped in the
package; uint256 values are decimal strings that survive JavaScript (Node) exactly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_schemas import schema, validate_schema

from fabtrust.cli._output import json_safe, write_json

ROOT = Path(__file__).resolve().parents[2]


def _leaf_commands() -> list[list[str]]:
    """Every command path of the CLI (``["cert", "issue"]``, ``["deploy"]``...)."""
    from typer.main import get_command

    from fabtrust.cli import app

    found: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*path, name])
        else:
            found.append(path)

    walk(get_command(app), [])
    return found


COMMANDS = _leaf_commands()


def test_the_schemas_are_package_data() -> None:
    for name in ("verdict", "bundle", "error"):
        assert schema(name)["$schema"].endswith("2020-12/schema")
    assert '"schemas/*.json"' in (ROOT / "pyproject.toml").read_text()


def test_every_command_is_covered() -> None:
    assert ["account", "new"] in COMMANDS and ["cert", "bundle"] in COMMANDS
    assert ["cert", "verify"] in COMMANDS and ["deploy"] in COMMANDS and ["demo"] in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_json_usage_error_validates(offline_cli: Any, path: list[str]) -> None:
    run = offline_cli(*path, "--no-such-option")
    assert run.exit_code == 2, run
    document = json.loads(run.stdout)  # exactly one document (json.loads refuses a second)
    validate_schema(document, "error")
    assert document["error"]["kind"] == "bad_input"
    assert "--no-such-option" in document["error"]["message"]


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_json_chain_or_input_error_validates(
    offline_cli: Any, path: list[str], tmp_path: Path
) -> None:
    """Each command with an unreachable chain (or failing earlier on its missing inputs):
    one error document on stdout, valid against the schema, its code the exit code."""
    if path in (["demo"], ["chain", "start"], ["agent", "run"]):
        pytest.skip("starts a chain or runs until stopped")
    run = offline_cli(
        "--rpc-url",
        "http://127.0.0.1:9",
        "--deployments",
        str(tmp_path),
        "--account",
        "dev:1",
        *path,
        env={"FABTRUST_KEYSTORE_DIR": str(tmp_path / "keystores")},
    )
    if run.exit_code == 0:  # e.g. account list, chain status of nothing: a result document
        json.loads(run.stdout)
        return
    document = json.loads(run.stdout)
    if "error" in document:
        validate_schema(document, "error")
        assert document["error"]["code"] == run.exit_code
    assert run.exception is None, run


def test_verdict_and_bundle_validate_schema(
    cli: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    cli.ok("device", "register", "SN-J1", "--model", "HM-200", "--device-key", "dev:7", account=1)
    bundle = tmp_path / "b.json"
    issued = cli.ok(
        "cert",
        "issue",
        "--device",
        "dev:1/SN-J1",
        "--report",
        str(report_file),
        "--readings",
        str(readings_csv),
        "--spec",
        "ISO 4409:2019",
        "--pass",
        "--valid-until",
        "+30d",
        "--bundle-out",
        str(bundle),
        account=2,
    )
    assert isinstance(issued["device_id"], str) and int(issued["device_id"]) > 2**53
    validate_schema(json.loads(bundle.read_text()), "bundle")
    verdict = cli("cert", "verify", str(report_file), "--bundle", str(bundle))
    assert verdict.exit_code == 0, verdict
    validate_schema(verdict.data, "verdict")
    # Without a bundle the bundle check did not run: skipped, and not counted as passed.
    alone = cli("cert", "verify", str(report_file))
    validate_schema(alone.data, "verdict")
    status = {c["name"]: c["status"] for c in alone.data["checks"]}
    assert status["bundle_matches_chain"] == "skipped" and status["data_root"] == "skipped"
    people = cli("cert", "verify", str(report_file), json_mode=False)
    assert "every check passed" not in people.stderr
    assert "not applicable" in people.stderr
    # A verdict that failed is still one document, and still valid.
    missing = cli("cert", "verify", "0x" + "77" * 32)
    assert missing.exit_code == 1
    validate_schema(missing.data, "verdict")


def test_big_integers_are_decimal_strings(capsys: pytest.CaptureFixture[str]) -> None:
    value = 2**255
    safe = json_safe({"n": value, "small": 7, "device_id": 5, "amount": 10, "nested": [2**60]})
    assert safe == {
        "n": str(value),
        "small": 7,
        "device_id": "5",
        "amount": "10",
        "nested": [str(2**60)],
    }
    write_json({"x": True, "n": 2**53 - 1, "m": 2**53})
    assert json.loads(capsys.readouterr().out) == {"x": True, "n": 2**53 - 1, "m": str(2**53)}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_two_to_the_255_round_trips_through_node() -> None:
    """JavaScript reads the CLI's JSON numbers as doubles: 2^255 as a number would lose its low
    digits. As a decimal string it round-trips exactly through JSON.parse and BigInt."""
    produced = subprocess.run(
        [
            sys.executable,
            "-c",
            "from fabtrust.cli._output import write_json; "
            "write_json({'device_id': 2**255, 'amount': 2**255 + 1, 'order_id': 2**255 - 1})",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    script = """
const doc = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const want = {device_id: 2n ** 255n, amount: 2n ** 255n + 1n, order_id: 2n ** 255n - 1n};
for (const [k, v] of Object.entries(want)) {
  if (typeof doc[k] !== 'string') throw new Error(k + ' is a ' + typeof doc[k]);
  if (BigInt(doc[k]) !== v) throw new Error(k + ' changed: ' + doc[k]);
}
// A bare number would not survive: 2^255 + 1 as a JSON number loses its last digit.
if (BigInt(JSON.parse((2n ** 255n + 1n).toString())) === 2n ** 255n + 1n) throw new Error('no loss?');
process.stdout.write(JSON.stringify(doc));
"""
    node = subprocess.run(
        ["node", "-e", script], input=produced, capture_output=True, text=True, timeout=60
    )
    assert node.returncode == 0, node.stderr
    back = json.loads(node.stdout)
    assert int(back["device_id"]) == 2**255
    assert int(back["amount"]) == 2**255 + 1
    assert int(back["order_id"]) == 2**255 - 1
