"""Fixtures for the escrow tests (helpers in escrow_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from escrow_helpers import Market


@pytest.fixture
def market(fresh_chain: Any) -> Iterator[Market]:
    c = fresh_chain.client
    c(1).devices.approve_escrow()  # the seller's one-time approval: createOrder locks its devices
    yield Market(
        chain=fresh_chain,
        admin=c(0),
        seller=c(1),
        lab=c(2),
        buyer=c(3),
        arbiter=c(4),
        stranger=c(5),
    )
