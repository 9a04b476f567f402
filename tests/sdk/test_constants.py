"""Shared constants live in fabtrust._constants once; every user reads that one copy."""

from __future__ import annotations

import ast
from pathlib import Path

import fabtrust._constants as constants
from fabtrust import accounts, agent, chain, client, deploy, deployments
from fabtrust.agent import settlement
from fabtrust.cli import _words

SDK = Path(constants.__file__).parent


def test_values() -> None:
    assert frozenset({31337, 1337}) == constants.LOCAL_CHAIN_IDS
    assert constants.REMOTE_CONFIRMATIONS == 3
    assert constants.DEVICE_STATUSES == ("Active", "Suspended", "Decommissioned")


def test_one_remote_depth_for_the_client_and_the_agent() -> None:
    # What the SDK reports final after a transaction is as deep as what the agent acts on.
    assert client.REMOTE_CONFIRMATIONS is constants.REMOTE_CONFIRMATIONS
    assert settlement.REMOTE_CONFIRMATIONS is constants.REMOTE_CONFIRMATIONS
    assert agent.REMOTE_CONFIRMATIONS is constants.REMOTE_CONFIRMATIONS


def test_one_set_of_local_chain_ids() -> None:
    for module in (accounts, chain, deploy, deployments):
        assert module.LOCAL_CHAIN_IDS is constants.LOCAL_CHAIN_IDS
    assert _words.DEVICE_STATUSES is constants.DEVICE_STATUSES


def _literal_copies(value: object) -> list[str]:
    found = []
    for path in sorted(SDK.rglob("*.py")):
        if path.name == "_constants.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Set, ast.Tuple)):
                try:
                    literal = ast.literal_eval(node)
                except ValueError:
                    continue
                if literal == value:
                    found.append(f"{path.relative_to(SDK)}:{node.lineno}")
    return found


def test_no_second_copy_of_the_local_chain_ids() -> None:
    assert _literal_copies({31337, 1337}) == []
