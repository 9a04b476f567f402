"""The buyer's `fabtrust cert verify` without typer, click and rich (fabtrust.cli._light): which
command lines it takes (the same values typer parses) and which it leaves to the typer app; a
real process imports none of the CLI framework; both paths print the same documents, lines and
exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_cli_verify_light import _setup
from typer.testing import CliRunner

from fabtrust.cli._light import DEFAULT_RPC_URL, VerifyArgs, parse_verify_argv

DIGEST = "0x" + "ab" * 32

# fmt: off
ACCEPTED: list[tuple[list[str], dict[str, str], VerifyArgs]] = [
    (["cert", "verify", "r.txt"], {}, VerifyArgs(report="r.txt")),
    (
        ["--rpc-url", "http://x:1", "--deployments", "dep", "--json", "cert", "verify", "r.txt",
         "--bundle", "b.json"],
        {},
        VerifyArgs(report="r.txt", rpc_url="http://x:1", deployments=Path("dep"), json_mode=True,
                   bundle="b.json"),
    ),
    (
        ["--json", "--rpc-url=http://x:1", "--deployments=dep", "cert", "verify", "--bundle=b",
         "r", "--data", "c.csv", "--seed-file=s.seed"],
        {},
        VerifyArgs(report="r", rpc_url="http://x:1", deployments=Path("dep"), json_mode=True,
                   bundle="b", data="c.csv", seed_file=Path("s.seed")),
    ),
    (
        ["cert", "verify", "--seed-file", "s", "--data", "c", DIGEST],
        {},
        VerifyArgs(report=DIGEST, data="c", seed_file=Path("s")),
    ),
    (  # the environment, when the option is not given
        ["cert", "verify", "r"],
        {"FABTRUST_RPC_URL": "http://e:2", "FABTRUST_DEPLOYMENTS": "envdep"},
        VerifyArgs(report="r", rpc_url="http://e:2", deployments=Path("envdep")),
    ),
    (  # the option wins over the environment
        ["--rpc-url", "http://o:3", "cert", "verify", "r"],
        {"FABTRUST_RPC_URL": "http://e:2"},
        VerifyArgs(report="r", rpc_url="http://o:3"),
    ),
    (  # an empty variable is no variable (click)
        ["cert", "verify", "r"],
        {"FABTRUST_RPC_URL": "", "FABTRUST_DEPLOYMENTS": "", "FABTRUST_CONFIRMATIONS": ""},
        VerifyArgs(report="r"),
    ),
    (  # values that look like the command's words are values
        ["--deployments", "verify", "cert", "verify", "cert"],
        {"FABTRUST_ACCOUNT": "dev:1"},  # not used by cert verify, not validated by typer
        VerifyArgs(report="cert", deployments=Path("verify")),
    ),
]

DECLINED: list[tuple[list[str], dict[str, str]]] = [
    ([], {}),
    (["--help"], {}),
    (["--version"], {}),
    (["cert"], {}),
    (["cert", "show", DIGEST], {}),
    (["cert", "verify"], {}),  # no REPORT
    (["cert", "verify", "a", "b"], {}),  # two
    (["cert", "verify", "--help"], {}),
    (["cert", "verify", "r", "--help"], {}),
    (["--json", "cert", "verify", "r", "-h"], {}),
    (["cert", "--help", "verify", "r"], {}),
    (["--account", "dev:1", "cert", "verify", "r"], {}),
    (["--confirmations", "0", "cert", "verify", "r"], {}),
    (["--private-key-file", "k", "cert", "verify", "r"], {}),
    (["--password-file", "p", "cert", "verify", "r"], {}),
    (["--install-completion", "cert", "verify", "r"], {}),
    (["cert", "verify", "r", "--bundle", "a", "--bundle", "b"], {}),  # repeated
    (["cert", "verify", "r", "--bundle=a", "--bundle", "b"], {}),
    (["--json", "--json", "cert", "verify", "r"], {}),
    (["--rpc-url", "http://a", "--rpc-url=http://b", "cert", "verify", "r"], {}),
    (["cert", "verify", "r", "--bundle"], {}),  # no value
    (["--rpc-url", "cert", "verify", "r"], {}),
    (["cert", "verify", "r", "--bundle", "--data", "c"], {}),  # a value starting with -
    (["cert", "verify", "r", "--bundle="], {}),  # an empty value
    (["--rpc-url", "", "cert", "verify", "r"], {}),
    (["cert", "verify", "--", "r"], {}),
    (["cert", "verify", "-", "r"], {}),
    (["cert", "verify", "r", "--json"], {}),  # a global option after cert: typer refuses it
    (["cert", "--json", "verify", "r"], {}),
    (["cert", "verify", "r", "--rpc-url", "http://a"], {}),
    (["--json=1", "cert", "verify", "r"], {}),  # a flag given a value
    (["--no-json", "cert", "verify", "r"], {}),
    (["cert", "verify", "r", "--unknown", "x"], {}),
    (["cert", "verify", "r", "--bundl", "x"], {}),  # no abbreviations in click either
    (["x", "cert", "verify", "r"], {}),
    (["verify", "cert", "r"], {}),
    (["cert", "verify-credential", "f"], {}),
    (["cert", "verify", "r"], {"FABTRUST_CONFIRMATIONS": "x"}),  # typer validates it
    (["cert", "verify", "r"], {"_FABTRUST_COMPLETE": "bash_complete"}),  # shell completion
]
# fmt: on


@pytest.mark.parametrize(("argv", "env", "expected"), ACCEPTED)
def test_accepted_command_lines(argv: list[str], env: dict[str, str], expected: Any) -> None:
    assert parse_verify_argv(argv, env) == expected


@pytest.mark.parametrize(("argv", "env"), DECLINED)
def test_declined_command_lines_go_to_typer(argv: list[str], env: dict[str, str]) -> None:
    assert parse_verify_argv(argv, env) is None


def test_unreadable_paths_go_to_typer(monkeypatch: Any, tmp_path: Path) -> None:
    """typer refuses an existing Path value it cannot read (--deployments, its default, the
    environment's FABTRUST_PASSWORD_FILE, --seed-file): those usage errors stay typer's."""
    from fabtrust.cli import _light

    monkeypatch.setattr(_light.os, "access", lambda path, mode: Path(path).name != "secret")
    monkeypatch.chdir(Path(__file__).parent)
    here = Path(__file__).name
    assert parse_verify_argv(["cert", "verify", "r", "--seed-file", here], {}) is not None
    secret = tmp_path / "secret"
    secret.mkdir()
    for argv, env in (
        (["cert", "verify", "r", "--seed-file", str(secret)], {}),
        (["--deployments", str(secret), "cert", "verify", "r"], {}),
        (["cert", "verify", "r"], {"FABTRUST_DEPLOYMENTS": str(secret)}),
        (["cert", "verify", "r"], {"FABTRUST_PASSWORD_FILE": str(secret)}),
    ):
        assert parse_verify_argv(argv, env) is None, argv
    assert parse_verify_argv(["cert", "verify", "r"], {}) == VerifyArgs(report="r")
    assert VerifyArgs(report="r").rpc_url == DEFAULT_RPC_URL


@pytest.mark.parametrize(("argv", "env", "expected"), ACCEPTED)
def test_typer_parses_the_accepted_lines_alike(
    argv: list[str], env: dict[str, str], expected: VerifyArgs, monkeypatch: Any
) -> None:
    """What the light parser takes, typer takes too, with the same values."""
    from fabtrust.cli import app, cert

    seen: list[VerifyArgs] = []

    def record(settings: Any, **kwargs: Any) -> int:
        seen.append(
            VerifyArgs(
                rpc_url=settings.rpc_url,
                deployments=settings.deployments,
                json_mode=settings.json_mode,
                **kwargs,
            )
        )
        return 0

    monkeypatch.setattr(cert, "verify_report", record)
    clean_env: dict[str, str | None] = {
        name: None
        for name in (
            "FABTRUST_RPC_URL",
            "FABTRUST_DEPLOYMENTS",
            "FABTRUST_CONFIRMATIONS",
            "FABTRUST_ACCOUNT",
            "FABTRUST_PASSWORD_FILE",
        )
    }
    result = CliRunner().invoke(app, argv, env={**clean_env, **env})
    assert result.exit_code == 0, (result.output, result.exception)
    assert seen == [expected]


# -- real processes on the chain -------------------------------------------------------------

LIGHT_VERIFY_MUST_NOT_IMPORT: tuple[str, ...] = (
    "typer",
    "click",
    "rich",
    "pydantic",
    "pydantic_core",
    "web3",
    "eth_abi",
    "eth_utils",
)
"""Top-level packages a light `cert verify` process never imports (the CLI framework, the rich
renderer, pydantic — the verify path's models are fabtrust._record Records — and web3)."""

_PROBE = (
    "import json, sys\n"
    "sys.argv = ['fabtrust', *sys.argv[1:]]\n"
    "from fabtrust.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    "top = sorted({m.split('.')[0] for m in sys.modules})\n"
    "print(json.dumps({'code': code, 'modules': top}), file=sys.stderr)\n"
)


def _run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str, list[str]]:
    """`fabtrust ARGV` as the console script runs it: exit code, stdout, stderr (without the
    probe's line), top-level modules imported."""
    import os

    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "", "COLUMNS": "", **(env or {})},
    )
    *lines, last = done.stderr.rstrip("\n").split("\n")
    probe = json.loads(last)
    return probe["code"], done.stdout, "".join(line + "\n" for line in lines), probe["modules"]


