"""Toolchain smoke test: an OpenZeppelin-importing contract compiled offline, deployed, called."""

import brownie
from brownie import SmokeOwnable, accounts, web3


def test_compiled_with_pinned_offline_compiler():
    build = SmokeOwnable._build
    assert build["compiler"]["version"].startswith("0.8.24+commit.e11b9ed9")
    assert build["compiler"]["evm_version"] == "shanghai"


def test_deploy_and_call():
    owner, other = accounts[0], accounts[1]
    smoke = SmokeOwnable.deploy({"from": owner})
    tx = smoke.setValue(42, {"from": owner})
    assert tx.events["ValueSet"]["value"] == 42
    assert smoke.value() == 42
    assert smoke.owner() == owner
    with brownie.reverts():
        smoke.setValue(1, {"from": other})
    assert web3.eth.get_code(smoke.address) == bytes.fromhex(
        SmokeOwnable._build["deployedBytecode"]
    )
