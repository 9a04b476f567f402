"""Private hashing and ABI helpers shared by the evidence modules.

Everything here is cheap to import: ``eth_hash`` and ``eth_abi`` (together ~0.25 s) are imported on
first use, never at module import, so ``fabtrust --help`` does not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fabtrust.errors import InvalidInputError

__all__ = [
    "abi_encode",
    "keccak256",
]

_keccak_impl: Callable[[bytes], bytes] | None = None


def keccak256(data: bytes | bytearray | memoryview) -> bytes:
    """Keccak-256 (Ethereum's hash, not SHA3-256) of ``data``."""
    global _keccak_impl
    if _keccak_impl is None:
        _keccak_impl = _fastest_keccak()
    return _keccak_impl(bytes(data))


def _fastest_keccak() -> Callable[[bytes], bytes]:
    """pysha3's C keccak (``safe-pysha3``, ~7x faster on 64-byte inputs) when installed, else
    eth_hash's backend. Both are Keccak-256 (a test holds them equal)."""
    try:
        from sha3 import keccak_256  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        from eth_hash.auto import keccak

        return keccak
    return lambda data: keccak_256(data).digest()  # type: ignore[no-any-return,unused-ignore]


def abi_encode(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """Solidity ``abi.encode(values...)`` for the given type strings."""
    from eth_abi.abi import encode

    try:
        return encode(list(types), list(values))
    except Exception as exc:  # eth_abi raises several unrelated exception types
        raise InvalidInputError(
            f"cannot ABI-encode {list(values)!r} as {list(types)}: {exc}"
        ) from exc
