"""`fabtrust chain up|down|status|faucet`: an embedded Anvil for local work, and test money.

State lives under the state folder (default `.fabtrust/`): Anvil's `--state` file (so a restart
keeps devices, certificates and orders), its pid and its log.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer

from fabtrust.testing import find_anvil

from ._context import command, settings_of
from ._exit import ExitCode
from ._render import tx_data

__all__ = ["app", "rpc_call"]

app = typer.Typer(
    help="An embedded Anvil for local work (state kept under .fabtrust/), and a test-stablecoin "
    "faucet."
)

StateDir = Annotated[
    Path, typer.Option(envvar="FABTRUST_STATE_DIR", help="Folder for the chain state, pid and log.")
]


def rpc_call(url: str, method: str, params: list[Any] | None = None, timeout: float = 2.0) -> Any:
    """One JSON-RPC call with the standard library (fast; no web3 import)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = json.loads(response.read())
    if "error" in payload:
        raise RuntimeError(payload["error"].get("message", "RPC error"))
    return payload["result"]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(state_dir: Path) -> int | None:
    try:
        pid = int((state_dir / "anvil.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def _port_of(url: str) -> int:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return parsed.port or 8545


@app.command("up")
@command
def up(
    ctx: typer.Context,
    state_dir: StateDir = Path(".fabtrust"),
    block_time: Annotated[
        int | None, typer.Option(min=1, help="Mine every N seconds (default: on each tx).")
    ] = None,
) -> None:
    """Start the embedded Anvil (chain id 31337) in the background; state survives restarts."""
    settings = settings_of(ctx)
    out = settings.output
    port = _port_of(settings.rpc_url)
    state_dir.mkdir(parents=True, exist_ok=True)
    pid = _read_pid(state_dir)
    if pid is not None:
        out.info(f"Anvil already running (pid {pid}) at {settings.rpc_url}")
        out.result({"running": True, "pid": pid, "rpc_url": settings.rpc_url, "started": False})
        return
    state_file = state_dir / "anvil-state.json"
    cmd = [
        find_anvil(),  # light: fabtrust.testing uses the standard library only
        "--port", str(port),
        "--chain-id", "31337",
        "--block-base-fee-per-gas", "0",
        "--gas-limit", "60000000",
        "--state", str(state_file),
        "--state-interval", "5",
    ]  # fmt: skip
    if block_time is not None:
        cmd += ["--block-time", str(block_time)]
    log = (state_dir / "anvil.log").open("ab")
    process = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    (state_dir / "anvil.pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out.fail(
                ExitCode.CHAIN,
                f"anvil exited with code {process.returncode}; see {state_dir / 'anvil.log'}",
            )
            raise typer.Exit(int(ExitCode.CHAIN))
        try:
            block = int(rpc_call(settings.rpc_url, "eth_blockNumber"), 16)
            break
        except (OSError, RuntimeError):
            time.sleep(0.1)
    else:
        out.fail(ExitCode.CHAIN, f"anvil did not answer at {settings.rpc_url} within 20 s")
        raise typer.Exit(int(ExitCode.CHAIN))
    out.info(
        f"Anvil running (pid {process.pid}) at {settings.rpc_url}, block {block}, "
        f"state in {state_file}"
    )
    out.result(
        {"running": True, "pid": process.pid, "rpc_url": settings.rpc_url, "started": True,
         "block": block, "state_file": str(state_file)}
    )  # fmt: skip


@app.command("down")
@command
def down(ctx: typer.Context, state_dir: StateDir = Path(".fabtrust")) -> None:
    """Stop the embedded Anvil, writing its state first."""
    out = settings_of(ctx).output
    pid = _read_pid(state_dir)
    if pid is None:
        out.info("Anvil is not running")
        out.result({"running": False, "stopped": False})
        return
    os.kill(pid, signal.SIGTERM)  # Anvil dumps --state on SIGTERM
    deadline = time.monotonic() + 15
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    (state_dir / "anvil.pid").unlink(missing_ok=True)
    out.info(f"Anvil stopped (pid {pid}); state kept in {state_dir / 'anvil-state.json'}")
    out.result({"running": False, "stopped": True, "pid": pid})


@app.command("status")
@command
def status(ctx: typer.Context, state_dir: StateDir = Path(".fabtrust")) -> None:
    """Is the chain at --rpc-url reachable? Chain id, block, and the embedded Anvil's pid."""
    settings = settings_of(ctx)
    out = settings.output
    pid = _read_pid(state_dir)
    try:
        chain_id = int(rpc_call(settings.rpc_url, "eth_chainId"), 16)
        block = int(rpc_call(settings.rpc_url, "eth_blockNumber"), 16)
    except (OSError, RuntimeError) as exc:
        out.error(f"chain unreachable at {settings.rpc_url}: {exc}")
        out.result({"reachable": False, "rpc_url": settings.rpc_url, "pid": pid})
        raise typer.Exit(int(ExitCode.CHAIN)) from None
    running = f", embedded Anvil pid {pid}" if pid else ""
    out.info(f"chain {chain_id} at {settings.rpc_url}, block {block}{running}")
    out.result(
        {"reachable": True, "rpc_url": settings.rpc_url, "chain_id": chain_id, "block": block,
         "pid": pid}
    )  # fmt: skip


@app.command("faucet")
@command
def faucet(
    ctx: typer.Context,
    to: Annotated[
        str, typer.Option("--to", metavar="ADDR", help="Who receives the test stablecoin.")
    ],
    amount: Annotated[
        str, typer.Option("--amount", metavar="AMOUNT", help='tUSD to mint, e.g. "10,000".')
    ] = "10,000",
) -> None:
    """Mint the test stablecoin (tUSD, 6 decimals) to an account, on a local chain only. Signed
    by its minter, the deployer: a dev:N account is used by itself, any other needs --account."""
    from fabtrust.accounts import DEV_ADDRESSES, Signer
    from fabtrust.errors import InvalidInputError

    from ._parse import client_of, parse_address, parse_amount
    from ._render import fmt_amount

    settings = settings_of(ctx)
    out = settings.output
    receiver = parse_address(to, option="--to")
    units = parse_amount(amount, decimals=6)
    reader = client_of(ctx, signer=False)
    chain_id = reader.chain.connection.chain_id
    if not reader.chain.connection.is_local:
        raise InvalidInputError(
            f"the faucet works on local chains only (this is chain {chain_id})", field="to"
        )
    if "TestStablecoin" not in reader.deployment.contracts:
        raise InvalidInputError("this deployment has no TestStablecoin", field="to")
    minter = str(reader.chain.call("TestStablecoin", "minter"))
    dev = [i for i, a in enumerate(DEV_ADDRESSES) if a.lower() == minter.lower()]
    if settings.account is None and settings.private_key_file is None and dev:
        settings.use_signer(Signer.dev(dev[0]))
    client = client_of(ctx)
    tx = client.chain.transact("TestStablecoin", "mint", receiver, units)
    balance = int(client.chain.call("TestStablecoin", "balanceOf", receiver))
    out.info(
        f"minted {fmt_amount(units, 6)} tUSD to {receiver} in tx {tx.tx_hash}; balance "
        f"{fmt_amount(balance, 6)} tUSD"
    )
    out.result(
        {"to": receiver, "amount": units, "balance": balance, "token": "tUSD", "tx": tx_data(tx)}
    )
