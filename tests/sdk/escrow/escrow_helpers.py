"""Helpers for the escrow tests: a market of dev accounts on the session Anvil.

dev:0 admin and TestStablecoin minter, dev:1 seller (manufacturer), dev:2 accredited lab,
dev:3 buyer, dev:4 default arbiter, dev:5 a stranger. The seller has approved the escrow on the
DeviceRegistry (``DevicesClient.approve_escrow``) before any order, as createOrder locks its
devices. Devices are registered with the raw
binding (``registerDevice``) and certified with ``issueCertificate`` so these tests do not depend
on the identity and certificates clients. Test mocks (TestWallet, BlocklistToken,
FeeOnTransferToken) are deployed from the Brownie build in ``build/contracts``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.escrow import OrderCreated

SPEC_TEXT = "ISO 4409:2019 hydraulic motor bench"
OTHER_SPEC_TEXT = "ISO 10767 pressure ripple"
PASS, FAIL = 1, 2
USDC = 10**6  # TestStablecoin has 6 decimals
BUILD = Path(__file__).resolve().parents[3] / "build" / "contracts"


def mock_artifact(name: str) -> dict[str, Any]:
    path = BUILD / f"{name}.json"
    assert path.exists(), f"{path} missing: run `brownie compile` (make) first"
    data = json.loads(path.read_text())
    return {"abi": data["abi"], "bytecode": data["bytecode"]}


@dataclass
class Market:
    chain: Any
    admin: Any
    seller: Any
    lab: Any
    buyer: Any
    arbiter: Any
    stranger: Any
    _serial: int = field(default=0)

    # -- accounts and tokens ----------------------------------------------------------------------

    @property
    def w3(self) -> Any:
        return self.buyer.chain.w3

    @property
    def stablecoin(self) -> str:
        return self.buyer.deployment.contract("TestStablecoin").address  # type: ignore[no-any-return]

    @property
    def escrow_address(self) -> str:
        return self.buyer.escrow.address  # type: ignore[no-any-return]

    def mint(self, to: str, amount: int) -> None:
        self.admin.chain.transact("TestStablecoin", "mint", to, amount)

    def token_balance(self, account: str, token: str | None = None) -> int:
        token = token or self.stablecoin
        contract = self.w3.eth.contract(
            address=token,
            abi=[
                {
                    "type": "function",
                    "name": "balanceOf",
                    "stateMutability": "view",
                    "inputs": [{"name": "a", "type": "address"}],
                    "outputs": [{"name": "", "type": "uint256"}],
                }
            ],
        )
        return int(contract.functions.balanceOf(account).call())

    def eth_balance(self, account: str) -> int:
        return int(self.w3.eth.get_balance(account))

    def owner_of(self, device_id: int) -> str:
        return str(self.buyer.chain.call("DeviceRegistry", "ownerOf", device_id))

    def lock_of(self, device_id: int) -> str:
        """The device's locker (the zero address when it is free)."""
        return str(self.buyer.chain.call("DeviceRegistry", "lockerOf", device_id))

    # -- time -------------------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def travel(self, seconds: int) -> None:
        self.chain.rpc("evm_increaseTime", [seconds])
        self.chain.rpc("evm_mine")

    def travel_to(self, timestamp: int) -> None:
        """Mine a block at exactly ``timestamp``."""
        self.chain.rpc("evm_mine", [timestamp])

    # -- devices and certificates -----------------------------------------------------------------

    def device(self, *, owner: str | None = None) -> int:
        self._serial += 1
        serial = f"HM-{self._serial:05d}"
        tx = self.seller.chain.transact(
            "DeviceRegistry",
            "registerDevice",
            serial,
            b"M" * 32,
            Signer.generate().address,
            b"\x01" * 32,
            owner or self.seller.account,
        )
        return int(tx.event("DeviceRegistered").args["deviceId"])

    def devices(self, count: int, *, owner: str | None = None) -> list[int]:
        return [self.device(owner=owner) for _ in range(count)]

    def certify(
        self,
        device_id: int,
        *,
        result: int = PASS,
        spec: str = SPEC_TEXT,
        valid_for: int = 365 * 86400,
    ) -> str:
        from fabtrust.evidence import test_spec_id

        self._serial += 1
        report = self._serial.to_bytes(32, "big")
        tx = self.lab.chain.transact(
            "CertificateRegistry",
            "issueCertificate",
            device_id,
            report,
            b"\x02" * 32,
            bytes.fromhex(test_spec_id(spec)[2:]),
            result,
            self.now() + valid_for,
        )
        return str(tx.event("CertificateIssued").args["certId"])

    # -- orders -----------------------------------------------------------------------------------

    def order(
        self,
        *,
        device_ids: list[int] | None = None,
        amount: int = 1_250 * USDC,
        token: str | None = "stablecoin",
        ship_in: int = 7 * 86400,
        inspection: timedelta | int = timedelta(days=3),
        fund: bool = True,
        buyer: Any = None,
    ) -> OrderCreated:
        buyer = buyer or self.buyer
        token_arg = self.stablecoin if token == "stablecoin" else token
        if fund and token_arg not in (None, "native"):
            self.mint(buyer.account, amount)
        return buyer.escrow.create_order(  # type: ignore[no-any-return]
            seller=self.seller.account,
            token=token_arg,
            amount=amount,
            device_ids=device_ids if device_ids is not None else self.devices(2),
            test_spec=SPEC_TEXT,
            ship_by=self.now() + ship_in,
            inspection_period=inspection,
        )

    def deploy(self, name: str, *args: Any, by: Any = None) -> Any:
        """Deploy a test mock from the Brownie build; returns a web3 contract."""
        art = mock_artifact(name)
        client = by or self.admin
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        data = factory.constructor(*args).data_in_transaction
        receipt = client.chain.sender.send({"data": data}, label=f"deploy {name}")
        return self.w3.eth.contract(address=receipt.contract_address, abi=art["abi"])

    def send(self, client: Any, contract: Any, function: str, *args: Any, value: int = 0) -> Any:
        """Send ``contract.function(*args)`` from ``client`` (reverts decoded like the SDK's)."""
        from fabtrust._artifacts import all_abis

        data = contract.encode_abi(function, args=list(args))
        params: dict[str, Any] = {"to": contract.address, "data": data}
        if value:
            params["value"] = value
        receipt = client.chain.sender.send(params, abis_for_errors=all_abis(), label=function)
        return receipt
