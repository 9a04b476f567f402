"""Fixtures for the CLI tests: a private Anvil with the fabtrust contracts deployed, and a runner.

`cli_chain` (session): Anvil on a free port, contracts deployed from the artifacts shipped in the
package (TestStablecoin included); dev:0 deployer and admin, dev:1 a manufacturer, dev:2 an
accredited lab, dev:4 the default arbiter, dev:3 a buyer holding 1,000,000 tUSD. A snapshot is
taken after that; `chain` reverts to it when the test ends.

`cli` runs `fabtrust` in-process with typer's CliRunner (global options filled in), returning a
`Run` with the exit code, stdout, stderr and the parsed --json document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fabtrust.testing import LocalAnvil

BUYER_TUSD = 1_000_000 * 10**6


@dataclass
class ChainFixture:
    rpc_url: str
    deployments: Path
    snapshot: str

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        from fabtrust.cli.chain import rpc_call

        return rpc_call(self.rpc_url, method, params or [], timeout=30)

    def revert(self) -> None:
        assert self.rpc("evm_revert", [self.snapshot]) is True
        self.snapshot = str(self.rpc("evm_snapshot"))

    def travel(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", [seconds])
        self.rpc("evm_mine")

    def client(self, index: int | None) -> Any:
        import fabtrust

        return fabtrust.connect(
            rpc_url=self.rpc_url,
            account=None if index is None else f"dev:{index}",
            deployments=self.deployments,
        )

    def now(self) -> int:
        return int(self.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


@pytest.fixture(scope="session")
def cli_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChainFixture]:
    from fabtrust.accounts import Signer
    from fabtrust.chain import connect_web3
    from fabtrust.deploy import LabGrant, RoleConfig, deploy_contracts
    from fabtrust.deployments import save_deployment

    node = LocalAnvil().start()
    try:
        connection = connect_web3(node.url)
        sender = connection.sender(Signer.dev(0))
        now = int(connection.w3.eth.get_block("latest")["timestamp"])
        roles = RoleConfig(
            default_arbiter=Signer.dev(4).address,
            manufacturers=[Signer.dev(1).address],
            labs=[
                LabGrant(Signer.dev(2).address, "Hydraulics Test Centre", now + 10 * 365 * 86400)
            ],
            test_stablecoin=True,
        )
        deployment = deploy_contracts(connection, sender, roles)
        folder = tmp_path_factory.mktemp("cli-deployments")
        save_deployment(deployment, folder)
        fixture = ChainFixture(rpc_url=node.url, deployments=folder, snapshot="")
        admin = fixture.client(0)
        admin.chain.transact("TestStablecoin", "mint", Signer.dev(3).address, BUYER_TUSD)
        fixture.snapshot = str(fixture.rpc("evm_snapshot"))
        yield fixture
    finally:
        node.stop()


@pytest.fixture
def chain(cli_chain: ChainFixture) -> Iterator[ChainFixture]:
    """The session chain, reverted to its post-deployment snapshot when the test ends."""
    yield cli_chain
    cli_chain.revert()


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def data(self) -> Any:
        """The --json document on stdout."""
        return json.loads(self.stdout)

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return (
            f"Run(exit_code={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r}, "
            f"exception={self.exception!r})"
        )


class Cli:
    """Invoke `fabtrust` in-process against a chain."""

    def __init__(self, chain: ChainFixture | None) -> None:
        self.chain = chain
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str,
        account: int | str | None = None,
        json_mode: bool = True,
        env: dict[str, str | None] | None = None,
    ) -> Run:
        from fabtrust.cli import app

        options: list[str] = []
        if self.chain is not None:
            options += [
                "--rpc-url",
                self.chain.rpc_url,
                "--deployments",
                str(self.chain.deployments),
            ]
        if account is not None:
            options += ["--account", account if isinstance(account, str) else f"dev:{account}"]
        if json_mode:
            options.append("--json")
        result = self.runner.invoke(
            app,
            [*options, *args],
            env={
                "COLUMNS": "200",
                "FABTRUST_ACCOUNT": None,
                "FABTRUST_RPC_URL": None,
                "FABTRUST_PRIVATE_KEY": None,
                "FABTRUST_PASSWORD": None,
                "FABTRUST_PASSWORD_FILE": None,
                **(env or {}),
            },
        )
        return Run(
            exit_code=result.exit_code,
            stdout=result.stdout,
            stderr=result.stderr,
            exception=result.exception if not isinstance(result.exception, SystemExit) else None,
        )

    def ok(
        self, *args: str, account: int | str | None = None, env: dict[str, str | None] | None = None
    ) -> Any:
        """Run with --json, assert exit 0, return the JSON document."""
        run = self(*args, account=account, env=env)
        assert run.exit_code == 0, run
        assert run.exception is None, run
        return run.data


@pytest.fixture
def cli(chain: ChainFixture) -> Cli:
    return Cli(chain)


@pytest.fixture
def offline_cli() -> Cli:
    """A runner for commands that fail before connecting (no chain options given)."""
    return Cli(None)


def assert_one_line_error(run: Run, code: int, *needles: str) -> str:
    """The command failed with ``code`` and exactly one `error:` line naming the problem, and no
    traceback."""
    assert run.exit_code == code, run
    assert run.exception is None, run
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, run
    assert "Traceback" not in run.stderr, run
    for needle in needles:
        assert needle in errors[0], (needle, run)
    return errors[0]


@pytest.fixture
def readings_csv(tmp_path: Path) -> Path:
    path = tmp_path / "readings.csv"
    path.write_text(
        "timestamp,channel,value,unit\n"
        "2024-05-01T10:00:00Z,P1_inlet_pressure,212.37,bar\n"
        "2024-05-01T10:00:01Z,Q1_inlet_flow,158.2,L/min\n"
        "2024-05-01T10:00:02Z,T1_oil_temp,54.1,degC\n"
    )
    return path


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7 hydraulic motor HM-200 serial SN-1 bench test: PASS\n")
    return path


@pytest.fixture
def expect_error() -> Any:
    """``expect_error(run, code, *needles)``: see :func:`assert_one_line_error`."""
    return assert_one_line_error


@pytest.fixture
def validate() -> Any:
    """``validate(document, "verdict" | "bundle" | "error")``: see :func:`validate_schema`."""
    from cli_schemas import validate_schema

    return validate_schema
