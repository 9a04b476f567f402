"""Raw sensor readings from a test bench, committed to by a certificate's ``dataRoot``.

Input: a CSV file with the header ``timestamp,channel,value,unit`` (columns in any order), e.g.::

    timestamp,channel,value,unit
    2024-05-01T10:00:00Z,P1_inlet_pressure,212.37,bar
    1714557601,Q1_inlet_flow,158.2,L/min

- ``timestamp``: unix seconds (digits) or ISO-8601 with a time zone (``Z`` or ``+hh:mm``); whole
  seconds only, since the leaf stores ``uint64`` unix seconds and must not round anything away.
- ``channel``: the sensor channel name (non-empty), ``unit`` its unit (may be empty).
- ``value``: decimal text. It is kept exactly, in canonical form: plain notation, no ``+``, no
  leading zeros, no trailing fractional zeros, no exponent, ``0`` for zero (``"012.50"`` →
  ``"12.5"``, ``"1.5e3"`` → ``"1500"``, ``"-0.0"`` → ``"0"``). NaN and infinities are rejected.

Leaf encoding (fixed, public): :data:`READINGS_LEAF_ENCODING` =
``["bytes32", "uint64", "string", "string", "string"]`` holding ``(salt, timestamp, channel,
value, unit)``, in an OpenZeppelin StandardMerkleTree (see :mod:`fabtrust.evidence.merkle`) whose
root is the certificate's ``dataRoot``.

Salts: reading ``i`` (0-based, in file order) gets
``salt_i = HMAC-SHA256(seed, uint64_be(i) || abi.encode(uint64 timestamp, string channel,
string value, string unit))`` from a secret 32-byte seed the lab keeps. Salts are deterministic (the
lab can rebuild the tree from the CSV and the seed), differ for every reading, and a disclosed
reading with its salt and proof reveals nothing that lets anyone guess the readings not disclosed.

Light module: ``eth_abi``/``eth_hash`` are imported on first use.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal

from fabtrust import _validate
from fabtrust._record import After, Before, Record, RecordError
from fabtrust.errors import InvalidInputError
from fabtrust.evidence._hashing import abi_encode
from fabtrust.evidence.merkle import StandardMerkleTree, process_proof, standard_leaf_hash

__all__ = [
    "CSV_COLUMNS",
    "READINGS_LEAF_ENCODING",
    "Reading",
    "ReadingProof",
    "ReadingsTree",
    "canonical_decimal",
    "derive_salt",
    "format_readings_csv",
    "generate_seed",
    "load_readings",
    "parse_readings_csv",
    "verify_reading",
    "verify_readings_file",
]

READINGS_LEAF_ENCODING: tuple[str, ...] = ("bytes32", "uint64", "string", "string", "string")
"""Leaf encoding of a reading: (salt, timestamp unix seconds, channel, value, unit)."""

CSV_COLUMNS: tuple[str, ...] = ("timestamp", "channel", "value", "unit")
"""The columns a readings CSV must have (in any order), and the order we write them in."""

_ROW_ENCODING = ("uint64", "string", "string", "string")
_MAX_VALUE_DIGITS = 80
_UINT64_MAX = 2**64 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DECIMAL_RE = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_UNIX_RE = re.compile(r"^[0-9]+$")


# --------------------------------------------------------------------------------------------------
# values and timestamps


def canonical_decimal(value: str | int | Decimal) -> str:
    """The exact canonical decimal text of ``value`` (see the module notes); never rounds.

    Raises:
        InvalidInputError: not a finite decimal number, or more than 80 digits once written out.
    """
    if isinstance(value, bool):
        raise InvalidInputError(f"not a decimal number: {value!r}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_RE.match(text):
            raise InvalidInputError(f"not a decimal number: {value!r}")
        number = Decimal(text)
    else:
        raise InvalidInputError(f"a reading value must be decimal text, got {type(value).__name__}")
    if not number.is_finite():
        raise InvalidInputError(f"not a finite number: {value!r}")
    sign, digit_tuple, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return "0"
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    width = len(digits) + exponent if exponent >= 0 else max(len(digits), 1 - exponent)
    if width > _MAX_VALUE_DIGITS:
        raise InvalidInputError(f"number too long (over {_MAX_VALUE_DIGITS} digits): {value!r}")
    if exponent >= 0:
        text = digits + "0" * exponent
    else:
        point = len(digits) + exponent
        whole = digits[:point] if point > 0 else "0"
        text = whole + "." + "0" * max(0, -point) + digits[max(0, point) :]
    return ("-" if sign else "") + text


def _parse_timestamp(text: str) -> int:
    text = text.strip()
    if _UNIX_RE.match(text):
        seconds = int(text)
    else:
        iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            raise InvalidInputError(
                f"bad timestamp {text!r} (expected unix seconds or ISO-8601 with a time zone)"
            ) from None
        seconds = _datetime_seconds(moment, text)
    if seconds > _UINT64_MAX:
        raise InvalidInputError(f"timestamp {text!r} does not fit uint64 seconds")
    return seconds


def _datetime_seconds(moment: datetime, shown: str) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInputError(f"timestamp {shown!r} has no time zone (add Z or +hh:mm)")
    if moment.microsecond:
        raise InvalidInputError(
            f"timestamp {shown!r} has fractions of a second; the leaf stores whole unix seconds"
        )
    seconds = (moment - _EPOCH) // timedelta(seconds=1)
    if seconds < 0:
        raise InvalidInputError(f"timestamp {shown!r} is before 1970")
    return seconds


# --------------------------------------------------------------------------------------------------
# the reading model


def _reading_timestamp(value: Any) -> int:
    if isinstance(value, datetime):
        return _datetime_seconds(value, value.isoformat())
    if isinstance(value, str):
        return _parse_timestamp(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("timestamp must be unix seconds (int) or an aware datetime")
    if not 0 <= value <= _UINT64_MAX:
        raise ValueError(f"timestamp {value} does not fit uint64 seconds")
    return value


def _channel(value: str) -> str:
    if not value.strip():
        raise ValueError("channel must not be empty")
    if value != value.strip():
        raise ValueError("channel must not start or end with whitespace")
    return value


def _unit(value: str) -> str:
    if value != value.strip():
        raise ValueError("unit must not start or end with whitespace")
    return value


class Reading(Record):
    """One sensor reading. ``value`` is canonical decimal text, ``timestamp`` unix seconds."""

    timestamp: Annotated[int, Before(_reading_timestamp)]
    channel: Annotated[str, After(_channel)]
    value: Annotated[str, Before(canonical_decimal)]
    unit: Annotated[str, After(_unit)]

    @property
    def decimal(self) -> Decimal:
        """The value as an exact :class:`~decimal.Decimal`."""
        return Decimal(self.value)

    @property
    def time(self) -> datetime:
        """The timestamp as an aware UTC datetime."""
        return _EPOCH + timedelta(seconds=self.timestamp)

    def canonical_bytes(self) -> bytes:
        """``abi.encode(uint64 timestamp, string channel, string value, string unit)``."""
        return abi_encode(_ROW_ENCODING, [self.timestamp, self.channel, self.value, self.unit])


# --------------------------------------------------------------------------------------------------
# CSV in and out


def load_readings(path: str | os.PathLike[str]) -> list[Reading]:
    """Parse a readings CSV file (UTF-8, optional BOM); see the module notes for the format.

    Raises:
        InvalidInputError: naming the file, line and column: unreadable or empty file, missing or
            unknown column, bad number, bad timestamp, empty channel.
    """
    name = os.fspath(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            return _parse_rows(file, source=name)
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{name}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InvalidInputError(f"cannot read {name}: {exc.strerror or exc}") from exc


def parse_readings_csv(text: str, *, source: str = "<string>") -> list[Reading]:
    """Parse readings CSV text; errors name ``source``, the line and the column."""
    return _parse_rows(io.StringIO(text.removeprefix("\ufeff"), newline=""), source=source)


def _parse_rows(lines: Iterable[str], *, source: str) -> list[Reading]:
    reader = csv.reader(lines, strict=True)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise InvalidInputError(
                f"{source}: empty file (expected the header {','.join(CSV_COLUMNS)})"
            )
        columns = [cell.strip().lower() for cell in header]
        header_line = reader.line_num
        for column in CSV_COLUMNS:
            if column not in columns:
                raise InvalidInputError(
                    f"{source}:{header_line}: missing column {column!r} in the header "
                    f"(expected {','.join(CSV_COLUMNS)})",
                    field=column,
                )
        seen: set[str] = set()
        for number, column in enumerate(columns, start=1):
            if column not in CSV_COLUMNS or column in seen:
                what = "duplicate" if column in seen else "unexpected"
                raise InvalidInputError(
                    f"{source}:{header_line}: column {number}: {what} column {header[number - 1]!r}"
                    f" (expected {','.join(CSV_COLUMNS)})"
                )
            seen.add(column)
        position = {column: columns.index(column) for column in CSV_COLUMNS}
        readings = [_parse_row(row, reader.line_num, position, source) for row in reader if row]
    except csv.Error as exc:
        raise InvalidInputError(f"{source}:{reader.line_num}: malformed CSV: {exc}") from None
    if not readings:
        raise InvalidInputError(f"{source}: no readings after the header")
    return readings


def _parse_row(row: list[str], line: int, position: dict[str, int], source: str) -> Reading:
    if len(row) > len(position):
        raise InvalidInputError(
            f"{source}:{line}: {len(row)} fields, expected {len(position)} "
            f"({','.join(CSV_COLUMNS)})"
        )
    fields: dict[str, Any] = {}
    for column, index in position.items():
        where = f"{source}:{line}: column {index + 1} ({column})"
        if index >= len(row):
            raise InvalidInputError(f"{where}: missing", field=column)
        cell = row[index].strip()
        if not cell and column != "unit":
            raise InvalidInputError(f"{where}: empty", field=column)
        try:
            if column == "timestamp":
                fields[column] = _parse_timestamp(cell)
            elif column == "value":
                fields[column] = canonical_decimal(cell)
            else:
                fields[column] = cell
        except InvalidInputError as exc:
            raise InvalidInputError(f"{where}: {exc}", field=column) from None
    try:
        return Reading(**fields)
    except RecordError as exc:
        raise InvalidInputError(f"{source}:{line}: {exc}") from None


def format_readings_csv(readings: Iterable[Reading]) -> str:
    """Readings as CSV text (header ``timestamp,channel,value,unit``, ISO-8601 UTC timestamps)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for reading in readings:
        stamp = reading.time.strftime("%Y-%m-%dT%H:%M:%SZ")
        writer.writerow((stamp, reading.channel, reading.value, reading.unit))
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# salts and the tree