def _both(chain: Any, *args: str, json_mode: bool = True, rpc_url: str | None = None) -> Any:
    """The light path's and the typer path's (forced by --confirmations 0) runs of `cert
    verify ARGS`."""
    root = ["--rpc-url", rpc_url or chain.rpc_url, "--deployments", str(chain.deployments)]
    if json_mode:
        root.append("--json")
    light = _run(*root, "cert", "verify", *args)
    full = _run(*root, "--confirmations", "0", "cert", "verify", *args)
    return light, full


def test_light_verify_process_imports_no_cli_framework(chain: Any, tmp_path: Path) -> None:
    made = _setup(chain, tmp_path)
    for report, bundle, expected in (
        (made["reports"]["valid"], made["bundle"], 0),
        (made["reports"]["revoked"], None, 1),
    ):
        args = [str(report), *(["--bundle", str(bundle)] if bundle else [])]
        for json_mode in (True, False):
            (code, out, err, modules), _ = _both(chain, *args, json_mode=json_mode)
            assert code == expected, err
            assert not set(modules) & set(LIGHT_VERIFY_MUST_NOT_IMPORT), modules
            if json_mode:
                assert json.loads(out)["verified"] is (expected == 0)
            else:
                assert out == "" and ("NOT VERIFIED" if expected else "VERIFIED") in err
    (code, _, _, modules), (full_code, _, _, full_modules) = _both(
        chain, str(made["reports"]["valid"])
    )
    assert code == full_code == 0
    assert "typer" in full_modules and "typer" not in modules  # the typer path was forced


