"""Talking to an EVM chain: connecting, sending transactions reliably, reading events.

Importing this package imports web3 (~0.8 s): the CLI loads it only for commands that use a
chain. :mod:`fabtrust.errors`, :mod:`fabtrust.accounts` and :mod:`fabtrust.deployments` are the
light modules.

* :func:`connect_web3` → :class:`ChainConnection` (web3 instance, chain id, genesis hash), with
  :class:`~fabtrust.errors.NodeUnreachableError` naming the URL when the node is down.
* :class:`TransactionSender` - estimate, sign locally, journal, broadcast, wait, replace when stuck;
  :class:`NonceManager`, :class:`Journal`, :class:`FeePolicy` are its parts.
* :func:`iter_logs`, :func:`follow` - event logs in chunks / following the head with re-org care.
* :func:`decode_revert`, :func:`extract_revert_data` - Solidity errors out of revert data.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from web3 import HTTPProvider, IPCProvider, Web3
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers.rpc.utils import ExceptionRetryConfiguration

from fabtrust.accounts import LOCAL_CHAIN_IDS, Signer, is_local_chain
from fabtrust.chain._events import DEFAULT_CHUNK_SIZE, follow, iter_logs
from fabtrust.chain._fees import DEFAULT_MIN_PRIORITY_FEE_WEI, FeePolicy, Fees
from fabtrust.chain._journal import Journal, JournalAttempt, JournalEntry, JournalStatus
from fabtrust.chain._models import RawLog, TxReceipt
from fabtrust.chain._nonces import NonceManager
from fabtrust.chain._revert import decode_revert, error_selector, extract_revert_data
from fabtrust.chain._rpc import (
    is_connection_error,
    raise_unreachable,
    redact_url,
    rpc_error_message,
)
from fabtrust.chain._sender import ResumeOutcome, TransactionSender
from fabtrust.deployments import Deployment
from fabtrust.errors import ChainError, FabtrustError, InvalidInputError, WrongChainError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MIN_PRIORITY_FEE_WEI",
    "LOCAL_CHAIN_IDS",
    "ChainConnection",
    "FeePolicy",
    "Fees",
    "Journal",
    "JournalAttempt",
    "JournalEntry",
    "JournalStatus",
    "NonceManager",
    "RawLog",
    "ResumeOutcome",
    "TransactionSender",
    "TxReceipt",
    "connect_web3",
    "decode_revert",
    "error_selector",
    "extract_revert_data",
    "follow",
    "is_local_chain",
    "iter_logs",
]

_UNUSED_MIDDLEWARE = ("validation", "ens_name_to_address", "gas_price_strategy", "gas_estimate")


@dataclass(frozen=True)
class ChainConnection:
    """A checked connection: the web3 instance and what identifies the chain behind it."""

    w3: Web3
    rpc_url: str  # password redacted
    chain_id: int
    genesis_hash: str
    client_version: str

    @property
    def is_local(self) -> bool:
        """True on a local development chain (chain id 31337 or 1337)."""
        return is_local_chain(self.chain_id)

    def check(self, *, chain_id: int | None = None, genesis_hash: str | None = None) -> None:
        """Raise WrongChainError unless the chain has this id and genesis hash (when given)."""
        if chain_id is not None and chain_id != self.chain_id:
            raise WrongChainError(kind="chain_id", expected=chain_id, actual=self.chain_id)
        if genesis_hash is not None and genesis_hash.lower() != self.genesis_hash:
            raise WrongChainError(
                kind="genesis_hash",
                expected=genesis_hash.lower(),
                actual=self.genesis_hash,
                detail="same chain id, different chain: was a local chain restarted?",
            )

    def check_deployment(self, deployment: Deployment, *, check_code: bool = True) -> None:
        """Check that ``deployment`` belongs to this chain: chain id, genesis hash, and (with
        ``check_code``) that every contract address holds code."""
        self.check(chain_id=deployment.chain_id, genesis_hash=deployment.genesis_hash)
        if not check_code:
            return
        for name, contract in sorted(deployment.contracts.items()):
            try:
                code = self.w3.eth.get_code(Web3.to_checksum_address(contract.address))
            except Exception as exc:
                if is_connection_error(exc):
                    raise_unreachable(self.rpc_url, exc)
                raise ChainError(f"eth_getCode failed: {rpc_error_message(exc)}") from exc
            if len(code) == 0:
                raise WrongChainError(
                    kind="code",
                    expected=f"{name} contract",
                    actual="no code",
                    address=contract.address,
                )

    def sender(self, signer: Signer, **options: Any) -> TransactionSender:
        """A :class:`TransactionSender` for ``signer`` on this chain (dev keys: local chains only);
        ``options`` are TransactionSender's keyword arguments."""
        signer.check_chain(self.chain_id)
        return TransactionSender(self.w3, signer, chain_id=self.chain_id, **options)

    def block_number(self) -> int:
        """The latest block number."""
        try:
            return int(self.w3.eth.block_number)
        except Exception as exc:
            if is_connection_error(exc):
                raise_unreachable(self.rpc_url, exc)
            raise ChainError(f"eth_blockNumber failed: {rpc_error_message(exc)}") from exc


