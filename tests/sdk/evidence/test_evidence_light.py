"""The evidence modules are light: importing them pulls in no chain libraries."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["web3", "eth_account", "eth_abi", "eth_hash", "eth_utils", "brownie"]


def test_import_loads_no_chain_library() -> None:
    code = (
        "import json, sys\n"
        "import fabtrust.evidence\n"
        "from fabtrust.evidence import digest, merkle, readings, typed_data\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == []


def test_hashing_loads_eth_abi_but_not_web3() -> None:
    code = (
        "import json, sys\n"
        "from fabtrust.evidence import StandardMerkleTree, test_spec_id\n"
        "StandardMerkleTree.of([[1]], ['uint256']); test_spec_id('x')\n"
        "print(json.dumps([m for m in ('web3', 'eth_account', 'brownie') if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == []
