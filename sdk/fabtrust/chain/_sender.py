"""Reliable transaction sending: never lose a transaction, never send one twice.

One :meth:`TransactionSender.send` call:

1. estimates gas; a revert here raises the decoded :class:`~fabtrust.errors.ContractError`
   before any nonce is taken;
2. picks fees (:mod:`._fees`) and reserves a nonce (:mod:`._nonces`); reserve, sign, journal and
   broadcast happen under a per-address lock, so transactions reach the node in nonce order;
3. signs locally and computes the hash from the raw bytes *before* anything is sent;
4. writes the signed transaction to the journal (if any) *before* broadcasting it;
5. broadcasts with retries on connection errors and timeouts. "already known" means the node has
   it; "nonce too low" means the nonce is used - by this very transaction (its receipt exists:
   success, not an error) or by another one (only when the node shows none of our hashes for
   ``dropped_grace`` seconds: a new nonce is reserved and the call re-signed);
6. polls for the receipt of *any* of its hashes; a transaction not mined within ``stuck_after``
   seconds is re-signed with the same nonce and fees raised by at least 12.5 % (every hash is
   remembered and whichever is mined wins); then waits for ``confirmations`` blocks on top;
7. a receipt with status 0 is replayed with ``eth_call`` at its block to recover the revert data,
   raised as a ContractError carrying the transaction hash.

A process that died somewhere in 4-6 calls :meth:`TransactionSender.resume` on restart: each
pending journal entry is checked against the chain (mined → recorded; nonce used by another
transaction → dropped; otherwise the same signed bytes are broadcast again), so nothing is
repeated and nothing is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict
from web3 import Web3
from web3.exceptions import TransactionNotFound

from fabtrust.accounts import SignedTx, Signer
from fabtrust.chain._fees import DEFAULT_MIN_PRIORITY_FEE_WEI, FeePolicy, Fees
from fabtrust.chain._journal import Journal, JournalEntry
from fabtrust.chain._models import TxReceipt, receipt_from_rpc
from fabtrust.chain._nonces import NonceManager
from fabtrust.chain._revert import decode_revert, extract_revert_data
from fabtrust.chain._rpc import (
    SendOutcome,
    classify_send_error,
    is_connection_error,
    node_errors,
    raise_unreachable,
    raw_request,
    redact_url,
    rpc_error_message,
)
from fabtrust.errors import (
    ChainError,
    FabtrustError,
    FeeCapExceededError,
    InvalidInputError,
    NodeUnreachableError,
    TransactionError,
    TransactionRevertedError,
    TransactionTimeoutError,
)

__all__ = ["ResumeOutcome", "TransactionSender"]

_log = logging.getLogger("fabtrust.chain")

Abi = Sequence[Mapping[str, Any]]

_ALLOWED_PARAMS = frozenset(
    {
        "to",
        "data",
        "input",
        "value",
        "gas",
        "nonce",
        "from",
        "chainId",
        "maxFeePerGas",
        "maxPriorityFeePerGas",
        "gasPrice",
        "type",
    }
)
_MAX_NONCE_ATTEMPTS = 5
_MAX_UNDERPRICED_BUMPS = 5


class ResumeOutcome(BaseModel):
    """What :meth:`TransactionSender.resume` found or did for one journal entry."""

    model_config = ConfigDict(frozen=True)

    entry_id: int
    nonce: int
    status: Literal["mined", "reverted", "dropped", "failed", "rebroadcast", "pending"]
    tx_hash: str
    receipt: TxReceipt | None = None
    error: str | None = None


class _NonceTaken(Exception):
    """Internal: the nonce was consumed by another transaction; re-send with a new one."""


@dataclass
class _Attempt:
    signed: SignedTx
    tx: dict[str, Any]
    fees: Fees


@dataclass
class _Flight:
    """One nonce's worth of sending: every signed attempt and where it is journalled."""

    nonce: int
    owned: bool  # reserved from the NonceManager (False: nonce given by the caller / resume)
    fees_fixed: bool
    entry_id: int | None
    attempts: list[_Attempt] = field(default_factory=list)

    @property
    def hashes(self) -> list[str]:
        return [a.signed.tx_hash for a in self.attempts]


