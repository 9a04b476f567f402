"""Fixtures for SDK tests against a real Anvil with the fabtrust contracts deployed.

`fabtrust_chain` (session): a private Anvil on a free port, the contracts deployed from the
artifacts shipped in the package (TestStablecoin included), dev:1 a manufacturer, dev:2 an
accredited lab, dev:4 the default arbiter. `client_for(index)` connects as dev:N. A snapshot is
taken after deployment; `fresh_chain` reverts to it for tests that need a clean state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fabtrust.testing import LocalAnvil


@dataclass
class ChainFixture:
    rpc_url: str
    deployments: Path
    snapshot: str

    def client(self, index: int):  # type: ignore[no-untyped-def]
        import fabtrust

        return fabtrust.connect(
            rpc_url=self.rpc_url, account=f"dev:{index}", deployments=self.deployments
        )

    def rpc(self, method: str, params: list[object] | None = None) -> object:
        from fabtrust.cli.chain import rpc_call

        return rpc_call(self.rpc_url, method, params or [], timeout=30)

    def revert(self) -> None:
        assert self.rpc("evm_revert", [self.snapshot]) is True
        self.snapshot = str(self.rpc("evm_snapshot"))


@pytest.fixture(scope="session")
def fabtrust_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChainFixture]:
    from fabtrust.accounts import Signer
    from fabtrust.chain import connect_web3
    from fabtrust.deploy import LabGrant, RoleConfig, deploy_contracts
    from fabtrust.deployments import save_deployment

    node = LocalAnvil().start()
    try:
        url = node.url
        connection = connect_web3(url)
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
        folder = tmp_path_factory.mktemp("deployments")
        save_deployment(deployment, folder)
        snapshot = str(connection.w3.provider.make_request("evm_snapshot", [])["result"])
        yield ChainFixture(rpc_url=url, deployments=folder, snapshot=snapshot)
    finally:
        node.stop()


@pytest.fixture
def fresh_chain(fabtrust_chain: ChainFixture) -> Iterator[ChainFixture]:
    """The session chain, reverted to just after deployment when the test ends."""
    yield fabtrust_chain
    fabtrust_chain.revert()


@pytest.fixture
def client_for(fresh_chain: ChainFixture) -> Callable[[int], object]:
    return fresh_chain.client
