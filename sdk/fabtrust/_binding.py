"""The deployed contracts bound to one chain connection and (optionally) one signer.

Every domain client sends and reads through a :class:`Binding`: transactions go through the
reliable :class:`~fabtrust.chain.TransactionSender`, reverts come back as the matching
:class:`~fabtrust.errors.ContractError`, and receipts become :class:`~fabtrust.models.TxResult`
with decoded events.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

from web3 import Web3
from web3.contract import Contract

from fabtrust._abi import AbiInputError, function_codec
from fabtrust._artifacts import all_abis, artifact
from fabtrust._decode import EventDecoder
from fabtrust.accounts import Signer
from fabtrust.chain import (
    ChainConnection,
    TransactionSender,
    decode_revert,
    extract_revert_data,
    iter_logs,
)
from fabtrust.chain._rpc import is_connection_error, raise_unreachable, rpc_error_message
from fabtrust.deployments import Deployment
from fabtrust.errors import AccountError, ChainError, FabtrustError, WrongChainError
from fabtrust.models import Event, TxResult

__all__ = ["CALL_BATCH", "Binding"]

CALL_BATCH = 500
"""eth_calls per JSON-RPC batch (public providers commonly cap batches at 1,000 or fewer)."""
_CALL_THREADS = 8


class Binding:
    """Contracts of one deployment on one chain; a sender when a signer was given."""

    def __init__(
        self,
        connection: ChainConnection,
        deployment: Deployment,
        *,
        sender: TransactionSender | None = None,
    ) -> None:
        self.connection = connection
        self.deployment = deployment
        self.sender = sender
        self.w3: Web3 = connection.w3
        self._contracts: dict[str, Contract] = {}
        self._batching = True  # until the provider refuses a JSON-RPC batch
        addresses = {name: record.address for name, record in deployment.contracts.items()}
        self.decoder = EventDecoder(self.w3, addresses)

    # -- identity ---------------------------------------------------------------------------------

    @property
    def signer(self) -> Signer:
        return self._sending().signer

    def _sending(self) -> TransactionSender:
        if self.sender is None:
            raise AccountError("this operation sends a transaction: connect with an account")
        return self.sender

    @property
    def address(self) -> str:
        """The signer's address."""
        return self.signer.address

    def check_code(self) -> None:
        """WrongChainError unless each contract's runtime code is what was deployed."""
        for name, record in sorted(self.deployment.contracts.items()):
            get_code = functools.partial(self.w3.eth.get_code, record.address)  # type: ignore[arg-type]
            code = bytes(self.rpc(get_code, "eth_getCode"))
            expected = getattr(record, "code_sha256", None)
            actual = "0x" + hashlib.sha256(code).hexdigest()
            if not code or (expected is not None and expected != actual):
                raise WrongChainError(
                    kind="code",
                    expected=f"{name} code {expected or '(any)'}",
                    actual=actual if code else "no code",
                    address=record.address,
                )

    # -- contracts --------------------------------------------------------------------------------

    def contract(self, name: str) -> Contract:
        if name not in self._contracts:
            record = self.deployment.contract(name)
            self._contracts[name] = self.w3.eth.contract(
                address=Web3.to_checksum_address(record.address), abi=list(artifact(name).abi)
            )
        return self._contracts[name]

    def call(self, contract: str, function: str, *args: Any, block: int | str = "latest") -> Any:
        """A view call; a revert becomes the matching ContractError."""
        fn = getattr(self.contract(contract).functions, function)(*args)
        try:
            return fn.call(block_identifier=block)
        except FabtrustError:
            raise
        except Exception as exc:
            data = extract_revert_data(exc)
            if data is not None:
                raise decode_revert(data, all_abis()) from None
            self.fail(exc, f"{contract}.{function}")

    def call_many(
        self,
        contract: str,
        function: str,
        calls: Sequence[Sequence[Any]],
        *,
        block: int | str = "latest",
    ) -> list[Any]:
        """Results of many view calls of ``contract.function`` (one argument list each), in order.

        Sent as JSON-RPC batches of :data:`CALL_BATCH` ``eth_call`` requests, one round trip
        each, so thousands of reads take a moment. A call that fails inside a batch is repeated
        alone (its revert becomes the matching ContractError, as with :meth:`call`); a node or
        provider that does not take batches gets the calls one by one from a few threads.
        """
        if not calls:
            return []
        try:
            codec = function_codec(contract, function)
            payloads = [codec.encode(args) for args in calls]
        except AbiInputError:
            return self._call_each(contract, function, calls, block)
        to = self.contract(contract).address
        tag = hex(block) if isinstance(block, int) else block
        results: list[Any] = []
        for start in range(0, len(payloads), CALL_BATCH):
            part = payloads[start : start + CALL_BATCH]
            responses = self._batch([("eth_call", [{"to": to, "data": d}, tag]) for d in part])
            if responses is None:
                return results + self._call_each(contract, function, calls[start:], block)
            for offset, response in enumerate(responses):
                try:
                    results.append(codec.decode(_returned(response)))
                except AbiInputError:  # a revert or an odd answer: ask alone for the error
                    args = calls[start + offset]
                    results.append(self.call(contract, function, *args, block=block))
        return results

    def _batch(self, requests: list[tuple[str, list[Any]]]) -> list[Any] | None:
        """Responses of one JSON-RPC batch in request order, or None if it could not be done."""
        if not self._batching:
            return None
        make_batch = getattr(self.w3.provider, "make_batch_request", None)
        if make_batch is None:
            self._batching = False
            return None
        try:
            responses = make_batch(requests)
        except Exception:  # e.g. a connection error: the single path has retries and messages
            return None
        if not isinstance(responses, list) or len(responses) != len(requests):
            self._batching = False  # one error object for the whole batch: not supported
            return None
        return [dict(r) for r in responses]

    def _call_each(
        self, contract: str, function: str, calls: Sequence[Sequence[Any]], block: int | str
    ) -> list[Any]:
        def one(args: Sequence[Any]) -> Any:
            return self.call(contract, function, *args, block=block)

        if len(calls) <= 2:
            return [one(args) for args in calls]
        with ThreadPoolExecutor(max_workers=_CALL_THREADS) as pool:
            return list(pool.map(one, calls))

    def transact(
        self,
        contract: str,
        function: str,
        *args: Any,
        value: int = 0,
        gas: int | None = None,
        label: str | None = None,
    ) -> TxResult:
        """Send ``contract.function(*args)`` and return its decoded result once mined."""
        data = self.encode(contract, function, *args)
        params: dict[str, Any] = {"to": self.contract(contract).address, "data": data}
        if value:
            params["value"] = value
        if gas is not None:
            params["gas"] = gas
        return self.send(params, label=label or f"{contract}.{function}")

    def estimate(self, params: dict[str, Any]) -> int:
        """``eth_estimateGas`` of ``params`` from the signer, no margin; reverts → ContractError."""
        return self._sending().estimate(params, abis_for_errors=all_abis())

    def encode(self, contract: str, function: str, *args: Any) -> str:
        """``0x`` calldata of ``contract.function(*args)``: eth-abi directly, or web3 (overloads,
        and arguments eth-abi refuses, which then get web3's validation error)."""
        try:
            return function_codec(contract, function).encode(args)
        except AbiInputError:
            return str(self.contract(contract).encode_abi(function, args=list(args)))

    def send(self, params: dict[str, Any], *, label: str | None = None) -> TxResult:
        receipt = self._sending().send(params, abis_for_errors=all_abis(), label=label)
        return TxResult(
            tx_hash=receipt.tx_hash,
            block_number=receipt.block_number,
            block_hash=receipt.block_hash,
            gas_used=receipt.gas_used,
            effective_gas_price=receipt.effective_gas_price,
            events=self.decoder.decode_all(receipt.logs),
        )

    # -- events -----------------------------------------------------------------------------------

    def events(
        self,
        contract: str,
        event: str | None = None,
        *,
        topics: Sequence[str | None] = (),
        from_block: int | None = None,
        to_block: int | None = None,
        chunk_size: int = 5_000,
    ) -> Iterator[Event]:
        """Decoded events of ``contract`` (optionally one event and indexed-topic filters) from the
        deployment block on, fetched in chunks that respect provider range limits."""
        topic_list: list[str | None] | None = None
        if event is not None:
            topic_list = [self.decoder.topic(contract, event), *topics]
        logs = iter_logs(
            self.w3,
            address=self.contract(contract).address,
            topics=topic_list,
            from_block=self.deployment.deployment_block if from_block is None else from_block,
            to_block=to_block,
            chunk_size=chunk_size,
        )
        for log in logs:
            decoded = self.decoder.decode(log)
            if decoded is not None:
                yield decoded

    # -- node failures ----------------------------------------------------------------------------

    def rpc(self, fn: Callable[[], Any], what: str) -> Any:
        """``fn()``, a request to the node, with web3/transport failures raised by :meth:`fail`
        (fabtrust errors pass through)."""
        try:
            return fn()
        except FabtrustError:
            raise
        except Exception as exc:
            self.fail(exc, what)

    def fail(self, exc: BaseException, what: str) -> NoReturn:
        """NodeUnreachableError naming the URL when ``exc`` is a connection failure, else
        ChainError ``"<what> failed: <node's message>"``; no web3 traceback chained."""
        self.raise_if_unreachable(exc)
        raise ChainError(f"{what} failed: {rpc_error_message(exc)}") from None

    def raise_if_unreachable(self, exc: BaseException) -> None:
        """NodeUnreachableError when ``exc`` is a connection failure; otherwise nothing."""
        if is_connection_error(exc):
            raise_unreachable(self.connection.rpc_url, exc)


def _returned(response: dict[str, Any]) -> bytes:
    """The return data of one successful eth_call answer; AbiInputError for anything else."""
    raw = response.get("result") if "error" not in response else None
    if not isinstance(raw, str) or not raw.startswith("0x") or len(raw) <= 2:
        raise AbiInputError("no return data")
    try:
        return bytes.fromhex(raw[2:])
    except ValueError:
        raise AbiInputError("return data is not hex") from None
