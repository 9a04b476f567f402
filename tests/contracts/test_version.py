"""Every deployed fabtrust contract answers version() with the Python package's version."""

from brownie import TestCheckpoints, interface

from fabtrust import __version__


def test_deployed_versions_are_the_package_version(devices, certs, escrow, admin):
    checkpoints = TestCheckpoints.deploy(certs, {"from": admin})
    for contract in (devices, certs, escrow, checkpoints):
        assert contract.version() == __version__
        # Declared once, on IVersioned, which every fabtrust interface inherits.
        assert interface.IVersioned(contract.address).version() == __version__