def generate_seed() -> bytes:
    """A fresh random 32-byte salt seed (keep it secret, keep it safe: it rebuilds the tree)."""
    return secrets.token_bytes(32)


def _seed_bytes(seed: bytes | str) -> bytes:
    # A seed is 32 bytes, as hex with or without 0x (the form FABTRUST_SEED and seed files hold).
    if isinstance(seed, str) and not seed.strip().lower().startswith("0x"):
        seed = "0x" + seed.strip()
    return _validate.hex_bytes(seed, field="salt seed (32 bytes)", length=32)


def derive_salt(seed: bytes | str, index: int, reading: Reading) -> str:
    """``HMAC-SHA256(seed, uint64_be(index) || reading.canonical_bytes())`` as ``0x`` hex."""
    if isinstance(index, bool) or not 0 <= index <= _UINT64_MAX:
        raise InvalidInputError(f"reading index {index!r} out of range")
    message = index.to_bytes(8, "big") + reading.canonical_bytes()
    return "0x" + hmac.new(_seed_bytes(seed), message, hashlib.sha256).hexdigest()


def _leaf(salt: str, reading: Reading) -> tuple[str, int, str, str, str]:
    return (salt, reading.timestamp, reading.channel, reading.value, reading.unit)


def _bytes32(value: Any) -> str:
    return _validate.bytes32(value, field="bytes32")


