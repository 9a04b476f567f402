"""The plain-text verdict (fabtrust.cli._text.verdict_view) and the `error:` line of Output:
content, colours only on a terminal without NO_COLOR, text from the chain or a bundle printed as
it is with its control characters replaced, the detail column wrapped only on a terminal."""

from __future__ import annotations

import io
from typing import Any

import pytest

from fabtrust.cli._output import Output
from fabtrust.cli._text import REPLACEMENT, clean, verdict_view

REGISTRY = "0x" + "12" * 20
CERT = "0x" + "cd" * 32


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _verdict(*, verified: bool = True, detail: str = "not revoked", serial: str = "SN-1") -> Any:
    checks = [
        {"name": "certificate_on_chain", "label": "on chain", "status": "ok", "detail": "found"},
        {"name": "bundle_matches_chain", "label": "bundle matches chain", "status": "skipped",
         "detail": "no bundle given"},
        {"name": "not_revoked", "label": "revocation", "status": "ok" if verified else "failed",
         "detail": detail},
    ]  # fmt: skip
    return {
        "verified": verified,
        "cert_id": CERT,
        "chain_id": 31337,
        "registry": REGISTRY,
        "block_number": 9,
        "block_time": "2026-01-02T03:04:05Z",
        "certificate": {
            "device_id": "4711",
            "test_spec": "0x" + "ee" * 32,
            "result_label": "Pass",
            "valid_until": "2027-01-01T00:00:00Z",
        },
        "device": {"serial": serial, "model": "HM-200"},
        "test_spec_text": "ISO 4409",
        "checks": checks,
        "cast_calls": [f'cast call {REGISTRY} "isValidPass(bytes32)(bool)" {CERT}'],
    }


def _render(verdict: Any, stream: io.StringIO | None = None) -> str:
    stream = stream or io.StringIO()
    verdict_view(verdict).write(stream)
    return stream.getvalue()


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: Any) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)


def test_verdict_content() -> None:
    text = _render(_verdict())
    lines = text.splitlines()
    assert lines[0] == "VERIFIED: 2 check(s) passed; not applicable: bundle matches chain"
    assert lines[1] == (
        f"device serial SN-1, model HM-200 (id 4711), Pass, test spec ISO 4409 (0x{'ee' * 32}), "
        "valid until 2027-01-01T00:00:00Z"
    )
    assert lines[2] == f"certificate {CERT}"
    assert lines[3].split() == ["check", "status", "detail"]
    assert set(lines[4].replace(" ", "")) == {"─"}
    assert lines[5].startswith("on chain ") and "✔ ok" in lines[5]
    assert lines[5].endswith("found")
    assert "- skipped" in lines[6] and lines[6].endswith("no bundle given")
    status_at, detail_at = lines[3].index("status"), lines[3].index("detail")
    for row in lines[5:8]:  # the columns line up under the header
        assert row[status_at - 1] == " " and row[status_at] in "✔✘-", row
        assert row[detail_at - 1] == " " and row[detail_at] != " ", row
    assert lines[8] == (
        f"read at block 9 (2026-01-02T03:04:05Z) on chain 31337, registry {REGISTRY}"
    )
    assert lines[9].startswith("check it yourself, without fabtrust")
    assert lines[10] == f'  cast call {REGISTRY} "isValidPass(bytes32)(bool)" {CERT}'
    assert "\x1b" not in text  # not a terminal: no colour

    failed = _render(_verdict(verified=False, detail="revoked: bench miscalibrated")).splitlines()
    assert failed[0] == "NOT VERIFIED: failed: revocation"
    assert "✘ FAILED" in failed[7] and failed[7].endswith("revoked: bench miscalibrated")


def test_no_certificate_found() -> None:
    verdict = _verdict(verified=False)
    verdict.update(cert_id=None, certificate=None, device=None, cast_calls=[])
    text = _render(verdict)
    assert "certificate (none found)" in text and "device " not in text.splitlines()[1]
    assert "check it yourself" not in text


def test_credential_verdict_checks_without_status_or_label() -> None:
    """`cert verify-credential` renders the SDK's checks (ok/skipped, no status or label)."""
    verdict = _verdict(verified=False)
    verdict["checks"] = [
        {"name": "report_digest", "ok": False, "skipped": False, "detail": "does not match"},
        {"name": "batch_proof", "ok": True, "skipped": True, "detail": "not a batch"},
        {"name": "not_revoked", "ok": True, "skipped": False, "detail": "not revoked"},
    ]
    text = _render(verdict)
    assert text.splitlines()[0] == "NOT VERIFIED: failed: report digest"
    assert "✘ FAILED" in text and "- skipped" in text and "✔ ok" in text


