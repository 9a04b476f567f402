"""Install the offline toolchain pieces that npm and pip cannot place by themselves.

Run by ``make`` after ``npm ci`` and the virtualenv install (idempotent and fast, so it runs every
time):

* registers the solc WebAssembly front (``scripts/solc_front/solc.js``) as ``solc-v<version>`` in
  py-solc-x's install folder (``$SOLCX_BINARY_PATH`` or ``~/.solcx``), so ``brownie compile`` and
  ``solcx.compile_standard`` find the pinned compiler without any download; a native solc of the
  same version already installed there is kept (same compiler, identical bytecode);
* links ``anvil``, ``cast``, ``forge`` and ``ganache-cli`` from ``node_modules`` into the
  virtualenv's ``bin/``, so Brownie and the fabtrust CLI find them on ``PATH``, and the solc front
  as ``solc`` beside them (forge's ``foundry.toml`` and slither's crytic-compile use it).

The checkout may live in any folder, spaces and dots included: paths in the generated wrappers
are shell-quoted.

Exit codes: 0 done, 2 a prerequisite is missing (the message says what to install).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRONT = ROOT / "scripts" / "solc_front" / "solc.js"
MIN_NODE = (18, 0)
WRAPPER_MARK = "# fabtrust solc front"


class ToolchainError(Exception):
    """A prerequisite is missing; the message says what to install."""


def pinned_solc_version() -> str:
    """The solc version pinned in package.json (the single source of truth)."""
    spec = json.loads((ROOT / "package.json").read_text())["dependencies"]["solc"]
    if not re.fullmatch(r"\d+\.\d+\.\d+", spec):
        raise ToolchainError(f"package.json must pin solc to an exact version, found {spec!r}")
    return spec


def check_node() -> str:
    node = shutil.which("node")
    if node is None:
        raise ToolchainError(
            "node not found: fabtrust needs Node.js 18 or newer for the solc compiler front, "
            "Anvil and Ganache (Debian/Ubuntu: apt-get install nodejs npm)"
        )
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    if match is None or (int(match[1]), int(match[2])) < MIN_NODE:
        raise ToolchainError(f"Node.js 18 or newer is required, found {out.strip() or 'unknown'}")
    return node


def solcx_folder() -> Path:
    env = os.environ.get("SOLCX_BINARY_PATH")
    return Path(env) if env else Path.home() / ".solcx"


def wrapper_text() -> str:
    return f"""#!/bin/sh
{WRAPPER_MARK}: the official solc WebAssembly build (npm) behind a native-CLI-compatible front
if ! command -v node >/dev/null 2>&1; then
  echo "solc: node not found: install Node.js 18 or newer (Debian: apt-get install nodejs)" >&2
  exit 127
fi
if [ ! -f {shlex.quote(str(FRONT))} ]; then
  echo "solc: the fabtrust checkout that provided this compiler moved: run 'make' there again" >&2
  exit 127
