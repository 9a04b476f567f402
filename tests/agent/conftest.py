"""Fixtures for the settlement-agent tests: a private Anvil with the contracts deployed.

`agent_chain` (session): Anvil on a free port, contracts from the package's artifacts with
TestStablecoin, dev:1/5/6 manufacturers, dev:2 an accredited lab, dev:4 the default arbiter; a
snapshot after deployment. `market` (per test): the chain reverted to that snapshot afterwards.
`connect_agent(signer, state)` connects an SDK client the way `fabtrust agent run` does (the
transaction journal in the agent's state file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from agent_helpers import LAB, SELLERS, Market, dev

from fabtrust.testing import LocalAnvil


@dataclass
class AgentChain:
    node: LocalAnvil
    rpc_url: str
    deployments: Path
    snapshot: str
    deployment: Any


@pytest.fixture(scope="session")
def agent_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentChain]:
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
            default_arbiter=dev(4),
            manufacturers=[dev(s) for s in SELLERS],
            labs=[LabGrant(dev(LAB), "Hydraulics Test Centre", now + 20 * 365 * 86400)],
            test_stablecoin=True,
        )
        deployment = deploy_contracts(connection, sender, roles)
        folder = tmp_path_factory.mktemp("agent-deployments")
        save_deployment(deployment, folder)
        snapshot = str(connection.w3.provider.make_request("evm_snapshot", [])["result"])
        yield AgentChain(
            node=node,
            rpc_url=node.url,
            deployments=folder,
            snapshot=snapshot,
            deployment=deployment,
        )
    finally:
        node.stop()


@pytest.fixture
def market(agent_chain: AgentChain) -> Iterator[Market]:
    m = Market(rpc_url=agent_chain.rpc_url, deployment=agent_chain.deployment)
    m.approve_all()
    yield m
    assert m.rpc("evm_revert", [agent_chain.snapshot]) is True
    agent_chain.snapshot = str(m.rpc("evm_snapshot"))


@pytest.fixture
def connect_agent(agent_chain: AgentChain) -> Callable[..., Any]:
    import fabtrust

    def connect(signer: Any, state: Path, rpc_url: str | None = None) -> Any:
        return fabtrust.connect(
            rpc_url=rpc_url or agent_chain.rpc_url,
            account=signer,
            deployments=agent_chain.deployments,
            journal=state,
        )

    return connect
