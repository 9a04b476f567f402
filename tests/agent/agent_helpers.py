"""Helpers for the settlement-agent tests: a market driven with raw web3 on Anvil's unlocked dev
accounts (fast: no SDK round trips), a TCP proxy that can take the node away, a webhook receiver,
and the agent's own account (a fresh key, so its nonces are its own).

Accounts: dev:0 admin and stablecoin minter, dev:1/5/6 sellers (manufacturers), dev:2 the lab,
dev:4 the arbiter, buyers dev:0/3/7/8/9. The agent signs with a generated key funded by
``anvil_setBalance``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.exceptions import TransactionNotFound
from web3.logs import DISCARD

from fabtrust._artifacts import artifact
from fabtrust.accounts import Signer
from fabtrust.deployments import Deployment
from fabtrust.evidence import device_id_of, test_spec_id
from fabtrust.testing import free_port

BUILD = Path(__file__).resolve().parents[2] / "build" / "contracts"
SPEC = "ISO 4409:2019 hydraulic motor bench"
SPEC_ID = bytes.fromhex(test_spec_id(SPEC)[2:])
PASS, FAIL = 1, 2
USDC = 10**6
GAS = 3_000_000

WEBHOOK_SECRET = "whsec-fabtrust-test-0123456789"

ADMIN, LAB, ARBITER = 0, 2, 4
SELLERS = (1, 5, 6)
BUYERS = (0, 3, 7, 8, 9)


@functools.cache
def dev(index: int) -> str:
    return Signer.dev(index).address


@dataclass
class Market:
    """The deployed contracts, driven from Anvil's unlocked dev accounts."""

    rpc_url: str
    deployment: Deployment
    w3: Web3 = field(init=False)
    _serial: int = 0
    _report: int = 0
    _terms: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.w3 = Web3(Web3.HTTPProvider(self.rpc_url, request_kwargs={"timeout": 30}))
        self.contracts = {
            name: self.w3.eth.contract(
                address=Web3.to_checksum_address(self.deployment.contract(name).address),
                abi=list(artifact(name).abi),
            )
            for name in (
                "DeviceRegistry",
                "CertificateRegistry",
                "SupplyChainEscrow",
                "TestStablecoin",
            )
        }

    # -- plumbing ---------------------------------------------------------------------------------

    @property
    def escrow(self) -> Any:
        return self.contracts["SupplyChainEscrow"]

    @property
    def token(self) -> Any:
        return self.contracts["TestStablecoin"]

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        response = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        assert "error" not in response, response
        return response["result"]

    def send(
        self,
        sender: int | str,
        contract: str,
        function: str,
        *args: Any,
        value: int = 0,
        gas: int | None = GAS,
    ) -> str:
        """Send without waiting (Anvil mines each transaction on its own); ``gas=None``
        estimates."""
        frm = dev(sender) if isinstance(sender, int) else sender
        target = self.contracts[contract]
        params: dict[str, Any] = {
            "from": frm,
            "to": target.address,
            "data": target.encode_abi(function, args=list(args)),
            "value": hex(value),
            "gasPrice": "0x0",  # base fee 0 on the test Anvil: no fee lookups
        }
        if gas is None:
            params["gas"] = hex(
                int(self.w3.eth.estimate_gas({k: v for k, v in params.items() if k != "gasPrice"}))
            )  # type: ignore[arg-type]
        else:
            params["gas"] = hex(gas)
        return str(self.rpc("eth_sendTransaction", [params]))

    def receipts(self, tx_hashes: Iterable[str]) -> list[Any]:
        """Receipts, polled every 5 ms (Anvil mines each transaction a moment after it came)."""
        found: list[Any] = []
        for tx_hash in tx_hashes:
            deadline = time.monotonic() + 60
            while True:
                try:
                    found.append(self.w3.eth.get_transaction_receipt(tx_hash))  # type: ignore[arg-type]
                    break
                except TransactionNotFound:
                    assert time.monotonic() < deadline, f"{tx_hash} not mined"
                    time.sleep(0.005)
        return found

    def wait(self, tx_hashes: Iterable[str]) -> list[Any]:
        receipts = self.receipts(tx_hashes)
        failed = [r["transactionHash"].hex() for r in receipts if r["status"] != 1]
        assert not failed, f"transactions reverted: {failed}"
        return receipts

    def do(
        self, sender: int | str, contract: str, function: str, *args: Any, value: int = 0
    ) -> Any:
        return self.wait([self.send(sender, contract, function, *args, value=value)])[0]

    def call(self, contract: str, function: str, *args: Any, block: int | str = "latest") -> Any:
        fn = getattr(self.contracts[contract].functions, function)(*args)
        return fn.call(block_identifier=block)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Transactions sent inside go into as few blocks as the gas limit allows (automine off,
        then blocks mined until the pool is empty)."""
        self.rpc("evm_setAutomine", [False])
        try:
            yield
        finally:
            while int(self.rpc("txpool_status")["pending"], 16) > 0:
                self.rpc("evm_mine")
            self.rpc("evm_setAutomine", [True])

    # -- time and blocks --------------------------------------------------------------------------

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self.rpc("evm_mine")

    def travel(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", [seconds])
        self.rpc("evm_mine")

    # -- setup ------------------------------------------------------------------------------------

    def fund_key(self) -> str:
        """A new private key (``0x`` hex) whose account holds 1000 ETH."""
        key = "0x" + os.urandom(32).hex()
        self.rpc("anvil_setBalance", [Signer.from_key(key).address, hex(10**21)])
        return key

    def fund_agent(self) -> Signer:
        return Signer.from_key(self.fund_key())

    def approve_all(self, buyers: Sequence[int] = BUYERS, sellers: Sequence[int] = SELLERS) -> None:
        hashes = [
            self.send(s, "DeviceRegistry", "setApprovalForAll", self.escrow.address, True)
            for s in sellers
        ]
        hashes += [
            self.send(b, "TestStablecoin", "approve", self.escrow.address, 2**255) for b in buyers
        ]
        hashes += [self.send(ADMIN, "TestStablecoin", "mint", dev(b), 10**15) for b in buyers]
        self.wait(hashes)

    def register(self, seller: int, count: int) -> list[int]:
        """Register ``count`` devices for ``seller`` with registerDevices (chunks of 100)."""
        ids: list[int] = []
        hashes: list[str] = []
        for start in range(0, count, 100):
            inputs = []
            for _ in range(min(100, count - start)):
                self._serial += 1
                serial = f"AG-{seller}-{self._serial:06d}"
                inputs.append((serial, b"M" * 32, dev(2), b"\x01" * 32, dev(seller)))
                ids.append(device_id_of(dev(seller), serial))
            hashes.append(self.send(seller, "DeviceRegistry", "registerDevices", inputs, gas=None))
        self.wait(hashes)
        return ids

    def certify_tx(
        self, device_id: int, result: int = PASS, valid_until: int = 4_000_000_000
    ) -> str:
        self._report += 1
        return self.send(
            LAB,
            "CertificateRegistry",
            "issueCertificate",
            device_id,
            self._report.to_bytes(32, "big"),
            b"\x02" * 32,
            SPEC_ID,
            result,
            valid_until,  # default: in 2096
        )

    def certify(self, device_ids: Iterable[int], result: int = PASS) -> list[str]:
        """Issue a certificate per device; returns the certificate ids."""
        receipts = self.wait([self.certify_tx(d, result) for d in device_ids])
        event = self.contracts["CertificateRegistry"].events.CertificateIssued()
        return [
            "0x" + bytes(event.process_receipt(r, errors=DISCARD)[0]["args"]["certId"]).hex()
            for r in receipts
        ]

    def revoke(self, cert_id: str) -> None:
        self.do(LAB, "CertificateRegistry", "revokeCertificate", bytes.fromhex(cert_id[2:]), "bad")

    def create_order_tx(
        self,
        *,
        buyer: int,
        seller: int,
        device_ids: Sequence[int],
        amount: int = 1_000 * USDC,
        ship_in: int = 7 * 86400,
        inspection: int = 3 * 86400,
        token: str | None = None,
    ) -> str:
        return self.send(
            buyer,
            "SupplyChainEscrow",
            "createOrder",
            dev(seller),
            token or self.token.address,
            amount,
            list(device_ids),
            SPEC_ID,
            self.now() + ship_in,
            inspection,
            [],
        )

    def order_ids(self, receipts: Iterable[Any]) -> list[int]:
        event = self.escrow.events.OrderCreated()
        return [
            int(event.process_receipt(r, errors=DISCARD)[0]["args"]["orderId"]) for r in receipts
        ]

    def create_order(self, **kwargs: Any) -> int:
        return self.order_ids(self.wait([self.create_order_tx(**kwargs)]))[0]

    def terms(self, order_id: int) -> tuple[Any, ...]:
        """The order's ``OrderTerms`` from its ``OrderCreated`` log (the escrow keeps only their
        digest; every later call passes them back)."""
        cached = self._terms.get(order_id)
        if cached is None:
            logs = self.escrow.events.OrderCreated().get_logs(
                from_block=0, argument_filters={"orderId": order_id}
            )
            assert len(logs) == 1, (order_id, logs)
            raw = logs[0]["args"]["terms"]
            names = ("buyer", "seller", "token", "amount", "deviceIds", "testSpec", "shipBy",
                     "inspectionPeriod", "arbiter", "labs")  # fmt: skip
            values = [raw[n] for n in names] if hasattr(raw, "keys") else list(raw)
            cached = tuple(list(v) if isinstance(v, list | tuple) else v for v in values)
            self._terms[order_id] = cached
        return cached

    def ship(self, seller: int, order_id: int) -> None:
        self.do(
            seller, "SupplyChainEscrow", "markShipped", order_id, self.terms(order_id), b"\x05" * 32
        )

    def confirm(self, buyer: int, order_id: int) -> None:
        self.do(buyer, "SupplyChainEscrow", "confirmDelivery", order_id, self.terms(order_id))

    def shipped_order(
        self,
        *,
        buyer: int = 3,
        seller: int = 1,
        certified: bool = True,
        inspection: int = 3 * 86400,
        amount: int = 1_000 * USDC,
    ) -> tuple[int, list[int]]:
        """A Shipped order of two devices (certified with a pass unless told otherwise)."""
        devices = self.register(seller, 2)
        if certified:
            self.certify(devices)
        order_id = self.create_order(
            buyer=buyer, seller=seller, device_ids=devices, inspection=inspection, amount=amount
        )
        self.ship(seller, order_id)
        return order_id, devices

    def passes(self, order_id: int) -> list[tuple[bytes, bytes]]:
        """The certificates to present for the order's devices (``PassRef`` structs), found the
        way the agent finds them (``EscrowClient.settlement_passes``)."""
        import fabtrust

        client = fabtrust.connect(rpc_url=self.rpc_url, deployments=self.deployment)
        return [ref.as_struct() for ref in client.escrow.settlement_passes(order_id=order_id)]

    def deploy_mock(self, name: str) -> Any:
        """Deploy a test mock of contracts/test from Brownie's build (``make compile``) and add it
        to :attr:`contracts` under its name."""
        build = json.loads((BUILD / f"{name}.json").read_text())
        tx = self.rpc(
            "eth_sendTransaction",
            [{"from": dev(ADMIN), "data": "0x" + build["bytecode"], "gas": hex(GAS)}],
        )
        address = self.wait([tx])[0]["contractAddress"]
        self.contracts[name] = self.w3.eth.contract(address=address, abi=build["abi"])
        return self.contracts[name]

    def block_gas_limit(self) -> int:
        return int(self.w3.eth.get_block("latest")["gasLimit"])

    def set_block_gas_limit(self, gas: int) -> None:
        """Anvil's gas limit for the next blocks (eth_estimateGas refuses more than this)."""
        assert self.rpc("anvil_setBlockGasLimit", [hex(gas)]) is True
        self.mine()

    # -- reading ----------------------------------------------------------------------------------

    def state(self, order_id: int) -> int:
        return int(
            self.call("SupplyChainEscrow", "order", order_id)[1]
        )  # (termsHash, state, disputedLate, shippedAt)

    def settled_events(self, from_block: int = 0) -> list[Any]:
        return list(
            self.escrow.events.OrderSettled().get_logs(from_block=from_block, to_block="latest")
        )

    def nonce(self, address: str) -> int:
        return int(self.w3.eth.get_transaction_count(address))  # type: ignore[arg-type]


