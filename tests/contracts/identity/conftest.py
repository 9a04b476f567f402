"""Fixtures for the DeviceRegistry (identity) suite; the assertion helpers are in identity_helpers."""

from __future__ import annotations

import pytest
from brownie import accounts, compile_source
from eth_account import Account
from identity_helpers import MANUFACTURER_ROLE, METADATA, MODEL

# ------------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------------

WALLET_SOURCE = """
// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// Test-only ERC-1271 wallet: accepts a 65-byte ECDSA signature by `signer` over the hash, while
/// `accepting` is true. Has no onERC721Received (so it is also a wallet that cannot take a safe mint).
contract KeyWallet1271 {
    address public immutable signer;
    bool public accepting = true;

    constructor(address signer_) {
        signer = signer_;
    }

    function setAccepting(bool value) external {
        accepting = value;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (!accepting || signature.length != 65) return 0xffffffff;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        return ecrecover(hash, v, r, s) == signer ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
"""


@pytest.fixture(scope="session")
def wallet_container():
    """The ERC-1271 test wallet, compiled once with the project's pinned solc."""
    project = compile_source(WALLET_SOURCE, solc_version="0.8.24", evm_version="shanghai")
    return project.KeyWallet1271


@pytest.fixture(scope="session")
def manufacturer2():
    """A second manufacturer (accounts[6]); granted the role by the `devices2` fixture."""
    return accounts[6]


@pytest.fixture(scope="module")
def devices2(devices, admin, manufacturer2):
    """`devices` with a second manufacturer holding MANUFACTURER_ROLE."""
    devices.grantRole(MANUFACTURER_ROLE, manufacturer2, {"from": admin})
    return devices


@pytest.fixture
def device_key():
    """A fresh device signing key (eth-account LocalAccount, holds no ether)."""
    return Account.create()


@pytest.fixture
def register(devices, manufacturer, buyer):
    """Register a device with defaults: register(serial, key=..., owner=..., sender=...) -> (tx, id)."""

    def _register(
        serial="SN-0001", key=None, owner=None, sender=None, model=MODEL, metadata=METADATA
    ):
        key = key if key is not None else Account.create().address
        tx = devices.registerDevice(
            serial, model, str(key), metadata, owner or buyer, {"from": sender or manufacturer}
        )
        return tx, tx.return_value

    return _register
