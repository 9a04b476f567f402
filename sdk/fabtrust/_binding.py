"""The deployed contracts bound to one chain connection and (optionally) one signer.

Every domain client sends and reads through a :class:`Binding`: transactions go through the
reliable :class:`~fabtrust.chain.TransactionSender`, reverts come back as the matching
:class:`~fabtrust.errors.ContractError`, and receipts become :class:`~fabtrust.models.TxResult`
with decoded events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from web3 import Web3
from web3.contract import Contract

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

__all__ = ["Binding"]


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
        addresses = {name: record.address for name, record in deployment.contracts.items()}
        self.decoder = EventDecoder(self.w3, addresses)

    # -- identity ---------------------------------------------------------------------------------

    @property
    def signer(self) -> Signer:
        if self.sender is None:
            raise AccountError("this operation sends a transaction: connect with an account")
        return self.sender.signer

    @property
    def address(self) -> str:
        """The signer's address."""
        return self.signer.address

    def check_code(self) -> None:
        """WrongChainError unless each contract's runtime code is what was deployed."""
        for name, record in sorted(self.deployment.contracts.items()):
            code = bytes(self._rpc(lambda a=record.address: self.w3.eth.get_code(a), "eth_getCode"))
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
            if is_connection_error(exc):
                raise_unreachable(self.connection.rpc_url, exc)
            raise ChainError(f"{contract}.{function} failed: {rpc_error_message(exc)}") from None

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

    def encode(self, contract: str, function: str, *args: Any) -> str:
        return str(self.contract(contract).encode_abi(function, args=list(args)))

    def send(self, params: dict[str, Any], *, label: str | None = None) -> TxResult:
        if self.sender is None:
            raise AccountError("this operation sends a transaction: connect with an account")
        receipt = self.sender.send(params, abis_for_errors=all_abis(), label=label)
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

    def _rpc(self, fn: Any, what: str) -> Any:
        try:
            return fn()
        except Exception as exc:
            if is_connection_error(exc):
                raise_unreachable(self.connection.rpc_url, exc)
            raise ChainError(f"{what} failed: {rpc_error_message(exc)}") from None
