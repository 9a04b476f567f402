"""TransactionSender against a real Anvil: concurrency, nonce errors, stuck replacement, reverts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from chain_helpers import Node, calldata, deploy
from eth_utils.crypto import keccak
from pydantic import ValidationError
from web3.exceptions import Web3RPCError

import fabtrust.chain._sender as sender_module
from fabtrust.accounts import Signer
from fabtrust.chain import FeePolicy, Journal, NonceManager, TransactionSender, TxReceipt
from fabtrust.chain._models import receipt_from_rpc
from fabtrust.chain._rpc import raw_request
from fabtrust.errors import (
    ContractError,
    FeeCapExceededError,
    InvalidInputError,
    PanicError,
    RevertReasonError,
    TransactionError,
    TransactionRevertedError,
    TransactionTimeoutError,
    UnknownContractError,
    error_class_for,
)

GWEI = 10**9


@pytest.fixture(scope="module")
def node(node_factory: Callable[..., Node]) -> Node:
    return node_factory()


@pytest.fixture(scope="module")
def thrower(node: Node, thrower_artifact: dict[str, Any]) -> str:
    return deploy(node, thrower_artifact, Signer.dev(9))


@pytest.fixture
def automine(node: Node) -> Iterator[None]:
    """Tests that switch automine off get it back on, whatever happens."""
    yield
    node.automine(True)


def fresh_signer(node: Node) -> Signer:
    """A new random account with 100 ETH (anvil_setBalance): tests never share nonces."""
    signer = Signer.generate()
    node.rpc("anvil_setBalance", [signer.address, hex(100 * 10**18)])
    return signer


def make_sender(node: Node, signer: Signer, **options: Any) -> TransactionSender:
    opts: dict[str, Any] = {
        "poll_interval": 0.02,
        "receipt_timeout": 30.0,
        "stuck_after": 30.0,
        "dropped_grace": 0.3,
    }
    opts.update(options)
    return TransactionSender(node.w3, signer, **opts)


def transfer(
    to: str = "0x000000000000000000000000000000000000dEaD", value: int = 1
) -> dict[str, Any]:
    return {"to": to, "value": value}


def count(node: Node, address: str, block: str = "latest") -> int:
    return int(node.w3.eth.get_transaction_count(address, block))  # type: ignore[arg-type]


# -- happy path and concurrency ----------------------------------------------------------------


def test_send_returns_frozen_receipt(
    node: Node, thrower: str, thrower_artifact: dict[str, Any]
) -> None:
    signer = fresh_signer(node)
    sender = make_sender(node, signer)
    receipt = sender.send({"to": thrower, "data": calldata(thrower_artifact, "bump", b"hi")})
    assert isinstance(receipt, TxReceipt)
    assert receipt.status == 1 and receipt.succeeded
    assert receipt.sender == signer.address and receipt.to == thrower and receipt.nonce == 0
    chain = node.w3.eth.get_transaction_receipt(receipt.tx_hash)  # type: ignore[arg-type]
    assert receipt.block_number == chain["blockNumber"]
    assert receipt.block_hash == "0x" + bytes(chain["blockHash"]).hex()
    assert receipt.gas_used == chain["gasUsed"]
    assert receipt.effective_gas_price == chain["effectiveGasPrice"]
    assert len(receipt.logs) == 1
    log = receipt.logs[0]
    assert log.address == thrower
    assert log.topics[0] == "0x" + keccak(text="Bumped(uint256,address,bytes)").hex()
    assert log.tx_hash == receipt.tx_hash
    with pytest.raises(ValidationError, match="frozen"):
        receipt.status = 0  # type: ignore[misc]
    # the receipt serialises to JSON (CLI --json)
    assert receipt.model_dump(mode="json")["tx_hash"] == receipt.tx_hash


def test_contract_creation(node: Node, thrower_artifact: dict[str, Any]) -> None:
    sender = make_sender(node, fresh_signer(node))
    receipt = sender.send({"data": thrower_artifact["bytecode"]})
    assert receipt.contract_address is not None and receipt.to is None
    assert len(node.w3.eth.get_code(receipt.contract_address)) > 0  # type: ignore[arg-type]


def test_concurrent_sends_use_each_nonce_once(node: Node, tmp_path: Path) -> None:
    signer = fresh_signer(node)
    with Journal(tmp_path / "journal.db") as journal:
        sender = make_sender(node, signer, journal=journal)

        def worker(thread: int) -> list[TxReceipt]:
            return [sender.send(transfer(value=thread * 100 + i + 1)) for i in range(25)]

        with ThreadPoolExecutor(max_workers=8) as pool:
            receipts = [r for batch in pool.map(worker, range(8)) for r in batch]
        assert len(receipts) == 200
        assert all(r.status == 1 for r in receipts)
        assert sorted(r.nonce for r in receipts) == list(range(200))  # type: ignore[type-var]
        assert len({r.tx_hash for r in receipts}) == 200
        # the chain agrees: 200 transactions, nonces 0..199, each value sent exactly once
        assert count(node, signer.address) == 200
        values = set()
        nonces = set()
        for r in receipts:
            tx = node.w3.eth.get_transaction(r.tx_hash)  # type: ignore[arg-type]
            nonces.add(tx["nonce"])
            values.add(tx["value"])
        assert nonces == set(range(200))
        assert values == {t * 100 + i + 1 for t in range(8) for i in range(25)}
        assert journal.pending() == []
        assert {e.status for e in journal.entries(limit=500)} == {"mined"}


# -- nonce errors ------------------------------------------------------------------------------


def _fixed_tx(node: Node, signer: Signer, nonce: int) -> dict[str, Any]:
    base_fee = int(node.w3.eth.get_block("latest")["baseFeePerGas"])
    return {
        "to": "0x000000000000000000000000000000000000bEEF",
        "value": 7,
        "nonce": nonce,
        "gas": 21000,
        "maxFeePerGas": 3 * base_fee + GWEI,
        "maxPriorityFeePerGas": GWEI,
    }


def _signed_like_sender(node: Node, signer: Signer, tx: dict[str, Any]) -> Any:
    return signer.sign_transaction({**tx, "chainId": node.w3.eth.chain_id, "type": 2, "data": "0x"})


def test_nonce_too_low_for_our_own_landed_tx_is_success(node: Node) -> None:
    signer = fresh_signer(node)
    tx = _fixed_tx(node, signer, nonce=0)
    signed = _signed_like_sender(node, signer, tx)
    node.w3.eth.send_raw_transaction(signed.raw_transaction)  # lands first (automine)
    node.w3.eth.wait_for_transaction_receipt(signed.tx_hash, timeout=10)
    assert count(node, signer.address) == 1
    receipt = make_sender(node, signer).send(tx)  # same nonce, same bytes → "nonce too low"
    assert receipt.tx_hash == signed.tx_hash
    assert receipt.status == 1 and receipt.nonce == 0
    assert count(node, signer.address) == 1  # nothing sent twice


def test_already_known_is_success(node: Node, automine: None) -> None:
    signer = fresh_signer(node)
    tx = _fixed_tx(node, signer, nonce=0)
    signed = _signed_like_sender(node, signer, tx)
    node.automine(False)
    node.w3.eth.send_raw_transaction(signed.raw_transaction)  # in the pool, not mined
    timer = threading.Timer(0.5, node.mine)
    timer.start()
    receipt = make_sender(node, signer).send(tx)  # "already imported"
    timer.join()
    assert receipt.tx_hash == signed.tx_hash
    assert count(node, signer.address) == 1


def test_nonce_taken_by_someone_else_is_resent_with_a_new_nonce(node: Node, tmp_path: Path) -> None:
    signer = fresh_signer(node)
    journal = Journal(tmp_path / "j.db")
    sender = make_sender(node, signer, journal=journal)
    first = sender.send(transfer(value=1))
    assert first.nonce == 0
    # another process with the same key uses nonce 1 behind our back
    foreign = _signed_like_sender(node, signer, _fixed_tx(node, signer, nonce=1))
    node.w3.eth.send_raw_transaction(foreign.raw_transaction)
    node.w3.eth.wait_for_transaction_receipt(foreign.tx_hash, timeout=10)
    second = sender.send(transfer(value=2))
    assert second.nonce == 2  # the manager thought 1 was next; the node said "nonce too low"
    assert count(node, signer.address) == 3
    statuses = [(e.nonce, e.status) for e in reversed(journal.entries())]
    assert statuses == [(0, "mined"), (1, "dropped"), (2, "mined")]
    journal.close()


def test_explicit_nonce_used_by_another_tx_is_an_error(node: Node) -> None:
    signer = fresh_signer(node)
    sender = make_sender(node, signer)
    sender.send(transfer())
    with pytest.raises(TransactionError, match="nonce 0 was used by another transaction"):
        sender.send({**transfer(value=99), "nonce": 0})


def test_stuck_transaction_is_replaced_with_higher_fees(
    node: Node, tmp_path: Path, automine: None
) -> None:
    signer = fresh_signer(node)
    journal = Journal(tmp_path / "j.db")
    sender = make_sender(node, signer, journal=journal, stuck_after=0.3)
    node.automine(False)
    result: dict[str, Any] = {}

    def send() -> None:
        try:
            result["receipt"] = sender.send(transfer(value=5))
        except BaseException as exc:  # surfaced below
            result["error"] = exc

    thread = threading.Thread(target=send)
    thread.start()

    def replaced() -> bool:
        """A second attempt is journalled and the node's pool holds it (it replaced the first)."""
        entries = journal.entries()
        if not entries or len(entries[0].attempts) < 2:
            return False
        return _transaction_or_none(node, entries[0].tx_hashes[1]) is not None

    deadline = time.monotonic() + 20
    while not replaced() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert replaced(), "no replacement reached the node"
    node.mine()
    thread.join(timeout=30)
    assert "error" not in result, result.get("error")
    receipt: TxReceipt = result["receipt"]
    entry = journal.entries()[0]
    assert entry.status == "mined"
    assert receipt.tx_hash in entry.tx_hashes
    assert receipt.tx_hash != entry.tx_hashes[0]  # a replacement won
    first, second = entry.attempts[0].tx, entry.attempts[1].tx
    assert first["nonce"] == second["nonce"] == 0
    assert second["maxFeePerGas"] * 8 >= first["maxFeePerGas"] * 9  # +12.5 %
    assert second["maxPriorityFeePerGas"] * 8 >= first["maxPriorityFeePerGas"] * 9
    assert count(node, signer.address) == 1  # only one of them was mined
    mined = [h for h in entry.tx_hashes if _receipt_or_none(node, h) is not None]
    assert mined == [receipt.tx_hash]
    journal.close()


