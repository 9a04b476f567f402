"""Helpers for the chain-core tests: real Anvil (and Ganache) nodes on this suite's own ports.

Ports 18640-18649 belong to this suite; each test module starts its own node on its own port,
so modules never share chain state and may run in parallel (pytest-xdist). The nodes are killed
(by their pid) at teardown.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from fabtrust.accounts import Signer
from fabtrust.testing import LocalAnvil, free_port

ROOT = Path(__file__).resolve().parents[3]
BIN = ROOT / ".venv" / "bin"
HERE = Path(__file__).resolve().parent

THROWER_SOURCE = """
// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// A tiny contract for the chain-core tests: events, custom errors, reason strings, panics.
contract Thrower {
    struct Item {
        uint64 id;
        string tag;
    }

    error Foo(uint256 a, address b);
    error Bar();
    error WithTuple(Item item, uint256[] values);

    event Bumped(uint256 indexed value, address indexed by, bytes note);

    uint256 public counter;

    function bump(bytes calldata note) external {
        counter += 1;
        emit Bumped(counter, msg.sender, note);
    }

    function foo(uint256 a) external {
        counter += 0;
        revert Foo(a, msg.sender);
    }

    function bar() external pure { revert Bar(); }

    function tupled() external pure {
        uint256[] memory v = new uint256[](2);
        v[0] = 1;
        v[1] = 2;
        revert WithTuple(Item(7, "seven"), v);
    }

    function requireFail() external pure { require(false, "nope"); }

    function divide(uint256 x) external pure returns (uint256) { return 1 / x; }

    function emptyRevert() external pure { revert(); }

    /// Succeeds while counter <= limit, then reverts with Foo(counter, sender).
    function bumpUpTo(uint256 limit) external {
        if (counter >= limit) revert Foo(counter, msg.sender);
        counter += 1;
    }
}
"""


def _wait_rpc(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"node on {url} exited with {proc.returncode}")
        try:
            w3.eth.chain_id  # noqa: B018 - probe
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"node on {url} did not come up in {timeout} s")


class Node:
    """A running local node and a raw web3 connection to it."""

    def __init__(self, url: str, proc: subprocess.Popen[bytes], kind: str) -> None:
        self.url = url
        self.proc = proc
        self.kind = kind
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 10}))

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        response = self.w3.provider.make_request(method, params or [])  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response.get("result")

    def automine(self, on: bool) -> None:
        if self.kind == "anvil":
            self.rpc("evm_setAutomine", [on])
        else:
            self.rpc("miner_start" if on else "miner_stop")

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self.rpc("evm_mine")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_anvil(*extra: str) -> Node:
    """Anvil with its own fees and gas limit (fabtrust.testing.LocalAnvil) on a free port."""
    anvil = LocalAnvil(gas_limit=None, base_fee=None, extra_args=extra).start()
    assert anvil.process is not None
    try:
        _wait_rpc(anvil.url, anvil.process)
    except BaseException:
        anvil.stop()
        raise
    return Node(anvil.url, anvil.process, "anvil")


def start_ganache() -> Node:
    port = free_port()
    exe = BIN / "ganache-cli"
    if not exe.exists() and shutil.which("ganache-cli") is None:
        pytest.skip("ganache-cli is not installed")
    proc = subprocess.Popen(
        [
            str(exe),
            "--port",
            str(port),
            "--chain.chainId",
            "1337",
            "--hardfork",
            "shanghai",
            "--wallet.mnemonic",
            "test test test test test test test test test test test junk",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_rpc(url, proc, timeout=60)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return Node(url, proc, "ganache")


def deploy(node: Node, artifact: dict[str, Any], signer: Signer) -> str:
    """Deploy with a raw signed transaction (independent of the code under test)."""
    w3 = node.w3
    nonce = w3.eth.get_transaction_count(signer.address, "pending")  # type: ignore[arg-type]
    signed = signer.sign_transaction(
        {
            "type": 2,
            "chainId": w3.eth.chain_id,
            "nonce": nonce,
            "data": artifact["bytecode"],
            "value": 0,
            "gas": 1_000_000,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
        }
    )
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    assert receipt["status"] == 1
    return str(receipt["contractAddress"])


def calldata(artifact: dict[str, Any], fn: str, *args: Any) -> str:
    contract = Web3().eth.contract(abi=artifact["abi"])
    return str(contract.encode_abi(fn, list(args)))
