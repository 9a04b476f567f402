"""docs/sdk.md's MES integration runs as written: the code block is extracted and executed
against the test chain (a manufacturer's keystore, a password file); it registers each shift's
devices, is idempotent on a re-run, and reports failures with a non-zero exit status."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.evidence import device_id_of

ROOT = Path(__file__).resolve().parents[2]


def _mes_program() -> str:
    text = (ROOT / "docs" / "sdk.md").read_text(encoding="utf-8")
    section = text[text.index("## An MES integration") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def _run(program: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FABTRUST_", "MES_"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, timeout=120, env=environment
    )


def test_mes_example_runs_as_written(chain: Any, cli: Any, tmp_path: Path) -> None:
    program = tmp_path / "mes.py"
    program.write_text(_mes_program())
    keystore = Signer.dev(1).save_keystore(tmp_path / "key.json", password="s3cret", scrypt_n=16)
    password = tmp_path / "key.password"
    password.write_text("s3cret\n")
    env = {
        "MES_RPC_URL": chain.rpc_url,
        "MES_KEYSTORE": str(keystore),
        "MES_PASSWORD_FILE": str(password),
        "MES_DEPLOYMENTS": str(chain.deployments),
        "MES_JOURNAL": str(tmp_path / "tx.db"),
    }
    first = _run(program, env)
    assert first.returncode == 0, first.stderr
    assert "shift early: registered 2, already there 0" in first.stderr
    assert "shift late: registered 1, already there 0" in first.stderr
    manufacturer = Signer.dev(1).address
    for serial in ("HM-E-0001", "HM-E-0002", "HM-L-0001"):
        shown = cli.ok("device", "show", str(device_id_of(manufacturer, serial)))
        assert shown["serial"] == serial
    again = _run(program, env)  # idempotent after a crash or a re-run
    assert again.returncode == 0, again.stderr
    assert "shift early: registered 0, already there 2" in again.stderr
    # Errors are not swallowed: a bad device key fails each shift, logged, exit status 1 ...
    bad = _run(program, {**env, "MES_DEVICE_KEY": "0x" + "00" * 20})
    assert bad.returncode == 1, bad.stderr
    assert bad.stderr.count("not registered") == 2
    # ... and a wrong password stops it at start, exit status 2.
    password.write_text("wrong\n")
    locked = _run(program, env)
    assert locked.returncode == 2 and "cannot start: wrong password" in locked.stderr
