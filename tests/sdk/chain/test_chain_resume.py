"""Journal + resume: a process killed mid-send neither repeats nor loses its transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chain_helpers import HERE, ROOT, Node
from eth_account import Account

from fabtrust.accounts import Signer
from fabtrust.chain import Journal, TransactionSender
from fabtrust.errors import InvalidInputError

DEAD = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture(scope="module")
def node(node_factory: Callable[..., Node]) -> Node:
    return node_factory()


@pytest.fixture
def manual_mining(node: Node) -> Iterator[None]:
    node.automine(False)
    yield
    node.automine(True)


def funded_key(node: Node) -> tuple[str, Signer]:
    account = Account.create()
    key = "0x" + bytes(account.key).hex()
    node.rpc("anvil_setBalance", [account.address, hex(10**20)])
    return key, Signer.from_key(key)


def count(node: Node, address: str, block: str = "latest") -> int:
    return int(node.w3.eth.get_transaction_count(address, block))  # type: ignore[arg-type]


def sender_for(node: Node, signer: Signer, journal: Journal, **kw: Any) -> TransactionSender:
    opts: dict[str, Any] = {
        "poll_interval": 0.02,
        "receipt_timeout": 20.0,
        "stuck_after": 20.0,
        "dropped_grace": 0.3,
    }
    opts.update(kw)
    return TransactionSender(node.w3, signer, journal=journal, **opts)


def in_pool(node: Node, tx_hash: str) -> bool:
    try:
        return node.w3.eth.get_transaction(tx_hash) is not None  # type: ignore[arg-type]
    except Exception:
        return False


def test_killed_after_broadcast_resume_marks_mined_without_resending(
    node: Node, tmp_path: Path, manual_mining: None
) -> None:
    key, signer = funded_key(node)
    journal_path = tmp_path / "journal.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "sdk")}
    child = subprocess.Popen(
        [sys.executable, str(HERE / "crash_child.py"), node.url, str(journal_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdin is not None
    child.stdin.write((key + "\n").encode())
    child.stdin.close()
    try:
        deadline = time.monotonic() + 30
        tx_hash = None
        while time.monotonic() < deadline and child.poll() is None:
            if journal_path.exists():
                with Journal(journal_path) as peek:
                    pending = peek.pending()
                if pending and in_pool(node, pending[0].tx_hashes[0]):
                    tx_hash = pending[0].tx_hashes[0]
                    break
            time.sleep(0.05)
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        assert tx_hash is not None, "the child never broadcast"
        os.kill(child.pid, signal.SIGKILL)  # after broadcast, before the receipt
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    node.mine()  # the transaction lands while nobody is watching
    assert count(node, signer.address) == 1

    with Journal(journal_path) as journal:
        [entry] = journal.pending()
        assert entry.nonce == 0 and entry.tx_hashes == (tx_hash,)
        outcomes = sender_for(node, signer, journal).resume()
        assert [(o.status, o.tx_hash, o.nonce) for o in outcomes] == [("mined", tx_hash, 0)]
        assert outcomes[0].receipt is not None and outcomes[0].receipt.status == 1
        assert journal.pending() == []
        assert journal.get(entry.id).status == "mined"  # type: ignore[union-attr]
        # nothing was sent again
        node.mine()
        assert count(node, signer.address) == 1
        assert count(node, signer.address, "pending") == 1
        # a second resume has nothing to do
        assert sender_for(node, signer, journal).resume() == []


def _journal_unsent(node: Node, signer: Signer, journal: Journal, nonce: int) -> tuple[int, str]:
    """What a crash between 'journal written' and 'broadcast' leaves behind."""
    base_fee = int(node.w3.eth.get_block("latest")["baseFeePerGas"])
    tx: dict[str, Any] = {
        "to": DEAD,
        "value": 777,
        "data": "0x",
        "chainId": node.w3.eth.chain_id,
        "nonce": nonce,
        "gas": 21000,
        "maxFeePerGas": 3 * base_fee + 10**9,
        "maxPriorityFeePerGas": 10**9,
        "type": 2,
    }
    signed = signer.sign_transaction(tx)
    entry_id = journal.record(
        chain_id=node.w3.eth.chain_id,
        sender=signer.address,
        nonce=nonce,
        tx_hash=signed.tx_hash,
        raw_tx=signed.raw_transaction,
        tx=tx,
        fee_ceiling=tx["maxFeePerGas"],
    )
    return entry_id, signed.tx_hash


def test_journalled_but_never_broadcast_is_sent_once(node: Node, tmp_path: Path) -> None:
    _, signer = funded_key(node)
    with Journal(tmp_path / "j.db") as journal:
        entry_id, tx_hash = _journal_unsent(node, signer, journal, nonce=0)
        assert not in_pool(node, tx_hash)
        outcomes = sender_for(node, signer, journal).resume()
        assert [(o.entry_id, o.status, o.tx_hash) for o in outcomes] == [
            (entry_id, "mined", tx_hash)
        ]
        assert count(node, signer.address) == 1
        assert node.w3.eth.get_transaction(tx_hash)["value"] == 777  # type: ignore[arg-type]
        assert sender_for(node, signer, journal).resume() == []
        assert count(node, signer.address) == 1
        # the sender continues with the next nonce
        receipt = sender_for(node, signer, journal).send({"to": DEAD, "value": 1})
        assert receipt.nonce == 1


def test_nonce_taken_by_another_tx_is_marked_dropped(node: Node, tmp_path: Path) -> None:
    _, signer = funded_key(node)
    with Journal(tmp_path / "j.db") as journal:
        entry_id, tx_hash = _journal_unsent(node, signer, journal, nonce=0)
        # another transaction with nonce 0 lands first
        other = TransactionSender(node.w3, signer, poll_interval=0.02)
        other.send({"to": DEAD, "value": 1})
        assert count(node, signer.address) == 1
        outcomes = sender_for(node, signer, journal).resume()
        assert [(o.status, o.tx_hash) for o in outcomes] == [("dropped", tx_hash)]
        assert journal.get(entry_id).status == "dropped"  # type: ignore[union-attr]
        assert count(node, signer.address, "pending") == 1  # not repeated with a new nonce


def test_resume_without_waiting_rebroadcasts(
    node: Node, tmp_path: Path, manual_mining: None
) -> None:
    _, signer = funded_key(node)
    with Journal(tmp_path / "j.db") as journal:
        _, tx_hash = _journal_unsent(node, signer, journal, nonce=0)
        outcomes = sender_for(node, signer, journal).resume(wait=False)
        assert [(o.status, o.tx_hash) for o in outcomes] == [("rebroadcast", tx_hash)]
        assert in_pool(node, tx_hash)
        assert [e.status for e in journal.pending()] == ["pending"]
        node.mine()
        outcomes = sender_for(node, signer, journal).resume()
        assert [(o.status, o.tx_hash) for o in outcomes] == [("mined", tx_hash)]


def test_resume_ignores_other_signers_and_chains(node: Node, tmp_path: Path) -> None:
    _, signer = funded_key(node)
    _, someone = funded_key(node)
    with Journal(tmp_path / "j.db") as journal:
        _journal_unsent(node, someone, journal, nonce=0)
        journal.record(
            chain_id=5,
            sender=signer.address,
            nonce=0,
            tx_hash="0x" + "11" * 32,
            raw_tx=b"\x02",
            tx={},
            fee_ceiling=1,
        )
        assert sender_for(node, signer, journal).resume() == []
        assert len(journal.pending()) == 2
        assert count(node, someone.address, "pending") == 0


def test_journal_is_thread_safe_and_durable(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "j.db"
    journal = Journal(path)

    def write(i: int) -> int:
        entry = journal.record(
            chain_id=1,
            sender=DEAD,
            nonce=i,
            tx_hash=f"0x{i:064x}",
            raw_tx=bytes([i % 256]),
            tx={"nonce": i, "data": b"\x01"},
            fee_ceiling=i,
        )
        journal.add_attempt(
            entry, tx_hash=f"0x{i + 10_000:064x}", raw_tx=b"r", tx={}, fee_ceiling=i + 1
        )
        if i % 2:
            journal.mark(entry, "mined", mined_hash=f"0x{i:064x}", block_number=i)
        return entry

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(write, range(100)))
    journal.close()
    with Journal(path) as again:
        pending = again.pending()
        assert sorted(e.nonce for e in pending) == list(range(0, 100, 2))
        entry = again.get(ids[3])
        assert entry is not None and entry.status == "mined" and entry.block_number == 3
        assert entry.tx_hashes == (f"0x{3:064x}", f"0x{10_003:064x}")
        assert entry.attempts[0].tx == {"nonce": 3, "data": "0x01"}
        assert again.find_by_hash(f"0x{10_003:064x}") == entry
        with pytest.raises(InvalidInputError):
            again.mark(ids[0], "bogus")  # type: ignore[arg-type]
