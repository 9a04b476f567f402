"""`fabtrust account ...`: encrypted keystores (Web3 Secret Storage v3, as geth, Foundry and
Brownie write them) in the keystore folder, ``~/.fabtrust/keystores`` or ``$FABTRUST_KEYSTORE_DIR``.

``--account NAME`` then signs with ``NAME.json`` from that folder, unlocked by ``--password-file``,
``FABTRUST_PASSWORD`` or a hidden prompt. Light module: eth-account is imported inside the commands.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._context import command, settings_of
from ._render import batch_view, escape
from ._signer import (
    PRIVATE_KEY_ENV,
    keystore_dir,
    keystore_path,
    new_password,
    read_key_file,
    scrypt_n,
)

if TYPE_CHECKING:
    from fabtrust.accounts import Signer

__all__ = ["app"]

app = typer.Typer(
    help="Encrypted keystores in the keystore folder (~/.fabtrust/keystores, or "
    "FABTRUST_KEYSTORE_DIR): new, import, list.",
    no_args_is_help=True,
)

NameArg = Annotated[
    str,
    typer.Argument(
        metavar="NAME",
        help="The keystore's name: --account NAME signs with it.",
        show_default=False,
    ),
]


def _save(ctx: typer.Context, name: str, signer: Signer) -> None:
    from fabtrust.errors import AccountError

    settings = settings_of(ctx)
    out = settings.output
    path = keystore_path(name)
    if path.exists():
        raise AccountError(f"a keystore named {name!r} exists already: {path}")
    password = new_password(password_file=settings.password_file, what=f"keystore {name!r}")
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    written = signer.save_keystore(path, password=password, scrypt_n=scrypt_n())
    out.info(f"keystore {escape(name)} for {signer.address} written to {escape(str(written))}")
    out.info(f"sign with it: fabtrust --account {escape(name)} ...")
    out.result({"name": name, "address": signer.address, "path": str(written)})


@app.command("new")
@command
def new(ctx: typer.Context, name: NameArg) -> None:
    """Create a new random key and write it as an encrypted keystore NAME.json (mode 0600).
    The password: --password-file, FABTRUST_PASSWORD, or asked twice on a terminal."""
    from fabtrust.accounts import Signer

    _save(ctx, name, Signer.generate())


@app.command("import")
@command
def import_key(
    ctx: typer.Context,
    name: NameArg,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file", metavar="FILE", help="A file holding the private key (0x + 64 hex)."
        ),
    ] = None,
) -> None:
    """Encrypt an existing private key into keystore NAME.json. The key: --key-file FILE, the
    global --private-key-file, FABTRUST_PRIVATE_KEY, or typed at a hidden prompt; never argv."""
    from fabtrust.accounts import Signer
    from fabtrust.errors import InvalidInputError

    settings = settings_of(ctx)
    if key_file is not None:
        key = read_key_file(key_file, option="--key-file")
    elif settings.private_key_file is not None:
        key = read_key_file(settings.private_key_file)
    elif os.environ.get(PRIVATE_KEY_ENV):
        key = os.environ[PRIVATE_KEY_ENV]
    elif sys.stdin.isatty():
        key = getpass.getpass("private key (hidden): ")
    else:
        raise InvalidInputError(
            f"no key to import: give --key-file FILE, set {PRIVATE_KEY_ENV}, or run on a "
            "terminal to type it",
            field="key-file",
        )
    _save(ctx, name, Signer.from_key(key))


def _entry(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        address = data.get("address") if isinstance(data, dict) else None
    except (OSError, UnicodeDecodeError, ValueError):
        address = None
    if isinstance(address, str) and address:
        from fabtrust import _validate
        from fabtrust.errors import InvalidInputError

        try:
            body = address.lower().removeprefix("0x")
            address = _validate.address("0x" + body, field="address", allow_zero=True)
        except InvalidInputError:
            address = None
    else:
        address = None
    return {"name": path.stem, "address": address, "path": str(path)}


@app.command("list")
@command
def list_accounts(ctx: typer.Context) -> None:
    """The keystores in the keystore folder: name, address, file."""
    out = settings_of(ctx).output
    folder = keystore_dir()
    entries = (
        [_entry(p) for p in sorted(folder.glob("*.json")) if p.is_file()] if folder.is_dir() else []
    )
    out.info(f"keystore folder: {escape(str(folder))}")
    out.result(
        {"folder": str(folder), "accounts": entries},
        batch_view(f"{len(entries)} keystore(s)", entries, ("name", "address", "path")),
    )
