"""Shared fixtures for the contract suite (runs under Brownie's pytest plugin, Anvil or Ganache).

Accounts: 0 admin (consortium), 1 manufacturer, 2 lab, 3 buyer, 4 arbiter, 5 outsider,
6 second manufacturer, 7 second lab, 8 second buyer, 9 spare.
"""

import pytest
from brownie import accounts, network, web3
from web3 import Web3

MANUFACTURER_ROLE = Web3.keccak(text="MANUFACTURER_ROLE")
LAB_ROLE = Web3.keccak(text="LAB_ROLE")
ARBITER_ROLE = Web3.keccak(text="ARBITER_ROLE")
DEFAULT_ADMIN_ROLE = b"\x00" * 32


@pytest.fixture(scope="session", autouse=True)
def chain_fees():
    """Ganache has a base fee and no flag to zero it: pay 1 gwei tips there (Anvil runs at 0)."""
    if "ganache" in web3.client_version.lower():
        network.priority_fee("1 gwei")
    yield


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    """Every test starts from the same chain state."""


@pytest.fixture(scope="session")
def admin():
    return accounts[0]


@pytest.fixture(scope="session")
def manufacturer():
    return accounts[1]


@pytest.fixture(scope="session")
def lab():
    return accounts[2]


@pytest.fixture(scope="session")
def buyer():
    return accounts[3]


@pytest.fixture(scope="session")
def arbiter():
    return accounts[4]


@pytest.fixture(scope="session")
def outsider():
    return accounts[5]


@pytest.fixture(scope="module")
def devices(DeviceRegistry, admin, manufacturer):
    """A DeviceRegistry with `manufacturer` holding MANUFACTURER_ROLE."""
    registry = DeviceRegistry.deploy(admin, {"from": admin})
    registry.grantRole(MANUFACTURER_ROLE, manufacturer, {"from": admin})
    return registry


@pytest.fixture(scope="module")
def certs(CertificateRegistry, devices, admin, lab, chain):
    """A CertificateRegistry wired to `devices`, with `lab` accredited for a year."""
    registry = CertificateRegistry.deploy(admin, devices, {"from": admin})
    registry.accreditLab(lab, "Hydraulics Test Centre", chain.time() + 365 * 86400, {"from": admin})
    return registry


@pytest.fixture(scope="module")
def escrow(SupplyChainEscrow, devices, certs, admin, arbiter):
    """A SupplyChainEscrow wired to `devices` and `certs`, `arbiter` as the default arbiter."""
    contract = SupplyChainEscrow.deploy(admin, devices, certs, arbiter, {"from": admin})
    devices.grantRole(devices.LOCKER_ROLE(), contract, {"from": admin})
    return contract


@pytest.fixture(scope="module")
def usdc(TestStablecoin, admin, buyer):
    """The 6-decimal test stablecoin with 1,000,000 units minted to the buyer."""
    token = TestStablecoin.deploy({"from": admin})
    token.mint(buyer, 1_000_000 * 10**6, {"from": admin})
    return token
