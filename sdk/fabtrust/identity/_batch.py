"""Sizing ``registerDevices`` chunks to the block gas limit (pure arithmetic, light module)."""

from __future__ import annotations

import math

__all__ = ["DEFAULT_BLOCK_FRACTION", "SAMPLE_SIZE", "fit_size", "gas_with_margin", "plan_size"]

DEFAULT_BLOCK_FRACTION = 0.5
"""A batch transaction uses at most this share of the block gas limit."""

SAMPLE_SIZE = 32
"""Devices in the first gas estimate, from which the per-device gas is derived."""


def gas_with_margin(estimate: int, multiplier: float, block_gas_limit: int) -> int:
    """The gas limit to send with: the estimate times the sender's multiplier, within the block."""
    return min(block_gas_limit, math.ceil(estimate * multiplier))


def plan_size(*, per_device_gas: float, budget: int, multiplier: float, cap: int | None) -> int:
    """How many devices fit ``budget`` gas at ``per_device_gas`` each (with the sender's margin),
    at least one and at most ``cap``."""
    if per_device_gas <= 0:
        size = cap or 1
    else:
        size = max(1, math.floor(budget / (per_device_gas * multiplier)))
    return min(size, cap) if cap is not None else size


def fit_size(*, size: int, gas: int, budget: int) -> int:
    """A smaller chunk size after ``size`` devices needed ``gas`` > ``budget`` (5 % headroom)."""
    return max(1, min(size - 1, math.floor(size * budget / gas * 0.95)))
