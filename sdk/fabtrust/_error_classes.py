"""Private: the factory of :class:`~fabtrust.errors.ContractError` classes and the selector table.

:func:`error_class_for` makes (once, cached) the class of a Solidity error from its ABI entry;
:func:`known_error_classes` finds classes by 4-byte selector (how revert data is decoded); the
OpenZeppelin 5.0.2 errors are predefined here so that library errors decode even when a caller's
ABI does not list them. Public names are re-exported by :mod:`fabtrust.errors`.

Light module: keccak is imported on first use.
"""

from __future__ import annotations

import keyword
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from fabtrust.errors import ContractError, InvalidInputError, UnknownContractError

__all__ = [
    "OPENZEPPELIN_ERRORS",
    "OPENZEPPELIN_ERROR_NAMES",
    "canonical_type",
    "error_class_for",
    "known_error_classes",
    "snake_case",
]

# Attribute names a generated error class may not use for its arguments (a trailing "_" is added).
_RESERVED = frozenset(
    {
        "args",
        "arguments",
        "error_name",
        "selector",
        "signature",
        "raw_data",
        "tx_hash",
        "decoded_error",
        "gas_used",
        "gas_limit",
        "inputs",
        "with_traceback",
        "add_note",
    }
)


def snake_case(name: str) -> str:
    """``deviceId`` → ``device_id``, ``tokenID`` → ``token_id``, ``_owner`` → ``owner``."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name.strip("_"))
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def canonical_type(param: Mapping[str, Any]) -> str:
    """The canonical ABI type of one input, expanding tuples: ``(uint256,address)[]``."""
    typ = str(param.get("type", ""))
    if typ.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param.get("components", ()))
        return f"({inner}){typ[len('tuple') :]}"
    return typ


_lock = threading.Lock()
_cache: dict[tuple[str, tuple[tuple[str, str], ...]], type[ContractError]] = {}
_by_selector: dict[str, list[type[ContractError]]] = {}


def _keccak_selector(signature: str) -> str:
    from eth_hash.auto import keccak  # lazy: keeps this module light

    return "0x" + keccak(signature.encode()).hex()[:8]


def error_class_for(
    name: str,
    inputs: Sequence[Mapping[str, Any]],
    *,
    class_name: str | None = None,
    selector: str | None = None,
) -> type[ContractError]:
    """The :class:`ContractError` subclass for the ABI error ``name(inputs)`` (created once).

    ``inputs`` are ABI input entries (``{"name": ..., "type": ..., "components": ...}``). The class
    is called ``f"{name}Error"`` and takes its arguments as snake_case keywords:
    ``DeviceAlreadyRegisteredError(device_id=1)``. ``selector`` may be passed when known (it is
    checked lazily by the tests, not recomputed).
    """
    if not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name):
        raise InvalidInputError(f"invalid Solidity error name {name!r}", field="name")
    types = tuple(canonical_type(p) for p in inputs)
    abi_names = tuple(str(p.get("name") or f"arg{i}") for i, p in enumerate(inputs))
    key = (name, tuple(zip(abi_names, types, strict=True)))
    with _lock:
        cls = _cache.get(key)
        if cls is not None:
            return cls
        signature = f"{name}({','.join(types)})"
        sel = selector or _keccak_selector(signature)
        attrs: list[str] = []
        for abi in abi_names:
            attr = snake_case(abi) or "arg"
            if keyword.iskeyword(attr) or attr in _RESERVED or attr.startswith("_"):
                attr += "_"
            while attr in attrs:
                attr += "_"
            attrs.append(attr)
        namespace: dict[str, Any] = {
            "ERROR_NAME": name,
            "SIGNATURE": signature,
            "SELECTOR": sel,
            "INPUTS": tuple(zip(abi_names, attrs, types, strict=True)),
            "__module__": "fabtrust.errors",
            "__doc__": f"Solidity error ``{signature}`` (selector {sel}).",
        }
        cls = type(class_name or f"{name}Error", (ContractError,), namespace)
        _cache[key] = cls
        _by_selector.setdefault(sel, []).append(cls)
        return cls


def known_error_classes(selector: str) -> list[type[ContractError]]:
    """Error classes created so far (including OpenZeppelin's) with this 4-byte selector."""
    with _lock:
        return list(_by_selector.get(selector.lower(), ()))


def _rebuild_contract_error(
    error_name: str,
    signature: str,
    selector: str,
    inputs: tuple[tuple[str, str, str], ...],
    class_name: str,
) -> ContractError:
    if error_name == UnknownContractError.ERROR_NAME:
        cls: type[ContractError] = UnknownContractError
    else:
        params = [{"name": abi, "type": typ} for abi, _, typ in inputs]
        if any(typ.startswith("(") for _, _, typ in inputs):
            # Tuple components are not kept: rebuild an equivalent class by signature only.
            cls = type(
                class_name,
                (ContractError,),
                {
                    "ERROR_NAME": error_name,
                    "SIGNATURE": signature,
                    "SELECTOR": selector,
                    "INPUTS": inputs,
                    "__module__": "fabtrust.errors",
                },
            )
        else:
            cls = error_class_for(error_name, params, class_name=class_name, selector=selector)
    obj = cls.__new__(cls)
    BaseException.__init__(obj)
    return obj


RevertReasonError = error_class_for(
    "Error",
    [{"name": "reason", "type": "string"}],
    class_name="RevertReasonError",
    selector="0x08c379a0",
)
PanicError = error_class_for("Panic", [{"name": "code", "type": "uint256"}], selector="0x4e487b71")

# OpenZeppelin Contracts 5.0 errors: (name, selector, ((arg name, type), ...)).
_OPENZEPPELIN_ERRORS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("AccessControlBadConfirmation", "0x6697b232", ()),
    (
        "AccessControlUnauthorizedAccount",
        "0xe2517d3f",
        (("account", "address"), ("neededRole", "bytes32")),
    ),
    ("AddressEmptyCode", "0x9996b315", (("target", "address"),)),
    ("AddressInsufficientBalance", "0xcd786059", (("account", "address"),)),
    ("ECDSAInvalidSignature", "0xf645eedf", ()),
    ("ECDSAInvalidSignatureLength", "0xfce698f7", (("length", "uint256"),)),
    ("ECDSAInvalidSignatureS", "0xd78bce0c", (("s", "bytes32"),)),
    (
        "ERC20InsufficientAllowance",
        "0xfb8f41b2",
        (("spender", "address"), ("allowance", "uint256"), ("needed", "uint256")),
    ),
    (
        "ERC20InsufficientBalance",
        "0xe450d38c",
        (("sender", "address"), ("balance", "uint256"), ("needed", "uint256")),
    ),
    ("ERC20InvalidApprover", "0xe602df05", (("approver", "address"),)),
    ("ERC20InvalidReceiver", "0xec442f05", (("receiver", "address"),)),
    ("ERC20InvalidSender", "0x96c6fd1e", (("sender", "address"),)),
    ("ERC20InvalidSpender", "0x94280d62", (("spender", "address"),)),
    ("ERC2612ExpiredSignature", "0x62791302", (("deadline", "uint256"),)),
    ("ERC2612InvalidSigner", "0x4b800e46", (("signer", "address"), ("owner", "address"))),
    (
        "ERC721IncorrectOwner",
        "0x64283d7b",
        (("sender", "address"), ("tokenId", "uint256"), ("owner", "address")),
    ),
    ("ERC721InsufficientApproval", "0x177e802f", (("operator", "address"), ("tokenId", "uint256"))),
    ("ERC721InvalidApprover", "0xa9fbf51f", (("approver", "address"),)),
    ("ERC721InvalidOperator", "0x5b08ba18", (("operator", "address"),)),
    ("ERC721InvalidOwner", "0x89c62b64", (("owner", "address"),)),
    ("ERC721InvalidReceiver", "0x64a0ae92", (("receiver", "address"),)),
    ("ERC721InvalidSender", "0x73c6ac6e", (("sender", "address"),)),
    ("ERC721NonexistentToken", "0x7e273289", (("tokenId", "uint256"),)),
    ("EnforcedPause", "0xd93c0665", ()),
    ("ExpectedPause", "0x8dfc202b", ()),
    ("FailedInnerCall", "0x1425ea42", ()),
    ("InvalidShortString", "0xb3512b0c", ()),
    ("MathOverflowedMulDiv", "0x227bc153", ()),
    ("MerkleProofInvalidMultiproof", "0x35140492", ()),
    ("OwnableInvalidOwner", "0x1e4fbdf7", (("owner", "address"),)),
    ("OwnableUnauthorizedAccount", "0x118cdaa7", (("account", "address"),)),
    ("ReentrancyGuardReentrantCall", "0x3ee5aeb5", ()),
    ("SafeCastOverflowedIntDowncast", "0x327269a7", (("bits", "uint8"), ("value", "int256"))),
    ("SafeCastOverflowedIntToUint", "0xa8ce4432", (("value", "int256"),)),
    ("SafeCastOverflowedUintDowncast", "0x6dfcc650", (("bits", "uint8"), ("value", "uint256"))),
    ("SafeCastOverflowedUintToInt", "0x24775e06", (("value", "uint256"),)),
    (
        "SafeERC20FailedDecreaseAllowance",
        "0xe570110f",
        (("spender", "address"), ("currentAllowance", "uint256"), ("requestedDecrease", "uint256")),
    ),
    ("SafeERC20FailedOperation", "0x5274afe7", (("token", "address"),)),
    ("StringTooLong", "0x305a27a9", (("str", "string"),)),
    ("StringsInsufficientHexLength", "0xe22e27eb", (("value", "uint256"), ("length", "uint256"))),
)

