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


class ContractError(TransactionRevertedError):
    """A Solidity error decoded from revert data.

    Attributes: ``error_name`` (Solidity name), ``arguments`` (dict ABI argument name → value;
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

    @property
    def arguments(self) -> dict[str, Any]:
        """Decoded arguments by their ABI names (``args`` stays the usual tuple: the message)."""
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
        from fabtrust._error_classes import _rebuild_contract_error

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


# The factory of error classes and the OpenZeppelin selector table live in a private module; the
# names below are part of this module's public API. (Imported last: it subclasses ContractError.)
from fabtrust._error_classes import (  # noqa: E402
    OPENZEPPELIN_ERRORS,
    AccessControlBadConfirmationError,
    AccessControlUnauthorizedAccountError,
    AddressEmptyCodeError,
    ECDSAInvalidSignatureError,
    ECDSAInvalidSignatureLengthError,
    ECDSAInvalidSignatureSError,
    EnforcedPauseError,
    ERC20InsufficientAllowanceError,
    ERC20InsufficientBalanceError,
    ERC721IncorrectOwnerError,
    ERC721InsufficientApprovalError,
    ERC721InvalidApproverError,
    ERC721InvalidOperatorError,
    ERC721InvalidOwnerError,
    ERC721InvalidReceiverError,
    ERC721InvalidSenderError,
    ERC721NonexistentTokenError,
    ExpectedPauseError,
    FailedInnerCallError,
    PanicError,
    ReentrancyGuardReentrantCallError,
    RevertReasonError,
    SafeERC20FailedOperationError,
    canonical_type,
    error_class_for,
    known_error_classes,
    snake_case,
)
