"""Benchmarks: gas of every fabtrust call beside its storage floor and the peers (EAS attest,
OpenZeppelin ERC721 _mint), measured in one run on a private Anvil; report hashing against
sha256sum (scripts/bench_hashing.py) and SDK throughput (scripts/bench_sdk.py); written to
docs/benchmarks.md with the sections other benchmarks left in docs/benchmarks/.

    make bench            # or: python scripts/bench.py [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.bench._gas import Measured, anvil
from scripts.bench.fabtrust_gas import measure_fabtrust
from scripts.bench.peers import measure_peers

ROOT = Path(__file__).resolve().parent.parent


def _row(m: Measured, target: str = "", verdict: str = "") -> str:
    distance = m.gas_each - m.floor_each
    return (
        f"| {m.label} | {m.gas_each:,.0f} | {m.floor_each:,.0f} | {distance:+,.0f} | "
        f"{m.new_slots} | {target} | {verdict} |"
    )


def _check(value: float, limit: float) -> str:
    return "met" if value <= limit else "**missed**"


def gas_section() -> list[str]:
    with anvil() as w3:
        peers = measure_peers(w3)
    with anvil() as w3:
        ours = measure_fabtrust(w3)
    eas = peers["eas_attest"].gas
    whole = sum(
        ours[key].gas for key in ("createOrder10", "markShipped10", "confirmDelivery10", "settle10")
    )
    targets = {
        "registerDevice": (85_000, "≤ 85,000"),
        "registerDevices100": (35_000, "≤ 35,000 per device"),
        "registerDevices100Owner": (55_000, "≤ 55,000 per device"),
        "issueCertificate": (60_000, "≤ 60,000 (any result)"),
        "issueCertificateFail": (60_000, "≤ 60,000 (any result)"),
        "issueCertificateBySig": (70_000, "≤ 70,000"),
        "anchorBatch1000": (50, "≤ 50 per certificate"),
    }
    lines = [
        "## Gas",
        "",
        "Measured on Anvil with the contracts as deployed (solc 0.8.24, EVM Shanghai, optimizer "
        "200 runs). *Floor* is what the state the call touches costs at the very least "
        "(EIP-2929/2200/3529, `floor_from_traces` in scripts/bench/_gas.py): 21,000 + calldata "
        "(4/16 gas per zero/non-zero byte) + logs (375 + 375 per topic + 8 per data byte) + "
        "22,100 per slot written from zero + 5,000 per slot updated or cleared (2,900 + 2,100 "
        "cold) + 2,100 per slot only read (cold) + 2,600 per cold account touched (all but the "
        "sender, the target, the coinbase and the precompiles) - refunds (4,800 per cleared "
        "slot, capped at a fifth). Slots and accounts come from the transaction's prestate "
        "traces on Anvil (plain and diff mode); *new slots* counts the slots written from zero. "
        "Batch figures are per item.",
        "",
        "| call | gas | floor | distance | new slots | target | |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for key, measured in ours.items():
        limit, text = targets.get(key, (None, ""))
        verdict = _check(measured.gas_each, limit) if limit is not None else ""
        lines.append(_row(measured, text, verdict))
    lines += [
        "",
        "Peers, same run:",
        "",
        "| call | gas | floor | distance | new slots | | |",
        "|---|---:|---:|---:|---:|---|---|",
        _row(peers["eas_attest"]),
        _row(peers["erc721_mint"]),
        "",
        f"issueCertificate / EAS attest = {ours['issueCertificate'].gas / eas:.2f}.",
        "",
        f"A 10-device order, createOrder → markShipped → confirmDelivery → settle: "
        f"{whole:,} gas (issue 11's target for the whole order: ≤ 500,000, "
        f"{'met' if whole <= 500_000 else '**missed**'}).",
        "",
        "**Lean state (issue 11).** A device is one slot (key, compact manufacturer and owner",
        "ids, locker index, time, status, flags) on the registry's own ERC-721: the owner is an",
        "id in the record (0 = the manufacturer), so registering to another owner or a transfer",
        "writes no slot of its own. A certificate is one slot keyed by its id (compact lab id,",
        "times, result, flags, a 128-bit digest of device, data root and specification); what is",
        "left above the floor is the device-status call and the event. An order is one slot (a",
        "hash of its terms, state, time): the terms travel in calldata, the devices stay locked",
        "with the seller and move once at settle, which checks all devices with one statusesOf",
        "and one passLabs call.",
        "",
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--skip-hashing", action="store_true", help="skip the 1 GiB hashing run")
    parser.add_argument(
        "--skip-sdk", action="store_true", help="keep docs/benchmarks/sdk.md as it is"
    )
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    header = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (`python scripts/bench.py`); numbers from "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit or 'uncommitted'}, "
        f"{platform.machine()}, Python {platform.python_version()}. Figures are benchmarks, never "
        "timed tests.",
        "",
    ]
    body = gas_section()
    if not args.skip_hashing:
        hashing = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "bench_hashing.py"), "--repeat", "2"],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        body += ["", hashing.stdout.strip() or f"hashing benchmark failed: {hashing.stderr}", ""]
    if not args.skip_sdk:  # writes docs/benchmarks/sdk.md, merged below
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "bench_sdk.py")], cwd=ROOT, check=True
        )
    # Sections written by other benchmarks (e.g. scripts/bench_agent.py) are appended as they are.
    extra = ROOT / "docs" / "benchmarks"
    for part in sorted(extra.glob("*.md")) if extra.is_dir() else []:
        body += ["", part.read_text().strip(), ""]
    args.out.write_text("\n".join(header + body) + "\n")
    print("\n".join(body))
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
