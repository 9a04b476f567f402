"""Signers for the CLI, as Foundry and Brownie users know them.

``--account`` names the signer: ``dev:N`` (local chains only), a keystore file, or the name of a
keystore in the keystore folder (``fabtrust account new NAME`` writes ``NAME.json`` there). A
keystore unlocks with the password from ``--password-file FILE`` (its first line), else the
``FABTRUST_PASSWORD`` environment variable, else a hidden prompt when stdin is a terminal.

A raw private key is accepted only from the ``FABTRUST_PRIVATE_KEY`` environment variable (or
``FABTRUST_ACCOUNT``) or from ``--private-key-file FILE``; on the command line it is refused, since
it would land in the shell history and in ``ps``. No message ever contains a key or a password.

Light module: the standard library and :mod:`fabtrust.errors`; eth-account is imported by
:mod:`fabtrust.accounts` only when a key is used.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fabtrust.errors import AccountError, InvalidInputError

if TYPE_CHECKING:
    from fabtrust.accounts import Signer

__all__ = [
    "KEYSTORE_DIR_ENV",
    "PASSWORD_ENV",
    "PRIVATE_KEY_ENV",
    "SCRYPT_N_ENV",
    "keystore_dir",
    "keystore_path",
    "looks_like_key",
    "new_password",
    "read_key_file",
    "read_password",
    "resolve_signer",
    "scrypt_n",
]

PRIVATE_KEY_ENV = "FABTRUST_PRIVATE_KEY"
PASSWORD_ENV = "FABTRUST_PASSWORD"
KEYSTORE_DIR_ENV = "FABTRUST_KEYSTORE_DIR"
SCRYPT_N_ENV = "FABTRUST_KEYSTORE_SCRYPT_N"
DEFAULT_SCRYPT_N = 2**18

_KEYISH_RE = re.compile(r"(0[xX])?[0-9a-fA-F]{40,}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def keystore_dir() -> Path:
    """The keystore folder: ``$FABTRUST_KEYSTORE_DIR``, else ``~/.fabtrust/keystores``."""
    override = os.environ.get(KEYSTORE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path.home() / ".fabtrust" / "keystores"


def keystore_path(name: str) -> Path:
    """The file of keystore ``name`` in the keystore folder (the name is checked)."""
    if not _NAME_RE.fullmatch(name) or name.endswith(".json"):
        raise InvalidInputError(
            f"NAME: {name!r} is not a keystore name (letters, digits, '.', '_', '-'; "
            "at most 64, no .json suffix)",
            field="name",
        )
    return keystore_dir() / f"{name}.json"


def scrypt_n() -> int:
    """The scrypt work factor for new keystores: 2**18 as geth, ``$FABTRUST_KEYSTORE_SCRYPT_N``
    (a power of two) to lower it in tests."""
    text = os.environ.get(SCRYPT_N_ENV)
    if not text:
        return DEFAULT_SCRYPT_N
    if not text.isdigit() or int(text) < 2 or int(text) & (int(text) - 1):
        raise InvalidInputError(f"{SCRYPT_N_ENV}: {text!r} is not a power of two", field="scrypt")
    return int(text)


def looks_like_key(text: str) -> bool:
    """True for text that looks like raw key material (40+ hex digits, optionally 0x)."""
    return bool(_KEYISH_RE.fullmatch(text.strip()))


def read_key_file(path: Path, *, option: str = "--private-key-file") -> str:
    """The private key held in a file (first non-empty line); never echoed."""
    if looks_like_key(str(path)):
        raise InvalidInputError(
            f"{option}: takes a file name, and a raw private key on the command line is refused "
            f"(it would stay in the shell history); write it to a file or set {PRIVATE_KEY_ENV}",
            field="private-key",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"{option}: file not found: {path}", field="private-key") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            f"{option}: cannot read {path}: {type(exc).__name__}", field="private-key"
        ) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise InvalidInputError(f"{option}: {path} is empty", field="private-key")
    return lines[0]


def _read_password_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(
            f"--password-file: file not found: {path}", field="password-file"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            f"--password-file: cannot read {path}: {type(exc).__name__}", field="password-file"
        ) from None
    # geth and Foundry: the first line, without its line ending.
    return text.splitlines()[0] if text else ""


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def read_password(*, password_file: Path | None, what: str) -> str:
    """The password for ``what``: ``--password-file``, else ``$FABTRUST_PASSWORD``, else a hidden
    prompt on a terminal; otherwise one line saying how to give it."""
    if password_file is not None:
        return _read_password_file(password_file)
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env
    if _interactive():
        return getpass.getpass(f"password for {what}: ")
    raise AccountError(
        f"a password is needed to unlock {what}: give --password-file FILE, set "
        f"{PASSWORD_ENV}, or run on a terminal to be asked"
    )


def new_password(*, password_file: Path | None, what: str) -> str:
    """A password for a new keystore (asked twice on a terminal); never empty."""
    if password_file is not None or os.environ.get(PASSWORD_ENV) is not None:
        password = read_password(password_file=password_file, what=what)
    elif _interactive():
        password = getpass.getpass(f"new password for {what}: ")
        again = getpass.getpass("the same password again: ")
        if again != password:
            raise AccountError("the two passwords differ; nothing written")
    else:
        raise AccountError(
            f"a password is needed for {what}: give --password-file FILE, set {PASSWORD_ENV}, "
            "or run on a terminal to be asked"
        )
    if not password:
        raise AccountError("refusing an empty keystore password")
    return password


def resolve_signer(
    *,
    account: str | None,
    account_from_argv: bool,
    private_key_file: Path | None,
    password_file: Path | None,
) -> Signer | None:
    """The signer named by the global options and environment, or None when none is given.

    Order: ``--private-key-file``, then ``--account`` / ``FABTRUST_ACCOUNT``, then
    ``FABTRUST_PRIVATE_KEY``. Raises InvalidInputError for a key on the command line (without
    echoing it), AccountError for a keystore that cannot be unlocked.
    """
    from fabtrust.accounts import Signer, parse_account_spec

    given = [
        name
        for name, value in (
            ("--private-key-file", private_key_file),
            ("--account", account),
        )
        if value is not None
    ]
    if len(given) > 1:
        raise InvalidInputError(
            "give one signer: --account or --private-key-file, not both", field="account"
        )
    if private_key_file is not None:
        return Signer.from_key(read_key_file(private_key_file))
    if account is not None:
        text = account.strip()
        if looks_like_key(text):
            if account_from_argv:
                raise InvalidInputError(
                    "--account: a raw private key on the command line is refused (it would stay "
                    f"in the shell history); set {PRIVATE_KEY_ENV}, use --private-key-file FILE, "
                    "or a keystore (fabtrust account import)",
                    field="account",
                )
            return Signer.from_key(text)
        if text.lower().startswith("dev:"):
            return parse_account_spec(text)
        path = Path(text).expanduser()
        if not path.is_file() and _NAME_RE.fullmatch(text) and not text.endswith(".json"):
            named = keystore_dir() / f"{text}.json"
            if named.is_file():
                path = named
        if not path.is_file():
            raise InvalidInputError(
                f"--account: {text!r} is neither dev:N, a keystore file, nor a keystore name in "
                f"{keystore_dir()} (fabtrust account list)",
                field="account",
            )
        return Signer.from_keystore(
            path,
            password_callback=lambda: read_password(
                password_file=password_file, what=f"keystore {path}"
            ),
        )
    from_env = os.environ.get(PRIVATE_KEY_ENV)
    if from_env:
        return Signer.from_key(from_env)
    return None
