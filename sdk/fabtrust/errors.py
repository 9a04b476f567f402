"""The fabtrust exception tree.

Every error the library raises is a :class:`FabtrustError`; raw web3, requests or eth-account
exceptions never cross the public API. The tree::

    FabtrustError
    ├── InvalidInputError            bad user input (address, hex, amount, file...); a ValueError
    ├── AccountError                 keystore / password / dev account on a non-local chain
    ├── DeploymentNotFoundError      no deployments/<chainId>.json, or a contract missing in it
    ├── ChainError                   talking to the node went wrong
    │   ├── NodeUnreachableError     node down or timing out (names the URL)
    │   └── WrongChainError          chain id, genesis hash or deployed code is not what we expected
    └── TransactionError             a transaction could not be completed
        ├── TransactionRevertedError     reverted (in simulation or mined with status 0)
        │   └── ContractError            ... with a decoded Solidity error; one subclass per error,
        │       ├── RevertReasonError    Error(string)   (require/revert with a message)
        │       ├── PanicError           Panic(uint256)  (assert, overflow, ...)
        │       ├── UnknownContractError revert data that matches no known error
        │       └── <Name>Error          by error_class_for(), e.g. DeviceAlreadyRegisteredError
        ├── TransactionTimeoutError      not mined in time (it may still be mined later)
        └── FeeCapExceededError          the fee needed is above the configured cap

Custom-error classes are generated from ABI entries by :func:`error_class_for` and cached, so the
same ABI error always maps to the same class: ``except DeviceAlreadyRegisteredError as e:
e.device_id``. OpenZeppelin 5 errors (AccessControl, ERC20/ERC721, SafeERC20, ReentrancyGuard,
ECDSA, Address, Pausable, SafeCast, Ownable, ...) are predefined here and are recognised in revert
data even when the caller's ABI does not list them (library errors often are not).

This module is light: it imports nothing from web3, eth-abi or eth-account (selectors of errors
created at run time are computed with a lazily imported keccak).
"""

from __future__ import annotations

import keyword
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

__all__ = [
    "OPENZEPPELIN_ERRORS",
    "PANIC_CODES",
    "AccessControlBadConfirmationError",
    "AccessControlUnauthorizedAccountError",
    "AccountError",
    "AddressEmptyCodeError",
    "ChainError",
    "ContractError",
    "DeploymentNotFoundError",
    "ECDSAInvalidSignatureError",
    "ECDSAInvalidSignatureLengthError",
    "ECDSAInvalidSignatureSError",
    "ERC20InsufficientAllowanceError",
    "ERC20InsufficientBalanceError",
    "ERC721IncorrectOwnerError",
    "ERC721InsufficientApprovalError",
    "ERC721InvalidApproverError",
    "ERC721InvalidOperatorError",
    "ERC721InvalidOwnerError",
    "ERC721InvalidReceiverError",
    "ERC721InvalidSenderError",
    "ERC721NonexistentTokenError",
    "EnforcedPauseError",
    "ExpectedPauseError",
    "FabtrustError",
    "FailedInnerCallError",
    "FeeCapExceededError",
    "InvalidInputError",
    "NodeUnreachableError",
    "PanicError",
    "ReentrancyGuardReentrantCallError",
    "RevertReasonError",
    "SafeERC20FailedOperationError",
    "TransactionError",
    "TransactionRevertedError",
    "TransactionTimeoutError",
    "UnknownContractError",
    "WrongChainError",
    "canonical_type",
    "error_class_for",
    "known_error_classes",
    "snake_case",
]


class FabtrustError(Exception):
    """Root of every exception raised by fabtrust."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Constructors take keyword-only arguments: restore without calling them (pickle support).
        return (_new_exception, (type(self), tuple(self.args)), dict(self.__dict__))


def _new_exception(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    obj = cls.__new__(cls)
    BaseException.__init__(obj, *args)
    return obj


class InvalidInputError(FabtrustError, ValueError):
    """Bad user input: an address, hex string, amount, file, ... (``field`` names it when known)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AccountError(FabtrustError):
    """A signer could not be loaded or used (never carries key material or passwords)."""


