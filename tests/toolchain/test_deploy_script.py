"""scripts/deploy.py (as `make deploy` runs it) against a running Anvil: registry, roles, no double
deploy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fabtrust.testing import LocalAnvil

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("FABTRUST_TEST_PORT_BASE", "18545"))  # the fabtrust-anvil network


def run_deploy(out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/deploy.py", "--network", "fabtrust-anvil"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "FABTRUST_DEPLOYMENTS": str(out), **env},
    )  # fmt: skip


@pytest.fixture(scope="module")
def anvil_on_network_port():
    with LocalAnvil(port=PORT) as node:
        yield node.url


def test_deploys_once_then_recognises_the_deployment(anvil_on_network_port, tmp_path):
    from fabtrust.accounts import Signer
    from fabtrust.chain import connect_web3
    from fabtrust.deploy import role_id
    from fabtrust.deployments import load_deployment

    first = run_deploy(tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Deployed fabtrust on chain 31337" in first.stdout
    deployment = load_deployment(tmp_path, chain_id=31337)
    connection = connect_web3(anvil_on_network_port)
    assert deployment.genesis_hash == connection.genesis_hash
    assert set(deployment.contracts) == {
        "DeviceRegistry", "CertificateRegistry", "SupplyChainEscrow", "TestStablecoin",
        "TestCheckpoints",
    }  # fmt: skip
    for record in deployment.contracts.values():
        assert record.compiler.version.startswith("0.8.24+commit.e11b9ed9")
        assert record.compiler.evm_version == "shanghai"
        assert record.code_sha256 is not None
    # Roles from deployments/local.yaml: dev:1 manufacturer, dev:4 default arbiter.
    registry = connection.w3.eth.contract(
        address=deployment.contract("DeviceRegistry").address,
        abi=[{"type": "function", "name": "hasRole", "stateMutability": "view",
              "inputs": [{"type": "bytes32"}, {"type": "address"}],
              "outputs": [{"type": "bool"}]}],
    )  # fmt: skip
    assert registry.functions.hasRole(role_id("MANUFACTURER_ROLE"), Signer.dev(1).address).call()
    assert deployment.roles["ARBITER_ROLE"] == [Signer.dev(4).address]

    before = json.loads((tmp_path / "31337.json").read_text())
    second = run_deploy(tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "already deployed on chain 31337" in second.stdout
    assert "Nothing deployed" in second.stdout
    assert json.loads((tmp_path / "31337.json").read_text()) == before

    forced = run_deploy(tmp_path, FABTRUST_REDEPLOY="1")
    assert "Deployed fabtrust" in forced.stdout
    again = load_deployment(tmp_path, chain_id=31337)
    assert again.contract("DeviceRegistry").address != deployment.contract("DeviceRegistry").address


def test_bad_config_is_one_line_and_exit_2(anvil_on_network_port, tmp_path):
    config = tmp_path / "roles.yaml"
    config.write_text("manufacturers: [not-an-address]\n")
    result = run_deploy(tmp_path, FABTRUST_DEPLOY_CONFIG=str(config), FABTRUST_REDEPLOY="1")
    assert result.returncode == 2
    assert "deploy: manufacturers: 'not-an-address' is not an address or dev:N" in result.stderr
    assert not (tmp_path / "31337.json").exists()
