"""Signers: dev accounts, keys, keystores, signing - and the key never showing up anywhere."""

from __future__ import annotations

import copy
import json
import os
import pickle
import stat
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils.crypto import keccak

from fabtrust.accounts import (
    DEV_ADDRESSES,
    DEV_MNEMONIC,
    LOCAL_CHAIN_IDS,
    Signer,
    is_local_chain,
    parse_account_spec,
)
from fabtrust.errors import AccountError, FabtrustError, InvalidInputError

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
KEY_ADDRESS = Account.from_key(KEY).address
PASSWORD = "correct horse battery staple"


def _all_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc.__dict__)


def test_dev_keys_match_the_mnemonic() -> None:
    Account.enable_unaudited_hdwallet_features()
    for i, address in enumerate(DEV_ADDRESSES):
        derived = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        signer = Signer.dev(i)
        assert derived.address == address == signer.address
        assert signer.is_dev
        # the signer signs with the derived key
        msg = encode_defunct(text="hello")
        assert signer.sign_message("hello") == bytes(derived.sign_message(msg).signature)


@pytest.mark.parametrize("index", [-1, 10, True, "1"])
def test_dev_index_out_of_range(index: object) -> None:
    with pytest.raises(InvalidInputError):
        Signer.dev(index)  # type: ignore[arg-type]


def test_dev_accounts_only_on_local_chains() -> None:
    dev = Signer.dev(0)
    for chain_id in LOCAL_CHAIN_IDS:
        dev.check_chain(chain_id)
        assert is_local_chain(chain_id)
    for chain_id in (1, 11155111, 137, 31338):
        with pytest.raises(AccountError, match="development account"):
            dev.check_chain(chain_id)
    # a well-known dev key imported by hand is still a dev key
    imported = Signer.from_key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
    assert imported.is_dev
    with pytest.raises(AccountError):
        imported.check_chain(1)
    # any other key is fine anywhere
    Signer.from_key(KEY).check_chain(1)


def test_from_key_forms() -> None:
    assert Signer.from_key(KEY).address == KEY_ADDRESS
    assert Signer.from_key(KEY[2:]).address == KEY_ADDRESS
    assert Signer.from_key(bytes.fromhex(KEY[2:])).address == KEY_ADDRESS
    assert not Signer.from_key(KEY).is_dev
    assert Signer.from_key(KEY) == Signer.from_key(KEY[2:])
    assert hash(Signer.from_key(KEY)) == hash(Signer.from_key(KEY[2:]))


@pytest.mark.parametrize(
    "bad",
    [
        KEY[:-1],  # 63 hex digits
        KEY + "00",
        "0x" + "zz" * 32,
        "0x" + "00" * 32,  # zero is not a valid key
        "0x" + "ff" * 32,  # above the curve order
        b"\x01" * 31,
    ],
)
def test_invalid_keys_do_not_leak(bad: str | bytes) -> None:
    with pytest.raises(AccountError) as info:
        Signer.from_key(bad)
    text = _all_text(info.value)
    secret = bad.hex() if isinstance(bad, bytes) else bad.removeprefix("0x")
    assert secret[:40] not in text
    assert info.value.__context__ is None and info.value.__cause__ is None


def test_repr_str_never_show_the_key() -> None:
    signer = Signer.from_key(KEY)
    for text in (repr(signer), str(signer), f"{signer}", f"{signer!r}", str([signer])):
        assert KEY[2:] not in text.lower()
        assert KEY_ADDRESS in text
    assert repr(Signer.dev(1)) == f"Signer({DEV_ADDRESSES[1]}, dev)"


def test_signer_is_frozen_and_not_picklable() -> None:
    signer = Signer.from_key(KEY)
    with pytest.raises(AttributeError):
        signer._address = "x"
    with pytest.raises(AttributeError):
        del signer._account
    with pytest.raises(TypeError):
        pickle.dumps(signer)
    assert copy.copy(signer) is signer and copy.deepcopy(signer) is signer
    with pytest.raises(TypeError):
        Signer()


def test_sign_transaction_hash_is_keccak_of_raw() -> None:
    signer = Signer.from_key(KEY)
    tx = {
        "type": 2,
        "chainId": 31337,
        "nonce": 3,
        "to": DEV_ADDRESSES[1],
        "value": 5,
        "gas": 21000,
        "maxFeePerGas": 2 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "data": "0x",
    }
    signed = signer.sign_transaction(tx)
    assert signed.tx_hash == "0x" + keccak(signed.raw_transaction).hex()
    assert signed.nonce == 3
    assert Account.recover_transaction(signed.raw_transaction) == KEY_ADDRESS
    with pytest.raises(InvalidInputError) as info:
        signer.sign_transaction({"nonce": 1, "bogus": 1})
    assert KEY[2:] not in _all_text(info.value)