class DeploymentNotFoundError(FabtrustError):
    """No deployment file for the chain, or the contract is missing from it."""

    def __init__(
        self,
        message: str,
        *,
        chain_id: int | None = None,
        contract: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.chain_id = chain_id
        self.contract = contract
        self.path = path


class ChainError(FabtrustError):
    """Talking to the chain went wrong."""


class NodeUnreachableError(ChainError):
    """The node at ``url`` is down, refused the connection or timed out."""

    def __init__(self, url: str, reason: str = "") -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(f"cannot reach the node at {url}{detail}")
        self.url = url
        self.reason = reason


WrongChainKind = Literal["chain_id", "genesis_hash", "code"]


class WrongChainError(ChainError):
    """Connected to another chain than expected.

    ``kind`` says what differs: ``"chain_id"``, ``"genesis_hash"`` or ``"code"`` (no or other
    contract code at a deployed address; ``address`` names it).
    """

    def __init__(
        self,
        *,
        kind: WrongChainKind,
        expected: object,
        actual: object,
        address: str | None = None,
        detail: str = "",
    ) -> None:
        what = {
            "chain_id": "chain id",
            "genesis_hash": "genesis block hash",
            "code": f"contract code at {address}" if address else "contract code",
        }[kind]
        message = f"wrong chain: expected {what} {expected}, found {actual}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
        self.kind: WrongChainKind = kind
        self.expected = expected
        self.actual = actual
        self.address = address


class TransactionError(FabtrustError):
    """A transaction could not be sent, mined or completed."""

    def __init__(self, message: str, *, tx_hash: str | None = None) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


class TransactionRevertedError(TransactionError):
    """The call reverted: during gas estimation / ``eth_call`` (``tx_hash`` is None) or mined.

    ``raw_data`` is the revert data (may be empty: out of gas, ``revert()`` without reason, or a
    node that does not return it). When the data decodes to a Solidity error the exception is a
    :class:`ContractError` subclass instead; :attr:`decoded_error` returns it.
    """

    def __init__(
        self,
        message: str,
        *,
        tx_hash: str | None = None,
        raw_data: bytes = b"",
        gas_used: int | None = None,
        gas_limit: int | None = None,
    ) -> None:
        super().__init__(message, tx_hash=tx_hash)
        self.raw_data = bytes(raw_data)
        self.gas_used = gas_used
        self.gas_limit = gas_limit

    @property
    def decoded_error(self) -> ContractError | None:
        """The decoded Solidity error, if any (the exception itself for a ContractError)."""
        return self if isinstance(self, ContractError) else None


class TransactionTimeoutError(TransactionError):
    """Not mined within the receipt timeout. It may still be mined: the journal keeps it."""

    def __init__(
        self,
        message: str,
        *,
        tx_hashes: Sequence[str] = (),
        nonce: int | None = None,
    ) -> None:
        super().__init__(message, tx_hash=tx_hashes[-1] if tx_hashes else None)
        self.tx_hashes = tuple(tx_hashes)
        self.nonce = nonce


class FeeCapExceededError(TransactionError):
    """Even the minimum fee per gas that could get the transaction mined is above the cap."""

    def __init__(self, *, required_wei: int, cap_wei: int) -> None:
        super().__init__(
            f"fee per gas of at least {required_wei} wei needed, above the cap of {cap_wei} wei"
        )
        self.required_wei = required_wei
        self.cap_wei = cap_wei


# --------------------------------------------------------------------------------------------
# Solidity errors
# --------------------------------------------------------------------------------------------

PANIC_CODES: Mapping[int, str] = {
    0x00: "generic compiler panic",
    0x01: "assert failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array encoding",
    0x31: "pop() on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory / array too large",
    0x51: "call to a zero-initialised internal function",
}

# Attribute names a generated error class may not use for its arguments (a trailing "_" is added).
_RESERVED = frozenset(
    {
        "args",
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


class ContractError(TransactionRevertedError):
    """A Solidity error decoded from revert data.

    Attributes: ``error_name`` (Solidity name), ``args`` (dict ABI argument name → decoded value;
    unnamed arguments are ``arg0``, ``arg1``, ...), ``selector`` ("0x" + 8 hex), ``signature``,
    ``tx_hash`` (None when raised from a simulation), ``raw_data``. Generated subclasses also
    expose each argument as a snake_case attribute (``e.device_id``).
    """

    ERROR_NAME: ClassVar[str] = ""
    SIGNATURE: ClassVar[str] = ""
    SELECTOR: ClassVar[str] = ""
    # (abi name, attribute name, canonical type) per argument
    INPUTS: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def __init__(
        self,
        *,
        tx_hash: str | None = None,
        raw_data: bytes = b"",
        **values: Any,
    ) -> None:
        cls = type(self)
        by_attr = {attr: abi for abi, attr, _ in cls.INPUTS}
        by_abi = {abi: abi for abi, _, _ in cls.INPUTS}
        decoded: dict[str, Any] = {}
        for key, value in values.items():
            abi_name = by_attr.get(key) or by_abi.get(key)
            if abi_name is None:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {key!r}")
            decoded[abi_name] = value
        missing = [attr for abi, attr, _ in cls.INPUTS if abi not in decoded]
        if missing:
            raise TypeError(f"{cls.__name__}() missing keyword arguments: {', '.join(missing)}")
        self.error_name = cls.ERROR_NAME
        self.signature = cls.SIGNATURE
        self.selector = cls.SELECTOR
        self._values = {abi: decoded[abi] for abi, _, _ in cls.INPUTS}
        self.tx_hash = tx_hash
        self.raw_data = bytes(raw_data)
        super().__init__(self._describe(), tx_hash=tx_hash, raw_data=raw_data)

    # BaseException.args is a tuple; the brief of this API is a dict of the decoded arguments.
    @property
    def args(self) -> dict[str, Any]:  # type: ignore[override]
        """Decoded arguments by their ABI names."""
        return dict(self._values)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: serve the snake_case argument attributes.
        values = self.__dict__.get("_values")
        if values is not None and not name.startswith("__"):
            for abi, attr, _ in type(self).INPUTS:
                if attr == name:
                    return values[abi]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Generated classes cannot be found by name: rebuild the class from its definition.
        cls = type(self)
        return (
            _rebuild_contract_error,
            (cls.ERROR_NAME, cls.SIGNATURE, cls.SELECTOR, cls.INPUTS, cls.__name__),
            dict(self.__dict__),
        )

    def _describe(self) -> str:
        if self.error_name == "Error" and "reason" in self._values:
            text = f"reverted: {self._values['reason']}"
        elif self.error_name == "Panic" and "code" in self._values:
            code = int(self._values["code"])
            text = f"panic 0x{code:02x}: {PANIC_CODES.get(code, 'unknown panic code')}"
        else:
            inner = ", ".join(f"{attr}={_short(self._values[abi])}" for abi, attr, _ in self.INPUTS)
            text = f"{self.error_name}({inner})"
        if self.tx_hash:
            text += f" in transaction {self.tx_hash}"
        return text

    def __str__(self) -> str:
        return self._describe()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()!r})"


def _short(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return repr(value)


class UnknownContractError(ContractError):
    """Revert data whose selector matches no error known from the ABIs or OpenZeppelin."""

    ERROR_NAME = "<unknown>"

    def __init__(self, *, tx_hash: str | None = None, raw_data: bytes = b"") -> None:
        super().__init__(tx_hash=tx_hash, raw_data=raw_data)
        self.selector = "0x" + self.raw_data[:4].hex() if len(self.raw_data) >= 4 else ""

    def _describe(self) -> str:
        data = "0x" + self.raw_data.hex()
        text = f"reverted with unrecognised error data {data}"
        if self.tx_hash:
            text += f" in transaction {self.tx_hash}"
        return text


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
            "__module__": __name__,
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
                    "__module__": __name__,
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
