"""Fixtures of the SupplyChainEscrow suite (Anvil and Ganache).

The shared fixtures (`devices`, `certs`, `escrow`, `usdc`, the accounts) come from
tests/contracts/conftest.py. Here: a second seller and buyer, device factories (register, certify,
approve the escrow), an order factory, and the mock tokens and contract wallets.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from brownie import accounts
from escrow_helpers import DAY, MODEL, NATIVE, PASS, SHIPMENT, SPEC, bind, clock, terms
from eth_abi import encode
from eth_utils import keccak

_serials = itertools.count(1)


def device_id(manufacturer: Any, serial: str) -> int:
    """uint256(keccak256(abi.encode(manufacturer, serial))), the DeviceRegistry id formula."""
    return int.from_bytes(keccak(encode(["address", "string"], [str(manufacturer), serial])), "big")


@pytest.fixture(scope="session")
def seller2():
    """A second seller (accounts[6])."""
    return accounts[6]


@pytest.fixture(scope="session")
def buyer2():
    """A second buyer (accounts[8])."""
    return accounts[8]


@pytest.fixture(scope="module", autouse=True)
def deployed(escrow, certs, usdc, admin, buyer2):
    """Deploy the shared contracts once per module, before the first test's snapshot; buyer2 gets
    1,000,000 tUSD too; the escrow allow-lists tUSD; `refs` reads these registries."""
    usdc.mint(buyer2, 1_000_000 * 10**6, {"from": admin})
    escrow.setTokenAllowed(usdc, True, {"from": admin})
    bind(certs, escrow)


@pytest.fixture(scope="module")
def make_devices(devices, certs, escrow, manufacturer, lab):
    """make_devices(n, owner=manufacturer, certify=True, spec=SPEC, approve=True) -> [deviceId]:
    registers n devices owned by `owner`, issues each a Pass for `spec` valid 180 days, and lets the
    escrow move the owner's records (setApprovalForAll) when the owner is an externally owned account."""

    def _make(n=1, owner=None, certify=True, spec=SPEC, approve=True):
        owner = owner or manufacturer
        ids = []
        for _ in range(n):
            serial = f"HM450-{next(_serials):06d}"
            devices.registerDevice(
                serial,
                MODEL,
                accounts[9].address,
                keccak(text=serial),
                owner,
                {"from": manufacturer},
            )
            ids.append(device_id(manufacturer, serial))
        if certify:
            for deviceId in ids:
                certify_device(certs, lab, deviceId, spec)
        if approve and not hasattr(owner, "abi") and not devices.isApprovedForAll(owner, escrow):
            devices.setApprovalForAll(escrow, True, {"from": owner})
        return ids

    return _make


def certify_device(certs, lab, deviceId, spec=SPEC, valid_for=180 * DAY, result=PASS):
    """Issue a certificate for `deviceId`; returns the certificate id."""
    report = keccak(text=f"report {deviceId} {spec.hex()} {next(_serials)}")
    tx = certs.issueCertificate(
        deviceId, report, keccak(report), spec, result, clock() + valid_for, {"from": lab}
    )
    return tx.events["CertificateIssued"]["certId"]


@pytest.fixture(scope="module")
def certify(certs, lab):
    """certify(deviceId, spec=SPEC, valid_for=180 days, result=PASS) -> certId."""

    def _certify(deviceId, spec=SPEC, valid_for=180 * DAY, result=PASS):
        return certify_device(certs, lab, deviceId, spec, valid_for, result)

    return _certify


@pytest.fixture(scope="module")
def create_order(escrow, usdc, buyer, manufacturer):
    """create_order(device_ids, token=usdc, amount=..., buyer=..., seller=..., spec=SPEC,
    ship_in=7 days, inspection=3 days, value=None) -> (tx, orderId). Approves ERC-20 amounts."""

    def _create(
        device_ids,
        token=None,
        amount=None,
        buyer_=None,
        seller=None,
        spec=SPEC,
        ship_in=7 * DAY,
        inspection=3 * DAY,
        value=None,
        labs=(),
    ):
        token = usdc if token is None else token
        buyer_ = buyer_ or buyer
        seller = seller or manufacturer
        is_native = str(token) == NATIVE
        if amount is None:
            amount = 10**18 if is_native else 25_000 * 10**6
        if not is_native:
            token.approve(escrow, amount, {"from": buyer_})
        params = {"from": buyer_}
        if value is not None or is_native:
            params["value"] = amount if value is None else value
        tx = escrow.createOrder(
            seller,
            token,
            amount,
            device_ids,
            spec,
            clock() + ship_in,
            inspection,
            list(labs),
            params,
        )
        return tx, tx.events["OrderCreated"]["orderId"]

    return _create


@pytest.fixture(scope="module")
def shipped_order(create_order, make_devices, escrow, manufacturer):
    """shipped_order(n=1, **create_kwargs) -> (orderId, deviceIds): a certified order, shipped."""

    def _shipped(n=1, **kwargs):
        ids = make_devices(n)
        _, order_id = create_order(ids, **kwargs)
        escrow.markShipped(
            order_id, terms(order_id), SHIPMENT, {"from": kwargs.get("seller") or manufacturer}
        )
        return order_id, ids

    return _shipped


@pytest.fixture(scope="module")
def fee_token(FeeOnTransferToken, escrow, admin, buyer):
    token = FeeOnTransferToken.deploy({"from": admin})
    escrow.setTokenAllowed(token, True, {"from": admin})
    token.mint(buyer, 1_000_000 * 10**18, {"from": admin})
    return token


@pytest.fixture(scope="module")
def reentrant_token(ReentrantToken, escrow, admin, buyer):
    token = ReentrantToken.deploy({"from": admin})
    escrow.setTokenAllowed(token, True, {"from": admin})
    token.mint(buyer, 1_000_000 * 10**18, {"from": admin})
    return token


@pytest.fixture(scope="module")
def blocklist_token(BlocklistToken, escrow, admin, buyer):
    token = BlocklistToken.deploy({"from": admin})
    escrow.setTokenAllowed(token, True, {"from": admin})
    token.mint(buyer, 1_000_000 * 10**18, {"from": admin})
    return token


@pytest.fixture(scope="module")
def new_wallet(TestWallet, admin):
    """new_wallet(owner=admin) -> a TestWallet (contract account) driven by `owner`."""

    def _new(owner=None):
        return TestWallet.deploy(owner or admin, {"from": admin})

    return _new


@pytest.fixture(scope="module")
def wallet_seller(new_wallet, make_devices, devices, escrow, admin):
    """wallet_seller(n=1) -> (wallet, deviceIds): a contract wallet owning n certified devices and
    having approved the escrow on the registry."""

    def _make(n=1):
        wallet = new_wallet(admin)
        ids = make_devices(n, owner=wallet, approve=False)
        wallet.execute(
            devices, 0, devices.setApprovalForAll.encode_input(escrow, True), {"from": admin}
        )
        return wallet, ids

    return _make
