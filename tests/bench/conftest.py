"""Fixtures for the bench gateway tests: a real Anvil with the contracts (TestCheckpoints included),
a real MQTT broker (Mosquitto when installed, else the embedded amqtt), the simulated bench's real
OPC UA server. Time is simulated (source timestamps), so no test waits on a clock.

`bench_chain` (session): Anvil on a free port, contracts deployed, dev:2 an accredited lab, dev:1
a manufacturer who registered the motor under test (with a device key). Tests reach it through a
`ChainProxy` they can cut (a chain outage without losing the chain's state).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bench_helpers import ChainProxy

from fabtrust.testing import LocalAnvil, MqttBroker

SERIAL = "HM-2026-0001"
_USED: set[str] = set()


@dataclass
class BenchChain:
    rpc_url: str
    deployments: Path
    device_id: int
    device_key: Any
    snapshot: str

    def client(self, index: int, *, rpc_url: str | None = None, **kwargs: Any) -> Any:
        import fabtrust

        return fabtrust.connect(
            rpc_url=rpc_url or self.rpc_url,
            account=f"dev:{index}" if index >= 0 else None,
            deployments=self.deployments,
            **kwargs,
        )


@pytest.fixture(scope="session")
def bench_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BenchChain]:
    import fabtrust
    from fabtrust.accounts import Signer
    from fabtrust.chain import connect_web3
    from fabtrust.deploy import LabGrant, RoleConfig, deploy_contracts
    from fabtrust.deployments import save_deployment

    node = LocalAnvil().start()
    try:
        connection = connect_web3(node.url)
        now = int(connection.w3.eth.get_block("latest")["timestamp"])
        roles = RoleConfig(
            manufacturers=[Signer.dev(1).address],
            labs=[
                LabGrant(Signer.dev(2).address, "Hydraulics Test Centre", now + 10 * 365 * 86400)
            ],
        )
        deployment = deploy_contracts(connection, connection.sender(Signer.dev(0)), roles)
        folder = tmp_path_factory.mktemp("bench-deployments")
        save_deployment(deployment, folder)
        key = Signer.generate()
        maker = fabtrust.connect(rpc_url=node.url, account="dev:1", deployments=folder)
        device_id = maker.devices.register(serial=SERIAL, model="HM-200", key_signer=key).device_id
        snapshot = str(connection.w3.provider.make_request("evm_snapshot", [])["result"])
        yield BenchChain(node.url, folder, device_id, key, snapshot)
    finally:
        node.stop()


@pytest.fixture
def proxy(bench_chain: BenchChain) -> Iterator[ChainProxy]:
    """A TCP proxy to the session's Anvil that a test can cut and restore."""
    with ChainProxy(bench_chain.rpc_url) as p:
        yield p


@pytest.fixture(scope="session")
def broker_kind() -> str:
    from fabtrust._testing_bench import find_mosquitto

    return "mosquitto" if find_mosquitto() else "amqtt"


@pytest.fixture
def broker(broker_kind: str) -> Iterator[MqttBroker]:
    with MqttBroker(kind=broker_kind) as b:
        _USED.add(b.kind)
        yield b


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _USED:
        terminalreporter.write_line(
            f"bench tests used the MQTT broker: {', '.join(sorted(_USED))}"
            + ("" if "mosquitto" in _USED else " (Mosquitto not installed)")
        )
