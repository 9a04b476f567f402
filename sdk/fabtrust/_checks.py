"""Private: the checks of a certificate verdict, read from ``checks.json`` beside this module.

One list, in order, with a name for people each: ``fabtrust cert verify`` (via
:data:`~fabtrust.certificates._verify.CHECK_NAMES`) and the buyer's verification page (``web/``,
which bundles the same file at build time) both use it, so the two verdicts cannot drift apart.

Light module: standard library only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CHECKS", "CHECKS_FILE", "CREDENTIAL_CHECKS", "CheckSpec"]

CHECKS_FILE = Path(__file__).with_name("checks.json")


@dataclass(frozen=True)
class CheckSpec:
    """A verification check: its name (in verdicts) and its name for people."""

    name: str
    label: str


def _load(key: str) -> tuple[CheckSpec, ...]:
    data = json.loads(CHECKS_FILE.read_text(encoding="utf-8"))
    return tuple(CheckSpec(name=str(c["name"]), label=str(c["label"])) for c in data[key])


CHECKS: tuple[CheckSpec, ...] = _load("checks")
"""The certificate checks of ``fabtrust cert verify`` and the page, in order."""

CREDENTIAL_CHECKS: tuple[CheckSpec, ...] = _load("credential_checks")
"""The checks on a Digital Conformity Credential itself, made before the certificate checks."""
