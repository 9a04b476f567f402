"""Structured logs: one JSON object per line, from stdlib logging (light module).

The agent logs to the ``fabtrust.agent`` logger with the facts of each line in ``extra``
(``event``, ``order_ids``, ``tx_hash``, ...). The library only logs; whoever runs it (the CLI, an
MES) attaches a handler, e.g.::

    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    logging.getLogger("fabtrust").addHandler(handler)
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

__all__ = ["LOGGER_NAME", "JsonLogFormatter"]

LOGGER_NAME = "fabtrust.agent"

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class JsonLogFormatter(logging.Formatter):
    """Formats a record as one line of JSON: ``ts`` (UTC, ISO 8601), ``level``, ``logger``,
    ``msg``, every ``extra`` field, and ``exc`` with the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in data:
                data[key] = _jsonable(value)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
