"""Raw revert data of a failing ``eth_call``, shared by the contract suites (a plain module beside
the suites' conftest.py, which puts this folder on ``sys.path``).

The data reaches the test in a different shape per client and web3 version: Anvil answers
``{"code": 3, "data": "0x..."}``; Ganache 7 ``{"data": {"0x<hash>": {"error": "revert",
"reason": "0x...", "return": "0x..."}}}``; web3 wraps either in ContractLogicError or ValueError.
"""

from __future__ import annotations

import re
from typing import Any

from brownie import web3

_HEX = re.compile(r"0x([0-9a-fA-F]{2})*")


def revert_data(exc: Exception) -> bytes:
    """The revert data carried by an eth_call error; AssertionError when there is none."""

    def find(data: Any) -> bytes | None:
        if isinstance(data, (bytes, bytearray)):
            return bytes(data)
        if isinstance(data, str) and _HEX.fullmatch(data):
            return bytes.fromhex(data[2:])
        if isinstance(data, dict):
            for key in ("return", "result", "data", "reason"):
                found = find(data.get(key))
                if found is not None:
                    return found
            for key, nested in data.items():
                if isinstance(key, str) and key.startswith("0x") and isinstance(nested, dict):
                    found = find(nested)
                    if found is not None:
                        return found
        return None

    for candidate in [getattr(exc, "data", None), *getattr(exc, "args", ())]:
        found = find(candidate)
        if found is not None:
            return found
    raise AssertionError(f"no revert data in {exc!r}")


def call_revert_data(fn: Any, *args: Any, sender: Any, value: int = 0) -> bytes:
    """The revert data of an eth_call of Brownie contract function ``fn(*args)`` from
    ``sender``; AssertionError when the call does not revert."""
    call = {"from": str(sender), "to": fn._address, "data": fn.encode_input(*args)}
    if value:
        call["value"] = value
    try:
        web3.eth.call(call)
    except Exception as exc:  # web3's ContractLogicError / ValueError depending on the client
        return revert_data(exc)
    raise AssertionError("eth_call did not revert")


def assert_call_reverts(fn: Any, *args: Any, sender: Any, error: bytes, value: int = 0) -> None:
    """An eth_call of ``fn(*args)`` from ``sender`` reverts with exactly ``error`` (byte for
    byte: selector + encoded arguments)."""
    actual = call_revert_data(fn, *args, sender=sender, value=value)
    assert actual == error, f"revert data\n  got      0x{actual.hex()}\n  expected 0x{error.hex()}"