def connect_web3(
    rpc_url: str,
    *,
    timeout: float = 10.0,
    retries: int = 3,
    expected_chain_id: int | None = None,
) -> ChainConnection:
    """Connect to ``rpc_url`` (http(s) URL or an IPC socket path) and identify the chain.

    Each request times out after ``timeout`` seconds and is retried ``retries`` times on
    connection errors. A node that cannot be reached → NodeUnreachableError naming the URL (no
    web3 or requests exception escapes); a different chain id than ``expected_chain_id`` →
    WrongChainError.
    """
    if not isinstance(rpc_url, str) or not rpc_url.strip():
        raise InvalidInputError("the RPC URL is empty", field="rpc_url")
    url = rpc_url.strip()
    shown = redact_url(url)
    scheme = urlsplit(url).scheme.lower()
    provider: HTTPProvider | IPCProvider
    if scheme in ("http", "https"):
        provider = HTTPProvider(
            url,
            request_kwargs={"timeout": timeout},
            exception_retry_configuration=ExceptionRetryConfiguration(
                errors=(requests.ConnectionError, requests.Timeout),
                retries=max(1, retries),
                backoff_factor=0.1,
            ),
        )
    elif scheme in ("", "file") and url.endswith(".ipc"):
        provider = IPCProvider(
            urlsplit(url).path if scheme == "file" else url, timeout=max(1, round(timeout))
        )
    else:
        raise InvalidInputError(
            f"unsupported RPC URL {shown}: use http://, https:// or a path to a .ipc socket",
            field="rpc_url",
        )
    w3 = Web3(provider)
    # Clique/IBFT consortium chains put > 32 bytes in extraData; harmless elsewhere.
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    # web3's defaults that cost round trips and do nothing for us: "validation" asks the node for
    # its chain id twice around every eth_call / eth_estimateGas (the connection checks the chain
    # once, the sender signs with it); ENS names, gas price strategies and buffered estimates are
    # not used (addresses are validated by the SDK, fees and gas are set by the sender).
    for name in _UNUSED_MIDDLEWARE:
        with contextlib.suppress(ValueError, KeyError):
            w3.middleware_onion.remove(name)
    try:
        chain_id = int(w3.eth.chain_id)
        genesis = w3.eth.get_block(0)
        client = str(w3.client_version)
    except FabtrustError:
        raise
    except Exception as exc:
        if is_connection_error(exc) or isinstance(exc, requests.RequestException | OSError):
            raise_unreachable(shown, exc)
        raise ChainError(
            f"{shown} did not answer like an Ethereum JSON-RPC node: {rpc_error_message(exc)}"
        ) from None
    connection = ChainConnection(
        w3=w3,
        rpc_url=shown,
        chain_id=chain_id,
        genesis_hash="0x" + bytes(genesis["hash"]).hex(),
        client_version=client,
    )
    if expected_chain_id is not None:
        connection.check(chain_id=expected_chain_id)
    return connection
