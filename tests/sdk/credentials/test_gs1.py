"""GS1: GTIN check digits (published examples), Digital Link URIs, AI 21 serials, metadata documents."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from fabtrust.credentials.gs1 import (
    DeviceMetadata,
    check_gtin,
    check_serial,
    device_digital_link,
    digital_link,
    gtin_check_digit,
    load_device_metadata,
    parse_digital_link,
)
from fabtrust.errors import InvalidInputError

# Published examples: EAN-8 and EAN-13 / UPC-A from their standards' worked examples, GTIN-14 from
# the GS1 Digital Link standard, the GTIN of the UNTP DCC 0.6.1 sample instance.
VALID = {
    "96385074": "00000096385074",
    "036000291452": "00036000291452",
    "4006381333931": "04006381333931",
    "09506000134352": "09506000134352",
    "09520123456788": "09520123456788",
}


@pytest.mark.parametrize(("gtin", "gtin14"), VALID.items())
def test_valid_gtins(gtin: str, gtin14: str) -> None:
    assert gtin_check_digit(gtin[:-1]) == int(gtin[-1])
    assert check_gtin(gtin) == gtin14


@pytest.mark.parametrize(
    ("gtin", "problem"),
    [
        ("4006381333932", "wrong check digit 2 (expected 1)"),
        ("96385075", "wrong check digit 5 (expected 4)"),
        ("123456789", "has 9 digits"),
        ("", "digits only"),
        ("40063813339a1", "digits only"),
        (
            "\uff14\uff10\uff10\uff16\uff13\uff18\uff11\uff13\uff13\uff13\uff19\uff13\uff11",
            "digits only",
        ),  # full-width digits
    ],
)
def test_invalid_gtins(gtin: str, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(problem)):
        check_gtin(gtin)


def test_serial_character_set_and_length() -> None:
    assert check_serial("A" * 20) == "A" * 20
    assert check_serial("SN-1/2%_x:y") == "SN-1/2%_x:y"
    with pytest.raises(InvalidInputError, match="at most 20"):
        check_serial("A" * 21)
    for bad in ("SN 1", "SN#1", "SNé", "SN~1", "SN@1"):
        with pytest.raises(InvalidInputError, match="character set 82"):
            check_serial(bad)
    with pytest.raises(InvalidInputError, match="must not be empty"):
        check_serial("")


def test_digital_link_build_and_parse_round_trip() -> None:
    uri = digital_link(gtin="9520123456788", serial="12345")
    assert uri == "https://id.gs1.org/01/09520123456788/21/12345"
    assert parse_digital_link(uri).model_dump() == {
        "gtin": "09520123456788",
        "serial": "12345",
        "resolver": "https://id.gs1.org",
    }
    odd = digital_link(gtin="96385074", serial="A/B%C", resolver="https://id.example.com/dl/")
    assert odd == "https://id.example.com/dl/01/00000096385074/21/A%2FB%25C"
    parsed = parse_digital_link(odd)
    assert (parsed.serial, parsed.resolver) == ("A/B%C", "https://id.example.com/dl")
    assert parsed.uri == odd and parsed.element_string == "(01)00000096385074(21)A/B%C"
    assert parse_digital_link("https://id.gs1.org/01/09520123456788").serial is None


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("https://id.gs1.org/01/09520123456789/21/1", "wrong check digit"),
        ("https://id.gs1.org/01/9520123456788", "14 digits"),
        ("https://id.gs1.org/21/12345", "not a GS1 Digital Link"),
        ("ftp://id.gs1.org/01/09520123456788", "not an http"),
        ("https://id.gs1.org/01/09520123456788/21/A%20B", "character set 82"),
    ],
)
def test_parse_rejects(uri: str, problem: str) -> None:
    with pytest.raises(InvalidInputError, match=problem):
        parse_digital_link(uri)


def test_metadata_document_checked_against_the_chain_digest(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    path.write_text(json.dumps({"gtin": "9520123456788", "colour": "blue"}))
    digest = "0x" + hashlib.sha256(path.read_bytes()).hexdigest()
    meta = load_device_metadata(path, expected_sha256=digest)
    assert meta == DeviceMetadata(sha256=digest, gtin="09520123456788", extra={"colour": "blue"})
    assert device_digital_link(serial="SN-1", metadata=meta) == (
        "https://id.gs1.org/01/09520123456788/21/SN-1"
    )
    # A registered serial AI 21 cannot carry gives the GTIN-only link; gs1_serial overrides it.
    assert device_digital_link(serial="SN 1 with spaces", metadata=meta) == (
        "https://id.gs1.org/01/09520123456788"
    )
    assert device_digital_link(serial="x", metadata=None) is None
    with pytest.raises(InvalidInputError, match="metadata hash on chain"):
        load_device_metadata(path, expected_sha256="0x" + "00" * 32)
    path.write_text(json.dumps({"gtin": "9520123456789"}))
    with pytest.raises(InvalidInputError, match="wrong check digit"):
        load_device_metadata(path)
    path.write_text("not json")
    with pytest.raises(InvalidInputError, match="not a JSON document"):
        load_device_metadata(path)
    with_serial = load_device_metadata(
        json.dumps({"gtin": "96385074", "gs1_serial": "B-7"}).encode()
    )
    assert device_digital_link(serial="ignored", metadata=with_serial).endswith("/21/B-7")  # type: ignore[union-attr]


def test_digital_link_of_a_registered_device(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from fabtrust.credentials.gs1 import digital_link_of
    from fabtrust.identity import Device, DeviceStatus

    path = tmp_path / "meta.json"
    path.write_text(json.dumps({"gtin": "4006381333931"}))
    digest = "0x" + hashlib.sha256(path.read_bytes()).hexdigest()
    device = Device(
        device_id=1,
        manufacturer="0x" + "11" * 20,
        owner="0x" + "11" * 20,
        device_key="0x" + "22" * 20,
        status=DeviceStatus.ACTIVE,
        key_proven=False,
        registered_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        serial="HM-7",
        model="0x" + "00" * 32,
        model_text=None,
        metadata_hash=digest,
        registered_block=1,
        registered_tx="0x" + "33" * 32,
    )
    assert digital_link_of(device, path) == "https://id.gs1.org/01/04006381333931/21/HM-7"
    assert digital_link_of(
        device, load_device_metadata(path), resolver="https://id.example.com"
    ) == ("https://id.example.com/01/04006381333931/21/HM-7")
    other = load_device_metadata(json.dumps({"gtin": "96385074"}).encode())
    with pytest.raises(InvalidInputError, match="metadata hash on chain"):
        digital_link_of(device, other)
