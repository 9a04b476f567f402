"""Gas of every fabtrust call the issue names, measured on a private Anvil with the optimizer as
deployed (the Brownie build: solc 0.8.24, Shanghai, 200 runs)."""

from __future__ import annotations

import json
import os
from typing import Any

from eth_account import Account
from web3 import Web3

from ._gas import ROOT, Measured, deploy, measure

BUILD = ROOT / "build" / "contracts"
# Anvil's well-known development key of accounts[2] (the lab): local benchmark chain only.
LAB_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
MANUFACTURER_ROLE = Web3.keccak(text="MANUFACTURER_ROLE")
PASS = 1
FAIL = 2
BURN = 3  # TestWallet.Mode.Burn: a receiver that burns all gas it is given
SPEC = Web3.keccak(text="ISO 4409:2019 hydraulic motor bench test")


def _artifact(name: str) -> dict[str, Any]:
    build = json.loads((BUILD / f"{name}.json").read_text())
    return {"contractName": name, "abi": build["abi"], "bytecode": "0x" + build["bytecode"]}


def _rand32() -> bytes:
    return os.urandom(32)


def _terms(escrow: Any, order_id: int) -> tuple[Any, ...]:
    """An order's ``OrderTerms`` from its ``OrderCreated`` log (the escrow stores only their
    digest; every later call passes them back)."""
    (log,) = escrow.events.OrderCreated().get_logs(
        from_block=0, argument_filters={"orderId": order_id}
    )
    raw = log["args"]["terms"]  # web3 decodes the struct as a mapping, in field order
    return tuple(raw.values()) if hasattr(raw, "values") else tuple(raw)


def measure_fabtrust(w3: Web3) -> dict[str, Measured]:
    admin, manufacturer, lab, buyer = w3.eth.accounts[:4]
    devices = deploy(w3, _artifact("DeviceRegistry"), admin)
    certs = deploy(w3, _artifact("CertificateRegistry"), admin, devices.address)
    escrow = deploy(
        w3, _artifact("SupplyChainEscrow"), admin, devices.address, certs.address, admin
    )
    token = deploy(w3, _artifact("TestStablecoin"))
    escrow.functions.setTokenAllowed(token.address, True).transact({"from": admin})
    devices.functions.grantRole(MANUFACTURER_ROLE, manufacturer).transact({"from": admin})
    locker = devices.functions.LOCKER_ROLE().call()  # the escrow locks an order's devices
    devices.functions.grantRole(locker, escrow.address).transact({"from": admin})
    year = w3.eth.get_block("latest")["timestamp"] + 365 * 86400
    certs.functions.accreditLab(lab, "Bench lab", year).transact({"from": admin})
    out: dict[str, Measured] = {}
    counter = iter(range(1, 10**9))
    passes: dict[int, tuple[bytes, bytes]] = {}  # device id -> (certId, dataRoot) of its Pass

    def certify(dev: int) -> None:
        report, data_root = _rand32(), _rand32()
        certs.functions.issueCertificate(dev, report, data_root, SPEC, PASS, year).transact(
            {"from": lab}
        )
        passes[dev] = (certs.functions.certificateId(lab, dev, report).call(), data_root)

    def register(n: int) -> list[int]:
        inputs = [
            (
                f"HM-{next(counter):07d}",
                _rand32(),
                Account.create().address,
                _rand32(),
                manufacturer,
            )
            for _ in range(n)
        ]
        devices.functions.registerDevices(inputs).transact({"from": manufacturer})
        return [devices.functions.deviceIdOf(manufacturer, i[0]).call() for i in inputs]

    register(1)  # the manufacturer's ERC-721 balance slot exists from here on, as in production
    serial = f"HM-{next(counter):07d}"
    out["registerDevice"] = measure(
        w3, "registerDevice (single)",
        devices.functions.registerDevice(
            serial, _rand32(), Account.create().address, _rand32(), manufacturer
        ),
        manufacturer,
    )  # fmt: skip
    batch = [
        (f"HM-{next(counter):07d}", _rand32(), Account.create().address, _rand32(), manufacturer)
        for _ in range(100)
    ]
    out["registerDevices100"] = measure(
        w3, "registerDevices, batch of 100, owner = manufacturer (per device)",
        devices.functions.registerDevices(batch), manufacturer, per=100,
    )  # fmt: skip
    batch = [
        (f"HM-{next(counter):07d}", _rand32(), Account.create().address, _rand32(), buyer)
        for _ in range(100)
    ]
    out["registerDevices100Owner"] = measure(
        w3, "registerDevices, batch of 100, owner ≠ manufacturer (per device)",
        devices.functions.registerDevices(batch), manufacturer, per=100,
    )  # fmt: skip

    device_ids = register(12)
    (fail_device,) = register(1)
    out["issueCertificate"] = measure(
        w3, "issueCertificate (Pass, first certificate of the device)",
        certs.functions.issueCertificate(device_ids[0], _rand32(), _rand32(), SPEC, PASS, year),
        lab,
    )  # fmt: skip
    out["issueCertificateFail"] = measure(
        w3, "issueCertificate (Fail, first certificate of the device)",
        certs.functions.issueCertificate(fail_device, _rand32(), _rand32(), SPEC, FAIL, year),
        lab,
    )  # fmt: skip
    request = (
        device_ids[1],
        _rand32(),
        _rand32(),
        SPEC,
        PASS,
        year,
        b"\x00" * 32,
        b"\x00" * 32,
        b"",
    )
    deadline = year
    digest = certs.functions.hashIssueRequest(request, lab, deadline).call()
    signature = Account.unsafe_sign_hash(digest, LAB_KEY).signature
    out["issueCertificateBySig"] = measure(
        w3, "issueCertificateBySig (submitted by the manufacturer)",
        certs.functions.issueCertificateBySig(request, lab, deadline, signature), manufacturer,
    )  # fmt: skip
    out["issueCertificateAttested"] = _attested(w3, certs, devices, manufacturer, lab, year)
    out["anchorBatch1000"] = measure(
        w3, "anchorBatch, 1,000 certificates (per certificate)",
        certs.functions.anchorBatch(_rand32(), 1000), lab, per=1000,
    )  # fmt: skip

    for dev in device_ids[2:]:
        certify(dev)
    devices.functions.setApprovalForAll(escrow.address, True).transact({"from": manufacturer})
    token.functions.mint(buyer, 10**15).transact({"from": w3.eth.accounts[0]})
    token.functions.approve(escrow.address, 2**256 - 1).transact({"from": buyer})
    now = w3.eth.get_block("latest")["timestamp"]
    for count, ids in ((1, device_ids[2:3]), (10, device_ids[2:12])):
        if count == 10:  # the single-device order's devices came back to the buyer: reuse others
            ids = register(10)
            for dev in ids:
                certify(dev)
        order_id = escrow.functions.nextOrderId().call()
        create = escrow.functions.createOrder(
            manufacturer, token.address, 1_000 * 10**6, ids, SPEC, now + 30 * 86400, 7 * 86400, []
        )
        out[f"createOrder{count}"] = measure(
            w3, f"createOrder ({count} device(s), ERC-20)", create, buyer
        )
        terms = _terms(escrow, order_id)
        out[f"markShipped{count}"] = measure(
            w3,
            f"markShipped ({count})",
            escrow.functions.markShipped(order_id, terms, _rand32()),
            manufacturer,
        )
        out[f"confirmDelivery{count}"] = measure(
            w3,
            f"confirmDelivery ({count})",
            escrow.functions.confirmDelivery(order_id, terms),
            buyer,
        )
        refs = [passes[dev] for dev in ids]
        out[f"settle{count}"] = measure(
            w3,
            f"settle ({count}, by a third party)",
            escrow.functions.settle(order_id, terms, refs),
            admin,
        )
    out["settleManyStarved"] = _starvation(w3, escrow, devices, register, certify, passes)
    return out


