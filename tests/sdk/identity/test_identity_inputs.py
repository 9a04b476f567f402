"""Input checks: DeviceSpec, the devices CSV, statuses, client arguments; chunk arithmetic;
the package stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from fabtrust.accounts import Signer
from fabtrust.errors import InvalidInputError
from fabtrust.identity import DeviceCsvError, DeviceSpec, DeviceStatus
from fabtrust.identity._batch import fit_size, gas_with_margin, plan_size

KEY = Signer.dev(9).address
OWNER = Signer.dev(3).address
HASH = "0x" + "ab" * 32


# -- DeviceSpec -----------------------------------------------------------------------------------


def test_device_spec_normalises() -> None:
    spec = DeviceSpec(
        serial="SN-1", model="HM-200", device_key=KEY.lower(), metadata_hash=HASH.upper()[2:].join(["0x", ""]),
        owner=OWNER.upper().replace("0X", "0x"),
    )  # fmt: skip
    assert spec.device_key == KEY and spec.owner == OWNER
    assert spec.metadata_hash == HASH
    assert spec.model == "0x" + b"HM-200".ljust(32, b"\0").hex()
    assert spec.model_text == "HM-200"
    plain = DeviceSpec(serial="S", model=b"\x01" * 32, device_key=KEY)
    assert plain.model == "0x" + "01" * 32 and plain.model_text is None
    assert plain.metadata_hash == "0x" + "00" * 32 and plain.owner is None
    hexed = DeviceSpec(serial="S", model="0x" + "AB" * 32, device_key=KEY)
    assert hexed.model == "0x" + "ab" * 32
    assert DeviceSpec(serial="S", model="x" * 32, device_key=KEY).model_text == "x" * 32
    with pytest.raises(ValidationError):
        spec.serial = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"serial": ""}, "serial"),
        ({"serial": "   "}, "serial"),
        ({"serial": 12}, "serial"),
        ({"model": ""}, "model"),
        ({"model": "y" * 33}, "model"),
        ({"model": "型号" * 6}, "model"),  # 36 UTF-8 bytes
        ({"model": b"short"}, "model"),
        ({"model": 7}, "model"),
        ({"device_key": "0x1234"}, "device_key"),
        ({"device_key": "not an address"}, "device_key"),
        ({"device_key": KEY[:-1] + ("a" if KEY[-1] != "a" else "b")}, "device_key"),
        ({"device_key": KEY.replace("d", "D").replace("c", "C")}, "device_key"),  # bad checksum
        ({"device_key": "0x" + "00" * 20}, "device_key"),
        ({"device_key": None}, "device_key"),
        ({"metadata_hash": "0x1234"}, "metadata_hash"),
        ({"metadata_hash": b"\0" * 31}, "metadata_hash"),
        ({"metadata_hash": "0x" + "zz" * 32}, "metadata_hash"),
        ({"owner": "0xabc"}, "owner"),
        ({"owner": "0x" + "00" * 20}, "owner"),
    ],
)
def test_device_spec_rejects(kwargs: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"serial": "SN", "model": "m", "device_key": KEY, **kwargs}
    with pytest.raises(InvalidInputError) as info:
        DeviceSpec(**values)
    assert info.value.field == field
    assert field in str(info.value)


def test_device_status_parse() -> None:
    assert DeviceStatus.parse("suspended") is DeviceStatus.SUSPENDED
    assert DeviceStatus.parse(" Decommissioned ") is DeviceStatus.DECOMMISSIONED
    assert DeviceStatus.parse(0) is DeviceStatus.ACTIVE
    assert DeviceStatus.parse(DeviceStatus.SUSPENDED) is DeviceStatus.SUSPENDED
    assert DeviceStatus.SUSPENDED.label == "Suspended"
    for bad in ("gone", 5, True, None):
        with pytest.raises(InvalidInputError):
            DeviceStatus.parse(bad)


# -- CSV --------------------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "devices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_reads_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "\ufeffserial,model,device_key,metadata_hash,owner\n"
        f"SN-1,HM-200,{KEY},{HASH},{OWNER}\n"
        "\n"
        "# a comment line\n"
        f' "SN, 2", HM-200 ,{KEY.lower()},,\n'
        f'SN-3,"HM 300",{KEY},,\n',
    )
    specs = DeviceSpec.from_csv(path)
    assert [s.serial for s in specs] == ["SN-1", "SN, 2", "SN-3"]
    assert specs[0].owner == OWNER and specs[0].metadata_hash == HASH
    assert specs[1].owner is None and specs[1].metadata_hash == "0x" + "00" * 32
    assert specs[1].device_key == KEY
    assert specs[2].model_text == "HM 300"


def test_csv_optional_columns_and_order(tmp_path: Path) -> None:
    path = write(tmp_path, f"Device_Key,SERIAL,model\n{KEY},A,m\n{KEY},B,m\n")
    specs = DeviceSpec.from_csv(str(path))
    assert [(s.serial, s.device_key) for s in specs] == [("A", KEY), ("B", KEY)]
    assert DeviceSpec.from_csv(write(tmp_path, "serial,model,device_key\n", "empty.csv")) == []


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("", None, None, "no header"),
        ("# only a comment\n", None, None, "no header"),
        ("serial,model,key\n", 1, "key", "unknown column"),
        ("serial,model\n", 1, "device_key", "required column"),
        ("serial,model,device_key,serial\n", 1, "serial", "twice"),
        (f"serial,model,device_key\nA,m,{KEY}\nB,m\n", 3, None, "expected 3 fields"),
        (f"serial,model,device_key\nA,m,{KEY}\nB,m,0x12\n", 3, "device_key", "is not an address"),
        (f"serial,model,device_key\nA,m,{KEY}\n\n,m,{KEY}\n", 4, "serial", "missing"),
        (
            f"serial,model,device_key,metadata_hash\nA,m,{KEY},0xabc\n",
            2,
            "metadata_hash",
            "32-byte hex value",
        ),
        (f"serial,model,device_key,owner\nA,m,{KEY},{'0x' + '00' * 20}\n", 2, "owner", "zero"),
        (f"serial,model,device_key\nA,{'m' * 40},{KEY}\n", 2, "model", "at most 32"),
        (f'serial,model,device_key\n"A,m,{KEY}\n', 2, None, "malformed"),
    ],
)
def test_csv_errors_name_line_and_column(
    tmp_path: Path, text: str, line: int | None, column: str | None, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DeviceCsvError) as info:
        DeviceSpec.from_csv(path)
    error = info.value
    assert isinstance(error, InvalidInputError)
    assert (error.line, error.column, error.field) == (line, column, column)
    assert error.path == str(path)
    message = str(error)
    assert words in message and str(path) in message
    if line is not None:
        assert f"line {line}" in message
    if column is not None:
        assert repr(column) in message


def test_csv_unreadable(tmp_path: Path) -> None:
    with pytest.raises(DeviceCsvError, match="not found"):
        DeviceSpec.from_csv(tmp_path / "missing.csv")
    binary = tmp_path / "latin1.csv"
    binary.write_bytes("serial,model,device_key\nSÉRIE,m,x\n".encode("latin-1"))
    with pytest.raises(DeviceCsvError, match="UTF-8"):
        DeviceSpec.from_csv(binary)


# -- client arguments -----------------------------------------------------------------------------


def test_client_rejects_bad_arguments_before_sending(maker: Any) -> None:
    devices = maker.devices
    nonce = maker.chain.w3.eth.get_transaction_count(Signer.dev(1).address)
    cases = [
        ("device_key", lambda: devices.register(serial="S", model="m", device_key="0xnope")),
        ("device_key", lambda: devices.register(serial="S", model="m")),
        ("serial", lambda: devices.register(serial="", model="m", device_key=KEY)),
        ("model", lambda: devices.register(serial="S", model="m" * 33, device_key=KEY)),
        ("owner", lambda: devices.register(serial="S", model="m", device_key=KEY, owner="x")),
        (
            "metadata_hash",
            lambda: devices.register(serial="S", model="m", device_key=KEY, metadata_hash="0x00"),
        ),
        ("key_signer", lambda: devices.register(serial="S", model="m", key_signer=KEY)),
        ("device_id", lambda: devices.get(device_id=-1)),
        ("device_id", lambda: devices.get(device_id=2**256)),
        ("device_id", lambda: devices.get(device_id="12")),
        ("device_id", lambda: devices.exists(device_id=True)),
        ("serial", lambda: devices.id_of(serial="")),
        ("manufacturer", lambda: devices.id_of(serial="S", manufacturer="0x12")),
        ("to", lambda: devices.transfer(device_id=1, to="0x" + "00" * 20)),
        ("to", lambda: devices.transfer(device_id=1, to="bob")),
        ("status", lambda: devices.set_status(device_id=1, status="broken")),
        ("new_key", lambda: devices.rotate_key(device_id=1, new_key="0x")),
        ("operator", lambda: devices.approve_escrow(operator="escrow")),
        ("owner", lambda: devices.is_approved(owner="0x1")),
        ("key_signer", lambda: devices.prove_key(device_id=1, key_signer="key")),
    ]
    for field, call in cases:
        with pytest.raises(InvalidInputError) as info:
            call()
        assert info.value.field == field, (field, str(info.value))
    assert maker.chain.w3.eth.get_transaction_count(Signer.dev(1).address) == nonce


# -- chunk arithmetic -----------------------------------------------------------------------------


def test_chunk_arithmetic() -> None:
    assert gas_with_margin(1000, 1.2, 10_000) == 1200
    assert gas_with_margin(9000, 1.2, 10_000) == 10_000
    assert plan_size(per_device_gas=100_000, budget=30_000_000, multiplier=1.2, cap=None) == 250
    assert plan_size(per_device_gas=100_000, budget=30_000_000, multiplier=1.2, cap=40) == 40
    assert plan_size(per_device_gas=10**9, budget=1000, multiplier=1.2, cap=None) == 1
    assert fit_size(size=100, gas=2_000_000, budget=1_000_000) == 47
    assert fit_size(size=2, gas=1_000_001, budget=1_000_000) == 1
    assert fit_size(size=10, gas=1_000_001, budget=1_000_000) == 9  # always shrinks


def test_identity_package_is_light() -> None:
    code = (
        "import sys, fabtrust.identity, fabtrust.identity.models, fabtrust.identity.errors;"
        "heavy = [m for m in ('web3', 'eth_account', 'requests') if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
