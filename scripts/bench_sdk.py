"""SDK throughput against a local Anvil, written to docs/benchmarks/sdk.md (merged into
docs/benchmarks.md by scripts/bench.py).

    .venv/bin/python scripts/bench_sdk.py [--single 400] [--batch 5000] [--threads 16]

- single-device transactions: `devices.register` from many threads of one client; the sender
  pipelines nonces (each thread waits only for its own receipt);
- `devices.register_many`: chunks sized to the block gas limit.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fabtrust.accounts import Signer
from fabtrust.chain import connect_web3
from fabtrust.client import connect
from fabtrust.deploy import RoleConfig, deploy_contracts
from fabtrust.identity import DeviceSpec
from fabtrust.testing import LocalAnvil

ROOT = Path(__file__).resolve().parent.parent
KEY = "0x000000000000000000000000000000000000dEaD"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=int, default=400)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "sdk.md")
    args = parser.parse_args()
    with LocalAnvil(gas_limit=30_000_000) as node:
        connection = connect_web3(node.url)
        maker = Signer.dev(1)
        deployment = deploy_contracts(
            connection, connection.sender(Signer.dev(0)), RoleConfig(manufacturers=[maker.address])
        )
        client = connect(rpc_url=node.url, account=maker, deployments=deployment)

        def one(i: int) -> None:
            client.devices.register(serial=f"S-{i:06d}", model="HM-200", device_key=KEY)

        start = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(one, range(args.single)))
        single = args.single / (time.perf_counter() - start)

        specs = [DeviceSpec(serial=f"B-{i:06d}", model="HM-200", device_key=KEY)
                 for i in range(args.batch)]  # fmt: skip
        start = time.perf_counter()
        result = client.devices.register_many(devices=specs)
        batch = args.batch / (time.perf_counter() - start)
        assert len(result.registered) == args.batch
    lines = [
        "## SDK throughput (devices registered per second)",
        "",
        f"`{Path(sys.executable).name} scripts/bench_sdk.py --single {args.single} "
        f"--batch {args.batch} --threads {args.threads}` against a local Anvil (automine, 30M gas "
        "blocks) on this machine.",
        "",
        "| mode | devices | devices/s | target | |",
        "|---|---:|---:|---|---|",
        f"| `register`, {args.threads} threads, pipelined nonces | {args.single} | {single:,.0f} "
        f"| ≥ 100/s | {'met' if single >= 100 else '**missed**'} |",
        f"| `register_many` ({result.chunks} chunks) | {args.batch} | {batch:,.0f} | ≥ 1,000/s "
        f"| {'met' if batch >= 1000 else '**missed**'} |",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
