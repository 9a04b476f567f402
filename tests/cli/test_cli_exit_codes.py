"""Exit codes across the command groups: 2 for each kind of bad input (one line, no traceback),
3 for an unreachable chain, a chain without a deployment, or the wrong chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

BAD_INPUTS: list[tuple[tuple[str, ...], int | None, str]] = [
    # address
    (("device", "transfer", "1", "--to", "0xZZ"), 1, "--to: '0xZZ' is not an address"),
    (("admin", "revoke-lab", "0x" + "ab" * 19), 0, "LAB: "),
    # bytes32 hex
    (("cert", "revoke", "0x1234", "--reason", "r"), 2, "CERT: '0x1234' is not a 32-byte hex"),
    # device id
    (("device", "show", "5.5"), None, "DEVICE: '5.5' is not a device id"),
    (("device", "rotate-key", "12x", "--new-key", "dev:8"), 1, "DEVICE: '12x'"),
    # amount
    (
        (
            "order",
            "create",
            "--seller",
            "dev:1",
            "--amount",
            "1.2.3",
            "--devices",
            "1",
            "--spec",
            "S",
            "--ship-by",
            "+7d",
            "--inspection",
            "7d",
        ),
        3,
        "--amount: '1.2.3' is not an amount",
    ),
    # date
    (
        (
            "order",
            "create",
            "--seller",
            "dev:1",
            "--amount",
            "1",
            "--devices",
            "1",
            "--spec",
            "S",
            "--ship-by",
            "2024-13-01",
            "--inspection",
            "7d",
        ),
        3,
        "--ship-by: '2024-13-01' is not a date (use YYYY-MM-DD or +7d)",
    ),
    # duration
    (
        (
            "order",
            "create",
            "--seller",
            "dev:1",
            "--amount",
            "1",
            "--devices",
            "1",
            "--spec",
            "S",
            "--ship-by",
            "+7d",
            "--inspection",
            "a week",
        ),
        3,
        "--inspection: 'a week' is not a duration",
    ),
    # missing file
    (("device", "register-batch", "no-such.csv"), 1, "FILE: 'no-such.csv' does not exist"),
    # basis points, order id, role, status
    (("order", "resolve", "1", "--seller-share-bps", "50%"), 4, "--seller-share-bps: '50%'"),
    (("order", "confirm", "first"), 3, "ORDER: 'first' is not an order id"),
    (("admin", "grant-role", "owner", "dev:1"), 0, "ROLE: 'owner' is not a role"),
    # a send without an account
    (("order", "refund", "1"), None, "--account"),
]


@pytest.mark.parametrize(("args", "account", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_exit_2(
    cli: Any, expect_error: Any, args: tuple[str, ...], account: int | None, message: str
) -> None:
    for json_mode in (True, False):
        run = cli(*args, account=account, json_mode=json_mode)
        line = expect_error(run, 2, message)
        if json_mode:  # the same line as the one JSON document on stdout
            document = run.data
            assert document["error"]["code"] == 2
            assert document["error"]["kind"] == "bad_input"
            assert "error: " + document["error"]["message"] == line
        else:
            assert run.stdout == ""


def test_unreadable_file_exit_2(cli: Any, expect_error: Any, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    expect_error(cli("device", "register-batch", str(folder), account=1), 2, "is not a file")
    locked = tmp_path / "locked.csv"
    locked.write_text("serial,model,device_key\n")
    locked.chmod(0)
    try:
        readable = locked.open("rb")
    except OSError:
        expect_error(cli("device", "register-batch", str(locked), account=1), 2, "cannot be read")
    else:  # running as root: permissions do not apply
        readable.close()
    finally:
        locked.chmod(0o644)


def test_unreachable_chain_exit_3(offline_cli: Any, expect_error: Any, tmp_path: Path) -> None:
    run = offline_cli(
        "--rpc-url", "http://127.0.0.1:9", "--deployments", str(tmp_path), "order", "list"
    )
    expect_error(run, 3, "http://127.0.0.1:9")


def test_no_deployment_for_the_chain_exit_3(
    chain: Any, offline_cli: Any, expect_error: Any, tmp_path: Path
) -> None:
    run = offline_cli(
        "--rpc-url", chain.rpc_url, "--deployments", str(tmp_path), "device", "show", "1"
    )
    expect_error(run, 3, "31337")


def test_wrong_chain_exit_3(
    chain: Any, offline_cli: Any, expect_error: Any, tmp_path: Path
) -> None:
    record = json.loads((chain.deployments / "31337.json").read_text())
    record["genesis_hash"] = "0x" + "12" * 32
    (tmp_path / "31337.json").write_text(json.dumps(record))
    run = offline_cli(
        "--rpc-url", chain.rpc_url, "--deployments", str(tmp_path), "cert", "show", "0x" + "ab" * 32
    )
    expect_error(run, 3, "wrong chain")
