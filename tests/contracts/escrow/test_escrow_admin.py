"""Deployment, roles, the default arbiter, views, ERC-165; and a self-test of the revert helper."""

import pytest
from brownie import SupplyChainEscrow, project
from brownie.convert.utils import build_function_selector
from escrow_helpers import (
    ARBITER_ROLE,
    DEFAULT_ADMIN_ROLE,
    NO_TERMS,
    ZERO,
    assert_events,
    call_reverts,
    err,
    reverts,
    unauthorized,
)


def test_deployment_wires_registries_and_roles(escrow, devices, certs, admin, arbiter, outsider):
    assert escrow.deviceRegistry() == devices
    assert escrow.certificateRegistry() == certs
    assert escrow.defaultArbiter() == arbiter
    assert escrow.nextOrderId() == 1
    assert escrow.hasRole(DEFAULT_ADMIN_ROLE, admin)
    assert escrow.hasRole(ARBITER_ROLE, arbiter)
    assert not escrow.hasRole(ARBITER_ROLE, admin)
    assert not escrow.hasRole(DEFAULT_ADMIN_ROLE, outsider)
    assert_events(
        escrow.tx,
        escrow,
        [
            ("RoleGranted", {"role": DEFAULT_ADMIN_ROLE, "account": admin, "sender": admin}),
            ("RoleGranted", {"role": ARBITER_ROLE, "account": arbiter, "sender": admin}),
            ("DefaultArbiterUpdated", {"previousArbiter": ZERO, "newArbiter": arbiter}),
        ],
    )


@pytest.mark.parametrize("zero_arg", range(4))
def test_constructor_rejects_zero_addresses(devices, certs, admin, arbiter, zero_arg):
    args = [admin, devices, certs, arbiter]
    args[zero_arg] = ZERO
    with reverts(err("ZeroAddress()")):
        SupplyChainEscrow.deploy(*args, {"from": admin})


def test_admin_sets_default_arbiter(escrow, admin, arbiter, outsider):
    escrow.grantRole(ARBITER_ROLE, outsider, {"from": admin})
    tx = escrow.setDefaultArbiter(outsider, {"from": admin})
    assert_events(
        tx,
        escrow,
        [("DefaultArbiterUpdated", {"previousArbiter": arbiter, "newArbiter": outsider})],
    )
    assert escrow.defaultArbiter() == outsider


def test_default_arbiter_must_hold_the_role(escrow, admin, outsider):
    with reverts(err("ArbiterRoleMissing(address)", outsider)):
        escrow.setDefaultArbiter(outsider, {"from": admin})
    with reverts(err("ArbiterRoleMissing(address)", ZERO)):
        escrow.setDefaultArbiter(ZERO, {"from": admin})


def test_only_admin_sets_default_arbiter_or_roles(escrow, arbiter, outsider, buyer):
    for caller in (arbiter, outsider, buyer):
        with reverts(unauthorized(caller, DEFAULT_ADMIN_ROLE)):
            escrow.setDefaultArbiter(arbiter, {"from": caller})
    with reverts(unauthorized(outsider, DEFAULT_ADMIN_ROLE)):
        escrow.grantRole(ARBITER_ROLE, outsider, {"from": outsider})


def test_views_of_unknown_orders_revert(escrow, buyer):
    for order_id in (0, 1, 2**256 - 1):
        call_reverts(
            escrow.order, order_id, sender=buyer, error=err("OrderNotFound(uint256)", order_id)
        )
        call_reverts(
            escrow.arbiterOf,
            order_id,
            NO_TERMS,
            sender=buyer,
            error=err("OrderNotFound(uint256)", order_id),
        )


def test_supports_interface(escrow):
    abi = project.get_loaded_projects()[0]._build.get("ISupplyChainEscrow")["abi"]
    selectors = [
        int(build_function_selector(item), 16)
        for item in abi
        if item["type"] == "function" and item["name"] != "version"  # inherited: IVersioned
    ]
    assert len(selectors) == 27
    interface_id = 0
    for selector in selectors:
        interface_id ^= selector
    assert escrow.supportsInterface(interface_id.to_bytes(4, "big"))
    assert escrow.supportsInterface("0x7965db0b")  # IAccessControl
    assert escrow.supportsInterface("0x01ffc9a7")  # IERC165
    assert not escrow.supportsInterface("0x80ac58cd")  # IERC721
    assert not escrow.supportsInterface("0xffffffff")


def test_revert_helper_is_exact(escrow, admin, outsider):
    """The helper must fail on a different error, different arguments, or no revert at all."""
    with pytest.raises(AssertionError), reverts(err("ArbiterRoleMissing(address)", admin)):
        escrow.setDefaultArbiter(outsider, {"from": admin})
    with pytest.raises(AssertionError), reverts(err("OrderNotFound(uint256)", 0)):
        escrow.setDefaultArbiter(outsider, {"from": admin})
    with pytest.raises(AssertionError), reverts(err("ZeroAddress()")):
        escrow.defaultArbiter()
    with pytest.raises(AssertionError):
        call_reverts(escrow.order, 5, sender=admin, error=err("OrderNotFound(uint256)", 6))
