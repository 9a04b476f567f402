"""read_batch_file: a certificate batch file (JSON or CSV) read and shape-checked in the SDK, one
error naming the file, row and field of the first problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fabtrust.certificates import (
    BATCH_FIELDS,
    REQUIRED_BATCH_FIELDS,
    BatchFileError,
    BatchFileRow,
    read_batch_file,
)
from fabtrust.errors import InvalidInputError

ROW = {
    "device": "HM-1",
    "report": "r1.pdf",
    "spec": "ISO 4409",
    "result": "pass",
    "valid_until": "+365d",
}


def test_csv_and_json_read_alike(tmp_path: Path) -> None:
    csv_file = tmp_path / "batch.csv"
    csv_file.write_text(
        "device, report,spec,result,valid_until,readings,seed\n"
        "\n"
        " HM-1 ,r1.pdf,ISO 4409,pass,+365d,,\n"
        "HM-2,/abs/r2.pdf,ISO 4409,fail,2030-01-01,data/r2.csv,0x" + "11" * 32 + "\n"
    )
    json_file = tmp_path / "batch.json"
    json_file.write_text(
        json.dumps(
            {
                "certificates": [
                    {**ROW, "data_root": None},
                    {
                        **ROW,
                        "device": "HM-2",
                        "report": "/abs/r2.pdf",
                        "result": "fail",
                        "valid_until": "2030-01-01",
                        "readings": "data/r2.csv",
                        "seed": "0x" + "11" * 32,
                    },
                ]
            }
        )
    )
    expected = [
        BatchFileRow(
            row=1,
            device="HM-1",
            report=tmp_path / "r1.pdf",
            spec="ISO 4409",
            result="pass",
            valid_until="+365d",
        ),
        BatchFileRow(
            row=2,
            device="HM-2",
            report=Path("/abs/r2.pdf"),
            spec="ISO 4409",
            result="fail",
            valid_until="2030-01-01",
            readings=tmp_path / "data" / "r2.csv",
            seed="0x" + "11" * 32,
        ),
    ]
    assert read_batch_file(csv_file) == expected
    assert read_batch_file(json_file) == expected
    # a bare JSON list works too
    json_file.write_text(json.dumps([ROW]))
    assert read_batch_file(str(json_file)) == expected[:1]


def test_fields() -> None:
    assert set(REQUIRED_BATCH_FIELDS) < set(BATCH_FIELDS)
    assert BATCH_FIELDS[:5] == REQUIRED_BATCH_FIELDS


@pytest.mark.parametrize(
    ("name", "text", "message", "row", "field"),
    [
        ("gone.csv", None, "gone.csv: file not found", None, None),
        ("bad.json", "[{", "bad.json: not valid JSON (", None, None),
        ("obj.json", '{"rows": []}', "obj.json: must hold a JSON list", None, None),
        ("list.json", "[1, 2]", "list.json: must hold a JSON list", None, None),
        ("empty.json", "[]", "empty.json: has no certificate rows", None, None),
        (
            "empty.csv",
            "device,report,spec,result,valid_until\n",
            "has no certificate rows",
            None,
            None,
        ),
        (
            "colour.json",
            json.dumps([ROW, {**ROW, "colour": "red"}]),
            "colour.json row 2: 'colour' is not a known field (use device, report,",
            2,
            "colour",
        ),
        (
            "colour.csv",
            "device,colour\nHM-1,red\n",
            "colour.csv: has an unknown column 'colour'",
            None,
            "colour",
        ),
        (
            "missing.csv",
            "device,report,spec,result\nHM-1,r.pdf,S,pass\n",
            "missing.csv row 1: valid_until is missing",
            1,
            "valid_until",
        ),
        (
            "blank.json",
            json.dumps([ROW, {**ROW, "spec": "  "}]),
            "blank.json row 2: spec is missing",
            2,
            "spec",
        ),
    ],
)
def test_bad_files_name_the_problem(
    tmp_path: Path, name: str, text: str | None, message: str, row: int | None, field: str | None
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(BatchFileError) as info:
        read_batch_file(path)
    assert isinstance(info.value, InvalidInputError)
    assert str(info.value).startswith(message) or message in str(info.value)
    assert "\n" not in str(info.value)
    assert info.value.row == row
    assert info.value.field == field
    assert info.value.path == name


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"device,report\n\xe9\n")
    with pytest.raises(BatchFileError, match=r"latin1.csv: not UTF-8 text"):
        read_batch_file(path)


def test_rows_are_frozen(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps([ROW]))
    [row] = read_batch_file(path)
    with pytest.raises(ValueError):
        row.spec = "other"  # type: ignore[misc]
