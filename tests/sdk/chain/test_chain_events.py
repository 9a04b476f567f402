"""iter_logs (chunking, halving on provider limits) and follow (confirmations, dedupe, re-orgs)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chain_helpers import Node, calldata, deploy
from eth_abi.abi import decode
from eth_utils.crypto import keccak
from web3 import Web3
from web3.exceptions import Web3RPCError

from fabtrust.accounts import Signer
from fabtrust.chain import RawLog, TransactionSender, follow, iter_logs
from fabtrust.errors import ChainError

BUMPED = "0x" + keccak(text="Bumped(uint256,address,bytes)").hex()


@pytest.fixture(scope="module")
def node(node_factory: Callable[..., Node]) -> Node:
    return node_factory()


@pytest.fixture(scope="module")
def sender(node: Node) -> TransactionSender:
    return TransactionSender(node.w3, Signer.dev(1), poll_interval=0.02)


@pytest.fixture
def contract(node: Node, thrower_artifact: dict[str, Any]) -> str:
    return deploy(node, thrower_artifact, Signer.dev(2))


def bump(sender: TransactionSender, artifact: dict[str, Any], contract: str, note: bytes) -> int:
    receipt = sender.send({"to": contract, "data": calldata(artifact, "bump", note)})
    return receipt.block_number


def note_of(log: RawLog) -> bytes:
    (note,) = decode(["bytes"], log.data_bytes())
    return bytes(note)


def test_iter_logs_in_chunks(
    node: Node, sender: TransactionSender, thrower_artifact: dict[str, Any], contract: str
) -> None:
    start = node.w3.eth.block_number
    blocks = [bump(sender, thrower_artifact, contract, bytes([i])) for i in range(12)]
    node.mine(3)  # empty blocks in between do not matter
    for chunk in (1, 3, 5, 100):
        logs = list(
            iter_logs(
                node.w3, address=contract, topics=[BUMPED], from_block=start, chunk_size=chunk
            )
        )
        assert [note_of(log) for log in logs] == [bytes([i]) for i in range(12)]
        assert [log.block_number for log in logs] == blocks
    # topic filter on the indexed value: counter == 3 only
    third = "0x" + (3).to_bytes(32, "big").hex()
    logs = list(iter_logs(node.w3, address=contract, topics=[BUMPED, third], from_block=start))
    assert [note_of(log) for log in logs] == [bytes([2])]
    # the log converts back to web3's shape and decodes with web3 itself
    web3_contract = node.w3.eth.contract(address=contract, abi=thrower_artifact["abi"])  # type: ignore[call-overload]
    event = web3_contract.events.Bumped().process_log(logs[0].to_web3())
    assert event["args"]["value"] == 3 and event["args"]["note"] == bytes([2])


def test_iter_logs_halves_the_chunk_when_the_provider_objects(
    node: Node,
    sender: TransactionSender,
    thrower_artifact: dict[str, Any],
    contract: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = node.w3.eth.block_number + 1
    for i in range(10):
        bump(sender, thrower_artifact, contract, bytes([i]))
    real = node.w3.eth.get_logs
    ranges: list[int] = []

    def limited(params: dict[str, Any]) -> Any:
        size = int(params["toBlock"]) - int(params["fromBlock"]) + 1
        ranges.append(size)
        if size > 3:
            raise Web3RPCError(
                "limit",
                rpc_response={
                    "error": {"code": -32005, "message": "query returned more than 10000 results"}
                },
            )
        return real(params)  # type: ignore[arg-type]

    monkeypatch.setattr(node.w3.eth, "get_logs", limited)
    logs = list(iter_logs(node.w3, address=contract, from_block=start, chunk_size=64))
    assert [note_of(log) for log in logs] == [bytes([i]) for i in range(10)]
    assert ranges[:3] == [10, 5, 2]  # halved from the range actually asked for
    assert len(ranges) <= 12
    # other errors are not retried
    monkeypatch.setattr(
        node.w3.eth,
        "get_logs",
        lambda params: (_ for _ in ()).throw(
            Web3RPCError(
                "bad", rpc_response={"error": {"code": -32602, "message": "invalid params"}}
            )
        ),
    )
    with pytest.raises(ChainError, match="invalid params"):
        list(iter_logs(node.w3, address=contract, from_block=start))


class _Watched(Web3.HTTPProvider):
    """The follower's own provider: notes how far its eth_getLogs scans reached and counts the
    polls (eth_blockNumber) started since, so a test can wait until a scan is complete."""

    def __init__(self, url: str) -> None:
        super().__init__(url, request_kwargs={"timeout": 10})
        self.scanned_to = -1
        self.polls_since_scan = 0
        self.lock = threading.Lock()

    def make_request(self, method: Any, params: Any) -> Any:
        with self.lock:
            if method == "eth_getLogs":
                reached = int(params[0]["toBlock"], 16)
                if reached > self.scanned_to:
                    self.scanned_to, self.polls_since_scan = reached, 0
            elif method == "eth_blockNumber":
                self.polls_since_scan += 1
        return super().make_request(method, params)


class Follower:
    """Runs follow() in a thread and hands out what it yields."""

    def __init__(self, node: Node, **kwargs: Any) -> None:
        self.items: queue.Queue[RawLog] = queue.Queue()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.provider = _Watched(node.url)
        self.thread = threading.Thread(target=self._run, args=(kwargs,), daemon=True)
        self.thread.start()

    def scanned(self, block: int) -> bool:
        """True once a scan up to ``block`` finished (the next poll began: the tip is stored)."""
        with self.provider.lock:
            return self.provider.scanned_to >= block and self.provider.polls_since_scan > 0

    def _run(self, kwargs: dict[str, Any]) -> None:
        try:
            w3 = Web3(self.provider)
            for log in follow(w3, stop=self.stop, poll_interval=0.05, **kwargs):
                self.items.put(log)
        except BaseException as exc:
            self.errors.append(exc)

    def take(self, n: int, timeout: float = 15.0) -> list[RawLog]:
        return [self.items.get(timeout=timeout) for _ in range(n)]

    def nothing_for(self, seconds: float) -> bool:
        try:
            self.items.get(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        assert not self.errors, self.errors


@pytest.fixture
def followers() -> Iterator[Callable[..., Follower]]:
    made: list[Follower] = []

    def make(node: Node, **kwargs: Any) -> Follower:
        follower = Follower(node, **kwargs)
        made.append(follower)
        return follower

    yield make
    for follower in made:
        follower.close()


def test_follow_waits_for_confirmations(
    node: Node,
    sender: TransactionSender,
    thrower_artifact: dict[str, Any],
    contract: str,
    followers: Callable[..., Follower],
) -> None:
    start = node.w3.eth.block_number + 1
    follower = followers(node, address=contract, topics=[BUMPED], from_block=start, confirmations=2)
    bump(sender, thrower_artifact, contract, b"a")
    assert follower.nothing_for(0.5)  # 0 confirmations so far
    node.mine()
    assert follower.nothing_for(0.3)  # 1
    node.mine()
    [log] = follower.take(1)  # 2
    assert note_of(log) == b"a" and not log.removed
    node.mine(3)
    assert follower.nothing_for(0.4)  # never twice


def test_follow_withdraws_reorged_logs(
    node: Node,
    sender: TransactionSender,
    thrower_artifact: dict[str, Any],
    contract: str,
    followers: Callable[..., Follower],
) -> None:
    start = node.w3.eth.block_number + 1
    follower = followers(node, address=contract, topics=[BUMPED], from_block=start)
    bump(sender, thrower_artifact, contract, b"keep")
    [kept] = follower.take(1)
    snapshot = node.rpc("evm_snapshot")
    bump(sender, thrower_artifact, contract, b"orphan")
    [orphan] = follower.take(1)
    assert note_of(orphan) == b"orphan"
    # re-org: back to the snapshot, and a different block at the same height
    assert node.rpc("evm_revert", [snapshot]) is True
    sender.nonces.forget(sender.address)
    node.mine()  # an empty block replaces the orphan's block
    bump(sender, thrower_artifact, contract, b"new branch")
    withdrawn, fresh = follower.take(2)
    assert withdrawn.removed and withdrawn.key == orphan.key and note_of(withdrawn) == b"orphan"
    assert not fresh.removed and note_of(fresh) == b"new branch"
    assert fresh.block_number > orphan.block_number
    assert follower.nothing_for(0.4)
    assert kept.block_number < orphan.block_number


def test_follow_from_the_past_yields_history_once(
    node: Node,
    sender: TransactionSender,
    thrower_artifact: dict[str, Any],
    contract: str,
    followers: Callable[..., Follower],
) -> None:
    start = node.w3.eth.block_number + 1
    for i in range(5):
        bump(sender, thrower_artifact, contract, bytes([i]))
    follower = followers(node, address=contract, from_block=start, chunk_size=2)
    logs = follower.take(5)
    assert [note_of(log) for log in logs] == [bytes([i]) for i in range(5)]
    assert len({log.key for log in logs}) == 5
    bump(sender, thrower_artifact, contract, b"live")
    [live] = follower.take(1)
    assert note_of(live) == b"live"
    assert follower.nothing_for(0.3)


def test_follow_detects_a_reorg_below_the_tip(
    node: Node,
    wait_until: Callable[..., None],
    sender: TransactionSender,
    thrower_artifact: dict[str, Any],
    contract: str,
    followers: Callable[..., Follower],
) -> None:
    """The orphaned log is 3 blocks below the head the follower last saw."""
    start = node.w3.eth.block_number + 1
    follower = followers(node, address=contract, topics=[BUMPED], from_block=start)
    snapshot = node.rpc("evm_snapshot")
    bump(sender, thrower_artifact, contract, b"deep orphan")
    [orphan] = follower.take(1)
    node.mine(3)
    head = node.w3.eth.block_number
    wait_until(lambda: follower.scanned(head), what="the follower to scan the empty blocks")
    assert node.rpc("evm_revert", [snapshot]) is True
    sender.nonces.forget(sender.address)
    node.mine(6)  # a longer branch without the orphan
    bump(sender, thrower_artifact, contract, b"after")
    withdrawn, fresh = follower.take(2)
    assert withdrawn.removed and withdrawn.key == orphan.key
    assert note_of(fresh) == b"after" and not fresh.removed
    assert follower.nothing_for(0.3)
