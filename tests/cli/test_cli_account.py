"""Signers as Foundry and Brownie users know them: `fabtrust account new|import|list` writes Web3
Secret Storage v3 keystores (mode 0600) in the keystore folder; a keystore unlocks three ways
(--password-file, FABTRUST_PASSWORD, a hidden prompt on a terminal); a raw key is refused on argv
and accepted from FABTRUST_PRIVATE_KEY or --private-key-file; no key or password is ever printed."""

from __future__ import annotations

import json
import os
import pty
import select
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fabtrust.accounts import _DEV_KEYS, DEV_ADDRESSES

LAB_KEY = _DEV_KEYS[2]
LAB = DEV_ADDRESSES[2]
PASSWORD = "correct horse battery staple"
FABTRUST = str(Path(sys.executable).parent / "fabtrust")


@pytest.fixture
def keystores(tmp_path: Path) -> dict[str, str | None]:
    """The environment of a private keystore folder with a light scrypt work factor."""
    return {
        "FABTRUST_KEYSTORE_DIR": str(tmp_path / "keystores"),
        "FABTRUST_KEYSTORE_SCRYPT_N": "16",
    }


def _import_lab(cli: Any, keystores: dict[str, str | None], tmp_path: Path) -> Path:
    key_file = tmp_path / "lab.key"
    key_file.write_text(LAB_KEY + "\n")
    done = cli.ok(
        "account",
        "import",
        "lab",
        "--key-file",
        str(key_file),
        env={**keystores, "FABTRUST_PASSWORD": PASSWORD},
    )
    assert done["address"] == LAB and done["name"] == "lab"
    return Path(done["path"])


_REPORTS = iter(range(10**6))


def _issue_args(folder: Path) -> list[str]:
    """`cert issue` of a new report (a certificate id per report) for device dev:1/SN-K1."""
    report = folder / f"report-{next(_REPORTS)}.pdf"
    report.write_bytes(b"%PDF-1.7 bench test " + report.name.encode())
    return [
        "cert",
        "issue",
        "--device",
        "dev:1/SN-K1",
        "--report",
        str(report),
        "--spec",
        "ISO 4409:2019",
        "--pass",
        "--valid-until",
        "+30d",
    ]


@pytest.fixture
def device(cli: Any) -> None:
    cli.ok("device", "register", "SN-K1", "--model", "HM-200", "--device-key", "dev:7", account=1)


def _lab_signed(run: Any) -> None:
    """The certificate was issued, signed by the lab's key."""
    assert run.exit_code == 0, run
    assert run.data["lab"] == LAB, run


def test_new_and_list_write_v3_keystores(
    offline_cli: Any, keystores: dict[str, str | None]
) -> None:
    made = offline_cli.ok("account", "new", "alice", env={**keystores, "FABTRUST_PASSWORD": "pw"})
    path = Path(made["path"])
    assert path == Path(str(keystores["FABTRUST_KEYSTORE_DIR"])) / "alice.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["version"] == 3 and data["crypto"]["kdf"] == "scrypt"
    assert "0x" + data["address"].lower() == made["address"].lower()
    # eth-account itself opens it with the password.
    from eth_account import Account

    assert Account.from_key(Account.decrypt(data, "pw")).address == made["address"]
    listed = offline_cli.ok("account", "list", env=keystores)
    assert listed["accounts"] == [{"name": "alice", "address": made["address"], "path": str(path)}]
    # A second keystore of the same name is refused, the first one kept.
    again = offline_cli("account", "new", "alice", env={**keystores, "FABTRUST_PASSWORD": "pw"})
    assert again.exit_code == 2 and "exists already" in again.data["error"]["message"]
    assert json.loads(path.read_text()) == data


def test_new_without_password_source_is_refused(
    offline_cli: Any, keystores: dict[str, str | None]
) -> None:
    run = offline_cli("account", "new", "bob", env=keystores)
    assert run.exit_code == 2
    assert "--password-file" in run.data["error"]["message"]
    assert not Path(str(keystores["FABTRUST_KEYSTORE_DIR"]), "bob.json").exists()


