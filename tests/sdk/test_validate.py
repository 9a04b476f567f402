"""fabtrust._validate: every accepted and every refused form of each kind of value, in one table.

The same rules hold in every client and in the CLI (they all call these functions); the last
tests check that the clients' entry points really do, by feeding each the same refused forms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from fabtrust import _validate
from fabtrust.errors import InvalidInputError

CHECKSUMMED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
LOWER = CHECKSUMMED.lower()
ZERO = "0x" + "00" * 20
B32 = "0x" + "ab" * 32

# (function, value, expected) for accepted forms
ACCEPTED: list[tuple[str, Callable[[Any], Any], Any, Any]] = [
    ("address checksummed", lambda v: _validate.address(v, field="a"), CHECKSUMMED, CHECKSUMMED),
    ("address lower case", lambda v: _validate.address(v, field="a"), LOWER, CHECKSUMMED),
    ("address upper case", lambda v: _validate.address(v, field="a"), "0x" + LOWER[2:].upper(),
     CHECKSUMMED),
    ("address 0X prefix", lambda v: _validate.address(v, field="a"), "0X" + LOWER[2:],
     CHECKSUMMED),
    ("address spaces", lambda v: _validate.address(v, field="a"), f"  {LOWER}\n", CHECKSUMMED),
    ("address 20 bytes", lambda v: _validate.address(v, field="a"), bytes.fromhex(LOWER[2:]),
     CHECKSUMMED),
    ("address bytearray", lambda v: _validate.address(v, field="a"),
     bytearray.fromhex(LOWER[2:]), CHECKSUMMED),
    ("address zero allowed", lambda v: _validate.address(v, field="a", allow_zero=True), ZERO,
     ZERO),
    ("bytes32 hex", lambda v: _validate.bytes32(v, field="b"), B32, B32),
    ("bytes32 upper hex", lambda v: _validate.bytes32(v, field="b"), "0X" + "AB" * 32, B32),
    ("bytes32 raw", lambda v: _validate.bytes32(v, field="b"), b"\xab" * 32, B32),
    ("optional bytes32 None", lambda v: _validate.optional_bytes32(v, field="b"), None, None),
    ("optional bytes32 zero", lambda v: _validate.optional_bytes32(v, field="b"),
     "0x" + "00" * 32, None),
    ("optional bytes32 value", lambda v: _validate.optional_bytes32(v, field="b"), B32, B32),
    ("hex bytes", lambda v: _validate.hex_bytes(v, field="h"), "0x0102", b"\x01\x02"),
    ("hex bytes empty", lambda v: _validate.hex_bytes(v, field="h"), "0x", b""),
    ("hex bytes raw", lambda v: _validate.hex_bytes(v, field="h"), b"\x01", b"\x01"),
    ("hex bytes length", lambda v: _validate.hex_bytes(v, field="h", length=2), "0xabcd",
     b"\xab\xcd"),
    ("bytes32 or text: id", lambda v: _validate.bytes32_or_text(v, field="s"), B32, B32),
    ("bytes32 or text: text", lambda v: _validate.bytes32_or_text(v, field="s"), "ISO 4409",
     "0x" + __import__("eth_hash.auto", fromlist=["keccak"]).keccak(b"ISO 4409").hex()),
    ("uint zero", lambda v: _validate.uint(v, field="n"), 0, 0),
    ("uint max", lambda v: _validate.uint(v, field="n"), 2**256 - 1, 2**256 - 1),
    ("uint64 max", lambda v: _validate.uint(v, field="n", bits=64), 2**64 - 1, 2**64 - 1),
    ("amount plain", lambda v: _validate.parse_amount(v, 6), "1250", 1_250_000_000),
    ("amount separators", lambda v: _validate.parse_amount(v, 6), "1,250.50", 1_250_500_000),
    ("amount fraction only", lambda v: _validate.parse_amount(v, 2), ".5", 50),
    ("amount trailing zeros", lambda v: _validate.parse_amount(v, 2), "1.500", 150),
    ("amount zero decimals", lambda v: _validate.parse_amount(v, 0), " 7 ", 7),
    ("timestamp int", lambda v: _validate.timestamp(v, field="t"), 1_700_000_000, 1_700_000_000),
    ("timestamp aware floored", lambda v: _validate.timestamp(v, field="t"),
     datetime(2024, 1, 1, 0, 0, 0, 900_000, tzinfo=timezone.utc), 1_704_067_200),
    ("duration int", lambda v: _validate.duration(v, field="d"), 3600, 3600),
    ("duration timedelta", lambda v: _validate.duration(v, field="d"), timedelta(days=1), 86400),
]  # fmt: skip

# (name, function, value, fragment of the one-line message)
REFUSED: list[tuple[str, Callable[[Any], Any], Any, str]] = [
    ("address bad checksum", lambda v: _validate.address(v, field="seller"),
     CHECKSUMMED[:-1] + "D", "wrong EIP-55 checksum"),
    ("address no prefix", lambda v: _validate.address(v, field="seller"), LOWER[2:],
     "not an address"),
    ("address short", lambda v: _validate.address(v, field="seller"), LOWER[:-2],
     "not an address"),
    ("address not hex", lambda v: _validate.address(v, field="seller"), "0x" + "zz" * 20,
     "not an address"),
    ("address zero", lambda v: _validate.address(v, field="seller"), ZERO, "zero address"),
    ("address zero bytes", lambda v: _validate.address(v, field="seller"), bytes(20),
     "zero address"),
    ("address 19 bytes", lambda v: _validate.address(v, field="seller"), bytes(19),
     "19 bytes, an address is 20"),
    ("address int", lambda v: _validate.address(v, field="seller"), 5, "it is a int"),
    ("address None", lambda v: _validate.address(v, field="seller"), None, "it is a NoneType"),
    ("bytes32 bare hex", lambda v: _validate.bytes32(v, field="root"), "ab" * 32,
     "not a 32-byte hex value"),
    ("bytes32 short", lambda v: _validate.bytes32(v, field="root"), "0x" + "ab" * 31,
     "not a 32-byte hex value"),
    ("bytes32 long", lambda v: _validate.bytes32(v, field="root"), "0x" + "ab" * 33,
     "not a 32-byte hex value"),
    ("bytes32 31 raw", lambda v: _validate.bytes32(v, field="root"), bytes(31),
     "31 bytes, not 32"),
    ("bytes32 int", lambda v: _validate.bytes32(v, field="root"), 1, "it is a int"),
    ("hex bare", lambda v: _validate.hex_bytes(v, field="sig"), "0102", "not hex bytes"),
    ("hex odd", lambda v: _validate.hex_bytes(v, field="sig"), "0x012", "not hex bytes"),
    ("hex length", lambda v: _validate.hex_bytes(v, field="sig", length=65), "0x01",
     "1 bytes, not 65"),
    ("hex empty refused", lambda v: _validate.hex_bytes(v, field="sig", allow_empty=False), "0x",
     "is empty"),
    ("hex list", lambda v: _validate.hex_bytes(v, field="sig"), [1], "it is a list"),
    ("bytes32 or text: short id", lambda v: _validate.bytes32_or_text(v, field="spec"),
     "0xabcd", "got 4"),
    ("bytes32 or text: bare id", lambda v: _validate.bytes32_or_text(v, field="spec"),
     "ab" * 32, "without its 0x prefix"),
    ("bytes32 or text: empty", lambda v: _validate.bytes32_or_text(v, field="spec"), "  ",
     "is empty"),
    ("bytes32 or text: 31 bytes", lambda v: _validate.bytes32_or_text(v, field="spec"),
     bytes(31), "31 bytes, not 32"),
    ("uint negative", lambda v: _validate.uint(v, field="n"), -1, "negative"),
    ("uint too big", lambda v: _validate.uint(v, field="n", bits=8), 256, "does not fit uint8"),
    ("uint bool", lambda v: _validate.uint(v, field="n"), True, "it is a bool"),
    ("uint float", lambda v: _validate.uint(v, field="n"), 1.0, "it is a float"),
    ("uint text", lambda v: _validate.uint(v, field="n"), "1", "it is a str"),
    ("amount empty", lambda v: _validate.parse_amount(v, 6), " ", "is empty"),
    ("amount sign", lambda v: _validate.parse_amount(v, 6), "-1", "without a sign"),
    ("amount bad separators", lambda v: _validate.parse_amount(v, 6), "1,25", "thousands separators"),
    ("amount exponent", lambda v: _validate.parse_amount(v, 6), "1e6", "exponent"),
    ("amount letters", lambda v: _validate.parse_amount(v, 6), "ten", "not a decimal number"),
    ("amount too precise", lambda v: _validate.parse_amount(v, 2), "1.001",
     "3 decimal places; the token has only 2"),
    ("amount not text", lambda v: _validate.parse_amount(v, 2), 5, "it is a int"),
    ("amount too large", lambda v: _validate.parse_amount(v, 77), "2" * 10, "too large"),
    ("timestamp naive", lambda v: _validate.timestamp(v, field="ship_by"),
     datetime(2024, 1, 1), "naive datetime"),
    ("timestamp before 1970", lambda v: _validate.timestamp(v, field="ship_by"),
     datetime(1969, 1, 1, tzinfo=timezone.utc), "before 1970"),
    ("timestamp negative", lambda v: _validate.timestamp(v, field="ship_by"), -5, "negative"),
    ("timestamp over uint64", lambda v: _validate.timestamp(v, field="ship_by"), 2**64,
     "does not fit uint64"),
    ("timestamp text", lambda v: _validate.timestamp(v, field="ship_by"), "2024-01-01",
     "it is a str"),
    ("duration fraction", lambda v: _validate.duration(v, field="period"),
     timedelta(seconds=1.5), "not whole seconds"),
    ("duration negative", lambda v: _validate.duration(v, field="period"), -1, "negative"),
    ("duration float", lambda v: _validate.duration(v, field="period"), 1.0, "it is a float"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "check", "value", "expected"), ACCEPTED, ids=[a[0] for a in ACCEPTED]
)
def test_accepted(name: str, check: Callable[[Any], Any], value: Any, expected: Any) -> None:
    assert check(value) == expected


@pytest.mark.parametrize(
    ("name", "check", "value", "fragment"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_refused_with_one_line_naming_the_field(
    name: str, check: Callable[[Any], Any], value: Any, fragment: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        check(value)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    field = info.value.field
    assert field is not None and message.startswith(f"{field}: ")


def test_cli_option_keeps_its_dashes_in_the_message_not_in_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        _validate.address("0x12", field="--seller")
    assert str(info.value) == "--seller: '0x12' is not an address (0x + 40 hex digits)"
    assert info.value.field == "seller"


# Every client and the CLI read values through _validate: the same refused forms fail everywhere.


def _entry_points() -> list[tuple[str, Callable[[Any], Any]]]:
    from fabtrust.certificates.models import BatchCertificate
    from fabtrust.cli._parse import parse_address, parse_bytes32
    from fabtrust.deployments import checksum_address
    from fabtrust.evidence.typed_data import data_attestation_typed_data
    from fabtrust.identity.models import DeviceSpec

    def typed(registry: Any) -> Any:
        return data_attestation_typed_data(
            chain_id=1, registry=registry, device_id=1, data_root=B32
        )

    return [
        ("identity DeviceSpec.device_key", lambda v: DeviceSpec(serial="S", model="M",
                                                                device_key=v)),
        ("cli parse_address", lambda v: parse_address(v, option="--seller")),
        ("deployments checksum_address", checksum_address),
        ("evidence typed data", typed),
        ("cli parse_bytes32 (as bytes32)", lambda v: parse_bytes32(v, option="--root")),
        ("certificate request data_root", lambda v: BatchCertificate.create(
            device_id=1, report=B32, data_root=v, test_spec="spec", passed=True,
            valid_until=2**40)),
    ]  # fmt: skip


@pytest.mark.parametrize("refused", [CHECKSUMMED[:-1] + "D", "0x1234", "ab" * 20])
def test_every_entry_point_refuses_the_same_addresses(refused: str) -> None:
    for name, entry in _entry_points()[:4]:
        with pytest.raises(InvalidInputError):
            entry(refused)
        assert name


@pytest.mark.parametrize("refused", ["ab" * 32, "0x" + "ab" * 31, "0xzz" + "ab" * 31])
def test_every_entry_point_refuses_the_same_bytes32(refused: str) -> None:
    for _name, entry in _entry_points()[4:]:
        with pytest.raises(InvalidInputError):
            entry(refused)


# -- pydantic ValidationError → InvalidInputError: one helper for every model ----------------------


def test_from_validation_error_unwraps_the_checker_error_or_names_the_field() -> None:
    from pydantic import BaseModel, ValidationError, field_validator

    class Model(BaseModel):
        account: str = ""
        count: int = 0

        @field_validator("account")
        @classmethod
        def _account(cls, value: Any) -> str:
            return _validate.address(value, field="account")

    with pytest.raises(ValidationError) as wrapped:
        Model(account="0x1")
    error = _validate.from_validation_error(wrapped.value)
    assert error.field == "account"
    assert str(error) == "account: '0x1' is not an address (0x + 40 hex digits)"
    with pytest.raises(ValidationError) as plain:
        Model(count="many")
    error = _validate.from_validation_error(plain.value)
    assert error.field == "count"
    assert str(error).startswith("count: Input should be a valid integer")


def test_agent_config_and_device_spec_share_the_one_helper(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """AgentConfig and DeviceSpec turn a ValidationError into InvalidInputError through
    ``_validate.from_validation_error`` (no copy of their own)."""
    from fabtrust.agent.config import AgentConfig
    from fabtrust.identity.models import DeviceSpec

    seen: list[str] = []

    def recorder(exc: Any) -> InvalidInputError:
        seen.append(type(exc).__name__)
        return InvalidInputError("recorded", field="recorded")

    monkeypatch.setattr(_validate, "from_validation_error", recorder)
    with pytest.raises(InvalidInputError, match=r"^recorded$"):
        AgentConfig(state=tmp_path / "agent.db", poll_interval="soon")
    with pytest.raises(InvalidInputError, match=r"^recorded$"):
        DeviceSpec(serial="S-1", model="M", device_key="0x1")
    assert seen == ["ValidationError", "ValidationError"]
