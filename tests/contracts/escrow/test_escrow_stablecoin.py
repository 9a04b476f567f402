"""TestStablecoin: 6-decimal tUSD, minted only by the deployer and only on development chains."""

import pytest
from brownie import web3
from escrow_helpers import ZERO, assert_events, call_reverts, err, is_ganache, reverts


def test_metadata(usdc, admin):
    assert usdc.name() == "Test USD"
    assert usdc.symbol() == "tUSD"
    assert usdc.decimals() == 6
    assert usdc.minter() == admin


def test_deployer_mints_on_a_development_chain(usdc, admin, outsider):
    assert web3.eth.chain_id in (1337, 31337)
    supply = usdc.totalSupply()
    tx = usdc.mint(outsider, 123_456_789, {"from": admin})
    assert_events(tx, usdc, [("Transfer", {"from": ZERO, "to": outsider, "value": 123_456_789})])
    assert usdc.balanceOf(outsider) == 123_456_789
    assert usdc.totalSupply() == supply + 123_456_789


def test_only_the_deployer_mints(usdc, buyer, outsider):
    for caller in (buyer, outsider):
        with reverts(err("UnauthorizedMinter(address)", caller)):
            usdc.mint(caller, 1, {"from": caller})
    assert usdc.balanceOf(outsider) == 0


@pytest.fixture
def foreign_chain_id(usdc):
    """Anvil pretends to be chain 1 (mainnet) for one test; Ganache cannot change its chain id.
    (Anvil's own signer keeps 31337, so the test uses eth_call, which needs no signature.)"""
    if is_ganache():
        pytest.skip("Ganache cannot change its chain id at run time")
    original = web3.eth.chain_id
    web3.provider.make_request("anvil_setChainId", [1])
    try:
        yield 1
    finally:
        web3.provider.make_request("anvil_setChainId", [original])
        assert web3.eth.chain_id == original


def test_minting_is_disabled_on_other_chains(usdc, admin, buyer, foreign_chain_id):
    assert web3.eth.chain_id == foreign_chain_id
    call_reverts(
        usdc.mint, buyer, 1, sender=admin, error=err("MintingDisabled(uint256)", foreign_chain_id)
    )
    # the chain check comes first: nobody can mint there, not even the deployer
    call_reverts(
        usdc.mint, admin, 1, sender=buyer, error=err("MintingDisabled(uint256)", foreign_chain_id)
    )
