"""`fabtrust deploy`: deploy the contracts (the Brownie build shipped in the package) and write
deployments/<chainId>.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._context import command, settings_of

__all__ = ["deploy"]


@command
def deploy(
    ctx: typer.Context,
    roles: Annotated[
        Path | None,
        typer.Option(help="Role configuration (YAML); default deployments/local.yaml locally."),
    ] = None,
    redeploy: Annotated[
        bool, typer.Option(help="Deploy a new set even when a matching registry exists.")
    ] = False,
) -> None:
    """Deploy DeviceRegistry, CertificateRegistry and SupplyChainEscrow wired together, grant
    roles, write deployments/<chainId>.json. A matching deployment already there is kept."""
    import time

    from fabtrust._constants import LOCAL_CHAIN_IDS, REMOTE_CONFIRMATIONS
    from fabtrust.chain import connect_web3
    from fabtrust.deploy import (
        RoleConfig,
        deploy_contracts,
        load_role_config,
        matching_deployment,
    )
    from fabtrust.deployments import load_deployment, save_deployment
    from fabtrust.errors import DeploymentNotFoundError, InvalidInputError

    settings = settings_of(ctx)
    out = settings.output
    signer = settings.signer(
        required="deploy sends transactions: give --account (or FABTRUST_PRIVATE_KEY)"
    )
    connection = connect_web3(settings.rpc_url)
    chain_id = connection.chain_id
    if not redeploy:
        try:
            existing = load_deployment(settings.deployments, chain_id=chain_id)
        except DeploymentNotFoundError:
            existing = None
        if existing is not None and matching_deployment(connection, existing):
            out.info(f"fabtrust is already deployed on chain {chain_id}; nothing deployed")
            out.result({"deployed": False, "deployment": existing.model_dump(mode="json")})
            return
    local = chain_id in LOCAL_CHAIN_IDS
    if roles is None and not local:
        raise InvalidInputError("give --roles FILE: a role configuration for this chain")
    default_roles = Path("deployments") / "local.yaml"
    path = roles or (default_roles if default_roles.is_file() else None)
    role_config = (
        load_role_config(path, chain_id=chain_id, now=int(time.time()))
        if path is not None
        else RoleConfig(test_stablecoin=local)
    )
    confirmations = settings.confirmations
    if confirmations is None:
        confirmations = 0 if local else REMOTE_CONFIRMATIONS
    sender = connection.sender(signer, confirmations=confirmations)
    deployment = deploy_contracts(connection, sender, role_config, progress=out.info)
    written = save_deployment(deployment, settings.deployments)
    out.info(f"written {written}")
    out.result(
        {"deployed": True, "path": str(written), "deployment": deployment.model_dump(mode="json")}
    )
