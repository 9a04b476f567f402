"""The console script registers only the command it runs (start-up of the buyer's verify)."""

from __future__ import annotations

import ast
import subprocess
import sys

from fabtrust.cli._app import _COMMANDS, _commands_in

_PROBE = (
    "import sys\n"
    "from fabtrust.cli import main\n"
    "sys.argv = ['fabtrust', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(sorted(m for m in sys.modules if m.startswith('fabtrust.cli.')), file=sys.stderr)\n"
)


def _cli_modules(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True
    )
    return set(ast.literal_eval(done.stderr.strip().splitlines()[-1]))


def test_commands_in_argv() -> None:
    assert _commands_in(["--json", "cert", "verify", "r.txt"]) == ["cert"]
    assert _commands_in(["--help"]) is None
    assert _commands_in(["cerr", "verify"]) is None  # a typo: the whole tree suggests
    assert list(_COMMANDS) == [
        "chain", "deploy", "account", "admin", "device", "cert",
        "order", "agent", "bench", "witness", "demo", "serve",
    ]  # fmt: skip


def test_a_command_imports_only_its_own_module() -> None:
    loaded = _cli_modules("cert", "--help")
    assert "fabtrust.cli.cert" in loaded
    assert not loaded & {"fabtrust.cli.order", "fabtrust.cli.bench", "fabtrust.cli.agent"}


def test_help_lists_every_command() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv = ['fabtrust', '--help']\n"
         "from fabtrust.cli import main; main()"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in _COMMANDS:
        assert f" {name} " in done.stdout, name


_GROUP_PROBE = (
    "import sys\n"
    "from fabtrust.cli import main\n"
    "from fabtrust.cli._app import app\n"
    "from fabtrust.cli.cert import app as cert_app\n"
    "sys.argv = ['fabtrust', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    "(group,) = [g.typer_instance for g in app.registered_groups if g.name == 'cert']\n"
    "names = lambda t: [c.name for c in t.registered_commands]\n"
    "print(repr((code, names(group), len(names(cert_app)))), file=sys.stderr)\n"
)


def _group_after(*argv: str) -> tuple[int, list[str], int]:
    done = subprocess.run(
        [sys.executable, "-c", _GROUP_PROBE, *argv], capture_output=True, text=True, check=True
    )
    return ast.literal_eval(done.stderr.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_subcommand_converts_only_itself() -> None:
    code, kept, whole = _group_after("cert", "verify", "--help")
    assert (code, kept) == (0, ["verify"]) and whole > 5  # cert.app itself keeps every command
    code, kept, _ = _group_after("cert", "--help")  # the group's help lists them all
    assert code == 0 and "verify" in kept and "issue" in kept and len(kept) == whole
    code, kept, _ = _group_after("cert", "verif", "x")  # a typo: click suggests from them all
    assert code == 2 and len(kept) == whole


def test_a_typo_in_a_subcommand_is_still_suggested() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv = ['fabtrust', 'cert', 'verif', 'x']\n"
         "from fabtrust.cli import main; main()"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2
    assert "No such command 'verif'" in done.stderr and "verify" in done.stderr