class TransactionSender:
    """Sends transactions for one signer on one chain, safely from any number of threads.

    ``nonces`` may be shared between senders (e.g. several clients using the same signer).
    ``fee_cap`` is the most to pay per gas (wei); ``min_priority_fee`` the tip floor.
    ``confirmations`` blocks on top of the including block are awaited before returning.
    A transaction is declared replaced by another one (and re-sent with a new nonce) only after
    the node has shown none of its hashes for ``dropped_grace`` seconds. Receipts are polled
    20 ms after sending, then at doubling intervals up to ``poll_interval``; the fee quote (and
    block gas limit) is reused for ``quote_ttl`` seconds (0: read the head at every use).
    """

    def __init__(
        self,
        w3: Web3,
        signer: Signer,
        *,
        nonces: NonceManager | None = None,
        chain_id: int | None = None,
        confirmations: int = 0,
        receipt_timeout: float = 600.0,
        poll_interval: float = 1.0,
        stuck_after: float = 90.0,
        journal: Journal | None = None,
        gas_multiplier: float = 1.2,
        fee_cap: int | None = None,
        min_priority_fee: int = DEFAULT_MIN_PRIORITY_FEE_WEI,
        broadcast_retries: int = 4,
        retry_backoff: float = 0.25,
        dropped_grace: float = 5.0,
        quote_ttl: float = 1.0,
    ) -> None:
        if confirmations < 0:
            raise InvalidInputError("confirmations must be >= 0", field="confirmations")
        if gas_multiplier < 1.0:
            raise InvalidInputError("gas_multiplier must be >= 1.0", field="gas_multiplier")
        if quote_ttl < 0:
            raise InvalidInputError("quote_ttl must be >= 0", field="quote_ttl")
        if receipt_timeout <= 0 or poll_interval <= 0 or stuck_after <= 0:
            raise InvalidInputError(
                "receipt_timeout, poll_interval and stuck_after must be > 0", field="timing"
            )
        self.w3 = w3
        self.signer = signer
        self.nonces = nonces or NonceManager(w3)
        self.journal = journal
        self.confirmations = confirmations
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval
        self.stuck_after = stuck_after
        self.gas_multiplier = gas_multiplier
        self.fee_policy = FeePolicy(max_fee_cap_wei=fee_cap, min_priority_fee_wei=min_priority_fee)
        self.broadcast_retries = broadcast_retries
        self.retry_backoff = retry_backoff
        self.dropped_grace = dropped_grace
        self.quote_ttl = quote_ttl
        self._quote_lock = threading.Lock()
        self._quoted: tuple[float, Fees, int] | None = None
        self.url = redact_url(str(getattr(w3.provider, "endpoint_uri", "") or "the node"))
        self._chain_id = chain_id
        self._init_lock = threading.Lock()
        self._checked = False

    # -- public --------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The sending address."""
        return self.signer.address

    @property
    def chain_id(self) -> int:
        """The chain id (read from the node once; dev keys are refused on non-local chains)."""
        with self._init_lock:
            if self._chain_id is None:
                with node_errors(self.url, "eth_chainId"):
                    self._chain_id = int(self.w3.eth.chain_id)
            if not self._checked:
                self.signer.check_chain(self._chain_id)
                self._checked = True
            return self._chain_id

    def send(
        self,
        tx_params: Mapping[str, Any],
        *,
        abis_for_errors: Sequence[Abi] = (),
        label: str | None = None,
    ) -> TxReceipt:
        """Send one transaction and return its receipt once mined (and confirmed).

        ``tx_params``: ``to`` (omit to deploy), ``data``, ``value``; optionally ``gas``,
        ``nonce``, ``maxFeePerGas`` + ``maxPriorityFeePerGas`` or ``gasPrice`` to fix them.
        ``abis_for_errors``: ABIs whose custom errors decode reverts. ``label`` is stored in the
        journal. Raises ContractError / TransactionRevertedError (revert, simulated or mined),
        TransactionTimeoutError, FeeCapExceededError, NodeUnreachableError, TransactionError.
        """
        with node_errors(self.url, "sending the transaction"):
            return self._send(tx_params, abis_for_errors, label)

    def _send(
        self, tx_params: Mapping[str, Any], abis_for_errors: Sequence[Abi], label: str | None
    ) -> TxReceipt:
        chain_id = self.chain_id
        base, explicit_nonce, gas, fixed_fees = self._normalise(tx_params, chain_id)
        if gas is None:
            gas = self._estimate_gas(base, abis_for_errors)
        for _ in range(_MAX_NONCE_ATTEMPTS):
            fees = fixed_fees or self._suggest_fees()
            # Reserve, sign, journal and broadcast under the address's send lock, so nonces reach
            # the node in order (no gaps for nodes to queue; Ganache even blocks on a gap).
            with self.nonces.sending(self.address):
                nonce = (
                    self.nonces.reserve(self.address) if explicit_nonce is None else explicit_nonce
                )
                flight = _Flight(
                    nonce=nonce,
                    owned=explicit_nonce is None,
                    fees_fixed=fixed_fees is not None,
                    entry_id=None,
                )
                try:
                    self._launch(flight, base, gas, fees, chain_id, label)
                except _NonceTaken:
                    self._nonce_taken(flight)
                    continue
            try:
                return self._await(flight, base, gas, chain_id, abis_for_errors)
            except _NonceTaken:
                self._nonce_taken(flight)
            finally:
                if flight.owned:
                    self.nonces.mark_used(self.address, flight.nonce)
        raise TransactionError(
            f"could not get a nonce accepted for {self.address} "
            f"after {_MAX_NONCE_ATTEMPTS} attempts"
        )

    def _nonce_taken(self, flight: _Flight) -> None:
        """Our nonce went to another transaction: re-send with a new one (fail if it was fixed)."""
        if not flight.owned:
            raise TransactionError(
                f"nonce {flight.nonce} was used by another transaction from {self.address}",
                tx_hash=flight.hashes[-1] if flight.hashes else None,
            ) from None
        _log.info(
            "nonce %d of %s was taken by another transaction; retrying", flight.nonce, self.address
        )
        self.nonces.resync(self.address)

    def resume(self, *, wait: bool = True) -> list[ResumeOutcome]:
        """Settle the journal's pending entries of this signer on this chain (call at start-up).

        For each: a receipt for any of its hashes → mined/reverted; nonce already used by another
        transaction → dropped; otherwise the latest signed bytes are broadcast again and, with
        ``wait``, awaited like :meth:`send` (fee bumps included). Nothing is ever re-signed with a
        new nonce here: a dropped entry is reported, not repeated.
        """
        if self.journal is None:
            return []
        chain_id = self.chain_id
        with node_errors(self.url, "resuming the journal"):
            outcomes = [
                self._resume_entry(entry, wait=wait)
                for entry in self.journal.pending(chain_id=chain_id, sender=self.address)
            ]
        self.nonces.forget(self.address)  # re-read the pending count on the next reserve
        return outcomes

    # -- preparation ---------------------------------------------------------------------------

    def _normalise(
        self, tx_params: Mapping[str, Any], chain_id: int
    ) -> tuple[dict[str, Any], int | None, int | None, Fees | None]:
        unknown = set(tx_params) - _ALLOWED_PARAMS
        if unknown:
            raise InvalidInputError(
                f"unsupported transaction fields: {', '.join(sorted(unknown))}", field="tx_params"
            )
        params = dict(tx_params)
        sender = params.pop("from", None)
        if sender is not None and str(sender).lower() != self.address.lower():
            raise InvalidInputError(
                f"transaction 'from' {sender} is not the signer {self.address}", field="from"
            )
        if "chainId" in params and int(params.pop("chainId")) != chain_id:
            raise InvalidInputError(f"transaction chainId is not {chain_id}", field="chainId")
        params.pop("type", None)
        base: dict[str, Any] = {}
        to = params.pop("to", None)
        if to:
            try:
                base["to"] = Web3.to_checksum_address(str(to))
            except ValueError:
                raise InvalidInputError(f"invalid 'to' address: {to}", field="to") from None
        data = params.pop("data", params.pop("input", b""))
        base["data"] = _hex_data(data)
        value = int(params.pop("value", 0))
        if value < 0:
            raise InvalidInputError("value must be >= 0", field="value")
        base["value"] = value
        fees = Fees.from_tx(params)
        nonce = params.get("nonce")
        gas = params.get("gas")
        return (
            base,
            int(nonce) if nonce is not None else None,
            int(gas) if gas is not None else None,
            fees,
        )

    def estimate(self, tx_params: Mapping[str, Any], *, abis_for_errors: Sequence[Abi] = ()) -> int:
        """``eth_estimateGas`` of ``tx_params`` (``to``, ``data``, ``value``) from the signer,
        without margin. A revert raises the decoded ContractError (TransactionRevertedError
        without revert data); an unreachable node NodeUnreachableError."""
        base, _, _, _ = self._normalise(tx_params, self.chain_id)
        with node_errors(self.url, "gas estimation"):
            return self._estimate(base, abis_for_errors)

    def _estimate(self, base: dict[str, Any], abis: Sequence[Abi]) -> int:
        call = {"from": self.address, **base}
        try:
            return int(self.w3.eth.estimate_gas(call))  # type: ignore[arg-type]
        except Exception as exc:
            self._raise_simulation_error(exc, abis, "gas estimation")

    def _estimate_gas(self, base: dict[str, Any], abis: Sequence[Abi]) -> int:
        estimate = self._estimate(base, abis)
        gas = int(estimate * self.gas_multiplier) + 1
        try:
            limit = self._quote()[1]
        except Exception:
            return gas
        return max(estimate, min(gas, limit))

    def _raise_simulation_error(self, exc: Exception, abis: Sequence[Abi], what: str) -> NoReturn:
        if isinstance(exc, FabtrustError):
            raise exc
        if is_connection_error(exc):
            raise_unreachable(self.url, exc)
        data = extract_revert_data(exc)
        if data is None:
            raise TransactionError(f"{what} failed: {rpc_error_message(exc)}") from None
        if data:
            raise decode_revert(data, abis) from None
        raise TransactionRevertedError(
            f"the transaction would revert ({what}: {rpc_error_message(exc)}; no revert data)"
        ) from None

    def _suggest_fees(self, *, fresh: bool = False) -> Fees:
        with node_errors(self.url, "fee estimation"):
            return self._quote(fresh=fresh)[0]

    def _quote(self, *, fresh: bool = False) -> tuple[Fees, int]:
        """Fees for a new transaction and the block gas limit, from the latest block. Reused for
        ``quote_ttl`` seconds (base fees move at most 12.5 % a block and the max fee allows for
        doubling), so a busy sender does not ask for the head block before every transaction;
        ``fresh`` after the node called the fees too low."""
        with self._quote_lock:
            now = time.monotonic()
            if fresh or self._quoted is None or now - self._quoted[0] > self.quote_ttl:
                block = self.w3.eth.get_block("latest")
                fees = self.fee_policy.suggest(self.w3, block)
                self._quoted = (now, fees, int(block["gasLimit"]))
            return self._quoted[1], self._quoted[2]

    def _sign(
        self, flight: _Flight, base: dict[str, Any], gas: int, fees: Fees, chain_id: int
    ) -> _Attempt:
        tx: dict[str, Any] = {**base, "chainId": chain_id, "nonce": flight.nonce, "gas": gas}
        tx.update(fees.tx_fields())
        if not fees.is_legacy:
            tx["type"] = 2
        signed = self.signer.sign_transaction(tx)
        return _Attempt(signed=signed, tx=tx, fees=fees)

    def _journal_attempt(
        self, flight: _Flight, attempt: _Attempt, chain_id: int, label: str | None
    ) -> None:
        if self.journal is None:
            return
        if flight.entry_id is None:
            flight.entry_id = self.journal.record(
                chain_id=chain_id,
                sender=self.address,
                nonce=flight.nonce,
                tx_hash=attempt.signed.tx_hash,
                raw_tx=attempt.signed.raw_transaction,
                tx=attempt.tx,
                fee_ceiling=attempt.fees.ceiling,
                label=label,
            )
        else:
            self.journal.add_attempt(
                flight.entry_id,
                tx_hash=attempt.signed.tx_hash,
                raw_tx=attempt.signed.raw_transaction,
                tx=attempt.tx,
                fee_ceiling=attempt.fees.ceiling,
            )

    def _journal_mark(self, flight: _Flight, status: Any, **kwargs: Any) -> None:
        if self.journal is not None and flight.entry_id is not None:
            self.journal.mark(flight.entry_id, status, **kwargs)

    # -- one nonce -----------------------------------------------------------------------------

    def _launch(
        self,
        flight: _Flight,
        base: dict[str, Any],
        gas: int,
        fees: Fees,
        chain_id: int,
        label: str | None,
    ) -> None:
        """Sign, journal and broadcast until the node has the transaction (or it is mined)."""
        # True from the moment the node may hold one of our attempts: from then on the nonce is
        # never handed back and the journal entry stays pending unless the outcome is known.
        maybe_sent = False
        try:
            for _ in range(_MAX_UNDERPRICED_BUMPS + 1):
                attempt = self._sign(flight, base, gas, fees, chain_id)
                self._journal_attempt(flight, attempt, chain_id, label)
                flight.attempts.append(attempt)
                maybe_sent = True
                outcome, message = self._broadcast(attempt.signed)
                maybe_sent = outcome is None or outcome in (
                    SendOutcome.NONCE_TOO_LOW,
                    SendOutcome.REPLACEMENT_UNDERPRICED,
                )
                if outcome is None:
                    break
                if outcome in (SendOutcome.NONCE_TOO_LOW, SendOutcome.REPLACEMENT_UNDERPRICED):
                    if self._find_receipt(flight.hashes) is not None:
                        break  # it was ours: mined already - not an error
                    if outcome is SendOutcome.NONCE_TOO_LOW and not self._not_ours(flight):
                        break  # the node knows our hash: wait for its receipt
                    if outcome is SendOutcome.REPLACEMENT_UNDERPRICED and not flight.owned:
                        raise TransactionError(
                            f"nonce {flight.nonce} is held by another pending transaction: "
                            + message,
                            tx_hash=attempt.signed.tx_hash,
                        )
                    self._journal_mark(flight, "dropped", error=message)
                    raise _NonceTaken
                if outcome is SendOutcome.NONCE_TOO_HIGH:
                    self._journal_mark(flight, "failed", error=message)
                    raise _NonceTaken  # not freed blindly: resync() decides what is free
                if outcome is SendOutcome.UNDERPRICED and not flight.fees_fixed:
                    current = self._suggest_fees(fresh=True)
                    fees = self.fee_policy.bump(fees, current)
                    _log.info(
                        "fees too low (%s); re-signing nonce %d with higher fees",
                        message,
                        flight.nonce,
                    )
                    continue
                if outcome is SendOutcome.INSUFFICIENT_FUNDS:
                    raise TransactionError(
                        f"{self.address} cannot pay for the transaction: {message}",
                        tx_hash=attempt.signed.tx_hash,
                    )
                raise TransactionError(
                    f"the node rejected the transaction: {message}", tx_hash=attempt.signed.tx_hash
                )
            else:
                raise TransactionError(
                    f"fees still too low after {_MAX_UNDERPRICED_BUMPS} increases",
                    tx_hash=flight.hashes[-1],
                )
        except _NonceTaken:
            if flight.owned:
                self.nonces.mark_used(self.address, flight.nonce)
            raise
        except NodeUnreachableError:
            # It may or may not have reached the node: keep the nonce taken and the journal entry
            # pending (resume() settles it).
            if flight.owned:
                self.nonces.mark_used(self.address, flight.nonce)
            raise
        except BaseException as exc:
            if not maybe_sent:
                self._journal_mark(flight, "failed", error=str(exc))
                if flight.owned:
                    self.nonces.release(self.address, flight.nonce)
            elif flight.owned:
                self.nonces.mark_used(self.address, flight.nonce)
            raise

    def _broadcast(self, signed: SignedTx) -> tuple[SendOutcome | None, str]:
        """Send raw bytes; (None, "") when the node has the transaction, else why not."""
        last: Exception | None = None
        for attempt in range(self.broadcast_retries + 1):
            try:
                self.w3.eth.send_raw_transaction(signed.raw_transaction)
                return None, ""
            except Exception as exc:
                if is_connection_error(exc):
                    last = exc
                    _log.warning(
                        "broadcast of %s failed (%s); retrying", signed.tx_hash, type(exc).__name__
                    )
                    time.sleep(self.retry_backoff * (2**attempt))
                    continue
                message = rpc_error_message(exc)
                outcome = classify_send_error(message)
                if outcome is SendOutcome.ALREADY_KNOWN:
                    return None, message
                return outcome, message
        assert last is not None
        raise_unreachable(self.url, last)

    def _find_receipt(self, hashes: Sequence[str]) -> TxReceipt | None:
        """The receipt of whichever of ``hashes`` is mined, else None. Asked raw: web3's result
        formatting of a receipt with hundreds of logs costs more than the round trip."""
        for tx_hash in hashes:
            raw = raw_request(self.w3, "eth_getTransactionReceipt", [tx_hash])
            if raw and raw.get("blockNumber") is not None:
                return receipt_from_rpc(raw)
        return None

    def _await(
        self,
        flight: _Flight,
        base: dict[str, Any],
        gas: int,
        chain_id: int,
        abis: Sequence[Abi],
    ) -> TxReceipt:
        start = time.monotonic()
        last_broadcast = last_nonce_check = start
        unreachable: Exception | None = None
        polls = _Polls(self.poll_interval)
        while True:
            try:
                receipt = self._find_receipt(flight.hashes)
                unreachable = None
            except Exception as exc:
                if not is_connection_error(exc):
                    raise ChainError(f"receipt lookup failed: {rpc_error_message(exc)}") from exc
                receipt, unreachable = None, exc
            if receipt is not None:
                confirmed = self._confirm(receipt, flight, start)
                if confirmed is not None:
                    return self._finish(confirmed, flight, base, gas, abis)
                continue  # re-orged away while confirming: wait again
            now = time.monotonic()
            if now - start >= self.receipt_timeout:
                detail = (
                    f"; the node was unreachable ({type(unreachable).__name__})"
                    if unreachable
                    else ""
                )
                raise TransactionTimeoutError(
                    f"transaction with nonce {flight.nonce} from {self.address} not mined within "
                    f"{self.receipt_timeout:g} s (hashes {', '.join(flight.hashes)}){detail}; "
                    "it may "
                    "still be mined",
                    tx_hashes=flight.hashes,
                    nonce=flight.nonce,
                )
            # Whether another transaction took the nonce: asked once per poll_interval, not at
            # every fast early poll (one more round trip each).
            if unreachable is None and now - last_nonce_check >= self.poll_interval:
                last_nonce_check = now
                if self._nonce_used_elsewhere(flight):
                    self._journal_mark(flight, "dropped", error="nonce used by another transaction")
                    raise _NonceTaken
            if now - last_broadcast >= self.stuck_after and unreachable is None:
                self._replace(flight, base, gas, chain_id)
                last_broadcast = time.monotonic()
            polls.wait()

    def _nonce_used_elsewhere(self, flight: _Flight) -> bool:
        """True when the account's mined nonce passed ours and none of our hashes is mined."""
        try:
            mined = int(self.w3.eth.get_transaction_count(self.address, "latest"))  # type: ignore[arg-type]
        except Exception:
            return False
        if mined <= flight.nonce:
            return False
        # Read after the count: a receipt of ours would be visible by now - unless the node (or
        # the load balancer in front of several) lags; _not_ours() gives it time.
        return self._not_ours(flight)

    def _not_ours(self, flight: _Flight) -> bool:
        """True when, for ``dropped_grace`` seconds, the node shows none of our hashes (no
        receipt, no transaction). Concluding too early would re-send with a new nonce a
        transaction that was in fact mined: a double send. A hash the node still knows is never
        given up (at worst the send times out)."""
        deadline = time.monotonic() + self.dropped_grace
        while True:
            if self._find_receipt(flight.hashes) is not None:
                return False
            for tx_hash in flight.hashes:
                try:
                    self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
                except TransactionNotFound:
                    continue
                return False
            if time.monotonic() >= deadline:
                return True
            time.sleep(self.poll_interval)

    def _replace(self, flight: _Flight, base: dict[str, Any], gas: int, chain_id: int) -> None:
        """Stuck: re-sign the same nonce with higher fees (or rebroadcast when fees are fixed)."""
        last = flight.attempts[-1]
        if flight.fees_fixed:
            self._try_broadcast(last.signed)
            return
        try:
            current = self.fee_policy.suggest(self.w3)
        except Exception:
            current = None
        try:
            fees = self.fee_policy.bump(last.fees, current)
        except FeeCapExceededError as exc:
            _log.warning(
                "transaction %s is stuck but the fee cap allows no bump: %s",
                last.signed.tx_hash,
                exc,
            )
            self._try_broadcast(last.signed)
            return
        attempt = self._sign(flight, base, gas, fees, chain_id)
        self._journal_attempt(flight, attempt, chain_id, None)
        flight.attempts.append(attempt)
        _log.info(
            "transaction %s stuck; replaced by %s (max fee %d -> %d wei)",
            last.signed.tx_hash,
            attempt.signed.tx_hash,
            last.fees.ceiling,
            fees.ceiling,
        )
        self._try_broadcast(attempt.signed)

    def _try_broadcast(self, signed: SignedTx) -> None:
        try:
            outcome, message = self._broadcast(signed)
        except NodeUnreachableError as exc:
            _log.warning("rebroadcast of %s failed: %s", signed.tx_hash, exc)
            return
        if outcome is not None:
            # NONCE_TOO_LOW: one of ours (or another tx) was mined - the wait loop finds out.
            # REPLACEMENT_UNDERPRICED: the next bump goes higher.
            _log.info("rebroadcast of %s: %s", signed.tx_hash, message)

    def _confirm(self, receipt: TxReceipt, flight: _Flight, start: float) -> TxReceipt | None:
        """Wait for ``confirmations`` blocks on top; None if the receipt vanished (re-org)."""
        if self.confirmations == 0:
            return receipt
        polls = _Polls(self.poll_interval)
        while True:
            try:
                head = int(self.w3.eth.block_number)
            except Exception as exc:
                if not is_connection_error(exc):
                    raise ChainError(f"eth_blockNumber failed: {rpc_error_message(exc)}") from exc
                head = -1
            if head >= receipt.block_number + self.confirmations:
                fresh = self._find_receipt([receipt.tx_hash])
                if fresh is None:
                    return None
                if fresh.block_hash != receipt.block_hash:
                    receipt = fresh
                    continue
                return fresh
            if time.monotonic() - start >= self.receipt_timeout:
                raise TransactionTimeoutError(
                    f"transaction {receipt.tx_hash} mined in block {receipt.block_number} but not "
                    f"{self.confirmations} blocks deep within {self.receipt_timeout:g} s",
                    tx_hashes=flight.hashes,
                    nonce=flight.nonce,
                )
            polls.wait()

    def _finish(
        self,
        receipt: TxReceipt,
        flight: _Flight,
        base: dict[str, Any],
        gas: int,
        abis: Sequence[Abi],
    ) -> TxReceipt:
        result = receipt.model_copy(update={"nonce": flight.nonce})
        if result.status == 1:
            self._journal_mark(
                flight, "mined", mined_hash=result.tx_hash, block_number=result.block_number
            )
            return result
        self._journal_mark(
            flight, "reverted", mined_hash=result.tx_hash, block_number=result.block_number
        )
        raise self._revert_error(result, base, gas, abis)

    def _revert_error(
        self, receipt: TxReceipt, base: dict[str, Any], gas: int, abis: Sequence[Abi]
    ) -> TransactionRevertedError:
        """Replay a failed transaction at its block to recover why it reverted."""
        call = {"from": self.address, **base, "gas": gas}
        data: bytes | None = None
        try:
            self.w3.eth.call(call, block_identifier=receipt.block_number)  # type: ignore[arg-type]
        except Exception as exc:
            data = extract_revert_data(exc)
        if data:
            return decode_revert(data, abis, tx_hash=receipt.tx_hash)
        hint = ""
        if receipt.gas_used >= gas:
            hint = f" after using all {gas} gas (out of gas?)"
        elif data is None:
            hint = " (replaying it at its block did not reproduce the revert)"
        return TransactionRevertedError(
            f"transaction {receipt.tx_hash} reverted in block {receipt.block_number}{hint}",
            tx_hash=receipt.tx_hash,
            gas_used=receipt.gas_used,
            gas_limit=gas,
        )

    # -- resume --------------------------------------------------------------------------------

    def _resume_entry(self, entry: JournalEntry, *, wait: bool) -> ResumeOutcome:
        assert self.journal is not None
        latest = entry.latest
        flight = _Flight(nonce=entry.nonce, owned=False, fees_fixed=False, entry_id=entry.id)
        for attempt in entry.attempts:
            tx = dict(attempt.tx)
            flight.attempts.append(
                _Attempt(
                    signed=SignedTx(
                        raw_transaction=attempt.raw_tx, tx_hash=attempt.tx_hash, nonce=entry.nonce
                    ),
                    tx=tx,
                    fees=Fees.from_tx(tx) or Fees(),
                )
            )
        base: dict[str, Any] = {k: latest.tx[k] for k in ("to", "data", "value") if k in latest.tx}
        gas = int(latest.tx.get("gas", 0))

        def outcome(status: Any, tx_hash: str, **kw: Any) -> ResumeOutcome:
            return ResumeOutcome(
                entry_id=entry.id, nonce=entry.nonce, status=status, tx_hash=tx_hash, **kw
            )

        with node_errors(self.url, "resume"):
            receipt = self._find_receipt(flight.hashes)
            if receipt is None:
                mined = int(self.w3.eth.get_transaction_count(self.address, "latest"))  # type: ignore[arg-type]
                if mined > entry.nonce:
                    receipt = self._find_receipt(flight.hashes)
                    if receipt is None and self._not_ours(flight):
                        self.journal.mark(
                            entry.id, "dropped", error="nonce used by another transaction"
                        )
                        return outcome(
                            "dropped", latest.tx_hash, error="nonce used by another transaction"
                        )
        if receipt is not None:
            try:
                result = self._finish(receipt, flight, base, gas, ())
            except TransactionRevertedError as exc:
                return outcome(
                    "reverted",
                    receipt.tx_hash,
                    receipt=receipt.model_copy(update={"nonce": entry.nonce}),
                    error=str(exc),
                )
            return outcome("mined", result.tx_hash, receipt=result)
        sent, message = self._broadcast(flight.attempts[-1].signed)
        if sent is not None and sent not in (
            SendOutcome.NONCE_TOO_LOW,
            SendOutcome.REPLACEMENT_UNDERPRICED,
            SendOutcome.UNDERPRICED,
        ):
            self.journal.mark(entry.id, "failed", error=message)
            return outcome("failed", latest.tx_hash, error=message)
        if not wait:
            return outcome(
                "rebroadcast" if sent is None else "pending", latest.tx_hash, error=message or None
            )
        try:
            result = self._await(flight, base, gas, entry.chain_id, ())
        except _NonceTaken:
            return outcome("dropped", latest.tx_hash, error="nonce used by another transaction")
        except TransactionTimeoutError as exc:
            return outcome("pending", flight.hashes[-1], error=str(exc))
        except TransactionRevertedError as exc:
            return outcome("reverted", exc.tx_hash or flight.hashes[-1], error=str(exc))
        return outcome("mined", result.tx_hash, receipt=result)


class _Polls:
    """Sleeps between polls: 20 ms first, doubling up to ``interval``. A local chain mines at
    once, so its receipt is found within milliseconds; a slow chain costs a handful of extra
    lookups before settling at ``interval``."""

    FIRST = 0.02

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._next = min(self.FIRST, interval)

    def wait(self) -> None:
        time.sleep(self._next)
        self._next = min(self._next * 2, self._interval)


def _hex_data(data: Any) -> str:
    if isinstance(data, bytes | bytearray):
        return "0x" + bytes(data).hex()
    if isinstance(data, str):
        text = data if data.startswith(("0x", "0X")) else "0x" + data
        try:
            bytes.fromhex(text[2:])
        except ValueError:
            raise InvalidInputError("transaction data is not hex", field="data") from None
        return "0x" + text[2:].lower()
    raise InvalidInputError("transaction data must be bytes or a hex string", field="data")
