"""Child process for the crash test: sends one transfer with a journal and waits (forever).

Usage: python crash_child.py RPC_URL JOURNAL_PATH   (the private key on stdin, never in argv)
The parent keeps the node from mining, then kills this process with SIGKILL after the broadcast.
"""

from __future__ import annotations

import sys

from web3 import Web3

from fabtrust.accounts import Signer
from fabtrust.chain import Journal, TransactionSender


def main() -> None:
    url, journal_path = sys.argv[1:3]
    key = sys.stdin.readline().strip()
    w3 = Web3(Web3.HTTPProvider(url))
    sender = TransactionSender(
        w3,
        Signer.from_key(key),
        journal=Journal(journal_path),
        poll_interval=0.05,
        stuck_after=3600,
        receipt_timeout=3600,
    )
    sender.send({"to": "0x000000000000000000000000000000000000dEaD", "value": 12345})
    print("unexpectedly finished", flush=True)


if __name__ == "__main__":
    main()