def _transaction_or_none(node: Node, tx_hash: str) -> Any:
    from web3.exceptions import TransactionNotFound

    try:
        return node.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return None


def _receipt_or_none(node: Node, tx_hash: str) -> Any:
    from web3.exceptions import TransactionNotFound

    try:
        return node.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return None


def test_timeout_keeps_journal_pending(node: Node, tmp_path: Path, automine: None) -> None:
    signer = fresh_signer(node)
    journal = Journal(tmp_path / "j.db")
    sender = make_sender(node, signer, journal=journal, receipt_timeout=0.5, stuck_after=10)
    node.automine(False)
    with pytest.raises(TransactionTimeoutError) as info:
        sender.send(transfer())
    assert info.value.nonce == 0 and len(info.value.tx_hashes) == 1
    assert [e.status for e in journal.pending()] == ["pending"]
    # the nonce stays taken: the next send does not reuse it
    node.automine(True)
    assert sender.send(transfer()).nonce == 1
    journal.close()


def test_confirmations_are_awaited(node: Node) -> None:
    signer = fresh_signer(node)
    sender = make_sender(node, signer, confirmations=3)
    stop = threading.Event()

    def miner() -> None:
        while not stop.wait(0.2):
            node.mine()

    thread = threading.Thread(target=miner)
    thread.start()
    try:
        receipt = sender.send(transfer())
        assert node.w3.eth.block_number >= receipt.block_number + 3
    finally:
        stop.set()
        thread.join()


