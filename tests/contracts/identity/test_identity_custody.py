"""Ownership is the ERC-721 owner: transfers are the custody chain, in every status."""

import pytest
from identity_helpers import (
    DECOMMISSIONED,
    SUSPENDED,
    assert_events,
    assert_reverts,
    err,
)


@pytest.fixture
def dev_id(register, buyer):
    return register("SN-C", owner=buyer)[1]


def test_owner_transfers(devices, buyer, outsider, dev_id):
    tx = devices.transferFrom(buyer, outsider, dev_id, {"from": buyer})
    assert_events(
        tx, [("Transfer", {"from": buyer, "to": outsider, "tokenId": dev_id})], emitter=devices
    )
    assert devices.ownerOf(dev_id) == outsider
    assert (devices.balanceOf(buyer), devices.balanceOf(outsider)) == (0, 1)


def test_operator_moves_device_like_the_escrow(devices, buyer, outsider, arbiter, dev_id):
    """The escrow moves devices with transferFrom after the seller's setApprovalForAll."""
    tx = devices.setApprovalForAll(arbiter, True, {"from": buyer})
    assert_events(tx, [("ApprovalForAll", {"owner": buyer, "operator": arbiter, "approved": True})])
    devices.transferFrom(buyer, outsider, dev_id, {"from": arbiter})
    assert devices.ownerOf(dev_id) == outsider


def test_stranger_cannot_transfer(devices, buyer, outsider, dev_id):
    assert_reverts(
        devices.transferFrom,
        buyer,
        outsider,
        dev_id,
        sender=outsider,
        error=err("ERC721InsufficientApproval(address,uint256)", outsider, dev_id),
    )


def test_manufacturer_and_admin_cannot_move_a_sold_device(
    devices, buyer, manufacturer, admin, outsider, dev_id
):
    for caller in (manufacturer, admin):
        assert_reverts(
            devices.transferFrom,
            buyer,
            outsider,
            dev_id,
            sender=caller,
            error=err("ERC721InsufficientApproval(address,uint256)", caller, dev_id),
        )


@pytest.mark.parametrize("status", [SUSPENDED, DECOMMISSIONED])
def test_transfers_allowed_in_every_status(devices, manufacturer, buyer, outsider, dev_id, status):
    devices.setDeviceStatus(dev_id, status, {"from": manufacturer})
    devices.safeTransferFrom(buyer, outsider, dev_id, {"from": buyer})
    assert devices.ownerOf(dev_id) == outsider
    assert devices.device(dev_id)[2] == status


def test_record_follows_no_owner_change(devices, manufacturer, buyer, outsider, dev_id):
    """The manufacturer keeps managing status and key after the device changed hands."""
    devices.transferFrom(buyer, outsider, dev_id, {"from": buyer})
    devices.setDeviceStatus(dev_id, SUSPENDED, {"from": manufacturer})
    assert devices.device(dev_id)[0] == manufacturer
    assert_reverts(
        devices.setDeviceStatus,
        dev_id,
        DECOMMISSIONED,
        sender=outsider,
        error=err("NotDeviceManager(uint256,address)", dev_id, outsider),
    )
