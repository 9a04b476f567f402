"""``fabtrust.connect``: a checked connection with the devices, certificates and escrow clients."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from fabtrust._binding import Binding
from fabtrust._constants import REMOTE_CONFIRMATIONS
from fabtrust.accounts import Signer, parse_account_spec
from fabtrust.certificates import CertificatesClient
from fabtrust.chain import ChainConnection, Journal, NonceManager, TransactionSender, connect_web3
from fabtrust.deployments import Deployment, load_deployment
from fabtrust.escrow import EscrowClient
from fabtrust.identity import DevicesClient

__all__ = ["Fabtrust", "connect"]

# One nonce manager per chain and node in this process: any number of clients of the same signer
# (threads of an MES, each with its own connect()) draw nonces from one counter.
_NONCES: dict[tuple[int, str, str], NonceManager] = {}
_NONCES_LOCK = threading.Lock()


def _shared_nonces(connection: ChainConnection, address: str) -> NonceManager:
    key = (connection.chain_id, connection.genesis_hash, connection.rpc_url)
    with _NONCES_LOCK:
        manager = _NONCES.get(key)
        if manager is None:
            manager = _NONCES[key] = NonceManager(connection.w3)
    # A counter that disagrees with the chain (a local chain reverted to a snapshot, another
    # process sent meanwhile) is re-read from the chain on the next reservation.
    pending = int(connection.w3.eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]
    if manager.peek(address) != pending:
        manager.forget(address)
    return manager


class Fabtrust:
    """A connected client: ``.devices``, ``.certificates``, ``.escrow`` and ``.chain``."""

    def __init__(self, binding: Binding) -> None:
        self.chain = binding
        self.devices = DevicesClient(binding)
        self.certificates = CertificatesClient(binding, devices=self.devices)
        self.escrow = EscrowClient(binding, certificates=self.certificates, devices=self.devices)

    @property
    def deployment(self) -> Deployment:
        return self.chain.deployment

    @property
    def account(self) -> str | None:
        """The signer's address, or None for a read-only client."""
        return self.chain.sender.signer.address if self.chain.sender is not None else None

    def __repr__(self) -> str:
        return (
            f"Fabtrust(chain_id={self.chain.connection.chain_id}, "
            f"rpc_url={self.chain.connection.rpc_url!r}, account={self.account})"
        )


def connect(
    *,
    rpc_url: str,
    account: str | Signer | None = None,
    deployments: str | os.PathLike[str] | Deployment = "deployments",
    password: str | None = None,
    password_callback: Callable[[], str] | None = None,
    confirmations: int | None = None,
    journal: str | os.PathLike[str] | Journal | None = None,
    fee_cap: int | None = None,
    timeout: float = 10.0,
    check_code: bool = True,
) -> Fabtrust:
    """Connect to ``rpc_url`` and check it is the chain of the deployment registry.

    ``account``: a :class:`Signer`, ``"dev:N"`` (local chains only), a raw ``0x`` key, or a
    keystore path (with ``password`` or ``password_callback``); None for a read-only client.
    ``deployments``: a folder of ``<chainId>.json`` files, one such file, or a Deployment.
    ``confirmations``: blocks to wait after each transaction (default 0 on local chains,
    ``REMOTE_CONFIRMATIONS`` = 3 elsewhere, the depth the settlement agent acts at).
    ``journal``: SQLite file of in-flight transactions (resumed on connect).
    Raises NodeUnreachableError, WrongChainError (chain id, genesis hash or code, whichever
    differs), DeploymentNotFoundError, AccountError.
    """
    connection: ChainConnection = connect_web3(rpc_url, timeout=timeout)
    if isinstance(deployments, Deployment):
        deployment = deployments
    else:
        deployment = load_deployment(Path(deployments), chain_id=connection.chain_id)
    connection.check(chain_id=deployment.chain_id, genesis_hash=deployment.genesis_hash)
    sender: TransactionSender | None = None
    if account is not None:
        signer = (
            account
            if isinstance(account, Signer)
            else parse_account_spec(account, password=password, password_callback=password_callback)
        )
        if confirmations is None:
            confirmations = 0 if connection.is_local else REMOTE_CONFIRMATIONS
        tx_journal = journal
        if journal is not None and not isinstance(journal, Journal):
            tx_journal = Journal(journal)
        sender = connection.sender(
            signer,
            confirmations=confirmations,
            journal=tx_journal,
            fee_cap=fee_cap,
            nonces=_shared_nonces(connection, signer.address),
        )
        if tx_journal is not None:
            sender.resume()
    binding = Binding(connection, deployment, sender=sender)
    if check_code:
        binding.check_code()
    return Fabtrust(binding)
