"""Bitstring Status List encoding: GZIP + multibase base64url, bit order, minimum size, entries."""

from __future__ import annotations

import base64
import gzip
from datetime import datetime, timezone

import pytest

from fabtrust.credentials.contexts import expand
from fabtrust.credentials.status_list import (
    MIN_ENTRIES,
    StatusUnit,
    decode_list,
    encode_list,
    is_set,
    status_entries,
    status_list_credential,
)
from fabtrust.errors import InvalidInputError

C1, C2, B1, S = ("0x" + c * 64 for c in "1234")


def test_encoding_matches_the_specification() -> None:
    encoded = encode_list([0, 9, MIN_ENTRIES - 1])
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == MIN_ENTRIES // 8 == 16_384
    # Index 0 is the most significant bit of the first byte.
    assert raw[0] == 0x80 and raw[1] == 0x40 and raw[-1] == 0x01
    assert sum(bin(b).count("1") for b in raw) == 3
    assert decode_list(encoded) == raw
    assert [is_set(raw, i) for i in (0, 1, 9, MIN_ENTRIES - 1)] == [True, False, True, True]
    assert len(decode_list(encode_list([], size=200_000))) == 25_000


def test_bad_lists() -> None:
    with pytest.raises(InvalidInputError, match="multibase"):
        decode_list("zabc")
    with pytest.raises(InvalidInputError, match="GZIP"):
        decode_list("uAAAA")
    with pytest.raises(InvalidInputError, match="outside"):
        is_set(b"\x00", 8)


UNITS = [
    StatusUnit(0, "certificate", C1, revoked=True),
    StatusUnit(1, "batch", B1, revoked=False),
    StatusUnit(2, "certificate", C2, revoked=False, successor=S),
]


def test_entries_of_a_certificate() -> None:
    base = "https://lab.example/status"
    direct = status_entries(UNITS, cert_id=C2, batch_root=None, base=base)
    assert [(e.purpose, e.index, e.list_url) for e in direct] == [
        ("revocation", 2, f"{base}/revocation"),
        ("refresh", 2, f"{base}/refresh"),
    ]
    unpresented = status_entries(UNITS, cert_id="0x" + "9" * 64, batch_root=B1, base=base)
    assert [(e.purpose, e.index) for e in unpresented] == [("revocation", 1)]


def test_list_credentials() -> None:
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    issuer = "did:pkh:eip155:31337:0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
    revocation = status_list_credential(
        purpose="revocation",
        units=UNITS,
        base="https://l.example/s",
        issuer=issuer,
        valid_from=when,
    )
    refresh = status_list_credential(
        purpose="refresh", units=UNITS, base="https://l.example/s", issuer=issuer, valid_from=when
    )
    assert revocation["id"] == "https://l.example/s/revocation"
    bits = decode_list(revocation["credentialSubject"]["encodedList"])
    assert [is_set(bits, i) for i in range(3)] == [True, False, False]
    bits = decode_list(refresh["credentialSubject"]["encodedList"])
    assert [is_set(bits, i) for i in range(3)] == [False, False, True]
    assert refresh["credentialSubject"]["successors"] == [
        {
            "type": "CertificateSuccessor",
            "statusListIndex": "2",
            "certificateId": C2,
            "successor": S,
        }
    ]
    for credential in (revocation, refresh):
        expand(credential)  # every term defined by the shipped contexts