OPENZEPPELIN_ERRORS: Mapping[str, type[ContractError]] = {
    name: error_class_for(name, [{"name": n, "type": t} for n, t in params], selector=sel)
    for name, sel, params in _OPENZEPPELIN_ERRORS
}
"""OpenZeppelin 5 error classes by Solidity name (also module attributes ``<Name>Error`` below)."""

AccessControlUnauthorizedAccountError = OPENZEPPELIN_ERRORS["AccessControlUnauthorizedAccount"]
AccessControlBadConfirmationError = OPENZEPPELIN_ERRORS["AccessControlBadConfirmation"]
ERC721NonexistentTokenError = OPENZEPPELIN_ERRORS["ERC721NonexistentToken"]
ERC721IncorrectOwnerError = OPENZEPPELIN_ERRORS["ERC721IncorrectOwner"]
ERC721InsufficientApprovalError = OPENZEPPELIN_ERRORS["ERC721InsufficientApproval"]
ERC721InvalidOwnerError = OPENZEPPELIN_ERRORS["ERC721InvalidOwner"]
ERC721InvalidReceiverError = OPENZEPPELIN_ERRORS["ERC721InvalidReceiver"]
ERC721InvalidSenderError = OPENZEPPELIN_ERRORS["ERC721InvalidSender"]
ERC721InvalidApproverError = OPENZEPPELIN_ERRORS["ERC721InvalidApprover"]
ERC721InvalidOperatorError = OPENZEPPELIN_ERRORS["ERC721InvalidOperator"]
ERC20InsufficientBalanceError = OPENZEPPELIN_ERRORS["ERC20InsufficientBalance"]
ERC20InsufficientAllowanceError = OPENZEPPELIN_ERRORS["ERC20InsufficientAllowance"]
SafeERC20FailedOperationError = OPENZEPPELIN_ERRORS["SafeERC20FailedOperation"]
ReentrancyGuardReentrantCallError = OPENZEPPELIN_ERRORS["ReentrancyGuardReentrantCall"]
ECDSAInvalidSignatureError = OPENZEPPELIN_ERRORS["ECDSAInvalidSignature"]
ECDSAInvalidSignatureLengthError = OPENZEPPELIN_ERRORS["ECDSAInvalidSignatureLength"]
ECDSAInvalidSignatureSError = OPENZEPPELIN_ERRORS["ECDSAInvalidSignatureS"]
AddressEmptyCodeError = OPENZEPPELIN_ERRORS["AddressEmptyCode"]
FailedInnerCallError = OPENZEPPELIN_ERRORS["FailedInnerCall"]
EnforcedPauseError = OPENZEPPELIN_ERRORS["EnforcedPause"]
ExpectedPauseError = OPENZEPPELIN_ERRORS["ExpectedPause"]

OPENZEPPELIN_ERROR_NAMES: frozenset[str] = frozenset(OPENZEPPELIN_ERRORS)
"""Solidity names of the OpenZeppelin errors defined here (the generated per-contract error
modules leave them out)."""