# -- reverts -----------------------------------------------------------------------------------


def test_custom_error_on_estimation_spends_no_nonce(
    node: Node, thrower: str, thrower_artifact: dict[str, Any]
) -> None:
    signer = fresh_signer(node)
    sender = make_sender(node, signer)
    with pytest.raises(ContractError) as info:
        sender.send(
            {"to": thrower, "data": calldata(thrower_artifact, "foo", 42)},
            abis_for_errors=[thrower_artifact["abi"]],
        )
    err = info.value
    assert type(err).__name__ == "FooError"
    assert err.a == 42 and err.b == signer.address
    assert err.tx_hash is None
    assert isinstance(
        err,
        error_class_for(
            "Foo", [{"name": "a", "type": "uint256"}, {"name": "b", "type": "address"}]
        ),
    )
    assert count(node, signer.address, "pending") == 0
    assert sender.send(transfer()).nonce == 0  # the nonce was never taken


def test_reason_panic_and_unknown_errors(
    node: Node, thrower: str, thrower_artifact: dict[str, Any]
) -> None:
    sender = make_sender(node, fresh_signer(node))
    abi = thrower_artifact["abi"]
    with pytest.raises(RevertReasonError) as reason:
        sender.send({"to": thrower, "data": calldata(thrower_artifact, "requireFail")})
    assert reason.value.reason == "nope"
    with pytest.raises(PanicError) as panic:
        sender.send({"to": thrower, "data": calldata(thrower_artifact, "divide", 0)})
    assert panic.value.code == 0x12
    # without the ABI, Bar() cannot be named
    with pytest.raises(UnknownContractError) as unknown:
        sender.send({"to": thrower, "data": calldata(thrower_artifact, "bar")})
    assert unknown.value.raw_data == keccak(text="Bar()")[:4]
    with pytest.raises(ContractError) as bar:
        sender.send(
            {"to": thrower, "data": calldata(thrower_artifact, "bar")}, abis_for_errors=[abi]
        )
    assert bar.value.error_name == "Bar"
    with pytest.raises(TransactionRevertedError) as empty:
        sender.send({"to": thrower, "data": calldata(thrower_artifact, "emptyRevert")})
    assert not isinstance(empty.value, ContractError)
    assert empty.value.decoded_error is None