def _attested(
    w3: Web3, certs: Any, devices: Any, manufacturer: str, lab: str, year: int
) -> Measured:
    """issueCertificateWithOptions with the device key's signature over the data root (65 bytes,
    ECDSA), carried by CertificateIssued for the bundle."""
    key = Account.create()
    serial = "HM-ATTESTED"
    devices.functions.registerDevice(
        serial, _rand32(), key.address, _rand32(), manufacturer
    ).transact({"from": manufacturer})
    dev = devices.functions.deviceIdOf(manufacturer, serial).call()
    data_root = _rand32()
    digest = certs.functions.hashDataAttestation(dev, data_root).call()
    signature = Account.unsafe_sign_hash(digest, key.key).signature
    request = (dev, _rand32(), data_root, SPEC, PASS, year, b"\x00" * 32, b"\x00" * 32, signature)
    return measure(
        w3, "issueCertificateWithOptions (device-attested)",
        certs.functions.issueCertificateWithOptions(request), lab,
    )  # fmt: skip


def _starvation(
    w3: Web3, escrow: Any, devices: Any, register: Any, certify: Any, passes: Any
) -> Measured:
    """Issue 10's scenario: one settleMany of 10 honest 1-device native orders of 1 wei and one
    whose seller's receive() burns all gas (the bad seller is credited; the batch costs at most
    NATIVE_PUSH_GAS more)."""
    admin, manufacturer, _lab, buyer = w3.eth.accounts[:4]
    now = w3.eth.get_block("latest")["timestamp"]
    wallet = deploy(w3, _artifact("TestWallet"), admin)
    order_ids: list[int] = []

    def order(seller: str, dev: int) -> int:
        order_id = int(escrow.functions.nextOrderId().call())
        escrow.functions.createOrder(
            seller, "0x" + "00" * 20, 1, [dev], SPEC, now + 30 * 86400, 86400, []
        ).transact({"from": buyer, "value": 1})
        return order_id

    for dev in register(10):
        certify(dev)
        order_id = order(manufacturer, dev)
        escrow.functions.markShipped(order_id, _terms(escrow, order_id), _rand32()).transact(
            {"from": manufacturer}
        )
        order_ids.append(order_id)
    (bad_dev,) = register(1)
    devices.functions.transferFrom(manufacturer, wallet.address, bad_dev).transact(
        {"from": manufacturer}
    )
    certify(bad_dev)
    approve = devices.encode_abi("setApprovalForAll", args=[escrow.address, True])
    wallet.functions.execute(devices.address, 0, approve).transact({"from": admin})
    bad = order(wallet.address, bad_dev)
    ship = escrow.encode_abi("markShipped", args=[bad, _terms(escrow, bad), _rand32()])
    wallet.functions.execute(escrow.address, 0, ship).transact({"from": admin})
    order_ids.insert(5, bad)
    for order_id in order_ids:
        escrow.functions.confirmDelivery(order_id, _terms(escrow, order_id)).transact(
            {"from": buyer}
        )
    wallet.functions.setMode(BURN, "0x" + "00" * 20, b"").transact({"from": admin})
    terms = [_terms(escrow, o) for o in order_ids]
    refs = [[passes[int(t[4][0])]] for t in terms]  # t[4]: the order's device ids
    return measure(
        w3,
        "settleMany, 10 honest 1-device orders + 1 gas-burning seller (per order)",
        escrow.functions.settleMany(order_ids, terms, refs),
        admin,
        per=len(order_ids),
    )
