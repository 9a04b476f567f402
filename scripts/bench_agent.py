"""Benchmark of the settlement agent on a private Anvil → docs/benchmarks/agent.md.

    python scripts/bench_agent.py [--latency-orders 10] [--bulk-orders 500] [--out PATH]

1. Latency: an order is shipped and certified; the buyer confirms delivery; how long until the
   agent (polling at its default interval, in its own thread as an MES would run it) has the
   settlement receipt. Confirmations land at random moments of the agent's poll cycle.
2. Throughput: ``--bulk-orders`` orders become eligible in one block (their inspection periods
   end together); how long until the agent has settled them all with ``settleMany`` batches.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.exceptions import TransactionNotFound
from web3.logs import DISCARD

import fabtrust
from fabtrust._artifacts import artifact
from fabtrust._binding import CALL_BATCH
from fabtrust.accounts import Signer
from fabtrust.agent import DEFAULT_POLL_INTERVAL, AgentConfig, SettlementAgent
from fabtrust.chain import connect_web3
from fabtrust.cli.agent import LOCAL_RECEIPT_POLL
from fabtrust.deploy import LabGrant, RoleConfig, deploy_contracts
from fabtrust.deployments import Deployment, save_deployment
from fabtrust.evidence import device_id_of, test_spec_id
from fabtrust.testing import LocalAnvil

ROOT = Path(__file__).resolve().parent.parent
SPEC = bytes.fromhex(test_spec_id("ISO 4409:2019 hydraulic motor bench")[2:])
SELLER, LAB, BUYER = 1, 2, 3
DEV = {i: Signer.dev(i).address for i in range(5)}
SETTLED = 5


class Driver:
    """Drives the contracts from Anvil's unlocked dev accounts (no SDK round trips)."""

    def __init__(self, url: str, deployment: Deployment) -> None:
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60}))
        self.c = {
            name: self.w3.eth.contract(
                address=Web3.to_checksum_address(deployment.contract(name).address),
                abi=list(artifact(name).abi),
            )
            for name in (
                "DeviceRegistry",
                "CertificateRegistry",
                "SupplyChainEscrow",
                "TestStablecoin",
            )
        }
        self.serial = 0
        self.report = 0
        self.terms: dict[int, tuple[Any, ...]] = {}

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        response = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response["result"]

    def send(self, sender: int, contract: str, fn: str, *args: Any) -> str:
        target = self.c[contract]
        gas = 25_000_000 if fn == "registerDevices" else 3_000_000
        return str(
            self.rpc(
                "eth_sendTransaction",
                [
                    {
                        "from": DEV[sender],
                        "to": target.address,
                        "data": target.encode_abi(fn, args=list(args)),
                        "gas": hex(gas),
                        "gasPrice": "0x0",
                    }
                ],
            )
        )

    def receipts(self, hashes: Iterable[str]) -> list[Any]:
        found = []
        for tx_hash in hashes:
            while True:
                try:
                    receipt = self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
                    break
                except TransactionNotFound:
                    time.sleep(0.005)
            if receipt["status"] != 1:
                raise RuntimeError(f"transaction {tx_hash} reverted")
            found.append(receipt)
        return found

    def batch(self, sends: Iterable[tuple[Any, ...]]) -> list[Any]:
        """Send everything with automine off, mine until the pool is empty, return receipts."""
        self.rpc("evm_setAutomine", [False])
        try:
            hashes = [self.send(*s) for s in sends]
        finally:
            while int(self.rpc("txpool_status")["pending"], 16) > 0:
                self.rpc("evm_mine")
            self.rpc("evm_setAutomine", [True])
        return self.receipts(hashes)

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def setup_accounts(self) -> None:
        escrow = self.c["SupplyChainEscrow"].address
        self.batch(
            [
                (SELLER, "DeviceRegistry", "setApprovalForAll", escrow, True),
                (BUYER, "TestStablecoin", "approve", escrow, 2**255),
                (0, "TestStablecoin", "mint", DEV[BUYER], 10**18),
            ]
        )

    def ready_to_ship(self, count: int, inspection: int) -> list[int]:
        """``count`` certified one-device orders, shipped; returns their ids."""
        ids: list[int] = []
        registrations = []
        for start in range(0, count, 100):
            inputs = []
            for _ in range(min(100, count - start)):
                self.serial += 1
                serial = f"BENCH-{self.serial:07d}"
                inputs.append((serial, b"M" * 32, DEV[LAB], b"\x01" * 32, DEV[SELLER]))
                ids.append(device_id_of(DEV[SELLER], serial))
            registrations.append((SELLER, "DeviceRegistry", "registerDevices", inputs))
        self.batch(registrations)
        certs = []
        for device in ids:
            self.report += 1
            report = self.report.to_bytes(32, "big")
            certs.append(
                (LAB, "CertificateRegistry", "issueCertificate", device, report, b"\x02" * 32,
                 SPEC, 1, 4_000_000_000)
            )  # fmt: skip
        self.batch(certs)
        ship_by = self.now() + 30 * 86_400
        receipts = self.batch(
            (BUYER, "SupplyChainEscrow", "createOrder", DEV[SELLER],
             self.c["TestStablecoin"].address, 10**6, [d], SPEC, ship_by, inspection, [])
            for d in ids
        )  # fmt: skip
        created = self.c["SupplyChainEscrow"].events.OrderCreated()
        orders = []
        for receipt in receipts:
            args = created.process_receipt(receipt, errors=DISCARD)[0]["args"]
            orders.append(int(args["orderId"]))
            # The escrow keeps only a digest of the terms: every later call passes them back.
            raw = args["terms"]
            self.terms[orders[-1]] = tuple(raw.values()) if hasattr(raw, "values") else tuple(raw)
        self.batch(
            (SELLER, "SupplyChainEscrow", "markShipped", o, self.terms[o], b"\x05" * 32)
            for o in orders
        )
        return orders

    def state(self, order_id: int) -> int:
        # order(id) = (termsHash, state, disputedLate, shippedAt)
        return int(self.c["SupplyChainEscrow"].functions.order(order_id).call()[1])


