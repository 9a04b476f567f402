"""The same sender and revert decoding against Ganache 7 (its error shapes differ from Anvil's)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from chain_helpers import Node, calldata, deploy

from fabtrust.accounts import Signer
from fabtrust.chain import TransactionSender, connect_web3
from fabtrust.errors import ContractError, RevertReasonError, TransactionRevertedError


@pytest.fixture(scope="module")
def node(node_factory: Callable[..., Node]) -> Node:
    return node_factory(kind="ganache")


@pytest.fixture(scope="module")
def thrower(node: Node, thrower_artifact: dict[str, Any]) -> str:
    return deploy(node, thrower_artifact, Signer.dev(9))


def sender(node: Node, index: int) -> TransactionSender:
    # Ganache 7 sometimes leaves an eth_estimateGas unanswered while it mines a block for another
    # thread: a short request timeout (retried) keeps that from costing 30 s.
    w3 = connect_web3(node.url, timeout=2, retries=3).w3
    return TransactionSender(w3, Signer.dev(index), poll_interval=0.02, receipt_timeout=30)


def test_connect_and_concurrent_sends(node: Node) -> None:
    conn = connect_web3(node.url)
    assert conn.chain_id == 1337 and conn.is_local and "ganache" in conn.client_version.lower()
    s = sender(node, 1)
    start = node.w3.eth.get_transaction_count(s.address)  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=4) as pool:
        receipts = list(
            pool.map(lambda i: s.send({"to": Signer.dev(2).address, "value": i + 1}), range(20))
        )
    assert sorted(r.nonce for r in receipts) == list(range(start, start + 20))  # type: ignore[type-var]
    assert all(r.status == 1 for r in receipts)


def test_estimation_reverts_are_decoded(
    node: Node, thrower: str, thrower_artifact: dict[str, Any]
) -> None:
    s = sender(node, 3)
    abi = thrower_artifact["abi"]
    with pytest.raises(ContractError) as foo:
        s.send({"to": thrower, "data": calldata(thrower_artifact, "foo", 5)}, abis_for_errors=[abi])
    assert foo.value.error_name == "Foo" and foo.value.a == 5
    assert foo.value.b == s.address
    with pytest.raises(RevertReasonError) as reason:
        s.send({"to": thrower, "data": calldata(thrower_artifact, "requireFail")})
    assert reason.value.reason == "nope"
    with pytest.raises(ContractError) as tupled:
        s.send({"to": thrower, "data": calldata(thrower_artifact, "tupled")}, abis_for_errors=[abi])
    assert tupled.value.item == (7, "seven") and tupled.value.values == (1, 2)


def test_mined_revert_is_decoded(
    node: Node, thrower: str, thrower_artifact: dict[str, Any]
) -> None:
    s = sender(node, 4)
    with pytest.raises(ContractError) as info:
        s.send(
            {"to": thrower, "data": calldata(thrower_artifact, "foo", 9), "gas": 100_000},
            abis_for_errors=[thrower_artifact["abi"]],
        )
    assert info.value.tx_hash is not None and info.value.a == 9
    receipt = node.w3.eth.get_transaction_receipt(info.value.tx_hash)  # type: ignore[arg-type]
    assert receipt["status"] == 0
    with pytest.raises(TransactionRevertedError) as empty:
        s.send({"to": thrower, "data": calldata(thrower_artifact, "emptyRevert"), "gas": 100_000})
    assert empty.value.tx_hash is not None and not isinstance(empty.value, ContractError)