def test_sign_message_and_typed_data_recover() -> None:
    signer = Signer.from_key(KEY)
    sig = signer.sign_message(b"\x00\x01 bytes")
    assert Account.recover_message(encode_defunct(b"\x00\x01 bytes"), signature=sig) == KEY_ADDRESS
    full: dict[str, Any] = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "DataAttestation": [
                {"name": "deviceId", "type": "uint256"},
                {"name": "dataRoot", "type": "bytes32"},
            ],
        },
        "primaryType": "DataAttestation",
        "domain": {
            "name": "fabtrust CertificateRegistry",
            "version": "1",
            "chainId": 31337,
            "verifyingContract": DEV_ADDRESSES[2],
        },
        "message": {"deviceId": 12, "dataRoot": b"\x11" * 32},
    }
    sig = signer.sign_typed_data(full)
    assert len(sig) == 65
    recovered = Account.recover_message(encode_typed_data(full_message=full), signature=sig)
    assert recovered == KEY_ADDRESS
    types = {k: v for k, v in full["types"].items() if k != "EIP712Domain"}
    sig2 = signer.sign_typed_data(domain=full["domain"], types=types, message=full["message"])
    assert sig2 == sig
    with pytest.raises(InvalidInputError):
        signer.sign_typed_data(domain=full["domain"])


# -- keystores ---------------------------------------------------------------------------------


@pytest.fixture
def keystore(tmp_path: Path) -> Path:
    return Signer.from_key(KEY).save_keystore(
        tmp_path / "key.json", password=PASSWORD, scrypt_n=2**4
    )


def test_keystore_round_trip(keystore: Path) -> None:
    assert stat.S_IMODE(os.stat(keystore).st_mode) == 0o600
    data = json.loads(keystore.read_text())
    assert data["crypto"]["kdf"] == "scrypt"
    assert KEY[2:] not in keystore.read_text()
    assert Signer.from_keystore(keystore, password=PASSWORD).address == KEY_ADDRESS
    calls: list[int] = []

    def ask() -> str:
        calls.append(1)
        return PASSWORD

    assert Signer.from_keystore(str(keystore), password_callback=ask).address == KEY_ADDRESS
    assert calls == [1]
    # compatible with eth-account / geth keystores
    assert Account.decrypt(data, PASSWORD).hex() == KEY[2:]


def test_keystore_written_by_eth_account_loads(tmp_path: Path) -> None:
    path = tmp_path / "geth.json"
    path.write_text(
        json.dumps(Account.encrypt(bytes.fromhex(KEY[2:]), PASSWORD, kdf="pbkdf2", iterations=1000))
    )
    assert Signer.from_keystore(path, password=PASSWORD).address == KEY_ADDRESS


def test_wrong_password(keystore: Path) -> None:
    wrong = "Tr0ub4dor&3 wrong"
    with pytest.raises(AccountError, match="wrong password") as info:
        Signer.from_keystore(keystore, password=wrong)
    text = _all_text(info.value)
    assert wrong not in text and PASSWORD not in text and KEY[2:] not in text
    assert str(keystore) in str(info.value)
    assert info.value.__context__ is None


def test_keystore_problems(tmp_path: Path, keystore: Path) -> None:
    with pytest.raises(AccountError, match="password is needed"):
        Signer.from_keystore(keystore)
    with pytest.raises(AccountError, match="not found"):
        Signer.from_keystore(tmp_path / "missing.json", password=PASSWORD)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    with pytest.raises(AccountError, match="not an encrypted JSON keystore"):
        Signer.from_keystore(garbage, password=PASSWORD)
    tampered = tmp_path / "tampered.json"
    data = json.loads(keystore.read_text())
    data["crypto"]["ciphertext"] = "00" * 32
    tampered.write_text(json.dumps(data))
    with pytest.raises(AccountError):
        Signer.from_keystore(tampered, password=PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        Signer.from_key(KEY).save_keystore(keystore, password=PASSWORD, scrypt_n=2**4)
    with pytest.raises(AccountError, match="empty password"):
        Signer.from_key(KEY).save_keystore(tmp_path / "k2.json", password="")


def test_parse_account_spec(keystore: Path) -> None:
    assert parse_account_spec("dev:3") == Signer.dev(3)
    assert parse_account_spec(" DEV:0 ") == Signer.dev(0)
    assert parse_account_spec(KEY).address == KEY_ADDRESS
    assert parse_account_spec(str(keystore), password=PASSWORD).address == KEY_ADDRESS
    with pytest.raises(InvalidInputError):
        parse_account_spec("dev:x")
    with pytest.raises(InvalidInputError):
        parse_account_spec("dev:12")
    with pytest.raises(InvalidInputError, match="no such file"):
        parse_account_spec("/nonexistent/key.json")
    with pytest.raises(InvalidInputError) as info:
        parse_account_spec(KEY[:-2])  # a truncated key is never echoed
    assert KEY[2:-2] not in _all_text(info.value)
    with pytest.raises(FabtrustError):
        parse_account_spec(str(keystore))  # no password


def test_accounts_module_is_light() -> None:
    code = "import sys, fabtrust.accounts; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in out.stdout.split()}
    assert "web3" not in loaded and "eth_account" not in loaded
