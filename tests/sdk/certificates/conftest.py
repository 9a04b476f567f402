"""Fixtures for the certificates tests: per-test clients on the session Anvil (reverted after each
test), a registered device, report files and clock helpers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from certs_helpers import World

from fabtrust.certificates import CertificatesClient


@pytest.fixture
def world(fresh_chain: Any, tmp_path: Path) -> World:
    """Clients for dev:0 (admin), dev:1 (manufacturer), dev:2 (lab), dev:3 (buyer), dev:4."""
    return World(fresh_chain, tmp_path)


@pytest.fixture
def lab(world: World) -> CertificatesClient:
    return world.certs(2)


@pytest.fixture
def admin(world: World) -> CertificatesClient:
    return world.certs(0)


@pytest.fixture
def buyer(world: World) -> CertificatesClient:
    return world.certs(3)


@pytest.fixture
def device_id(world: World) -> int:
    return world.register_device("HM-0001")[0]


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report-HM-0001.pdf"
    path.write_bytes(b"%PDF-1.7 test report " + os.urandom(32))
    return path


@pytest.fixture
def new_report(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(b"%PDF-1.7 " + name.encode() + os.urandom(16))
        return path

    return make
