"""Fixtures for the TestCheckpoints (bench) suite; assertion helpers are in bench_helpers."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def checkpoints(TestCheckpoints, certs, admin):
    """TestCheckpoints wired to the CertificateRegistry `certs` (where `lab` is accredited)."""
    return TestCheckpoints.deploy(certs, {"from": admin})
