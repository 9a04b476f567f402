"""Peers measured in the same run as fabtrust: EAS `attest` and an OpenZeppelin ERC721 `_mint`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from web3 import Web3

from ._gas import Measured, deploy, measure

HERE = Path(__file__).resolve().parent


def compile_peers() -> dict[str, dict[str, object]]:
    out = subprocess.run(
        ["node", str(HERE / "compile_peers.js")],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def measure_peers(w3: Web3) -> dict[str, Measured]:
    artifacts = compile_peers()
    sender, recipient = w3.eth.accounts[0], w3.eth.accounts[1]
    registry = deploy(w3, artifacts["SchemaRegistry"])
    eas = deploy(w3, artifacts["EAS"], registry.address)
    schema = "bytes32 deviceId,bytes32 reportSha256,bytes32 dataRoot,bytes32 testSpec"
    tx = registry.functions.register(schema, "0x" + "00" * 20, True).transact({"from": sender})
    w3.eth.wait_for_transaction_receipt(tx)
    uid = Web3.solidity_keccak(["string", "address", "bool"], [schema, "0x" + "00" * 20, True])
    results: list[Measured] = []
    for _ in range(2):  # the second one: no first-time costs for the attester
        data = b"".join(os.urandom(32) for _ in range(4))
        request = (uid, (recipient, 0, True, b"\x00" * 32, data, 0))
        results.append(
            measure(w3, "EAS attest (4 x bytes32)", eas.functions.attest(request), sender)
        )
    token = deploy(w3, artifacts["BenchERC721"])
    token.functions.mint(recipient, 1).transact({"from": sender})
    mint = measure(w3, "OpenZeppelin ERC721 _mint", token.functions.mint(recipient, 2), sender)
    return {"eas_attest": results[-1], "erc721_mint": mint}
