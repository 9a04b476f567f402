"""Reading the devices CSV (``serial,model,device_key,metadata_hash,owner``). Light module."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

from fabtrust.identity.errors import DeviceCsvError

__all__ = ["COLUMNS", "REQUIRED_COLUMNS", "read_device_rows"]

COLUMNS: tuple[str, ...] = ("serial", "model", "device_key", "metadata_hash", "owner")
REQUIRED_COLUMNS: tuple[str, ...] = ("serial", "model", "device_key")


def read_device_rows(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, {column: stripped value})`` per data row; the header line names the columns
    (any order, any case). Blank lines and ``#`` comment lines are skipped."""
    file = Path(path)
    shown = str(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DeviceCsvError("file not found", path=shown) from None
    except UnicodeDecodeError as exc:
        raise DeviceCsvError(f"not UTF-8 text ({exc.reason})", path=shown) from None
    except OSError as exc:
        raise DeviceCsvError(f"cannot read the file: {exc.strerror}", path=shown) from None
    reader = csv.reader(text.splitlines(keepends=True), strict=True, skipinitialspace=True)
    header: list[str] | None = None
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = _header(row, shown, line)
                continue
            if len(row) != len(header):
                raise DeviceCsvError(
                    f"expected {len(header)} fields ({','.join(header)}), got {len(row)}",
                    path=shown,
                    line=line,
                )
            values = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
            for name in REQUIRED_COLUMNS:
                if not values[name]:
                    raise DeviceCsvError("value is missing", path=shown, line=line, column=name)
            yield line, values
    except csv.Error as exc:
        raise DeviceCsvError(f"malformed CSV: {exc}", path=shown, line=reader.line_num) from None
    if header is None:
        raise DeviceCsvError(
            f"no header line (expected the columns {','.join(COLUMNS)})", path=shown
        )


def _header(row: list[str], path: str, line: int) -> list[str]:
    names = [cell.strip().lower() for cell in row]
    for name in names:
        if name not in COLUMNS:
            raise DeviceCsvError(
                f"unknown column {name!r} in the header (expected {','.join(COLUMNS)})",
                path=path,
                line=line,
                column=name,
            )
        if names.count(name) > 1:
            raise DeviceCsvError(
                "column appears twice in the header", path=path, line=line, column=name
            )
    for name in REQUIRED_COLUMNS:
        if name not in names:
            raise DeviceCsvError(
                "required column missing from the header", path=path, line=line, column=name
            )
    return names
