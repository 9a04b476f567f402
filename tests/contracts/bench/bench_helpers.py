"""Helpers for the TestCheckpoints suite (a unique module name: test dirs have no __init__)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest
from brownie.exceptions import VirtualMachineError, decode_typed_error
from eth_abi import encode
from eth_utils import keccak


def b32(tag: str) -> bytes:
    """A recognisable bytes32 value."""
    return keccak(text=tag)


def error_data(signature: str, *args: Any) -> bytes:
    """Selector + ABI-encoded arguments of a custom error, e.g. ``("Err(uint256)", 5)``."""
    selector = keccak(text=signature)[:4]
    types = signature[signature.index("(") + 1 : -1]
    return selector + (encode(types.split(","), list(args)) if types else b"")


@contextmanager
def reverts_with(signature: str, *args: Any):
    """The block reverts with exactly this custom error and these arguments."""
    expected = "0x" + error_data(signature, *args).hex()
    with pytest.raises(VirtualMachineError) as info:
        yield info
    assert info.value.revert_msg == decode_typed_error(expected), info.value.revert_msg


def assert_only_event(tx: Any, name: str, expected: dict[str, Any]) -> None:
    """``tx`` emitted exactly one event, ``name``, with exactly these arguments."""
    assert [e.name for e in tx.events] == [name]
    actual = dict(tx.events[name][0])
    assert set(actual) == set(expected)
    for key, value in expected.items():
        got = actual[key]
        if isinstance(value, bytes):
            got = bytes(got)
        assert got == value, f"{name}.{key}: {got!r} != {value!r}"
