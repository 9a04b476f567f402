"""The JSON Schemas shipped in the package (fabtrust/schemas), for the CLI tests."""

from __future__ import annotations

import json
from typing import Any


def schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in the package (fabtrust/schemas/NAME.schema.json), checked."""
    from importlib.resources import files

    import jsonschema

    text = (files("fabtrust") / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def validate_schema(document: Any, name: str) -> None:
    """Validate a document against the package's schema NAME (verdict, bundle, error)."""
    import jsonschema

    jsonschema.Draft202012Validator(
        schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)
