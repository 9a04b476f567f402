"""The installed `fabtrust` command in a subprocess: --help stays light (no web3), exit codes for
bad input and an unreachable chain, one error line and no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FABTRUST = str(Path(sys.executable).parent / "fabtrust")
GROUPS = ("admin", "device", "cert", "order")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FABTRUST_")}
    environment["COLUMNS"] = "200"
    environment.update(env or {})
    return subprocess.run(
        [FABTRUST, *args], capture_output=True, text=True, timeout=60, env=environment
    )


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_help_does_not_import_web3() -> None:
    code = (
        "import sys\n"
        "from fabtrust.cli import app\n"
        "for args in (['--help'], ['cert', 'verify', '--help'], ['order', '--help'],\n"
        "             ['device', 'register-batch', '--help'], ['admin', '--help']):\n"
        "    try:\n"
        "        app(args, prog_name='fabtrust')\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, (args, exc.code)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('web3', 'eth_account', 'eth_abi', 'eth_utils'))\n"
        "heavy += [m for m in ('fabtrust.client', 'fabtrust.chain', 'fabtrust.identity',\n"
        "          'fabtrust.certificates', 'fabtrust.escrow') if m in sys.modules]\n"
        "print(repr(heavy), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_help_lists_every_group_and_exit_codes() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for group in GROUPS:
        assert group in result.stdout
    assert "Exit codes" in result.stdout
    for group, commands in {
        "admin": ("accredit-lab", "revoke-lab", "grant-role"),
        "device": ("register", "register-batch", "show", "transfer", "status", "rotate-key"),
        "cert": ("issue", "issue-batch", "revoke", "show", "verify"),
        "order": (
            "create",
            "ship",
            "confirm",
            "settle",
            "refund",
            "dispute",
            "resolve",
            "show",
            "list",
        ),
    }.items():
        listed = _run(group, "--help")
        assert listed.returncode == 0, listed.stderr
        for command in commands:
            assert command in listed.stdout, (group, command)


def test_bad_date_is_one_line_and_exit_2() -> None:
    result = _run(
        "--account",
        "dev:3",
        "order",
        "create",
        "--seller",
        "dev:1",
        "--amount",
        "10",
        "--devices",
        "1",
        "--spec",
        "ISO 4409",
        "--ship-by",
        "2024-13-01",
        "--inspection",
        "7d",
    )
    assert result.returncode == 2
    assert _error_line(result) == (
        "error: --ship-by: '2024-13-01' is not a date (use YYYY-MM-DD or +7d)"
    )


def test_unreachable_chain_exit_3(tmp_path: Path) -> None:
    result = _run(
        "--rpc-url", "http://127.0.0.1:9", "--deployments", str(tmp_path), "device", "show", "1"
    )
    assert result.returncode == 3
    assert "127.0.0.1:9" in _error_line(result)


def test_sends_need_an_account_exit_2(tmp_path: Path) -> None:
    result = _run("--rpc-url", "http://127.0.0.1:9", "device", "transfer", "1", "--to", "dev:2")
    assert result.returncode == 2
    assert "--account" in _error_line(result)


@pytest.mark.usefixtures("chain")
def test_json_through_the_installed_command(chain, report_file: Path) -> None:  # type: ignore[no-untyped-def]
    common = ["--rpc-url", chain.rpc_url, "--deployments", str(chain.deployments)]
    registered = _run(
        *common,
        "--account",
        "dev:1",
        "--json",
        "device",
        "register",
        "SN-P1",
        "--model",
        "HM-200",
        "--device-key",
        "dev:7",
    )
    assert registered.returncode == 0, registered.stderr
    data = json.loads(registered.stdout)
    shown = _run(*common, "--json", "device", "show", "dev:1/SN-P1")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["device_id"] == data["device_id"]
    # A certificate nobody issued: not verified, exit 1, the failing check named.
    verdict = _run(*common, "cert", "verify", str(report_file))
    assert verdict.returncode == 1
    assert "NOT VERIFIED" in verdict.stderr
    assert "certificate_on_chain" in verdict.stderr
