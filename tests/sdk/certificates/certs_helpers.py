"""Helpers of the certificates tests: clients per dev account, devices, time travel."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fabtrust._binding import Binding
from fabtrust.accounts import Signer
from fabtrust.certificates import CertificatesClient
from fabtrust.chain import ChainConnection, connect_web3
from fabtrust.deployments import Deployment, load_deployment
from fabtrust.evidence import device_id_of

SPEC = "ISO 4409:2019 hydraulic motor bench"
DAY = 86_400
YEAR = 365 * DAY
ZERO32 = "0x" + "00" * 32


def rand32() -> str:
    return "0x" + os.urandom(32).hex()


class World:
    """The session chain seen from the dev accounts (one sender per account per test)."""

    def __init__(self, chain: Any, tmp_path: Path) -> None:
        self.chain = chain
        self.tmp = tmp_path
        self.connection: ChainConnection = connect_web3(chain.rpc_url)
        self.deployment: Deployment = load_deployment(
            chain.deployments, chain_id=self.connection.chain_id
        )
        self._bindings: dict[int, Binding] = {}

    # -- clients ----------------------------------------------------------------------------------

    def binding(self, index: int) -> Binding:
        if index not in self._bindings:
            sender = self.connection.sender(Signer.dev(index))
            self._bindings[index] = Binding(self.connection, self.deployment, sender=sender)
        return self._bindings[index]

    def certs(self, index: int) -> CertificatesClient:
        return CertificatesClient(self.binding(index))

    def readonly(self) -> CertificatesClient:
        return CertificatesClient(Binding(self.connection, self.deployment))

    @property
    def registry(self) -> str:
        return self.deployment.contract("CertificateRegistry").address

    # -- chain ------------------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.connection.w3.eth.get_block("latest")["timestamp"])

    def block(self) -> int:
        return int(self.connection.w3.eth.block_number)

    def travel(self, seconds: int) -> None:
        self.chain.rpc("evm_increaseTime", [seconds])
        self.chain.rpc("evm_mine")

    # -- devices ----------------------------------------------------------------------------------

    def register_device(self, serial: str, *, key: Signer | None = None) -> tuple[int, Signer]:
        """Register a device as dev:1 (the manufacturer); returns its id and signing key."""
        key = key or Signer.generate()
        manufacturer = self.binding(1)
        manufacturer.transact(
            "DeviceRegistry",
            "registerDevice",
            serial,
            b"HM-80".ljust(32, b"\0"),
            key.address,
            bytes(32),
            manufacturer.address,
        )
        return device_id_of(manufacturer.address, serial), key

    def rotate_key(self, device_id: int, key: Signer) -> None:
        self.binding(1).transact("DeviceRegistry", "rotateDeviceKey", device_id, key.address)

    def transfer_device(self, device_id: int, to: str) -> None:
        manufacturer = self.binding(1)
        manufacturer.transact("DeviceRegistry", "transferFrom", manufacturer.address, to, device_id)