def wait_until(
    predicate: Any, timeout: float = 30.0, interval: float = 0.05, what: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")


def wait_polls(agent: Any, market: Market, polls: int = 2) -> None:
    """Wait until a running ``agent`` has read ``polls`` newly mined blocks, one after the other:
    every poll but the last has then also finished acting (a poll reads, then acts)."""
    for _ in range(polls):
        market.mine(1)
        safe = market.head() - agent.confirmations
        wait_until(
            lambda safe=safe: (c := agent.store.cursor()) is not None and c.block_number >= safe,
            what=f"the agent to read block {safe}",
        )


# -- a TCP proxy that can take the node away ------------------------------------------------------


class NodeProxy:
    """Forwards 127.0.0.1:<port> to the node; :meth:`down` refuses and cuts every connection,
    :meth:`up` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


# -- a webhook receiver ---------------------------------------------------------------------------


@dataclass
class Delivery:
    key: str
    body: dict[str, Any]
    status: int
    raw: bytes = b""
    signature: str | None = None


class WebhookReceiver:
    """An http.server on 127.0.0.1 recording every POST; ``fail_next`` requests are recorded and
    answered 500 (the sender must retry them with the same key)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.deliveries: list[Delivery] = []
        self.fail_next = 0
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                body = json.loads(raw)
                with receiver._lock:
                    status = 500 if receiver.fail_next > 0 else 200
                    receiver.fail_next = max(0, receiver.fail_next - 1)
                    receiver.deliveries.append(
                        Delivery(
                            key=self.headers["Idempotency-Key"],
                            body=body,
                            status=status,
                            raw=raw,
                            signature=self.headers.get("X-Fabtrust-Signature"),
                        )
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def accepted(self) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.status == 200]


def json_lines(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("{"):
            yield json.loads(line)