def start_chain(workdir: Path) -> tuple[LocalAnvil, Deployment]:
    workdir.mkdir(parents=True, exist_ok=True)
    node = LocalAnvil().start()
    connection = connect_web3(node.url)
    now = int(connection.w3.eth.get_block("latest")["timestamp"])
    deployment = deploy_contracts(
        connection,
        connection.sender(Signer.dev(0)),
        RoleConfig(
            default_arbiter=DEV[4],
            manufacturers=[DEV[SELLER]],
            labs=[LabGrant(DEV[LAB], "Bench lab", now + 10**8)],
            test_stablecoin=True,
        ),
    )
    save_deployment(deployment, workdir)
    return node, deployment


def new_agent(node: LocalAnvil, workdir: Path, name: str, **options: Any) -> SettlementAgent:
    key = Signer.from_key("0x" + os.urandom(32).hex())
    Web3(Web3.HTTPProvider(node.url)).provider.make_request(
        "anvil_setBalance",  # type: ignore[arg-type]
        [key.address, hex(10**21)],
    )
    state = workdir / f"{name}.sqlite"
    client = fabtrust.connect(rpc_url=node.url, account=key, deployments=workdir, journal=state)
    client.chain.sender.poll_interval = LOCAL_RECEIPT_POLL  # as `fabtrust agent run` does
    return SettlementAgent(client, config=AgentConfig(state=state, **options))


def measure_latency(count: int, workdir: Path) -> dict[str, Any]:
    node, deployment = start_chain(workdir)
    try:
        d = Driver(node.url, deployment)
        d.setup_accounts()
        orders = d.ready_to_ship(count, inspection=30 * 86_400)
        agent = new_agent(node, workdir, "latency")  # default poll interval and confirmations
        thread = threading.Thread(target=agent.run, daemon=True)
        thread.start()
        rng = random.Random(7)
        samples: list[float] = []
        try:
            time.sleep(DEFAULT_POLL_INTERVAL * 1.5)  # first catch-up done
            for order_id in orders:
                time.sleep(rng.uniform(0, DEFAULT_POLL_INTERVAL))
                d.receipts(
                    [
                        d.send(
                            BUYER,
                            "SupplyChainEscrow",
                            "confirmDelivery",
                            order_id,
                            d.terms[order_id],
                        )
                    ]
                )
                eligible_at = time.time()
                while True:
                    done = [a for a in agent.store.actions(limit=5) if order_id in a.done_order_ids]
                    if done:
                        samples.append(done[0].updated_at.timestamp() - eligible_at)
                        break
                    time.sleep(0.002)
        finally:
            agent.stop()
            thread.join(30)
            agent.close()
        return {"samples": samples}
    finally:
        node.stop()


