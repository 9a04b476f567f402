"""Deploy the fabtrust contracts wired together, grant roles, write deployments/<chainId>.json.

    .venv/bin/python scripts/deploy.py --network fabtrust-anvil       # local (embedded Anvil)
    FABTRUST_DEPLOY_CONFIG=deployments/consortium.yaml \\
    FABTRUST_DEPLOYER=deployer .venv/bin/python scripts/deploy.py --network my-chain

Run it with the virtualenv's Python (``make deploy`` does): it loads the Brownie project of this
checkout and connects to the network itself. ``brownie run scripts/deploy.py`` works too, but only
in a checkout whose absolute path has no dot in a folder name: Brownie imports the script under a
module name built from that path (``~/src/fabtrust.v2`` becomes ``src.fabtrust.v2.scripts...``).

Brownie compiles (the artifacts deployed are this build's), chooses the network and unlocks the
deployer's keystore; the deployment itself is fabtrust.deploy.deploy_contracts, the same code the
SDK, the demo and the tests use.

Environment:
  FABTRUST_DEPLOY_CONFIG  role configuration (default deployments/local.yaml on local chains;
                          required on any other chain)
  FABTRUST_DEPLOYER       Brownie account id (`brownie accounts list`) on non-local chains
  FABTRUST_REDEPLOY=1     deploy a new set even if deployments/<chainId>.json matches this chain
  FABTRUST_DEPLOYMENTS    output folder (default deployments/)

Redeploying to a chain that already has a matching deployment (same genesis block, the recorded
code at every address, same ABIs) says so and changes nothing. Exit code 2 on a configuration
problem (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from brownie import accounts, network, project, web3

from fabtrust._artifacts import Artifact
from fabtrust._constants import LOCAL_CHAIN_IDS, REMOTE_CONFIRMATIONS
from fabtrust.accounts import Signer
from fabtrust.chain import connect_web3
from fabtrust.deploy import deploy_contracts, load_role_config, matching_deployment
from fabtrust.deployments import load_deployment, save_deployment
from fabtrust.errors import DeploymentNotFoundError, FabtrustError

ROOT = Path(__file__).resolve().parent.parent


class DeployError(Exception):
    """A configuration problem; reported in one line."""


def brownie_artifact(name: str) -> Artifact:
    """The artifact of ``name`` from this Brownie build (what `brownie compile` just produced)."""
    build = project.get_loaded_projects()[0]._build.get(name)
    compiler = build["compiler"]
    return Artifact(
        name=name,
        abi=tuple(build["abi"]),
        bytecode="0x" + build["bytecode"],
        deployed_bytecode="0x" + build["deployedBytecode"],
        compiler={
            "version": compiler["version"],
            "evm_version": compiler["evm_version"],
            "optimizer_enabled": bool(compiler["optimizer"]["enabled"]),
            "optimizer_runs": int(compiler["optimizer"]["runs"]),
        },
    )


def config_path(chain_id: int) -> Path:
    path_text = os.environ.get("FABTRUST_DEPLOY_CONFIG")
    if path_text is None:
        if chain_id not in LOCAL_CHAIN_IDS:
            raise DeployError("set FABTRUST_DEPLOY_CONFIG to a role configuration for this chain")
        return ROOT / "deployments" / "local.yaml"
    return Path(path_text)


def deployer_signer(chain_id: int) -> Signer:
    if chain_id in LOCAL_CHAIN_IDS:
        return Signer.dev(0)  # Brownie's local chains use the well-known dev mnemonic
    name = os.environ.get("FABTRUST_DEPLOYER")
    if not name:
        raise DeployError("set FABTRUST_DEPLOYER to a Brownie account id (brownie accounts list)")
    return Signer.from_key(accounts.load(name).private_key)


def deploy() -> None:
    connection = connect_web3(web3.provider.endpoint_uri)
    chain_id = connection.chain_id
    out_dir = Path(os.environ.get("FABTRUST_DEPLOYMENTS", ROOT / "deployments"))
    if os.environ.get("FABTRUST_REDEPLOY") != "1":
        try:
            existing = load_deployment(out_dir, chain_id=chain_id)
        except DeploymentNotFoundError:
            existing = None
        if existing is not None and matching_deployment(
            connection, existing, artifacts=brownie_artifact
        ):
            print(f"fabtrust is already deployed on chain {chain_id} ({out_dir}/{chain_id}.json):")
            print_addresses(existing.contracts)
            print("Nothing deployed. Set FABTRUST_REDEPLOY=1 to deploy a new set.")
            return
    roles = load_role_config(config_path(chain_id), chain_id=chain_id, now=int(time.time()))
    confirmations = 0 if chain_id in LOCAL_CHAIN_IDS else REMOTE_CONFIRMATIONS
    sender = connection.sender(deployer_signer(chain_id), confirmations=confirmations)
    deployment = deploy_contracts(connection, sender, roles, artifacts=brownie_artifact)
    path = save_deployment(deployment, out_dir)
    print(f"Deployed fabtrust on chain {chain_id} ({network.show_active()}), written to {path}:")
    print_addresses(deployment.contracts)


def print_addresses(contracts: Any) -> None:
    for name, record in contracts.items():
        print(f"  {name:<20} {record.address}  (block {record.block_number})")


def main() -> None:
    """The entry point of ``brownie run`` (project loaded, network connected)."""
    try:
        deploy()
    except (DeployError, FabtrustError) as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        sys.exit(2)


def run_standalone(argv: list[str] | None = None) -> None:
    """``python scripts/deploy.py [--network ID]``: what ``brownie run`` does, without importing
    this file by a module name built from its absolute path."""
    parser = argparse.ArgumentParser(
        description="Deploy the fabtrust contracts (see the docstring)."
    )
    parser.add_argument(
        "--network", default="fabtrust-anvil", help="Brownie network id (default fabtrust-anvil)"
    )
    args = parser.parse_args(argv)
    loaded = project.load(ROOT)  # compiles what changed, like `brownie run`
    loaded.load_config()
    print(f"{loaded._name} is the active project.")
    network.connect(args.network)
    try:
        main()
    finally:
        network.disconnect()  # stops a local chain that Brownie launched


if __name__ == "__main__":
    run_standalone()
