"""Signers: who signs transactions and messages, with the private key kept out of sight.

A :class:`Signer` holds one secp256k1 key. Its ``repr``/``str`` show only the address; the key is
never put in a message, an exception or a log, and a signer refuses to be pickled or copied into
another object. Build one with :meth:`Signer.from_keystore` (an eth-account encrypted JSON
keystore), :meth:`Signer.from_key`, :meth:`Signer.dev` (Anvil/Hardhat/Ganache-style well-known
development accounts, usable on local chains only) or :func:`parse_account_spec` (``"dev:3"``,
``"/path/keystore.json"`` or ``"0x<key>"``, the form the CLI takes).

This module is light: eth-account is imported when a signer is first built.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import BaseModel, ConfigDict

from fabtrust._constants import LOCAL_CHAIN_IDS
from fabtrust.errors import AccountError, InvalidInputError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

__all__ = [
    "DEV_ADDRESSES",
    "DEV_MNEMONIC",
    "LOCAL_CHAIN_IDS",
    "SignedTx",
    "Signer",
    "is_local_chain",
    "parse_account_spec",
]

DEV_MNEMONIC = "test test test test test test test test test test test junk"
"""The public development mnemonic; keys derived at m/44'/60'/0'/0/i are known to everyone."""

# Precomputed from DEV_MNEMONIC (m/44'/60'/0'/0/i); a test re-derives them. Public knowledge: any
# funds sent to these addresses on a real chain are swept by bots within seconds.
_DEV_KEYS: tuple[str, ...] = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
)

DEV_ADDRESSES: tuple[str, ...] = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
)
"""Addresses of the 10 development accounts, index i = ``Signer.dev(i)``."""

_DEV_ADDRESS_SET = frozenset(a.lower() for a in DEV_ADDRESSES)
_KEY_RE = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_HEXISH_RE = re.compile(r"(0x)?[0-9a-fA-F]+")


def is_local_chain(chain_id: int) -> bool:
    """True for local development chains (31337, 1337)."""
    return chain_id in LOCAL_CHAIN_IDS


class SignedTx(BaseModel):
    """A locally signed transaction: the raw bytes to broadcast and its hash (known before)."""

    model_config = ConfigDict(frozen=True)

    raw_transaction: bytes
    tx_hash: str
    nonce: int


