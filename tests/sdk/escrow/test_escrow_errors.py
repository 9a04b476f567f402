"""Every custom error of the SupplyChainEscrow, reached on a real chain and raised as its class.

Most are reached through the SDK methods; the few the SDK refuses earlier with InvalidInputError
(ship_by in the past) or never produces (a wrong msg.value, a constructor with a zero address)
are reached through the raw binding, which maps reverts the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from escrow_helpers import SPEC_TEXT, USDC, Market

from fabtrust._artifacts import all_abis, artifact
from fabtrust.deploy import role_id
from fabtrust.errors import OPENZEPPELIN_ERRORS, ContractError, TransactionRevertedError
from fabtrust.escrow import NATIVE_TOKEN, OrderState
from fabtrust.escrow import errors as E
from fabtrust.escrow.client import _NO_TERMS, terms_struct
from fabtrust.evidence import test_spec_id

DAY = 86400
ZERO = NATIVE_TOKEN


def _spec() -> bytes:
    return bytes.fromhex(test_spec_id(SPEC_TEXT)[2:])


def _shipped(market: Market, *, certify: bool = False, inspection: int = 3 * DAY) -> int:
    created = market.order(inspection=inspection)
    if certify:
        for device_id in market.buyer.escrow.get_order(order_id=created.order_id).device_ids:
            market.certify(device_id)
    market.seller.escrow.mark_shipped(order_id=created.order_id, shipment="BL")
    return created.order_id


def _create(market: Market, **overrides: Any) -> Any:
    args: dict[str, Any] = {
        "seller": market.seller.account,
        "token": "native",
        "amount": 10**18,
        "device_ids": None,
        "test_spec": SPEC_TEXT,
        "ship_by": market.now() + DAY,
        "inspection_period": timedelta(days=3),
    }
    args.update(overrides)
    if args["device_ids"] is None:
        args["device_ids"] = market.devices(1)
    return market.buyer.escrow.create_order(**args)


# -- one case per error: returns (raised exception, expected class, expected args) ----------------


def case_zero_address(market: Market) -> tuple[Any, dict[str, Any]]:
    art = artifact("SupplyChainEscrow")
    factory = market.w3.eth.contract(abi=list(art.abi), bytecode=art.bytecode)
    registry = market.buyer.deployment.contract("DeviceRegistry").address
    data = factory.constructor(ZERO, registry, registry, market.arbiter.account).data_in_transaction
    with pytest.raises(E.ZeroAddressError) as info:
        market.admin.chain.sender.send({"data": data}, abis_for_errors=all_abis())
    return info.value, {}


def case_arbiter_role_missing(market: Market) -> tuple[Any, dict[str, Any]]:
    # Through the SDK: the default arbiter lost its role, so no order can be created.
    market.admin.chain.transact(
        "SupplyChainEscrow", "revokeRole", role_id("ARBITER_ROLE"), market.arbiter.account
    )
    with pytest.raises(E.ArbiterRoleMissingError) as info:
        _create(market)
    # And from the admin call that checks it too.
    with pytest.raises(E.ArbiterRoleMissingError):
        market.admin.chain.transact(
            "SupplyChainEscrow", "setDefaultArbiter", market.stranger.account
        )
    return info.value, {"account": market.arbiter.account}


def case_order_not_found(market: Market) -> tuple[Any, dict[str, Any]]:
    for action in (
        lambda: market.buyer.escrow.settle(order_id=77),
        lambda: market.buyer.escrow.arbiter_of(order_id=77),
    ):
        with pytest.raises(E.OrderNotFoundError):
            action()
    with pytest.raises(E.OrderNotFoundError) as info:
        market.buyer.escrow.get_order(order_id=77)
    return info.value, {"order_id": 77}


def case_invalid_seller(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.InvalidSellerError) as info:
        _create(market, seller=ZERO)
    return info.value, {"seller": ZERO}


def case_seller_is_buyer(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.SellerIsBuyerError) as info:
        _create(market, seller=market.buyer.account)
    return info.value, {"account": market.buyer.account}


def case_invalid_token(market: Market) -> tuple[Any, dict[str, Any]]:
    eoa = market.stranger.account  # an account without code is no token
    with pytest.raises(E.InvalidTokenError) as info:
        market.admin.escrow.set_token_allowed(token=eoa, allowed=True)
    return info.value, {"token": eoa}


def case_token_not_allowed(market: Market) -> tuple[Any, dict[str, Any]]:
    token = market.deploy("TestStablecoin")
    assert not market.buyer.escrow.is_token_allowed(token=token.address)
    assert market.buyer.escrow.is_token_allowed(token=None)
    with pytest.raises(E.TokenNotAllowedError) as info:
        _create(market, token=token.address, amount=USDC)
    return info.value, {"token": token.address}


def case_registry_mismatch(market: Market) -> tuple[Any, dict[str, Any]]:
    devices = artifact("DeviceRegistry")
    factory = market.w3.eth.contract(abi=list(devices.abi), bytecode=devices.bytecode)
    data = factory.constructor(market.admin.account).data_in_transaction
    other = market.admin.chain.sender.send({"data": data}).contract_address
    art = artifact("SupplyChainEscrow")
    factory = market.w3.eth.contract(abi=list(art.abi), bytecode=art.bytecode)
    certs = market.buyer.deployment.contract("CertificateRegistry").address
    registry = market.buyer.deployment.contract("DeviceRegistry").address
    data = factory.constructor(
        market.admin.account, other, certs, market.arbiter.account
    ).data_in_transaction
    with pytest.raises(E.RegistryMismatchError) as info:
        market.admin.chain.sender.send({"data": data}, abis_for_errors=all_abis())
    return info.value, {"device_registry": other, "certificates_device_registry": registry}


def case_arbiter_is_party(market: Market) -> tuple[Any, dict[str, Any]]:
    buyer = market.buyer.account
    market.admin.chain.transact("SupplyChainEscrow", "grantRole", role_id("ARBITER_ROLE"), buyer)
    market.admin.chain.transact("SupplyChainEscrow", "setDefaultArbiter", buyer)
    with pytest.raises(E.ArbiterIsPartyError) as info:
        _create(market)
    return info.value, {"arbiter": buyer, "buyer": buyer, "seller": market.seller.account}


def case_too_many_labs(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.TooManyLabsError) as info:
        _create(market, labs=[market.stranger.account] * 9)
    return info.value, {"count": 9, "max": 8}


def case_zero_lab(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.ZeroLabError) as info:
        _create(market, labs=[ZERO])
    return info.value, {}


def case_pass_count_mismatch(market: Market) -> tuple[Any, dict[str, Any]]:
    order_id = _shipped(market, certify=True)
    with pytest.raises(E.PassCountMismatchError) as info:
        market.stranger.escrow.settle(order_id=order_id, passes=[])
    return info.value, {"order_id": order_id, "expected": 2, "received": 0}


def case_length_mismatch(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.LengthMismatchError) as info:
        market.stranger.chain.transact(
            "SupplyChainEscrow", "settleMany", [1, 2], [_NO_TERMS, _NO_TERMS], [[]]
        )
    return info.value, {"orders": 2, "passes": 1}


def case_device_inactive(market: Market) -> tuple[Any, dict[str, Any]]:
    order_id = _shipped(market, certify=True)
    market.buyer.escrow.confirm_delivery(order_id=order_id)
    device_id = market.buyer.escrow.get_order(order_id=order_id).device_ids[0]
    market.seller.chain.transact("DeviceRegistry", "setDeviceStatus", device_id, 2)
    with pytest.raises(E.DeviceInactiveError) as info:
        market.stranger.escrow.settle(order_id=order_id)
    return info.value, {"order_id": order_id, "device_id": device_id, "status": 2}


def case_zero_amount(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.ZeroAmountError) as info:
        _create(market, amount=0, token=market.stablecoin)
    return info.value, {}


def case_no_devices(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.NoDevicesError) as info:
        _create(market, device_ids=[])
    return info.value, {}


def case_too_many_devices(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.TooManyDevicesError) as info:
        _create(market, device_ids=list(range(1, 102)))
    return info.value, {"count": 101, "max": 100}


def case_duplicate_device(market: Market) -> tuple[Any, dict[str, Any]]:
    a, b = market.devices(2)
    with pytest.raises(E.DuplicateDeviceError) as info:
        _create(market, device_ids=[a, b, a])
    return info.value, {"device_id": a}


def case_terms_mismatch(market: Market) -> tuple[Any, dict[str, Any]]:
    created = market.order()
    order = market.buyer.escrow.get_order(order_id=created.order_id)
    terms = list(terms_struct(order))
    terms[3] += 1  # the amount: any changed field changes the digest
    with pytest.raises(E.TermsMismatchError) as info:
        market.seller.chain.transact(
            "SupplyChainEscrow", "markShipped", created.order_id, tuple(terms), b"\x01" * 32
        )
    # The right terms of ANOTHER order do not fit either.
    other = market.order()
    with pytest.raises(E.TermsMismatchError):
        market.seller.chain.transact(
            "SupplyChainEscrow",
            "declineOrder",
            created.order_id,
            terms_struct(market.buyer.escrow.get_order(order_id=other.order_id)),
        )
    return info.value, {"order_id": created.order_id}


def case_ship_by_not_in_future(market: Market) -> tuple[Any, dict[str, Any]]:
    # The SDK refuses a past ship_by itself (InvalidInputError): send the raw call.
    past = market.now() - 10
    with pytest.raises(E.ShipByNotInFutureError) as info:
        market.buyer.chain.transact(
            "SupplyChainEscrow",
            "createOrder",
            market.seller.account,
            ZERO,
            10**18,
            market.devices(1),
            _spec(),
            past,
            3 * DAY,
            [],
            value=10**18,
        )
    assert info.value.current_time >= past + 10
    return info.value, {"ship_by": past, "current_time": info.value.current_time}


def case_invalid_inspection_period(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.InvalidInspectionPeriodError) as zero:
        _create(market, inspection_period=0)
    assert zero.value.inspection_period == 0
    with pytest.raises(E.InvalidInspectionPeriodError) as info:
        _create(market, inspection_period=timedelta(days=91))
    return info.value, {"inspection_period": 91 * DAY, "max_period": 90 * DAY}


def case_incorrect_payment(market: Market) -> tuple[Any, dict[str, Any]]:
    args = (
        market.seller.account,
        ZERO,
        10**18,
        market.devices(1),
        _spec(),
        market.now() + DAY,
        DAY,
        [],
    )
    with pytest.raises(E.IncorrectPaymentError) as info:
        market.buyer.chain.transact("SupplyChainEscrow", "createOrder", *args, value=10**18 - 1)
    erc20 = (market.seller.account, market.stablecoin, *args[2:])
    with pytest.raises(E.IncorrectPaymentError) as with_value:
        market.buyer.chain.transact("SupplyChainEscrow", "createOrder", *erc20, value=1)
    assert with_value.value.arguments == {"expected": 0, "received": 1}
    return info.value, {"expected": 10**18, "received": 10**18 - 1}


def case_fee_on_transfer_not_supported(market: Market) -> tuple[Any, dict[str, Any]]:
    fee_token = market.deploy("FeeOnTransferToken")
    market.send(market.admin, fee_token, "mint", market.buyer.account, 1_000 * USDC)
    market.admin.escrow.set_token_allowed(token=fee_token.address, allowed=True)
    with pytest.raises(E.FeeOnTransferNotSupportedError) as info:
        _create(market, token=fee_token.address, amount=1_000 * USDC)
    return info.value, {
        "token": fee_token.address,
        "expected": 1_000 * USDC,
        "received": 990 * USDC,  # 1 % burnt
    }


def case_invalid_order_state(market: Market) -> tuple[Any, dict[str, Any]]:
    created = market.order()
    with pytest.raises(E.InvalidOrderStateError) as info:
        market.buyer.escrow.confirm_delivery(order_id=created.order_id)
    assert OrderState(info.value.current) is OrderState.FUNDED
    return info.value, {"order_id": created.order_id, "current": int(OrderState.FUNDED)}


def case_not_seller(market: Market) -> tuple[Any, dict[str, Any]]:
    created = market.order()
    with pytest.raises(E.NotSellerError) as info:
        market.buyer.escrow.mark_shipped(order_id=created.order_id, shipment="x")
    # No DeviceRegistry approval was sent on behalf of a caller who is not the seller.
    assert not market.buyer.chain.call(
        "DeviceRegistry", "isApprovedForAll", market.buyer.account, market.escrow_address
    )
    return info.value, {"order_id": created.order_id, "caller": market.buyer.account}


def case_not_buyer(market: Market) -> tuple[Any, dict[str, Any]]:
    order_id = _shipped(market)
    with pytest.raises(E.NotBuyerError) as info:
        market.stranger.escrow.confirm_delivery(order_id=order_id)
    for action in (
        lambda: market.seller.escrow.open_dispute(order_id=order_id, reason="x"),
        lambda: market.seller.escrow.refund(order_id=order_id),
    ):
        with pytest.raises(E.NotBuyerError):
            action()
    return info.value, {"order_id": order_id, "caller": market.stranger.account}


def case_not_arbiter(market: Market) -> tuple[Any, dict[str, Any]]:
    order_id = _shipped(market)
    market.buyer.escrow.open_dispute(order_id=order_id, reason="broken")
    with pytest.raises(E.NotArbiterError) as info:
        market.buyer.escrow.resolve_dispute(order_id=order_id, seller_share_bps=0)
    return info.value, {"order_id": order_id, "caller": market.buyer.account}


def case_ship_deadline_passed(market: Market) -> tuple[Any, dict[str, Any]]:
    created = market.order(ship_in=600)
    ship_by = int(market.buyer.escrow.get_order(order_id=created.order_id).ship_by.timestamp())
    market.travel(601)
    with pytest.raises(E.ShipDeadlinePassedError) as info:
        market.seller.escrow.mark_shipped(order_id=created.order_id, shipment="late")
    return info.value, {"order_id": created.order_id, "ship_by": ship_by}


def case_ship_deadline_not_reached(market: Market) -> tuple[Any, dict[str, Any]]:
    created = market.order()
    ship_by = int(market.buyer.escrow.get_order(order_id=created.order_id).ship_by.timestamp())
    with pytest.raises(E.ShipDeadlineNotReachedError) as info:
        market.buyer.escrow.refund(order_id=created.order_id)
    return info.value, {"order_id": created.order_id, "ship_by": ship_by}


def case_inspection_period_active(market: Market) -> tuple[Any, dict[str, Any]]:
    order_id = _shipped(market, certify=True)
    ends = market.buyer.escrow.get_order(order_id=order_id).inspection_ends_at
    assert ends is not None
    with pytest.raises(E.InspectionPeriodActiveError) as info:
        market.stranger.escrow.settle(order_id=order_id)
    return info.value, {"order_id": order_id, "ends_at": int(ends.timestamp())}


def case_device_not_certified(market: Market) -> tuple[Any, dict[str, Any]]:
    devices = market.devices(3)
    market.certify(devices[0])
    market.certify(devices[1], result=2)  # a Fail is no pass
    created = market.order(device_ids=devices)
    market.seller.escrow.mark_shipped(order_id=created.order_id, shipment="x")
    market.buyer.escrow.confirm_delivery(order_id=created.order_id)
    with pytest.raises(E.DeviceNotCertifiedError) as info:
        market.stranger.escrow.settle(order_id=created.order_id)
    return info.value, {"order_id": created.order_id, "device_id": devices[1]}


def case_invalid_share(market: Market) -> tuple[Any, dict[str, Any]]:
    order_id = _shipped(market)
    market.buyer.escrow.open_dispute(order_id=order_id, reason="x")
    with pytest.raises(E.InvalidShareError) as info:
        market.arbiter.escrow.resolve_dispute(order_id=order_id, seller_share_bps=10_001)
    return info.value, {"seller_share_bps": 10_001}


def case_nothing_to_withdraw(market: Market) -> tuple[Any, dict[str, Any]]:
    with pytest.raises(E.NothingToWithdrawError) as native:
        market.seller.escrow.withdraw(token=None)
    assert native.value.token == ZERO
    with pytest.raises(E.NothingToWithdrawError) as info:
        market.seller.escrow.withdraw(token=market.stablecoin)
    return info.value, {"account": market.seller.account, "token": market.stablecoin}


def case_native_transfer_failed(market: Market) -> tuple[Any, dict[str, Any]]:
    # A contract buyer that rejects the coin: its refund is credited, and withdrawing the credit
    # while it still rejects the coin fails with NativeTransferFailed.
    owner = market.stranger
    wallet = market.deploy("TestWallet", owner.account, by=owner)
    escrow = market.buyer.chain.contract("SupplyChainEscrow")
    amount = 10**18
    create = escrow.encode_abi(
        "createOrder",
        args=[
            market.seller.account,
            ZERO,
            amount,
            market.devices(1),
            _spec(),
            market.now() + 600,
            DAY,
            [],
        ],
    )
    market.send(owner, wallet, "execute", escrow.address, amount, create, value=amount)
    order_id = market.buyer.escrow.list_orders(buyer=wallet.address)[0].id
    market.send(owner, wallet, "setMode", 1, ZERO, b"")  # Reject
    market.travel(601)
    terms = terms_struct(market.buyer.escrow.get_order(order_id=order_id))
    refund = escrow.encode_abi("refund", args=[order_id, terms])
    market.send(owner, wallet, "execute", escrow.address, 0, refund)
    assert market.buyer.escrow.credit_of(account=wallet.address, token=None) == amount
    withdraw = escrow.encode_abi("withdraw", args=[ZERO])
    with pytest.raises(E.NativeTransferFailedError) as info:
        market.send(owner, wallet, "execute", escrow.address, 0, withdraw)
    assert market.buyer.escrow.credit_of(account=wallet.address, token=None) == amount
    market.send(owner, wallet, "setMode", 0, ZERO, b"")  # Accept
    market.send(owner, wallet, "execute", escrow.address, 0, withdraw)
    assert market.buyer.escrow.credit_of(account=wallet.address, token="native") == 0
    assert market.eth_balance(wallet.address) == amount
    return info.value, {"to": wallet.address, "amount": amount}


CASES: dict[str, Callable[[Market], tuple[Any, dict[str, Any]]]] = {
    "ZeroAddress": case_zero_address,
    "ArbiterRoleMissing": case_arbiter_role_missing,
    "OrderNotFound": case_order_not_found,
    "InvalidSeller": case_invalid_seller,
    "SellerIsBuyer": case_seller_is_buyer,
    "InvalidToken": case_invalid_token,
    "ZeroAmount": case_zero_amount,
    "NoDevices": case_no_devices,
    "TooManyDevices": case_too_many_devices,
    "DuplicateDevice": case_duplicate_device,
    "TermsMismatch": case_terms_mismatch,
    "ShipByNotInFuture": case_ship_by_not_in_future,
    "InvalidInspectionPeriod": case_invalid_inspection_period,
    "IncorrectPayment": case_incorrect_payment,
    "FeeOnTransferNotSupported": case_fee_on_transfer_not_supported,
    "InvalidOrderState": case_invalid_order_state,
    "NotSeller": case_not_seller,
    "NotBuyer": case_not_buyer,
    "NotArbiter": case_not_arbiter,
    "ShipDeadlinePassed": case_ship_deadline_passed,
    "ShipDeadlineNotReached": case_ship_deadline_not_reached,
    "InspectionPeriodActive": case_inspection_period_active,
    "DeviceNotCertified": case_device_not_certified,
    "InvalidShare": case_invalid_share,
    "NothingToWithdraw": case_nothing_to_withdraw,
    "NativeTransferFailed": case_native_transfer_failed,
    "TokenNotAllowed": case_token_not_allowed,
    "RegistryMismatch": case_registry_mismatch,
    "ArbiterIsParty": case_arbiter_is_party,
    "TooManyLabs": case_too_many_labs,
    "ZeroLab": case_zero_lab,
    "PassCountMismatch": case_pass_count_mismatch,
    "LengthMismatch": case_length_mismatch,
    "DeviceInactive": case_device_inactive,
}


def test_create_order_refuses_devices_the_seller_cannot_lock(market: Market) -> None:
    """createOrder locks the devices in place: the registry's lock errors come through decoded."""
    from fabtrust.identity import errors as DE

    with pytest.raises(DE.DeviceNotFoundError):
        _create(market, device_ids=[123456789])
    foreign = market.device(owner=market.stranger.account)
    with pytest.raises(DE.DeviceNotOwnedByError) as info:
        _create(market, device_ids=[market.device(), foreign])
    assert info.value.arguments["owner"] == market.seller.account
    assert market.owner_of(foreign) == market.stranger.account
    locked = market.devices(1)
    _create(market, device_ids=locked)
    with pytest.raises(DE.DeviceLockedError) as twice:
        _create(market, device_ids=locked)  # a device is in one open order at a time
    assert twice.value.arguments["locker"] == market.escrow_address


def test_every_escrow_error_has_a_case_and_a_class() -> None:
    abi_errors = {
        item["name"]
        for item in artifact("SupplyChainEscrow").abi
        if item["type"] == "error" and item["name"] not in OPENZEPPELIN_ERRORS
    }
    assert abi_errors == set(CASES) == set(E.ESCROW_ERRORS)
    for name, cls in E.ESCROW_ERRORS.items():
        assert issubclass(cls, ContractError) and issubclass(cls, TransactionRevertedError)
        assert name == cls.ERROR_NAME and cls.__name__ == f"{name}Error"


@pytest.mark.parametrize("name", sorted(CASES))
def test_escrow_error_is_raised_with_its_arguments(market: Market, name: str) -> None:
    error, expected = CASES[name](market)
    cls = E.ESCROW_ERRORS[name]
    assert type(error) is cls
    assert error.error_name == name
    assert error.arguments == {abi: expected[attr] for abi, attr, _ in cls.INPUTS}, (
        f"{name}: {error.arguments}"
    )
    for attr, value in expected.items():
        assert getattr(error, attr) == value
    assert name in str(error)
