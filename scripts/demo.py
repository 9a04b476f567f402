"""`make demo` until the end-to-end scenario lands: compile, embedded Anvil, deploy, addresses.

Brownie launches its own Anvil (network `fabtrust-anvil`, base fee 0), runs scripts/deploy.py,
prints the addresses and stops the chain.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = dict(os.environ, FABTRUST_REDEPLOY="1")
    brownie = Path(sys.executable).parent / "brownie"
    cmd = [str(brownie), "run", "scripts/deploy.py", "--network", "fabtrust-anvil"]
    return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