fi
exec node {shlex.quote(str(FRONT))} "$@"
"""


def reports_version(binary: Path, version: str) -> bool:
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except OSError:
        return False
    return f"Version: {version}+" in out


def install_solc_front() -> Path:
    version = pinned_solc_version()
    folder = solcx_folder()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"solc-v{version}"
    text = wrapper_text()
    if target.is_file():
        current = target.read_bytes()
        if current == text.encode():
            return target
        is_ours = WRAPPER_MARK.encode() in current[:512]
        if not is_ours and reports_version(target, version):
            return target  # a native solc of the pinned version: same compiler, same bytecode
    _write_if_changed(target, text)
    if not reports_version(target, version):
        raise ToolchainError(f"the solc front at {target} does not report version {version}")
    return target


def _foundry_binary(tool: str) -> Path:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    system = {"linux": "linux", "darwin": "darwin"}.get(sys.platform)
    if arch is None or system is None:
        raise ToolchainError(f"no {tool} binary in @foundry-rs for {sys.platform}/{machine}")
    binary = ROOT / "node_modules" / "@foundry-rs" / f"{tool}-{system}-{arch}" / "bin" / tool
    if not binary.is_file():
        raise ToolchainError(f"{binary} is missing: run `npm ci` in {ROOT}")
    return binary


def link_tools(bin_dir: Path, solc_front: Path) -> None:
    links = {tool: _foundry_binary(tool) for tool in ("anvil", "cast", "forge")}
    links["solc"] = solc_front
    for name, source in links.items():
        if not source.exists():
            raise ToolchainError(f"{source} is missing: run `npm ci` in {ROOT}")
        link = bin_dir / name
        if link.is_symlink() and os.readlink(link) == str(source):
            continue
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(source)
    # Ganache logs every RPC call to stdout; Brownie pipes that stdout without reading it, so after
    # 64 KiB the node blocks. The wrapper keeps it quiet.
    ganache = ROOT / "node_modules" / "ganache" / "dist" / "node" / "cli.js"
    if not ganache.is_file():
        raise ToolchainError(f"{ganache} is missing: run `npm ci` in {ROOT}")
    _write_if_changed(
        bin_dir / "ganache-cli",
        f'#!/bin/sh\nexec node {shlex.quote(str(ganache))} --logging.quiet true "$@"\n',
    )


def _write_if_changed(target: Path, text: str) -> None:
    if target.is_symlink():
        target.unlink()
    if target.is_file() and target.read_text() == text:
        return
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o755)
    tmp.replace(target)


# Brownie networks of the project. They live in Brownie's per-user network-config.yaml (Brownie
# reads launch settings only from there); ports are off 8545 so that a `fabtrust chain up` node is
# never mistaken for the test chain. FABTRUST_TEST_PORT_BASE lets parallel checkouts coexist.
def brownie_networks() -> list[dict[str, object]]:
    base = int(os.environ.get("FABTRUST_TEST_PORT_BASE", "18545"))
    return [
        {
            "name": "fabtrust Anvil",
            "id": "fabtrust-anvil",
            "cmd": "anvil",
            "host": "http://127.0.0.1",
            "cmd_settings": {"port": base, "base_fee": 0},
        },
        {
            "name": "fabtrust Ganache 7.9",
            "id": "fabtrust-ganache",
            "cmd": "ganache-cli",
            "host": "http://127.0.0.1",
            # Same mnemonic as Anvil, so the well-known dev keys (fabtrust dev:N) hold on both.
            "cmd_settings": {
                "port": base + 1,
                "evm_version": "shanghai",
                "chain_id": 1337,
                "mnemonic": "test test test test test test test test test test test junk",
            },
        },
    ]


def install_brownie_networks() -> None:
    import yaml  # available in the dev virtualenv (a Brownie dependency)

    config = Path.home() / ".brownie" / "network-config.yaml"
    if not config.is_file():
        subprocess.run(
            [str(Path(sys.executable).parent / "brownie"), "networks", "list"],
            capture_output=True,
            check=False,
        )
    if not config.is_file():
        raise ToolchainError(f"Brownie did not create {config}; is eth-brownie installed?")
    data = yaml.safe_load(config.read_text())
    development = data.setdefault("development", [])
    wanted = brownie_networks()
    ids = {net["id"] for net in wanted}
    kept = [net for net in development if net.get("id") not in ids]
    if kept + wanted == development:
        return
    data["development"] = kept + wanted
    config.write_text(yaml.safe_dump(data, sort_keys=False))


def main() -> int:
    try:
        check_node()
        front = install_solc_front()
        link_tools(Path(sys.executable).parent, front)
        install_brownie_networks()
    except ToolchainError as exc:
        print(f"toolchain: {exc}", file=sys.stderr)
        return 2
    tools = "anvil, cast, forge, ganache-cli, solc"
    print(f"toolchain: solc {pinned_solc_version()} at {front}; {tools} linked into the virtualenv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
