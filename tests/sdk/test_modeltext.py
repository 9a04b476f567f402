"""fabtrust._modeltext.model_text: the one text of a bytes32 model (identity and light verify)."""

from __future__ import annotations

import json
import subprocess
import sys

from fabtrust._modeltext import model_text
from fabtrust.identity._inputs import check_model


def test_model_text_round_trips_check_model() -> None:
    assert model_text(check_model("HM-200")) == "HM-200"
    assert model_text(check_model("x" * 32)) == "x" * 32
    assert model_text(check_model("Prüfstand 3")) == "Prüfstand 3"


def test_model_text_is_none_for_what_is_not_text() -> None:
    assert model_text("0x" + "00" * 32) is None  # empty
    assert model_text("0x" + "01" * 32) is None  # not printable
    assert model_text("0x" + ("41" + "00" + "42").ljust(64, "0")) is None  # a zero inside
    assert model_text("0x" + "ff".ljust(64, "0")) is None  # not UTF-8


def test_identity_and_light_verify_share_the_function() -> None:
    from fabtrust.certificates import _light_verify
    from fabtrust.identity import _inputs

    assert _inputs.model_text is model_text and _light_verify.model_text is model_text


def test_module_is_light() -> None:
    code = "import json, sys, fabtrust._modeltext\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy = ("fabtrust.identity", "web3", "eth_hash", "eth_utils", "pydantic")
    assert [m for m in json.loads(out.stdout) if m.startswith(heavy)] == []
