"""Private: annotated field types and JSON helpers shared by the certificates models.

Light module: :mod:`fabtrust._record` and the standard library (no pydantic: the buyer's verify
reads these models).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from fabtrust import _validate
from fabtrust._record import Before, JsonAs, Record, RecordError
from fabtrust.errors import InvalidInputError

__all__ = [
    "Address",
    "Bytes32",
    "HexBytes",
    "JsonFileModel",
    "Uint256",
    "read_text",
    "write_text",
]


def _bytes32(value: Any) -> str:
    return _validate.bytes32(value, field="bytes32")


def _address(value: Any) -> str:
    return _validate.address(value, field="address", allow_zero=True)


def _hex_bytes(value: Any) -> str:
    return "0x" + _validate.hex_bytes(value, field="signature", allow_empty=False).hex()


def _uint256(value: Any) -> int:
    # JSON files carry uint256 values as decimal strings (JavaScript numbers lose precision).
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return _validate.uint(value, field="uint256")


Bytes32 = Annotated[str, Before(_bytes32)]
"""32 bytes as ``0x`` + 64 lowercase hex digits (accepts bare hex or raw bytes)."""

Address = Annotated[str, Before(_address)]
"""An EIP-55 checksummed address."""

HexBytes = Annotated[str, Before(_hex_bytes)]
"""Non-empty bytes as ``0x`` + lowercase hex (accepts raw bytes)."""

Uint256 = Annotated[int, Before(_uint256), JsonAs(str)]
"""A uint256; written to JSON as a decimal string, read from a string or a number."""


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (and a final newline) to ``path``; InvalidInputError when it cannot."""
    try:
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(
            f"cannot write {path}: {exc.strerror or exc}", field="path"
        ) from None
    return path


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``; InvalidInputError when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(f"cannot read {path}: not UTF-8 text", field="path") from None
    except OSError as exc:
        raise InvalidInputError(
            f"cannot read {path}: {exc.strerror or exc}", field="path"
        ) from None


J = TypeVar("J", bound="JsonFileModel")


class JsonFileModel(Record):
    """A model handed over as one JSON file: :meth:`to_json` / :meth:`from_json` /
    :meth:`save` / :meth:`load`, with errors naming the file kind (``json_kind``) and field."""

    json_kind: ClassVar[str] = "JSON document"

    def to_json(self, *, indent: int | None = 2) -> str:
        """The model as JSON text."""
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls: type[J], data: str | bytes) -> J:
        """Parse :meth:`to_json` output; InvalidInputError names the first bad field."""
        try:
            return cls.model_validate_json(data)
        except RecordError as exc:
            raise InvalidInputError(f"invalid {cls.json_kind}: {exc}", field=exc.field) from None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model as JSON to ``path`` (returned)."""
        return write_text(Path(path), self.to_json())

    @classmethod
    def load(cls: type[J], path: str | os.PathLike[str]) -> J:
        """Read a file written by :meth:`save`."""
        return cls.from_json(read_text(Path(path)))