class Signer:
    """One private key, able to sign transactions, EIP-191 messages and EIP-712 typed data.

    Immutable; compares equal by address; ``repr``/``str`` show only the address.
    """

    __slots__ = ("_account", "_address", "_is_dev")

    _account: LocalAccount
    _address: str
    _is_dev: bool

    def __init__(self, *_: object, **__: object) -> None:
        raise TypeError(
            "use Signer.from_keystore(), Signer.from_key(), Signer.dev() or parse_account_spec()"
        )

    @classmethod
    def _wrap(cls, account: LocalAccount) -> Signer:
        self = object.__new__(cls)
        object.__setattr__(self, "_account", account)
        object.__setattr__(self, "_address", str(account.address))
        object.__setattr__(self, "_is_dev", account.address.lower() in _DEV_ADDRESS_SET)
        return self

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def from_key(cls, key: str | bytes) -> Signer:
        """A signer from a raw private key: 32 bytes, or 64 hex digits with or without ``0x``."""
        raw: bytes | None = None
        if isinstance(key, bytes | bytearray):
            raw = bytes(key) if len(key) == 32 else None
        elif isinstance(key, str) and _KEY_RE.fullmatch(key.strip()):
            raw = bytes.fromhex(key.strip().removeprefix("0x"))
        if raw is None:
            _fail("invalid private key: expected 32 bytes (64 hex digits, optionally 0x-prefixed)")
        account = _account_from_raw(raw)
        if account is None:
            _fail("invalid private key: not a valid secp256k1 key (zero or above the curve order)")
        return cls._wrap(account)

    @classmethod
    def from_keystore(
        cls,
        path: str | os.PathLike[str],
        *,
        password: str | None = None,
        password_callback: Callable[[], str] | None = None,
    ) -> Signer:
        """Unlock an eth-account (Web3 Secret Storage v3) JSON keystore.

        The password is ``password`` or, when None, the result of ``password_callback()`` (called
        only if the file is a readable keystore). Wrong password, unreadable or malformed file →
        :class:`AccountError` (naming the file, never the password).
        """
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            _fail(f"keystore file not found: {file}")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read keystore file {file}: {type(exc).__name__}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict) or not isinstance(
            data.get("crypto", data.get("Crypto")), dict
        ):
            _fail(f"not an encrypted JSON keystore: {file}")
        if password is None:
            if password_callback is None:
                _fail(f"a password is needed to unlock keystore {file}")
            password = password_callback()
        if not isinstance(password, str):
            _fail(f"the password for keystore {file} must be a string")

        from eth_account import Account

        raw: bytes | None = None
        wrong_password = False
        try:
            raw = bytes(Account.decrypt(data, password))
        except ValueError as exc:
            wrong_password = "MAC mismatch" in str(exc)
        except Exception:  # anything else: unsupported or corrupt keystore
            raw = None
        # Raised outside the except blocks so no exception context (and no password) is chained.
        if raw is None:
            if wrong_password:
                _fail(f"wrong password for keystore {file}")
            _fail(f"cannot decrypt keystore {file}: unsupported or corrupt keystore")
        account = _account_from_raw(raw)
        if account is None:
            _fail(f"keystore {file} holds an invalid private key")
        declared = data.get("address")
        if isinstance(declared, str) and declared.lower().removeprefix("0x") != (
            account.address.lower().removeprefix("0x")
        ):
            _fail(f"keystore {file} declares address 0x{declared} but holds {account.address}")
        return cls._wrap(account)

    @classmethod
    def dev(cls, index: int) -> Signer:
        """Development account ``index`` (0-9) of the public test mnemonic (local chains only)."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(_DEV_KEYS):
            raise InvalidInputError(
                f"dev account index must be 0..{len(_DEV_KEYS) - 1}, got {index!r}", field="index"
            )
        account = _account_from_raw(bytes.fromhex(_DEV_KEYS[index][2:]))
        assert account is not None  # well-known valid keys
        return cls._wrap(account)

    @classmethod
    def generate(cls) -> Signer:
        """A new random key (os.urandom), e.g. for a device signing key."""
        from eth_account import Account

        return cls._wrap(Account.create())

    # -- properties ----------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """EIP-55 checksummed address."""
        return self._address

    @property
    def is_dev(self) -> bool:
        """True when the key is one of the public development keys."""
        return self._is_dev

    def check_chain(self, chain_id: int) -> None:
        """Refuse public development keys on any chain but a local one (31337, 1337)."""
        if self._is_dev and not is_local_chain(chain_id):
            raise AccountError(
                f"{self._address} is a public development account; it may only be used on local "
                f"chains (chain ids {', '.join(map(str, sorted(LOCAL_CHAIN_IDS)))}), "
                f"not on chain id {chain_id}"
            )

    # -- signing -------------------------------------------------------------------------------

    def sign_transaction(self, tx: Mapping[str, Any]) -> SignedTx:
        """Sign a transaction dict (``chainId``, ``nonce``, ``gas``, fees, ``to``, ``value``,
        ``data``); the hash is computed locally from the raw bytes."""
        try:
            signed = self._account.sign_transaction(dict(tx))
        except (TypeError, ValueError) as exc:
            # eth-account messages describe the transaction fields, never the key.
            raise InvalidInputError(f"cannot sign transaction: {exc}", field="tx") from None
        return SignedTx(
            raw_transaction=bytes(signed.raw_transaction),
            tx_hash="0x" + bytes(signed.hash).hex(),
            nonce=int(tx["nonce"]),
        )

    def sign_message(self, message: bytes | str) -> bytes:
        """EIP-191 ``personal_sign`` signature (65 bytes r‖s‖v) of ``message`` (text or bytes)."""
        from eth_account.messages import encode_defunct

        signable = (
            encode_defunct(text=message) if isinstance(message, str) else encode_defunct(message)
        )
        return bytes(self._account.sign_message(signable).signature)

    def sign_typed_data(
        self,
        full_message: Mapping[str, Any] | None = None,
        *,
        domain: Mapping[str, Any] | None = None,
        types: Mapping[str, Any] | None = None,
        message: Mapping[str, Any] | None = None,
    ) -> bytes:
        """EIP-712 signature (65 bytes r‖s‖v).

        Either ``full_message`` (``{"types", "primaryType", "domain", "message"}``) or
        ``domain``, ``types`` (without ``EIP712Domain``) and ``message``.
        """
        try:
            if full_message is not None:
                signed = self._account.sign_typed_data(full_message=dict(full_message))
            else:
                if domain is None or types is None or message is None:
                    raise ValueError("give full_message, or domain, types and message")
                signed = self._account.sign_typed_data(dict(domain), dict(types), dict(message))
        except (TypeError, ValueError, KeyError) as exc:
            raise InvalidInputError(f"cannot sign typed data: {exc}", field="typed_data") from None
        return bytes(signed.signature)

    # -- keystore export -----------------------------------------------------------------------

    def save_keystore(
        self,
        path: str | os.PathLike[str],
        *,
        password: str,
        scrypt_n: int = 2**18,
    ) -> Path:
        """Write the key as an encrypted JSON keystore (scrypt, file mode 0600, never overwrites).

        ``scrypt_n`` is the work factor (2**18 as geth; lower only for tests).
        """
        if not password:
            raise AccountError("refusing to write a keystore with an empty password")
        from eth_account import Account

        data = Account.encrypt(self._account.key, password, kdf="scrypt", iterations=scrypt_n)
        file = Path(path)
        try:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise AccountError(f"keystore file already exists: {file}") from None
        except OSError as exc:
            raise AccountError(f"cannot create keystore file {file}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            file.unlink(missing_ok=True)
            raise
        return file

    # -- dunder --------------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Signer({self._address}{', dev' if self._is_dev else ''})"

    def __str__(self) -> str:
        return self._address

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Signer) and other._address == self._address

    def __hash__(self) -> int:
        return hash(("Signer", self._address))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Signer is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("Signer is immutable")

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Signer holds a private key and cannot be pickled or copied")

    def __copy__(self) -> Signer:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Signer:
        return self


def _fail(message: str) -> NoReturn:
    raise AccountError(message)


_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _account_from_raw(raw: bytes) -> LocalAccount | None:
    if not 0 < int.from_bytes(raw, "big") < _SECP256K1_N:
        return None
    from eth_account import Account

    try:
        account: LocalAccount = Account.from_key(raw)
    except Exception:  # eth-keys validation errors; the key must not leak
        return None
    return account


def parse_account_spec(
    spec: str,
    *,
    password: str | None = None,
    password_callback: Callable[[], str] | None = None,
) -> Signer:
    """A signer from the CLI form: ``"dev:N"``, ``"0x<64 hex key>"`` or a keystore file path.

    The spec is never echoed in errors when it could be key material.
    """
    text = spec.strip()
    if text.lower().startswith("dev:"):
        index_text = text[4:]
        if not index_text.isdigit():
            raise InvalidInputError(
                f"dev account must be dev:N with N in 0..9, got {text!r}", field="account"
            )
        return Signer.dev(int(index_text))
    if _KEY_RE.fullmatch(text):
        return Signer.from_key(text)
    path = Path(text).expanduser()
    if path.is_file():
        return Signer.from_keystore(path, password=password, password_callback=password_callback)
    if _HEXISH_RE.fullmatch(text):
        raise InvalidInputError(
            "account looks like a private key but is not 32 bytes (64 hex digits)",
            field="account",
        )
    raise InvalidInputError(
        f"account must be dev:N, a 0x-prefixed private key or a keystore file; "
        f"no such file: {text}",
        field="account",
    )