@pytest.mark.usefixtures("device")
def test_keystore_unlocks_with_password_file_and_env(
    cli: Any, keystores: dict[str, str | None], tmp_path: Path
) -> None:
    path = _import_lab(cli, keystores, tmp_path)
    password_file = tmp_path / "password.txt"
    password_file.write_text(PASSWORD + "\n")
    # 1. --password-file, the keystore named by its name
    run = cli(
        "--password-file", str(password_file), *_issue_args(tmp_path), account="lab", env=keystores
    )
    _lab_signed(run)
    # 2. FABTRUST_PASSWORD, the keystore named by its path
    run = cli(
        *_issue_args(tmp_path), account=str(path), env={**keystores, "FABTRUST_PASSWORD": PASSWORD}
    )
    _lab_signed(run)
    # wrong password: one line naming the file, never the password
    run = cli(
        *_issue_args(tmp_path), account="lab", env={**keystores, "FABTRUST_PASSWORD": "nope-nope"}
    )
    assert run.exit_code == 2, run
    assert run.data["error"]["message"] == f"wrong password for keystore {path}"
    assert "nope-nope" not in run.stdout + run.stderr
    # no password anywhere and no terminal: says how to give one
    run = cli(*_issue_args(tmp_path), account="lab", env=keystores)
    assert run.exit_code == 2, run
    assert "--password-file" in run.data["error"]["message"]
    assert "FABTRUST_PASSWORD" in run.data["error"]["message"]


@pytest.mark.usefixtures("device")
def test_keystore_unlocks_at_a_hidden_prompt(
    cli: Any, chain: Any, keystores: dict[str, str | None], tmp_path: Path
) -> None:
    _import_lab(cli, keystores, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FABTRUST_")}
    env.update({k: v for k, v in keystores.items() if v is not None})
    env["COLUMNS"] = "200"
    master, slave = pty.openpty()

    def _controlling_tty() -> None:
        import fcntl
        import termios

        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [
            FABTRUST,
            "--rpc-url",
            chain.rpc_url,
            "--deployments",
            str(chain.deployments),
            "--account",
            "lab",
            "--json",
            *_issue_args(tmp_path),
        ],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_controlling_tty,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while b"password for keystore" not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            seen += os.read(master, 1024)
    assert b"password for keystore" in seen, seen
    os.write(master, PASSWORD.encode() + b"\n")
    stdout, stderr = process.communicate(timeout=60)
    echoed = b""
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 1024)
        except OSError:
            break
        if not chunk:
            break
        echoed += chunk
    os.close(master)
    assert PASSWORD.encode() not in echoed  # hidden input: the terminal did not echo it
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["lab"] == LAB


def test_raw_key_refused_on_argv(offline_cli: Any, tmp_path: Path) -> None:
    run = offline_cli(*_issue_args(tmp_path), account=LAB_KEY)
    assert run.exit_code == 2
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: --account: a raw private key")
    assert run.data["error"]["kind"] == "bad_input"
    assert LAB_KEY[2:] not in run.stdout + run.stderr
    # --private-key-file on argv names a file, not a key: also refused when it is a key.
    run = offline_cli("--private-key-file", LAB_KEY, *_issue_args(tmp_path))
    assert run.exit_code == 2
    assert LAB_KEY[2:] not in run.stdout + run.stderr


@pytest.mark.usefixtures("device")
def test_raw_key_from_env_or_file(cli: Any, tmp_path: Path) -> None:
    run = cli(*_issue_args(tmp_path), env={"FABTRUST_PRIVATE_KEY": LAB_KEY})
    _lab_signed(run)
    run = cli(*_issue_args(tmp_path), env={"FABTRUST_ACCOUNT": LAB_KEY})
    _lab_signed(run)
    key_file = tmp_path / "key.txt"
    key_file.write_text(LAB_KEY)
    run = cli("--private-key-file", str(key_file), *_issue_args(tmp_path))
    _lab_signed(run)
    assert LAB_KEY[2:] not in run.stdout + run.stderr
    # a malformed key in the env: one line, not echoed
    run = cli(*_issue_args(tmp_path), env={"FABTRUST_PRIVATE_KEY": LAB_KEY[:-2] + "zz"})
    assert run.exit_code == 2
    assert LAB_KEY[2:-2] not in run.stdout + run.stderr