def _proof_nodes(value: Any) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError("proof must be a list of 32-byte hex nodes")
    return tuple(_validate.bytes32(node, field="proof node") for node in value)


def _leaf_encoding(value: tuple[str, ...]) -> tuple[str, ...]:
    if value != READINGS_LEAF_ENCODING:
        raise ValueError(f"leaf encoding must be {list(READINGS_LEAF_ENCODING)}")
    return value


class ReadingProof(Record):
    """A disclosed reading: the reading, its salt and its Merkle proof against ``root``."""

    schema_version: Literal[1] = 1
    index: int
    reading: Reading
    salt: Annotated[str, Before(_bytes32)]
    proof: Annotated[tuple[str, ...], Before(_proof_nodes)]
    root: Annotated[str, Before(_bytes32)]
    leaf_encoding: Annotated[tuple[str, ...], After(_leaf_encoding)] = READINGS_LEAF_ENCODING

    @property
    def leaf(self) -> tuple[str, int, str, str, str]:
        """The leaf value ``(salt, timestamp, channel, value, unit)``."""
        return _leaf(self.salt, self.reading)

    @property
    def leaf_hash(self) -> str:
        return standard_leaf_hash(READINGS_LEAF_ENCODING, self.leaf)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The proof as JSON (field names as in the model)."""
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, data: str | bytes) -> ReadingProof:
        """Parse a proof written by :meth:`to_json`; InvalidInputError names the bad field."""
        try:
            return cls.model_validate_json(data)
        except RecordError as exc:
            raise InvalidInputError(f"invalid reading proof: {exc}", field=exc.field) from None


class ReadingsTree:
    """The salted Merkle tree of a test run's readings; :attr:`root` is the ``dataRoot``."""

    __slots__ = ("_readings", "_salts", "_tree")

    def __init__(
        self, *, readings: tuple[Reading, ...], salts: tuple[str, ...], tree: StandardMerkleTree
    ) -> None:
        self._readings = readings
        self._salts = salts
        self._tree = tree

    @classmethod
    def build(cls, readings: Sequence[Reading], *, seed: bytes | str) -> ReadingsTree:
        """Salt every reading from ``seed`` and build the tree.

        Raises:
            InvalidInputError: no readings, or a seed that is not 32 bytes (raw or hex).
        """
        readings = tuple(readings)
        if not readings:
            raise InvalidInputError("no readings to commit to")
        for i, reading in enumerate(readings):
            if not isinstance(reading, Reading):
                raise InvalidInputError(
                    f"readings[{i}] is a {type(reading).__name__}, not a Reading"
                )
        key = _seed_bytes(seed)
        salts = tuple(derive_salt(key, i, r) for i, r in enumerate(readings))
        tree = StandardMerkleTree.of(
            [_leaf(s, r) for s, r in zip(salts, readings, strict=True)], READINGS_LEAF_ENCODING
        )
        return cls(readings=readings, salts=salts, tree=tree)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, seed: bytes | str) -> ReadingsTree:
        """:func:`load_readings` then :meth:`build`."""
        return cls.build(load_readings(path), seed=seed)

    @property
    def root(self) -> str:
        """The Merkle root, ``0x`` hex: the certificate's ``dataRoot``."""
        return self._tree.root

    @property
    def readings(self) -> tuple[Reading, ...]:
        return self._readings

    @property
    def salts(self) -> tuple[str, ...]:
        return self._salts

    @property
    def tree(self) -> StandardMerkleTree:
        """The underlying StandardMerkleTree (its dump contains every salt: keep it private)."""
        return self._tree

    def __len__(self) -> int:
        return len(self._readings)

    def proof_for(self, index: int) -> ReadingProof:
        """The disclosure of reading ``index`` (0-based, file order)."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise InvalidInputError(f"expected an integer index, got {type(index).__name__}")
        if not 0 <= index < len(self._readings):
            raise InvalidInputError(f"reading index {index} out of range (0..{len(self) - 1})")
        return ReadingProof(
            index=index,
            reading=self._readings[index],
            salt=self._salts[index],
            proof=tuple(self._tree.get_proof(index)),
            root=self.root,
        )

    def __repr__(self) -> str:
        return f"ReadingsTree(root={self.root}, readings={len(self)})"


def verify_reading(proof: ReadingProof, root: str | bytes) -> bool:
    """Whether ``proof`` shows its reading (with its salt) is committed to by ``root``.

    ``root`` is the trusted value (the certificate's ``dataRoot`` read from the chain); the proof's
    own ``root`` field must equal it too.

    Raises:
        InvalidInputError: ``root`` is not 32 bytes.
    """
    expected = _validate.bytes32(root, field="root")
    if proof.root != expected:
        return False
    computed = process_proof(standard_leaf_hash(READINGS_LEAF_ENCODING, proof.leaf), proof.proof)
    return computed == expected


def verify_readings_file(
    path: str | os.PathLike[str], root: str | bytes, seed: bytes | str
) -> bool:
    """Rebuild the tree from a readings CSV and the lab's seed; whether it has ``root``.

    Raises:
        InvalidInputError: the file does not parse, or ``root``/``seed`` are malformed.
    """
    expected = _validate.bytes32(root, field="root")
    return ReadingsTree.from_file(path, seed=seed).root == expected
