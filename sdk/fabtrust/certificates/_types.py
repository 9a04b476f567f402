"""Private: annotated field types and JSON helpers shared by the certificates models.

Light module: pydantic and the standard library.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, PlainSerializer, ValidationError

from fabtrust import _validate
from fabtrust.errors import InvalidInputError

__all__ = [
    "Address",
    "Bytes32",
    "HexBytes",
    "JsonFileModel",
    "Uint256",
    "parse_model_json",
    "read_text",
    "validation_message",
    "write_text",
]

M = TypeVar("M", bound=BaseModel)


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


Bytes32 = Annotated[str, BeforeValidator(_bytes32)]
"""32 bytes as ``0x`` + 64 lowercase hex digits (accepts bare hex or raw bytes)."""

Address = Annotated[str, BeforeValidator(_address)]
"""An EIP-55 checksummed address."""

HexBytes = Annotated[str, BeforeValidator(_hex_bytes)]
"""Non-empty bytes as ``0x`` + lowercase hex (accepts raw bytes)."""

Uint256 = Annotated[
    int,
    BeforeValidator(_uint256),
    PlainSerializer(lambda v: str(v), return_type=str, when_used="json"),
]
"""A uint256; written to JSON as a decimal string, read from a string or a number."""


def validation_message(exc: ValidationError) -> tuple[str, str | None]:
    """The first error of a ValidationError as one line, and the dotted field path."""
    error = exc.errors()[0]
    loc = ".".join(str(part) for part in error.get("loc", ())) or None
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    return (f"{loc}: {message}" if loc else message), loc


def parse_model_json(cls: type[M], data: str | bytes, *, what: str) -> M:
    """``cls.model_validate_json(data)`` with an InvalidInputError naming the field."""
    try:
        return cls.model_validate_json(data)
    except ValidationError as exc:
        message, loc = validation_message(exc)
        raise InvalidInputError(f"invalid {what}: {message}", field=loc) from None


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


class JsonFileModel(BaseModel):
    """A model handed over as one JSON file: :meth:`to_json` / :meth:`from_json` /
    :meth:`save` / :meth:`load`, with errors naming the file kind (``json_kind``) and field."""

    json_kind: ClassVar[str] = "JSON document"

    def to_json(self, *, indent: int | None = 2) -> str:
        """The model as JSON text."""
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls: type[J], data: str | bytes) -> J:
        """Parse :meth:`to_json` output; InvalidInputError names the first bad field."""
        return parse_model_json(cls, data, what=cls.json_kind)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model as JSON to ``path`` (returned)."""
        return write_text(Path(path), self.to_json())

    @classmethod
    def load(cls: type[J], path: str | os.PathLike[str]) -> J:
        """Read a file written by :meth:`save`."""
        return cls.from_json(read_text(Path(path)))
