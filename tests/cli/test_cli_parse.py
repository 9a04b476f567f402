"""The CLI's value parsers (no chain): each bad value is one InvalidInputError naming the option."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fabtrust.cli import _parse as p
from fabtrust.errors import InvalidInputError

DEV1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def _error(fn, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_address_forms() -> None:
    assert p.parse_address(DEV1.lower(), option="--to") == DEV1
    assert p.parse_address(DEV1.upper().replace("0X", "0x"), option="--to") == DEV1
    assert p.parse_address(f"  {DEV1} ", option="--to") == DEV1
    assert p.parse_address("dev:1", option="--to") == DEV1


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0x1234", "is not an address"),
        ("hello", "is not an address"),
        ("70997970C51812dc3A010C7d01b50e0d17dc79C8", "is not an address"),
        (DEV1[:-1] + "9", "wrong EIP-55 checksum"),
        ("0x" + "00" * 20, "is the zero address"),
        ("dev:x", "is not an address"),
    ],
)
def test_bad_address(value: str, problem: str) -> None:
    message = _error(p.parse_address, value, option="--seller")
    assert message.startswith(f"--seller: {value!r} ")
    assert problem in message


def test_bytes32() -> None:
    value = "0x" + "AB" * 32
    assert p.parse_bytes32(value, option="CERT") == "0x" + "ab" * 32
    for bad in ("0x" + "ab" * 31, "ab" * 32, "0x" + "zz" * 32, ""):
        assert "is not a 32-byte hex value" in _error(p.parse_bytes32, bad, option="CERT")


def test_device_ids() -> None:
    assert p.parse_device_id("42", option="D") == 42
    assert p.parse_device_id("0x2a", option="D") == 42
    assert p.parse_device_id("1_000", option="D") == 1000
    assert p.parse_device_ids("1, 0x2,3", option="--devices") == [1, 2, 3]
    assert "is not a device id" in _error(p.parse_device_id, "-1", option="D")
    assert "is not a device id" in _error(p.parse_device_id, "0x", option="D")
    assert "is not a device id" in _error(p.parse_device_id, "12abc", option="D")
    assert "too large" in _error(p.parse_device_id, str(2**256), option="D")
    assert "lists no device ids" in _error(p.parse_device_ids, " , ", option="--devices")


def test_device_ref_by_manufacturer_and_serial() -> None:
    from fabtrust.evidence import device_id_of

    ref = p.parse_device_ref(f"{DEV1}/SN-1", option="DEVICE")
    assert ref.device_id == device_id_of(DEV1, "SN-1")
    assert (ref.manufacturer, ref.serial) == (DEV1, "SN-1")
    assert p.parse_device_ref("dev:1/SN-1", option="DEVICE") == ref
    assert p.parse_device_ref("7", option="DEVICE").device_id == 7
    assert "empty serial" in _error(p.parse_device_ref, "dev:1/", option="DEVICE")
    assert "is not an address" in _error(p.parse_device_ref, "acme/SN-1", option="DEVICE")


def test_order_id_and_bps() -> None:
    assert p.parse_order_id("3") == 3
    for bad in ("0", "-1", "x", "1.5"):
        assert "is not an order id" in _error(p.parse_order_id, bad)
    assert p.parse_bps("0", option="--b") == 0
    assert p.parse_bps("10000", option="--b") == 10_000
    for bad in ("10001", "-5", "50%", "1.5"):
        assert "basis points" in _error(p.parse_bps, bad, option="--b")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("7d", 7 * 86400),
        ("36h", 36 * 3600),
        ("90m", 5400),
        ("45s", 45),
        ("3600", 3600),
        ("1d12h", 129600),
        ("2w", 14 * 86400),
        (" 7D ", 7 * 86400),
    ],
)
def test_duration(text: str, seconds: int) -> None:
    assert p.parse_duration(text, option="--inspection") == seconds


@pytest.mark.parametrize("text", ["", "7x", "d7", "1.5d", "-7d", "0", "0d", "7 days"])
def test_bad_duration(text: str) -> None:
    message = _error(p.parse_duration, text, option="--inspection")
    assert message.startswith(f"--inspection: {text!r} ")


def test_dates() -> None:
    # A date is valid through that whole day: the moment is the next midnight UTC.
    day = p.parse_when("2030-06-30", option="--ship-by")
    assert not day.relative
    assert day.seconds == int(datetime(2030, 7, 1, tzinfo=timezone.utc).timestamp())
    noon = p.parse_when("2030-06-30T12:00", option="--ship-by")
    assert noon.seconds == int(datetime(2030, 6, 30, 12, tzinfo=timezone.utc).timestamp())
    zoned = p.parse_when("2030-06-30T12:00:00+02:00", option="--ship-by")
    assert zoned.seconds == noon.seconds - 7200
    assert p.parse_when("2030-06-30T12:00:00Z", option="--x").seconds == noon.seconds
    assert p.parse_when("@1900000000", option="--x").seconds == 1_900_000_000
    week = p.parse_when("+7d", option="--ship-by")
    assert week.relative and week.seconds == 7 * 86400
    assert week.resolve(1_000) == 1_000 + 7 * 86400
    assert day.resolve(1_000) == day.seconds


@pytest.mark.parametrize(
    "text",
    ["2024-13-01", "2024-02-30", "tomorrow", "+7x", "+", "30/06/2030", "2030-06-30Tnoon", ""],
)
def test_bad_date(text: str) -> None:
    message = _error(p.parse_when, text, option="--ship-by")
    assert message == f"--ship-by: {text!r} is not a date (use YYYY-MM-DD or +7d)"


def test_amounts() -> None:
    assert p.parse_amount("1,250.00", decimals=6) == 1_250_000_000
    assert p.parse_amount("1250.5", decimals=6) == 1_250_500_000
    assert p.parse_amount("0.000001", decimals=6) == 1
    assert p.parse_amount("2", decimals=18) == 2 * 10**18
    for bad in ("1,25", "-5", "abc", "1e3", "", "1.0000001"):
        message = _error(p.parse_amount, bad, decimals=6)
        assert message.startswith(f"--amount: {bad!r} is not an amount (")
    assert "is zero" in _error(p.parse_amount, "0.00", decimals=6)


def test_roles() -> None:
    assert p.parse_role("manufacturer") == "MANUFACTURER_ROLE"
    assert p.parse_role("LAB") == "LAB_ROLE"
    assert p.parse_role("arbiter") == "ARBITER_ROLE"
    assert p.parse_role("admin") == "DEFAULT_ADMIN_ROLE"
    assert "is not a role" in _error(p.parse_role, "minter")


def test_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "a.csv"
    file.write_text("x")
    assert p.parse_readable_file(str(file), option="FILE") == file
    assert p.parse_optional_file(None, option="FILE") is None
    assert "does not exist" in _error(p.parse_readable_file, tmp_path / "nope", option="FILE")
    assert "is not a file" in _error(p.parse_readable_file, tmp_path, option="FILE")
