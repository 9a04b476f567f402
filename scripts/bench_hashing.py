#!/usr/bin/env python3
"""Benchmark: fabtrust's streaming SHA-256 (``sha256_file``) against coreutils ``sha256sum``.

Creates a test file (1 GiB by default; random bytes, or a sparse file of zeros with ``--sparse``) in
a temporary directory, warms the page cache, then hashes it ``--repeat`` times with each of:

- ``sha256sum`` (coreutils),
- ``sha256_file`` as shipped (``hashlib.file_digest`` on Python 3.11+),
- ``sha256_file`` with ``hashlib.file_digest`` hidden (the ``readinto`` loop with one 1 MiB buffer,
  what Python 3.10 runs).

Each Python measurement runs in a fresh interpreter, so its peak RSS is its own; the hashing time is
measured inside it around the ``sha256_file`` call. A separate run measures the ``tracemalloc``
peak of the call. Prints a Markdown section (for docs/benchmarks.md) to stdout; progress goes to
stderr. Exit status 1 if the digests disagree or the throughput ratio misses the target.

Usage: .venv/bin/python scripts/bench_hashing.py [--size-mib 1024] [--repeat 3] [--sparse]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MIB = 1 << 20
TARGET_RATIO = 0.70

CHILD = r"""
import hashlib, json, sys, time, tracemalloc
mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]

def hwm_kib():  # this process's own peak RSS (ru_maxrss would include the parent's before exec)
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))

if mode.startswith("loop"):
    del hashlib.file_digest  # what Python 3.10 sees: the readinto loop
from fabtrust.evidence.digest import sha256_file
before_kib = hwm_kib()
if mode.endswith("-tracemalloc"):
    tracemalloc.start()
start = time.perf_counter()
digest = sha256_file(path)
elapsed = time.perf_counter() - start
peak_traced = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None
after_kib = hwm_kib()
with open(out, "w") as f:
    json.dump({"digest": digest, "seconds": elapsed, "rss_before_kib": before_kib,
               "rss_peak_kib": after_kib, "tracemalloc_peak": peak_traced}, f)
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_file(directory: Path, size: int, *, sparse: bool) -> Path:
    path = directory / ("sparse.bin" if sparse else "random.bin")
    with path.open("wb") as file:
        if sparse:
            file.truncate(size)
        else:
            block = 4 * MIB
            for offset in range(0, size, block):
                file.write(os.urandom(min(block, size - offset)))
    return path


def warm(path: Path) -> None:
    with path.open("rb", buffering=0) as file:
        while file.read(8 * MIB):
            pass


def run_sha256sum(path: Path) -> tuple[str, float, int]:
    """(hex digest, wall seconds, peak RSS KiB) of one ``sha256sum`` run.

    The peak RSS is the child's own ``VmHWM``, polled while it runs (``ru_maxrss`` from ``wait4``
    would include the spawning Python process's RSS from before ``exec``).
    """
    tool = shutil.which("sha256sum")
    if tool is None:
        raise SystemExit("sha256sum (coreutils) not found")
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        process = subprocess.Popen([tool, str(path)], stdout=out)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _vm_hwm_kib(process.pid))
            time.sleep(0.002)
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            raise SystemExit(f"sha256sum failed with status {process.returncode}")
        out.seek(0)
        return out.read().split()[0], elapsed, peak


def _vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_python(path: Path, mode: str, scratch: Path) -> dict[str, Any]:
    out = scratch / f"{mode}.json"
    subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(out)], check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def mb_s(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (default 3)")
    parser.add_argument("--sparse", action="store_true", help="sparse file of zeros, no disk I/O")
    parser.add_argument("--dir", type=Path, default=None, help="where to create the file")
    args = parser.parse_args()
    size = args.size_mib * MIB

    with tempfile.TemporaryDirectory(prefix="fabtrust-bench-", dir=args.dir) as tmp:
        scratch = Path(tmp)
        kind = "sparse (zeros)" if args.sparse else "random"
        log(f"creating a {args.size_mib} MiB {kind} file in {scratch} ...")
        path = make_file(scratch, size, sparse=args.sparse)
        warm(path)

        reference: list[tuple[str, float, int]] = []
        shipped: list[dict[str, Any]] = []
        loop: list[dict[str, Any]] = []
        for i in range(args.repeat):
            log(f"run {i + 1}/{args.repeat}: sha256sum, sha256_file, readinto loop")
            reference.append(run_sha256sum(path))
            shipped.append(run_python(path, "shipped", scratch))
            loop.append(run_python(path, "loop", scratch))
        log("tracemalloc runs")
        traced = run_python(path, "shipped-tracemalloc", scratch)
        traced_loop = run_python(path, "loop-tracemalloc", scratch)

        digests = {r[0] for r in reference} | {"0x" + r[0] for r in reference}
        ok_digests = all(r["digest"] in digests for r in [*shipped, *loop, traced, traced_loop])

    ref_best = max(mb_s(size, r[1]) for r in reference)
    ref_median = statistics.median(mb_s(size, r[1]) for r in reference)

    def row(name: str, runs: list[dict[str, Any]], traced_run: dict[str, Any]) -> tuple[str, float]:
        best = max(mb_s(size, r["seconds"]) for r in runs)
        median = statistics.median(mb_s(size, r["seconds"]) for r in runs)
        peak = max(r["rss_peak_kib"] for r in runs) / 1024
        growth = max(r["rss_peak_kib"] - r["rss_before_kib"] for r in runs) / 1024
        traced_peak = traced_run["tracemalloc_peak"] / 1024
        ratio = best / ref_best
        line = (
            f"| {name} | {best:,.0f} | {median:,.0f} | {ratio:.0%} | {peak:.1f} MiB "
            f"(+{growth:.1f} MiB while hashing) | {traced_peak:,.0f} KiB |"
        )
        return line, ratio

    shipped_line, shipped_ratio = row("`sha256_file` (hashlib.file_digest)", shipped, traced)
    loop_line, loop_ratio = row("`sha256_file`, readinto loop (1 MiB buffer)", loop, traced_loop)
    ref_rss = max(r[2] for r in reference) / 1024
    passed = ok_digests and min(shipped_ratio, loop_ratio) >= TARGET_RATIO

    print("## Report hashing: `sha256_file` vs `sha256sum`\n")
    print(
        f"{args.size_mib} MiB {kind} file, page cache warm, best and median of {args.repeat} runs "
        f"each. Python {platform.python_version()} ({ssl.OPENSSL_VERSION}), "
        f"{cpu_model()}, {os.cpu_count()} CPUs. Python timings cover the `sha256_file` call in a "
        "fresh interpreter; `sha256sum` timings are wall time of the process. Ratio = best "
        f"throughput / best `sha256sum` throughput (target >= {TARGET_RATIO:.0%}).\n"
    )
    print("| tool | best MB/s | median MB/s | ratio | peak RSS | tracemalloc peak |")
    print("|---|---:|---:|---:|---|---:|")
    print(
        f"| `sha256sum` (coreutils) | {ref_best:,.0f} | {ref_median:,.0f} | 100% | "
        f"{ref_rss:.1f} MiB | n/a |"
    )
    print(shipped_line)
    print(loop_line)
    print(
        f"\nDigests identical across tools: {'yes' if ok_digests else 'NO'}. "
        f"Target met: {'yes' if passed else 'NO'}. "
        "Memory stays constant: one read buffer, whatever the file size."
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
