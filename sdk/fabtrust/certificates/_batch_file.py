"""Reading a certificate batch file (``fabtrust cert issue-batch FILE``): a JSON list of objects (or
``{"certificates": [...]}``) or a CSV with a header line, one certificate per row. Light module.

Checks the file's shape only: known fields, required fields present, paths resolved against the
file's folder. The values (device reference, result, time, data root) are the caller's to parse.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from fabtrust.errors import InvalidInputError

__all__ = [
    "BATCH_FIELDS",
    "REQUIRED_BATCH_FIELDS",
    "BatchFileError",
    "BatchFileRow",
    "read_batch_file",
]

BATCH_FIELDS: tuple[str, ...] = (
    "device",
    "report",
    "spec",
    "result",
    "valid_until",
    "data_root",
    "readings",
    "seed",
)
REQUIRED_BATCH_FIELDS: tuple[str, ...] = ("device", "report", "spec", "result", "valid_until")


class BatchFileError(InvalidInputError):
    """A bad certificate batch file: ``path``, ``row`` (1-based, None for the whole file) and
    ``field`` say where. The message reads ``batch.csv row 2: valid_until is missing``."""

    def __init__(
        self, message: str, *, path: str, row: int | None = None, field: str | None = None
    ) -> None:
        where = path if row is None else f"{path} row {row}"
        super().__init__(f"{where}: {message}", field=field)
        self.path = path
        self.row = row


class BatchFileRow(BaseModel):
    """One certificate of a batch file, its text values stripped; paths resolved against the
    file's folder (not checked to exist)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    row: int
    device: str
    report: Path
    spec: str
    result: str
    valid_until: str
    data_root: str | None = None
    readings: Path | None = None
    seed: str | None = None


def _raw_rows(file: Path, text: str) -> list[dict[str, str]]:
    shown = file.name
    if file.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BatchFileError(f"not valid JSON ({exc})", path=shown) from None
        if isinstance(data, Mapping):
            data = data.get("certificates")
        if not isinstance(data, list) or not all(isinstance(i, Mapping) for i in data):
            raise BatchFileError("must hold a JSON list of certificate objects", path=shown)
        rows: list[dict[str, str]] = []
        for i, item in enumerate(data, start=1):
            unknown = sorted(set(item) - set(BATCH_FIELDS))
            if unknown:
                raise BatchFileError(
                    f"{unknown[0]!r} is not a known field (use {', '.join(BATCH_FIELDS)})",
                    path=shown,
                    row=i,
                    field=unknown[0],
                )
            rows.append({k: str(v).strip() for k, v in item.items() if v is not None})
        return rows
    reader = csv.DictReader(line for line in text.splitlines() if line.strip())
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in BATCH_FIELDS]
    if unknown:
        raise BatchFileError(
            f"has an unknown column {unknown[0]!r} (use {', '.join(BATCH_FIELDS)})",
            path=shown,
            field=unknown[0],
        )
    return [
        {(k or "").strip(): (v or "").strip() for k, v in row.items() if v and v.strip()}
        for row in reader
    ]


def read_batch_file(path: str | os.PathLike[str]) -> list[BatchFileRow]:
    """The certificates of a batch file, in file order. Raises :class:`BatchFileError` (an
    InvalidInputError) naming the file, row and field of the first problem: unreadable, not
    UTF-8, bad JSON, an unknown field or column, a missing required field, no rows."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BatchFileError("file not found", path=file.name) from None
    except UnicodeDecodeError as exc:
        raise BatchFileError(f"not UTF-8 text ({exc.reason})", path=file.name) from None
    except OSError as exc:
        raise BatchFileError(f"cannot read the file: {exc.strerror}", path=file.name) from None
    raw = _raw_rows(file, text)
    if not raw:
        raise BatchFileError("has no certificate rows", path=file.name)
    rows = []
    for number, values in enumerate(raw, start=1):
        for name in REQUIRED_BATCH_FIELDS:
            if not values.get(name):
                raise BatchFileError(f"{name} is missing", path=file.name, row=number, field=name)
        readings = values.get("readings")
        rows.append(
            BatchFileRow(
                row=number,
                device=values["device"],
                report=file.parent / values["report"],
                spec=values["spec"],
                result=values["result"],
                valid_until=values["valid_until"],
                data_root=values.get("data_root") or None,
                readings=file.parent / readings if readings else None,
                seed=values.get("seed") or None,
            )
        )
    return rows
