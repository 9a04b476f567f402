"""Plain-text output for people, without rich: the verification verdict (`cert verify`,
`cert verify-credential`) and the one-line ``error:`` of every command.

The buyer's `cert verify` starts without typer and rich (fabtrust.cli._light), so what it prints
is written here with the standard library. Text read from the chain or a bundle (serials, lab
names, check details) is printed as it is - no markup is interpreted - with its control
characters replaced (:func:`clean`), so a bundle or a lab name cannot move the cursor, recolour
or retitle the terminal. Colours (ANSI) only on a terminal and without ``NO_COLOR``.

Light module: the standard library and :mod:`fabtrust._checks`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import IO, Any

from fabtrust._checks import CHECKS, CREDENTIAL_CHECKS

__all__ = [
    "CHECK_LABELS",
    "TextRenderer",
    "clean",
    "colour_on",
    "device_words",
    "fmt_time",
    "is_terminal",
    "paint",
    "verdict_view",
]

CHECK_LABELS: dict[str, str] = {check.name: check.label for check in (*CHECKS, *CREDENTIAL_CHECKS)}
"""People's names of the verification checks (keys are the SDK's check names)."""

REPLACEMENT = "\ufffd"
"""What a control character is printed as."""

# C0 controls, DEL, C1 controls (CSI 0x9b among them), and the bidirectional overrides and
# isolates (text that reads differently from what it is).
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ONE_LINE = {code: REPLACEMENT for code in _CONTROLS} | {ord("\t"): " ", ord("\n"): " "}
_LINES = _ONE_LINE | {ord("\n"): "\n"}

_STYLES = {"bold": "1", "dim": "2", "green": "32", "bold green": "1;32", "bold red": "1;31"}


def clean(text: object, *, newlines: bool = False) -> str:
    """``text`` as a string safe to print on a terminal: every control character (ESC, CR,
    backspace, BEL, C1, bidi overrides...) replaced by U+FFFD, a tab by a space, a newline by a
    space (kept when ``newlines``)."""
    return str(text).translate(_LINES if newlines else _ONE_LINE)


def colour_on(stream: Any) -> bool:
    """Colours for ``stream``: a terminal, and ``NO_COLOR`` unset (or empty)."""
    return not os.environ.get("NO_COLOR") and is_terminal(stream)


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def paint(text: str, style: str, on: bool) -> str:
    """``text`` in ``style`` (a key of the few styles used) when ``on``, else as it is."""
    return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if on else text


class TextRenderer:
    """A rendering in plain text: ``write(stream)``; :meth:`Output.result` gives it stderr."""

    def __init__(self, write: Callable[[IO[str]], None]) -> None:
        self.write = write


def fmt_time(value: Any) -> str:
    """A datetime, ISO text or unix seconds in ISO-8601 UTC, ``2025-06-30T12:00:00Z`` ("-" for
    None)."""
    if value is None:
        return "-"
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value, tz=timezone.utc)
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        moment = value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def device_words(record: Mapping[str, Any]) -> str:
    """``serial SN-1, model HM-200 (id 4711…)`` when the device is known, else its id."""
    device = record.get("device")
    ident = str(record.get("device_id"))
    if isinstance(device, Mapping) and device.get("serial"):
        model = device.get("model_text") or device.get("model")
        return f"serial {device['serial']}, model {model} (id {ident})"
    return ident


def _width(stream: Any) -> int:
    """The terminal's width: ``COLUMNS``, else the size of ``stream``'s terminal."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        import shutil

        return shutil.get_terminal_size().columns


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters (words kept whole when they fit)."""
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


_MARKS = {
    "ok": ("✔ ok", "green"),
    "failed": ("✘ FAILED", "bold red"),
    "skipped": ("- skipped", "dim"),
}


def _status(check: Mapping[str, Any]) -> str:
    """ok, failed or skipped: a check's ``status``, or from ``ok``/``skipped`` (a credential
    verdict's checks are the SDK's models)."""
    status = check.get("status")
    if status in _MARKS:
        return str(status)
    if check.get("skipped"):
        return "skipped"
    return "ok" if check.get("ok") else "failed"


def _label(check: Mapping[str, Any]) -> str:
    name = str(check.get("name"))
    return str(check.get("label") or CHECK_LABELS.get(name, name))


def verdict_view(verdict: Mapping[str, Any]) -> TextRenderer:
    """A verification verdict: the headline, the device, one row per check (check | status |
    detail), the block it was read at, the `cast call`s to check it without fabtrust."""

    def write(stream: IO[str]) -> None:
        on = colour_on(stream)
        terminal = is_terminal(stream)
        lines: list[str] = []
        checks = [(clean(_label(c)), _status(c), clean(c.get("detail"))) for c in verdict["checks"]]
        ran = sum(1 for _, status, _ in checks if status == "ok")
        if verdict["verified"]:
            skipped = [label for label, status, _ in checks if status == "skipped"]
            tail = f"; not applicable: {', '.join(skipped)}" if skipped else ""
            lines.append(f"{paint('VERIFIED', 'bold green', on)}: {ran} check(s) passed{tail}")
        else:
            failed = [label for label, status, _ in checks if status == "failed"]
            lines.append(f"{paint('NOT VERIFIED', 'bold red', on)}: failed: {', '.join(failed)}")
        cert = verdict.get("certificate")
        if cert:
            spec = cert["test_spec"]
            if verdict.get("test_spec_text"):
                spec = f"{verdict['test_spec_text']} ({spec})"
            device = device_words({**cert, "device": verdict.get("device")})
            lines.append(
                clean(
                    f"device {device}, {cert.get('result_label', '')}, test spec {spec}, "
                    f"valid until {fmt_time(cert.get('valid_until'))}"
                )
            )
        lines.append(clean(f"certificate {verdict.get('cert_id') or '(none found)'}"))
        lines.extend(_table(checks, on=on, width=_width(stream) if terminal else None))
        lines.append(
            clean(
                f"read at block {verdict['block_number']} ({fmt_time(verdict['block_time'])}) on "
                f"chain {verdict['chain_id']}, registry {verdict['registry']}"
            )
        )
        if verdict.get("cast_calls"):
            lines.append("check it yourself, without fabtrust (each prints true when it holds):")
            lines.extend(f"  {clean(call)}" for call in verdict["cast_calls"])
        stream.write("".join(line + "\n" for line in lines))
        stream.flush()

    return TextRenderer(write)


def _table(checks: list[tuple[str, str, str]], *, on: bool, width: int | None) -> list[str]:
    """The checks as aligned columns under a header and a rule; the detail column wrapped to
    ``width`` (continuation lines under the column), never when ``width`` is None."""
    first = max([len("check"), *(len(label) for label, _, _ in checks)])
    second = max([len("status"), *(len(_MARKS[status][0]) for _, status, _ in checks)])
    indent = first + second + 4
    longest = max([len("detail"), *(len(detail) for _, _, detail in checks)])
    room = None if width is None else max(20, width - indent - 1)
    third = longest if room is None else min(longest, room)
    lines = [
        f"{paint('check'.ljust(first), 'bold', on)}  {'status'.ljust(second)}  detail",
        f"{'─' * first}  {'─' * second}  {'─' * third}",
    ]
    for label, status, detail in checks:
        mark, style = _MARKS[status]
        parts = [detail] if room is None else _wrap(detail, room)
        lines.append(
            f"{paint(label.ljust(first), 'bold', on)}  "
            f"{paint(mark, style, on)}{' ' * (second - len(mark))}  {parts[0]}".rstrip()
        )
        lines.extend(" " * indent + part for part in parts[1:])
    return lines
