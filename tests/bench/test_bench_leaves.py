"""The gateway's fast leaf encoding is exactly the readings tree's (fabtrust.evidence.readings):
same salts, same leaf hashes, for any channel, value and unit; and its value check is exactly
canonical_decimal."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fabtrust.bench._leaves import leaf_hash, salt_and_leaf
from fabtrust.bench.store import _decimal_text
from fabtrust.errors import InvalidInputError
from fabtrust.evidence.merkle import standard_leaf_hash
from fabtrust.evidence.readings import (
    READINGS_LEAF_ENCODING,
    Reading,
    canonical_decimal,
    derive_salt,
)

text = st.text(min_size=0, max_size=70).map(str.strip)
values = st.decimals(allow_nan=False, allow_infinity=False, places=None).map(
    lambda d: canonical_decimal(d) if len(canonical_decimal(d)) <= 80 else "1"
)


@settings(max_examples=300, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=32),
    index=st.integers(0, 2**64 - 1),
    timestamp=st.integers(0, 2**64 - 1),
    channel=text.filter(bool),
    value=values,
    unit=text,
)
def test_salt_and_leaf_equal_the_evidence_module(
    key: bytes, index: int, timestamp: int, channel: str, value: str, unit: str
) -> None:
    reading = Reading(timestamp=timestamp, channel=channel, value=value, unit=unit)
    salt, leaf = salt_and_leaf(key, index, timestamp, channel, reading.value, unit)
    assert "0x" + salt.hex() == derive_salt(key, index, reading)
    expected = standard_leaf_hash(
        READINGS_LEAF_ENCODING, ("0x" + salt.hex(), timestamp, channel, reading.value, unit)
    )
    assert "0x" + leaf.hex() == expected
    assert leaf_hash(salt, timestamp, channel, reading.value, unit) == leaf


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.floats(), st.text(max_size=30), st.decimals(), st.integers()))
def test_value_check_equals_canonical_decimal(value: object) -> None:
    try:
        source = repr(value) if isinstance(value, float) else value
        expected: str | None = canonical_decimal(source)  # type: ignore[arg-type]
    except InvalidInputError:
        expected = None
    if isinstance(value, Decimal) and not value.is_finite():
        expected = None
    assert _decimal_text(value) == expected