def test_both_paths_print_the_same(chain: Any, tmp_path: Path) -> None:
    made = _setup(chain, tmp_path)
    valid, tampered = str(made["reports"]["valid"]), str(made["tampered"])
    bad_bundle = tmp_path / "bad.bundle.json"
    bad_bundle.write_text("{not json")
    cases: list[tuple[str, list[str], int, str | None]] = [
        ("verified", [valid, "--bundle", str(made["bundle"])], 0, None),
        ("verified without a bundle", [valid], 0, None),
        ("not verified", [tampered, "--bundle", str(made["bundle"])], 1, None),
        ("unknown report", [str(made["unknown"])], 1, None),
        ("bad bundle", [valid, "--bundle", str(bad_bundle)], 2, None),
        ("missing bundle", [valid, "--bundle", str(tmp_path / "nope.json")], 2, None),
        ("missing report", [str(tmp_path / "nope.txt")], 2, None),
        ("seed without data", [valid, "--seed-file", str(bad_bundle)], 2, None),
        ("chain unreachable", [valid], 3, "http://127.0.0.1:9"),
        ("no deployment", [valid], 3, None),
    ]
    for label, args, expected, rpc_url in cases:
        for json_mode in (True, False):
            if label == "no deployment":
                root = ["--rpc-url", chain.rpc_url, "--deployments", str(tmp_path)]
                root += ["--json"] if json_mode else []
                light = _run(*root, "cert", "verify", *args)
                full = _run(*root, "--confirmations", "0", "cert", "verify", *args)
            else:
                light, full = _both(chain, *args, json_mode=json_mode, rpc_url=rpc_url)
            (code, out, err, modules), (full_code, full_out, full_err, _) = light, full
            what = (label, json_mode, light, full)
            assert code == full_code == expected, what
            assert "typer" not in modules, what
            assert (out, err) == (full_out, full_err), what
            if json_mode:
                document = json.loads(out)
                if expected > 1:
                    assert document["error"]["code"] == expected, what
                else:
                    assert document["verified"] is (expected == 0), what
            errors = [line for line in err.splitlines() if line.startswith("error:")]
            assert len(errors) == (expected != 0), what
            if expected == 1:
                assert errors[0].startswith("error: not verified: "), what