def test_colours_only_on_a_terminal_without_no_color(monkeypatch: Any) -> None:
    coloured = _render(_verdict(), Terminal())
    assert "\x1b[1;32mVERIFIED\x1b[0m" in coloured and "\x1b[32m✔ ok\x1b[0m" in coloured
    assert "\x1b[1;31mNOT VERIFIED\x1b[0m" in _render(_verdict(verified=False), Terminal())
    assert "\x1b[1;31m✘ FAILED\x1b[0m" in _render(_verdict(verified=False), Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _render(_verdict(), Terminal())
    assert "\x1b" not in plain
    monkeypatch.delenv("NO_COLOR")
    # colours change no column: without the escape codes the text is the plain one
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_control_characters_from_the_chain_or_a_bundle_are_neutralised() -> None:
    evil = "lab\x1b]0;pwned\x07 \x1b[2J\rX\x9b31m\u202eevil\x08\x00"
    verdict = _verdict(verified=False, detail=evil, serial="SN\x1b[31m-1\r\n[bold]x[/]")
    verdict["cast_calls"] = [f"cast call {evil}"]
    for stream in (io.StringIO(), Terminal()):
        text = _render(verdict, stream)
        body = text.replace("\x1b[0m", "")
        for code in ("\x1b[1;32m", "\x1b[1;31m", "\x1b[32m", "\x1b[2m", "\x1b[1m"):
            body = body.replace(code, "")  # the renderer's own colours, on the terminal only
        for char in ("\x1b", "\r", "\x07", "\x08", "\x00", "\x9b", "\u202e"):
            assert char not in body, repr(char)
        assert "[bold]x[/]" in text  # printed as it is: no markup
        assert f"lab{REPLACEMENT}]0;pwned{REPLACEMENT}" in text
    assert clean("a\tb\nc") == "a b c"
    assert clean("a\nb\x1b", newlines=True) == f"a\nb{REPLACEMENT}"


def test_detail_wraps_on_a_terminal_only(monkeypatch: Any) -> None:
    words = " ".join(f"word{i}" for i in range(40)) + " 0x" + "ab" * 40
    verdict = _verdict(detail=words)
    off = _render(verdict).splitlines()
    assert any(line.endswith(words) for line in off)  # never wrapped off a terminal
    monkeypatch.setenv("COLUMNS", "60")
    assert _render(verdict).splitlines() == off  # COLUMNS alone does not wrap a pipe
    on = _render(verdict, Terminal()).splitlines()
    header = next(line for line in on if line.startswith("\x1b[1mcheck"))
    end = next(i for i, line in enumerate(on) if line.startswith("read at"))
    rows = on[on.index(header) + 2 : end]
    import re

    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in rows]
    assert all(len(line) <= 60 for line in plain), plain
    column = re.sub(r"\x1b\[[0-9;]*m", "", header).index("detail")
    continued = [line for line in plain if line.startswith(" ")]
    assert continued and all(line[:column].strip() == "" for line in continued)
    assert all(line[column] != " " for line in continued)
    # every word is there, in order: wrapped, not cut
    revocation = next(i for i, line in enumerate(plain) if line.startswith("revocation"))
    joined = " ".join(line[column:] for line in plain[revocation : revocation + 1 + len(continued)])
    assert joined.replace(" ", "") == words.replace(" ", "")


def test_error_line_plain_text(monkeypatch: Any) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    Output().error("[bold]x[/] is \x1b[31mbad")
    assert pipe.getvalue() == f"error: [bold]x[/] is {REPLACEMENT}[31mbad\n"
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    Output().error("oops")
    assert terminal.getvalue() == "\x1b[1;31merror:\x1b[0m oops\n"
    monkeypatch.setenv("NO_COLOR", "1")
    again = Terminal()
    monkeypatch.setattr("sys.stderr", again)
    Output().error("oops")
    assert again.getvalue() == "error: oops\n"


def test_output_makes_no_rich_console_for_plain_text(monkeypatch: Any) -> None:
    import json
    import sys

    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.setattr("sys.stdout", io.StringIO())
    out = Output()
    out.result({"verified": True}, verdict_view(_verdict()))
    out.fail(2, "bad")
    assert out._console is None
    assert "VERIFIED" in sys.stderr.getvalue() and "error: bad" in sys.stderr.getvalue()  # type: ignore[attr-defined]
    out = Output(json_mode=True)
    out.result(_verdict(), verdict_view(_verdict()))
    assert json.loads(sys.stdout.getvalue())["cert_id"] == CERT  # type: ignore[attr-defined]
