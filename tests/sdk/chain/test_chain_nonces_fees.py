"""NonceManager bookkeeping and fee rules, without a node (the chain's count is injected)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from web3 import Web3

from fabtrust.chain import FeePolicy, Fees, NonceManager
from fabtrust.chain._fees import bump_amount
from fabtrust.chain._rpc import SendOutcome, classify_send_error, redact_url
from fabtrust.errors import FeeCapExceededError, InvalidInputError

A = "0x000000000000000000000000000000000000000A"
B = "0x000000000000000000000000000000000000000B"
GWEI = 10**9


class FakeChain:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = {k.lower(): v for k, v in counts.items()}
        self.reads = 0

    def __call__(self, address: str) -> int:
        self.reads += 1
        return self.counts[address.lower()]


def manager(chain: FakeChain) -> NonceManager:
    return NonceManager(Web3(), pending_count=chain)


def test_seeded_from_pending_count_once_per_address() -> None:
    chain = FakeChain({A: 5, B: 0})
    nonces = manager(chain)
    assert [nonces.reserve(A) for _ in range(3)] == [5, 6, 7]
    assert nonces.reserve(B.lower()) == 0
    assert nonces.reserve(B) == 1  # same address, any case
    assert chain.reads == 2


def test_release_fills_the_gap_first() -> None:
    nonces = manager(FakeChain({A: 0}))
    n0, n1, n2 = (nonces.reserve(A) for _ in range(3))
    nonces.mark_used(A, n0)
    nonces.release(A, n1)  # never broadcast: 1 must be reused before 3
    assert nonces.reserve(A) == 1
    nonces.release(A, n2)  # the top one: next shrinks back
    assert nonces.peek(A) == 2
    assert nonces.reserve(A) == 2
    assert nonces.reserve(A) == 3


def test_release_top_shrinks_through_freed_nonces() -> None:
    nonces = manager(FakeChain({A: 10}))
    got = [nonces.reserve(A) for _ in range(4)]  # 10..13
    for n in (11, 13, 12):
        nonces.release(A, n)
    assert nonces.peek(A) == 11
    assert [nonces.reserve(A) for _ in range(3)] == [11, 12, 13]
    assert got[0] == 10


def test_resync_after_nonce_too_low() -> None:
    chain = FakeChain({A: 0})
    nonces = manager(chain)
    held = nonces.reserve(A)  # 0, in flight
    chain.counts[A.lower()] = 4  # another process sent 4 transactions
    nonces.resync(A)
    assert nonces.reserve(A) == 4
    assert held == 0


def test_resync_after_nonce_too_high_frees_the_gap_but_not_held() -> None:
    chain = FakeChain({A: 0})
    nonces = manager(chain)
    got = [nonces.reserve(A) for _ in range(5)]  # 0..4
    for n in (0, 1):
        nonces.mark_used(A, n)  # broadcast ... but the node dropped them
    nonces.mark_used(A, 4)
    # 2 and 3 still held by live sends; the node only has up to nonce 0 pending
    chain.counts[A.lower()] = 1
    nonces.resync(A)
    assert [nonces.reserve(A) for _ in range(3)] == [1, 4, 5]
    assert got == [0, 1, 2, 3, 4]


def test_reserve_is_thread_safe() -> None:
    nonces = manager(FakeChain({A: 100}))
    barrier = threading.Barrier(16)

    def take(_: int) -> list[int]:
        barrier.wait()
        return [nonces.reserve(A) for _ in range(50)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        got = [n for batch in pool.map(take, range(16)) for n in batch]
    assert sorted(got) == list(range(100, 900))


def test_forget_rereads() -> None:
    chain = FakeChain({A: 3})
    nonces = manager(chain)
    nonces.reserve(A)
    chain.counts[A.lower()] = 9
    nonces.forget(A)
    assert nonces.reserve(A) == 9


# -- fees --------------------------------------------------------------------------------------


def test_fees_for_base_fee() -> None:
    policy = FeePolicy(min_priority_fee_wei=GWEI)
    fees = policy.for_base_fee(10 * GWEI, 2 * GWEI)
    assert fees == Fees(max_fee_per_gas=22 * GWEI, max_priority_fee_per_gas=2 * GWEI)
    # the node's tip below the floor → floor; no node tip → floor
    assert policy.for_base_fee(10 * GWEI, 1).max_priority_fee_per_gas == GWEI
    assert policy.for_base_fee(10 * GWEI, None).max_priority_fee_per_gas == GWEI
    assert fees.tx_fields() == {"maxFeePerGas": 22 * GWEI, "maxPriorityFeePerGas": 2 * GWEI}


def test_fee_cap() -> None:
    capped = FeePolicy(max_fee_cap_wei=15 * GWEI, min_priority_fee_wei=GWEI)
    fees = capped.for_base_fee(10 * GWEI, 2 * GWEI)
    assert fees.max_fee_per_gas == 15 * GWEI and fees.max_priority_fee_per_gas == 2 * GWEI
    with pytest.raises(FeeCapExceededError) as info:
        FeePolicy(max_fee_cap_wei=10 * GWEI, min_priority_fee_wei=GWEI).for_base_fee(10 * GWEI, 0)
    assert info.value.required_wei == 11 * GWEI and info.value.cap_wei == 10 * GWEI
    # a tip above the capped max fee is clipped
    assert FeePolicy(max_fee_cap_wei=11 * GWEI).for_base_fee(10 * GWEI, 5 * GWEI) == Fees(
        max_fee_per_gas=11 * GWEI, max_priority_fee_per_gas=5 * GWEI
    )
    with pytest.raises(InvalidInputError):
        FeePolicy(max_fee_cap_wei=-1)


def test_bump_is_at_least_twelve_and_a_half_percent() -> None:
    policy = FeePolicy()
    old = Fees(max_fee_per_gas=1000, max_priority_fee_per_gas=100)
    new = policy.bump(old)
    assert new.max_fee_per_gas == 1125 and new.max_priority_fee_per_gas == 113  # rounded up
    assert bump_amount(0) == 1 and bump_amount(1) == 2 and bump_amount(8) == 9
    # never below a fresh suggestion
    fresh = Fees(max_fee_per_gas=5000, max_priority_fee_per_gas=500)
    assert policy.bump(old, fresh) == fresh
    legacy = policy.bump(Fees(gas_price=800))
    assert legacy == Fees(gas_price=900) and legacy.is_legacy
    with pytest.raises(FeeCapExceededError):
        FeePolicy(max_fee_cap_wei=1100).bump(old)


def test_fees_from_tx() -> None:
    assert Fees.from_tx({"gasPrice": 5}) == Fees(gas_price=5)
    assert Fees.from_tx({"maxFeePerGas": 5, "maxPriorityFeePerGas": 1}) == Fees(
        max_fee_per_gas=5, max_priority_fee_per_gas=1
    )
    assert Fees.from_tx({}) is None
    with pytest.raises(InvalidInputError):
        Fees.from_tx({"maxFeePerGas": 5})


@pytest.mark.parametrize(
    ("message", "outcome"),
    [
        ("nonce too low", SendOutcome.NONCE_TOO_LOW),
        ("Nonce too low: next nonce 5, tx nonce 3", SendOutcome.NONCE_TOO_LOW),
        ("the tx doesn't have the correct nonce. account has nonce of: 3 tx has nonce of: 2", SendOutcome.NONCE_TOO_LOW),
        ("OldNonce", SendOutcome.NONCE_TOO_LOW),
        ("nonce too high", SendOutcome.NONCE_TOO_HIGH),
        ("already known", SendOutcome.ALREADY_KNOWN),
        ("transaction already imported", SendOutcome.ALREADY_KNOWN),
        ("Known transaction", SendOutcome.ALREADY_KNOWN),
        ("replacement transaction underpriced", SendOutcome.REPLACEMENT_UNDERPRICED),
        ("transaction underpriced", SendOutcome.UNDERPRICED),
        ("max fee per gas less than block base fee", SendOutcome.UNDERPRICED),
        ("insufficient funds for gas * price + value", SendOutcome.INSUFFICIENT_FUNDS),
        ("intrinsic gas too low", SendOutcome.OTHER),
    ],
)  # fmt: skip
def test_classify_send_errors(message: str, outcome: SendOutcome) -> None:
    assert classify_send_error(message) is outcome


def test_redact_url() -> None:
    assert redact_url("https://u:p@host:8545/x?y=1") == "https://u:***@host:8545/x?y=1"
    assert redact_url("http://127.0.0.1:8545") == "http://127.0.0.1:8545"
