"""Set the fabtrust version everywhere it is written: the one source and its Solidity copy.

    python scripts/set_version.py 0.2.0

sdk/fabtrust/_version.py is the source (pyproject.toml, ``fabtrust.__version__`` and
``fabtrust --version`` read it); contracts/common/Versioned.sol carries a copy because a contract
cannot read Python. Then run ``make abi`` (the bytecode shipped in the SDK changes) and add the
release heading to CHANGELOG.md. tests/toolchain/test_version.py checks that the copies agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sdk" / "fabtrust" / "_version.py"
SOLIDITY = ROOT / "contracts" / "common" / "Versioned.sol"

_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-.+][0-9A-Za-z.-]+)?$")
_PATTERNS = {
    SOURCE: re.compile(r'^(__version__ = ")[^"]*(")$', re.M),
    SOLIDITY: re.compile(r'(string private constant FABTRUST_VERSION = ")[^"]*(";)'),
}


def read_versions() -> dict[Path, str]:
    """The version written in each file (the source first)."""
    found = {}
    for path, pattern in _PATTERNS.items():
        match = pattern.search(path.read_text())
        if match is None:
            raise SystemExit(f"{path.relative_to(ROOT)}: no version constant found")
        found[path] = match.group(0)[len(match.group(1)) : -len(match.group(2))]
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not _SEMVER.match(argv[0]):
        print("usage: python scripts/set_version.py X.Y.Z", file=sys.stderr)
        return 2
    new = argv[0]
    for path, pattern in _PATTERNS.items():
        text, count = pattern.subn(lambda m: f"{m.group(1)}{new}{m.group(2)}", path.read_text())
        if count != 1:
            print(f"{path.relative_to(ROOT)}: version constant not found", file=sys.stderr)
            return 1
        path.write_text(text)
        print(f"{path.relative_to(ROOT)}: {new}")
    print("now: make abi (the shipped bytecode changes), a CHANGELOG.md heading", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