def measure_throughput(count: int, batch_size: int, workdir: Path) -> dict[str, Any]:
    node, deployment = start_chain(workdir)
    try:
        d = Driver(node.url, deployment)
        d.setup_accounts()
        orders = d.ready_to_ship(count, inspection=3_600)
        agent = new_agent(node, workdir, f"bulk{batch_size}", batch_size=batch_size)
        agent.poll_once()  # caught up: every order tracked, none eligible yet
        thread = threading.Thread(target=agent.run, daemon=True)
        thread.start()
        try:
            time.sleep(DEFAULT_POLL_INTERVAL / 2)  # half-way between two polls
            d.rpc("evm_increaseTime", [3_600])
            d.rpc("evm_mine")  # this block ends every inspection period
            eligible_at = time.time()
            while True:
                actions = agent.store.actions(limit=10_000)
                settled = sum(len(a.done_order_ids) for a in actions)
                if settled >= count and all(a.status == "mined" for a in actions):
                    break
                time.sleep(0.01)
            finished = max(a.updated_at.timestamp() for a in actions)
        finally:
            agent.stop()
            thread.join(30)
            agent.close()
        assert all(d.state(o) == SETTLED for o in orders)
        first_sent = min(a.created_at.timestamp() for a in actions)
        gas = sum(a.gas_used or 0 for a in actions)
        return {
            "seconds": finished - eligible_at,
            "detect": first_sent - eligible_at,
            "settling": finished - first_sent,
            "transactions": len(actions),
            "gas_per_order": gas / count,
            "batch_size": batch_size,
        }
    finally:
        node.stop()


def render(command: str, latency: dict[str, Any], bulk: list[dict[str, Any]], orders: int) -> str:
    samples = sorted(latency["samples"])
    p90 = samples[max(0, int(len(samples) * 0.9) - 1)]
    lines = [
        "## Settlement agent",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, private Anvil with automine; the agent runs in a "
        "thread of the benchmark, confirmations 0 as on any local chain).",
        "",
        f"**Eligible → settlement receipt**, agent polling every {DEFAULT_POLL_INTERVAL:g} s "
        f"(its default), {len(samples)} orders confirmed at random moments of the poll cycle: "
        f"median {statistics.median(samples):.2f} s, p90 {p90:.2f} s, "
        f"min {samples[0]:.2f} s, max {samples[-1]:.2f} s. That is the wait for the next "
        "poll (between 0 and the poll interval) plus one poll: reading the new block, "
        "`canSettle`, one `settle` transaction and its receipt (polled from 20 ms on, at doubling "
        f"intervals up to {LOCAL_RECEIPT_POLL:g} s, as `fabtrust agent run` does on a local "
        "chain). "
        "`--poll` trades latency for RPC load.",
        "",
        f"**{orders} orders eligible in the same block** (their inspection periods end "
        "together, half a poll interval after the agent's last poll), settled with "
        "`settleMany`, up to four batches in flight:",
        "",
        "| batch size | transactions | until first send | first send → last receipt "
        "| orders / s settling | eligible → all settled | gas / order |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in bulk:
        lines.append(
            f"| {run['batch_size']} | {run['transactions']} | {run['detect']:.2f} s | "
            f"{run['settling']:.2f} s | {orders / run['settling']:.0f} | "
            f"{run['seconds']:.2f} s ({orders / run['seconds']:.0f} orders/s) | "
            f"{run['gas_per_order']:,.0f} |"
        )
    lines += [
        "",
        "*Until first send*: the wait for the next poll, reading the new block, and `canSettle` "
        f"for all {orders} candidates at the safe block (JSON-RPC batches of {CALL_BATCH}), "
        "again at the newest block when it moved. *First send → last receipt*: each batch is an "
        "action written to SQLite, then `settleMany` is estimated, signed, journalled, "
        "broadcast and its receipt awaited.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-orders", type=int, default=10)
    parser.add_argument("--bulk-orders", type=int, default=500)
    parser.add_argument("--batch-sizes", default="100,250")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "agent.md")
    args = parser.parse_args()
    command = "python scripts/bench_agent.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        latency = measure_latency(args.latency_orders, Path(tmp) / "latency")
        bulk = [
            measure_throughput(args.bulk_orders, int(size), Path(tmp) / f"bulk{size}")
            for size in args.batch_sizes.split(",")
        ]
    text = render(command.strip(), latency, bulk, args.bulk_orders)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