def test_mined_revert_is_replayed_and_decoded(
    node: Node, thrower: str, thrower_artifact: dict[str, Any], tmp_path: Path
) -> None:
    signer = fresh_signer(node)
    journal = Journal(tmp_path / "j.db")
    sender = make_sender(node, signer, journal=journal)
    # explicit gas: no estimation, so the revert happens on chain
    with pytest.raises(ContractError) as info:
        sender.send(
            {"to": thrower, "data": calldata(thrower_artifact, "foo", 7), "gas": 100_000},
            abis_for_errors=[thrower_artifact["abi"]],
        )
    err = info.value
    assert type(err).__name__ == "FooError" and err.a == 7
    assert err.tx_hash is not None
    chain = node.w3.eth.get_transaction_receipt(err.tx_hash)  # type: ignore[arg-type]
    assert chain["status"] == 0
    assert journal.entries()[0].status == "reverted"
    assert count(node, signer.address) == 1
    # out of gas: no revert data, but the hint says so
    with pytest.raises(TransactionRevertedError, match="out of gas") as oog:
        sender.send(
            {"to": thrower, "data": calldata(thrower_artifact, "bump", b"x"), "gas": 22_500}
        )
    assert oog.value.tx_hash is not None and not isinstance(oog.value, ContractError)
    journal.close()


