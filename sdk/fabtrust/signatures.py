"""Checking signatures the way the contracts do: one verifier for the SDK, the CLI and the agent.

- :func:`recover` / :func:`recover_typed_data`: ECDSA under OpenZeppelin 5.0.2's ``ECDSA.recover``
  rules: exactly 65 bytes ``r || s || v`` (the 64-byte ERC-2098 form is refused: OZ 5's
  ``recover(bytes32, bytes)`` does not take it), ``v`` 27 or 28, ``s`` in the lower half of the
  curve order (no malleated twin), and a signature that recovers to no address is invalid.
- :func:`is_valid_signature`: OpenZeppelin ``SignatureChecker``: ECDSA for an account without
  code, ERC-1271 ``isValidSignature(hash, signature)`` (an ``eth_call``) for a contract signer.
- :func:`signature_problem`: why a signature breaks the ECDSA rules (``None`` when it does not).

The registries' EIP-712 messages are built by :mod:`fabtrust.evidence.typed_data`; a device signs
its data attestation with :meth:`fabtrust.certificates.CertificatesClient.sign_data_attestation`.

Light module: eth-account and eth-abi are imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "ERC1271_MAGIC_VALUE",
    "SECP256K1_HALF_N",
    "SECP256K1_N",
    "erc1271_calldata",
    "is_valid_signature",
    "recover",
    "recover_typed_data",
    "signature_problem",
]

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""The order of the secp256k1 group."""
SECP256K1_HALF_N = SECP256K1_N // 2
"""The largest ``s`` OpenZeppelin's ECDSA accepts (``0x7FFF...20A0``)."""
ERC1271_MAGIC_VALUE = bytes.fromhex("1626ba7e")
"""``isValidSignature(bytes32,bytes)``'s selector: the function and its "valid" return value."""


def signature_problem(signature: bytes) -> str | None:
    """Why ``signature`` breaks OpenZeppelin's ECDSA rules, or None when its form is valid."""
    if len(signature) != 65:
        return f"{len(signature)} bytes, not 65 (r, s, v)"
    if int.from_bytes(signature[32:64], "big") > SECP256K1_HALF_N:
        return "s is in the upper half of the curve order (a malleated signature)"
    if signature[64] not in (27, 28):
        return f"v is {signature[64]}, not 27 or 28"
    return None


def recover(digest: bytes, signature: bytes) -> str | None:
    """The checksummed address that signed the 32-byte ``digest``, under OpenZeppelin's rules;
    None when the signature is malformed, malleated or recovers to no address."""
    if len(digest) != 32 or signature_problem(bytes(signature)) is not None:
        return None
    fast = _recover_coincurve(bytes(digest), bytes(signature))
    if fast is not None:
        return fast
    from eth_account import Account

    try:
        return str(Account._recover_hash(bytes(digest), signature=bytes(signature)))
    except Exception:  # eth_keys raises several unrelated types for an unrecoverable r/s
        return None


def _recover_coincurve(digest: bytes, signature: bytes) -> str | None:
    """:func:`recover` with coincurve alone (already past :func:`signature_problem`); None when
    coincurve is missing or refuses, so the caller asks eth-account (whose import costs ~0.4 s of
    a buyer's ``cert verify --bundle``)."""
    r = int.from_bytes(signature[:32], "big")
    if not 0 < r < SECP256K1_N or int.from_bytes(signature[32:64], "big") == 0:
        return None
    try:
        from coincurve import PublicKey
    except ImportError:
        return None
    from fabtrust._validate import checksum
    from fabtrust.evidence._hashing import keccak256

    try:
        key = PublicKey.from_signature_and_message(
            signature[:64] + bytes([signature[64] - 27]), digest, hasher=None
        )
    except Exception:  # coincurve refuses it: let eth-account decide
        return None
    return checksum(keccak256(key.format(compressed=False)[1:])[-20:].hex())


def recover_typed_data(typed: Mapping[str, Any], signature: bytes) -> str | None:
    """:func:`recover` over the EIP-712 digest of ``typed`` (a full message dict)."""
    from fabtrust.evidence.typed_data import typed_data_digest

    return recover(bytes.fromhex(typed_data_digest(dict(typed))[2:]), signature)


def erc1271_calldata(digest: bytes, signature: bytes) -> bytes:
    """The calldata of ``isValidSignature(digest, signature)``."""
    from eth_abi.abi import encode

    return ERC1271_MAGIC_VALUE + encode(["bytes32", "bytes"], [bytes(digest), bytes(signature)])


def is_valid_signature(
    *,
    signer: str,
    digest: bytes,
    signature: bytes,
    code_at: Callable[[str], bytes],
    call: Callable[[str, bytes], bytes | None],
) -> bool:
    """Whether ``signature`` is ``signer``'s over ``digest``, as OpenZeppelin's
    ``SignatureChecker.isValidSignatureNow``: ECDSA (:func:`recover`) for an account without code,
    ERC-1271 for a contract. ``code_at(address)`` returns the code at an address; ``call(to, data)``
    makes the ``eth_call`` and returns its output, or None when it reverted."""
    if code_at(signer):
        result = call(signer, erc1271_calldata(digest, signature))
        return result is not None and len(result) >= 32 and result[:4] == ERC1271_MAGIC_VALUE
    recovered = recover(digest, signature)
    return recovered is not None and recovered.lower() == signer.lower()