def test_state_dependent_revert_decoded_from_the_block(
    node: Node, thrower_artifact: dict[str, Any], automine: None
) -> None:
    """Two sends pass estimation; mined together, the second reverts: replayed at its block."""
    contract = deploy(node, thrower_artifact, Signer.dev(8))
    a, b = fresh_signer(node), fresh_signer(node)
    limit_call = {"to": contract, "data": calldata(thrower_artifact, "bumpUpTo", 1)}
    node.automine(False)
    results: dict[str, Any] = {}

    def run(name: str, signer: Signer) -> None:
        try:
            results[name] = make_sender(node, signer).send(
                limit_call, abis_for_errors=[thrower_artifact["abi"]]
            )
        except BaseException as exc:
            results[name] = exc

    threads = [threading.Thread(target=run, args=(n, s)) for n, s in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pending = node.rpc("txpool_status")["pending"]
        if (int(pending, 16) if isinstance(pending, str) else int(pending)) >= 2:
            break
        time.sleep(0.05)
    node.mine()
    for t in threads:
        t.join(timeout=30)
    outcomes = sorted(results.values(), key=lambda r: isinstance(r, Exception))
    assert isinstance(outcomes[0], TxReceipt)
    err = outcomes[1]
    assert isinstance(err, ContractError) and err.error_name == "Foo"
    assert err.tx_hash is not None and err.a == 1


# -- money and fee problems --------------------------------------------------------------------


def test_insufficient_funds_releases_the_nonce(node: Node) -> None:
    signer = fresh_signer(node)
    sender = make_sender(node, signer)
    with pytest.raises(TransactionError) as info:
        # gas given so the node (not estimation) rejects it
        sender.send({**transfer(value=10**24), "gas": 21000})
    assert "cannot pay" in str(info.value) or "insufficient" in str(info.value).lower()
    assert sender.send(transfer()).nonce == 0  # nonce 0 was handed back


def test_fee_cap_exceeded_before_sending(node: Node) -> None:
    signer = fresh_signer(node)
    sender = make_sender(node, signer, fee_cap=1)
    with pytest.raises(FeeCapExceededError) as info:
        sender.send(transfer())
    assert info.value.cap_wei == 1
    assert count(node, signer.address, "pending") == 0
    capped = make_sender(node, signer, fee_cap=50 * GWEI)
    receipt = capped.send(transfer())
    tx = node.w3.eth.get_transaction(receipt.tx_hash)  # type: ignore[arg-type]
    assert tx["maxFeePerGas"] <= 50 * GWEI


def test_shared_nonce_manager_between_senders(node: Node) -> None:
    signer = fresh_signer(node)
    nonces = NonceManager(node.w3)
    s1 = make_sender(node, signer, nonces=nonces)
    s2 = make_sender(node, signer, nonces=nonces)
    with ThreadPoolExecutor(max_workers=4) as pool:
        receipts = list(
            pool.map(lambda i: (s1 if i % 2 else s2).send(transfer(value=i + 1)), range(20))
        )
    assert sorted(r.nonce for r in receipts) == list(range(20))  # type: ignore[type-var]


def test_bad_params_are_rejected_before_anything(node: Node) -> None:
    from fabtrust.errors import InvalidInputError

    signer = fresh_signer(node)
    sender = make_sender(node, signer)
    with pytest.raises(InvalidInputError, match="unsupported"):
        sender.send({**transfer(), "gasLimit": 1})
    with pytest.raises(InvalidInputError, match="from"):
        sender.send({**transfer(), "from": Signer.dev(1).address})
    with pytest.raises(InvalidInputError, match="'to'"):
        sender.send({"to": "0x1234"})
    with pytest.raises(InvalidInputError, match="hex"):
        sender.send({**transfer(), "data": "0xzz"})
    with pytest.raises(InvalidInputError, match="maxFeePerGas"):
        sender.send({**transfer(), "maxFeePerGas": 1})
    assert count(node, signer.address, "pending") == 0


def test_lost_response_and_lagging_receipts_never_double_send(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node got the transaction but the response was lost; the retry hears "nonce too low"
    and receipts lag behind (a load balancer in front of several nodes): still one send."""
    import requests

    signer = fresh_signer(node)
    sender = make_sender(node, signer, retry_backoff=0.01, dropped_grace=2.0)
    real_send = node.w3.eth.send_raw_transaction
    calls = {"send": 0, "receipt": 0}

    def lossy_send(raw: Any) -> Any:
        calls["send"] += 1
        result = real_send(raw)
        if calls["send"] == 1:
            node.w3.eth.wait_for_transaction_receipt(result)  # mined, then the reply is lost
            raise requests.ConnectionError("connection reset by peer")
        return result

    real_find = TransactionSender._find_receipt

    def lagging_find(self: TransactionSender, hashes: Any) -> Any:
        calls["receipt"] += 1
        return None if calls["receipt"] <= 5 else real_find(self, hashes)

    monkeypatch.setattr(node.w3.eth, "send_raw_transaction", lossy_send)
    monkeypatch.setattr(TransactionSender, "_find_receipt", lagging_find)
    receipt = sender.send(transfer(value=31337))
    assert calls["send"] == 2 and calls["receipt"] > 5
    assert receipt.nonce == 0 and receipt.status == 1
    assert count(node, signer.address) == 1  # not re-sent with nonce 1
    assert count(node, signer.address, "pending") == 1


# -- round trips: receipts, fee quotes, polling -----------------------------------------------


class CountingPolicy(FeePolicy):
    """A FeePolicy that counts how often the sender asks it for a fresh suggestion."""

    def suggest(self, w3: Any, block: Any = None) -> Any:
        object.__setattr__(self, "asked", getattr(self, "asked", 0) + 1)
        return super().suggest(w3, block)


def counting(sender: TransactionSender) -> CountingPolicy:
    policy = CountingPolicy()
    sender.fee_policy = policy
    return policy


def test_fee_quote_is_reused_within_quote_ttl(node: Node) -> None:
    sender = make_sender(node, fresh_signer(node), quote_ttl=3600)
    policy = counting(sender)
    receipts = [sender.send(transfer(value=v)) for v in range(1, 6)]
    assert [r.status for r in receipts] == [1] * 5
    assert policy.asked == 1


def test_quote_ttl_zero_reads_the_head_before_every_send(node: Node) -> None:
    sender = make_sender(node, fresh_signer(node), quote_ttl=0)
    policy = counting(sender)
    for value in range(1, 4):
        sender.send(transfer(value=value))
    assert policy.asked == 2 * 3  # per send: the gas-limit cap and the fees each read the head


def test_stale_quote_below_a_risen_base_fee_is_refreshed_and_sent(node: Node) -> None:
    sender = make_sender(node, fresh_signer(node), quote_ttl=3600)
    policy = counting(sender)
    first = sender.send(transfer())
    stale_ceiling = sender._quote()[0].ceiling
    node.rpc("anvil_setNextBlockBaseFeePerGas", [hex(50 * stale_ceiling)])
    node.mine()
    base_fee = int(node.w3.eth.get_block("latest")["baseFeePerGas"])  # type: ignore[typeddict-item]
    assert base_fee > stale_ceiling
    second = sender.send(transfer(value=2))
    assert second.status == 1 and second.nonce == first.nonce + 1
    assert second.effective_gas_price >= base_fee * 7 // 8  # paid the risen base fee
    assert policy.asked == 2  # the node called the cached fees too low: asked afresh once


def test_quote_ttl_must_not_be_negative(node: Node) -> None:
    with pytest.raises(InvalidInputError, match="quote_ttl"):
        make_sender(node, fresh_signer(node), quote_ttl=-1)


def test_raw_receipt_equals_web3_formatted_receipt(
    node: Node, thrower: str, thrower_artifact: dict[str, Any]
) -> None:
    sender = make_sender(node, fresh_signer(node))
    receipt = sender.send({"to": thrower, "data": calldata(thrower_artifact, "bump", b"raw")})
    formatted = receipt_from_rpc(
        node.w3.eth.get_transaction_receipt(receipt.tx_hash), nonce=receipt.nonce
    )  # type: ignore[arg-type]
    assert receipt == formatted
    raw = raw_request(node.w3, "eth_getTransactionReceipt", [receipt.tx_hash])
    assert isinstance(raw["blockNumber"], str) and raw["blockNumber"].startswith("0x")
    assert receipt_from_rpc(raw) == formatted.model_copy(update={"nonce": None})
    assert receipt.to == thrower and receipt.logs[0].address == thrower  # checksummed
    assert receipt.sender == sender.address


def test_raw_request_error_is_a_web3_rpc_error(node: Node) -> None:
    with pytest.raises(Web3RPCError):
        raw_request(node.w3, "eth_noSuchMethod", [])


def test_receipt_polls_start_fast_and_back_off_to_the_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(sender_module.time, "sleep", slept.append)
    polls = sender_module._Polls(1.0)
    for _ in range(8):
        polls.wait()
    assert slept == pytest.approx([0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.0, 1.0])
    slept.clear()
    short = sender_module._Polls(0.05)
    for _ in range(4):
        short.wait()
    assert slept == pytest.approx([0.02, 0.04, 0.05, 0.05])
    slept.clear()
    tiny = sender_module._Polls(0.01)
    tiny.wait()
    tiny.wait()
    assert slept == pytest.approx([0.01, 0.01])
