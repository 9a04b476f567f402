"""EIP-1559 fee suggestions, caps and replacement bumps (legacy gas price on pre-London chains).

* tip = max(``eth_maxPriorityFeePerGas``, floor); when the node does not support the method, the
  floor;
* maxFee = min(cap, 2 * baseFee + tip) - room for the base fee to double before the tx is priced
  out; the tip is clipped to maxFee;
* the least a transaction can pay and still be mined now is baseFee + floor: when the cap is below
  that, :class:`~fabtrust.errors.FeeCapExceededError`;
* a replacement (same nonce) raises both fields by at least 12.5 % (nodes require 10 %) and never
  below the current suggestion; a bump the cap does not allow raises FeeCapExceededError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from fabtrust.errors import FeeCapExceededError, InvalidInputError

__all__ = ["DEFAULT_MIN_PRIORITY_FEE_WEI", "FeePolicy", "Fees", "bump_amount"]

DEFAULT_MIN_PRIORITY_FEE_WEI = 1_000_000_000
"""1 gwei: the tip floor unless configured otherwise (0 for free-gas consortium chains)."""

_BUMP_NUM, _BUMP_DEN = 9, 8  # +12.5 %


def bump_amount(value: int) -> int:
    """``value`` raised by 12.5 % (rounded up), and by at least 1 wei."""
    return max(value + 1, -(-value * _BUMP_NUM // _BUMP_DEN))


@dataclass(frozen=True)
class Fees:
    """Fees of one transaction: EIP-1559 fields, or ``gas_price`` on a chain without base fee."""

    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    gas_price: int | None = None

    @property
    def is_legacy(self) -> bool:
        """True for a type-0 (gas price) transaction."""
        return self.gas_price is not None

    @property
    def ceiling(self) -> int:
        """The most the transaction may pay per gas."""
        return int(self.gas_price if self.gas_price is not None else self.max_fee_per_gas or 0)

    def tx_fields(self) -> dict[str, int]:
        """The fields to put in the transaction dict."""
        if self.gas_price is not None:
            return {"gasPrice": self.gas_price}
        return {
            "maxFeePerGas": int(self.max_fee_per_gas or 0),
            "maxPriorityFeePerGas": int(self.max_priority_fee_per_gas or 0),
        }

    @classmethod
    def from_tx(cls, tx: dict[str, Any]) -> Fees | None:
        """Fees given explicitly in transaction params, if any."""
        if "gasPrice" in tx:
            return cls(gas_price=int(tx["gasPrice"]))
        if "maxFeePerGas" in tx or "maxPriorityFeePerGas" in tx:
            if "maxFeePerGas" not in tx or "maxPriorityFeePerGas" not in tx:
                raise InvalidInputError(
                    "give both maxFeePerGas and maxPriorityFeePerGas, or neither", field="fees"
                )
            return cls(
                max_fee_per_gas=int(tx["maxFeePerGas"]),
                max_priority_fee_per_gas=int(tx["maxPriorityFeePerGas"]),
            )
        return None


@dataclass(frozen=True)
class FeePolicy:
    """How fees are chosen. ``max_fee_cap_wei`` caps the fee per gas (None: no cap)."""

    max_fee_cap_wei: int | None = None
    min_priority_fee_wei: int = DEFAULT_MIN_PRIORITY_FEE_WEI
    base_fee_multiplier: int = 2

    def __post_init__(self) -> None:
        if self.max_fee_cap_wei is not None and self.max_fee_cap_wei < 0:
            raise InvalidInputError("max_fee_cap_wei must be >= 0", field="max_fee_cap_wei")
        if self.min_priority_fee_wei < 0:
            raise InvalidInputError("min_priority_fee_wei must be >= 0", field="min_priority_fee")
        if self.base_fee_multiplier < 1:
            raise InvalidInputError("base_fee_multiplier must be >= 1", field="base_fee_multiplier")

    def suggest(self, w3: Web3, block: Mapping[str, Any] | None = None) -> Fees:
        """Fees for a new transaction from ``block`` (default: the latest block); raises
        FeeCapExceededError."""
        if block is None:
            block = w3.eth.get_block("latest")
        base_fee = block.get("baseFeePerGas")
        if base_fee is None:
            return self._legacy(int(w3.eth.gas_price))
        return self.for_base_fee(int(base_fee), self._node_tip(w3))

    def for_base_fee(self, base_fee: int, node_tip: int | None) -> Fees:
        """Fees for a given base fee and node tip suggestion (pure; used by :meth:`suggest`)."""
        floor = self.min_priority_fee_wei
        tip = max(node_tip if node_tip is not None else floor, floor)
        max_fee = self.base_fee_multiplier * base_fee + tip
        cap = self.max_fee_cap_wei
        if cap is not None:
            minimum = base_fee + floor
            if cap < minimum:
                raise FeeCapExceededError(required_wei=minimum, cap_wei=cap)
            max_fee = min(max_fee, cap)
        return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(tip, max_fee))

    def _legacy(self, gas_price: int) -> Fees:
        cap = self.max_fee_cap_wei
        if cap is not None and gas_price > cap:
            raise FeeCapExceededError(required_wei=gas_price, cap_wei=cap)
        return Fees(gas_price=gas_price)

    @staticmethod
    def _node_tip(w3: Web3) -> int | None:
        try:
            result = w3.manager.request_blocking("eth_maxPriorityFeePerGas", [])  # type: ignore[arg-type]
        except Exception:  # not supported by every node: fall back to the floor
            return None
        if isinstance(result, str):
            return int(result, 16)
        return int(result) if isinstance(result, int) else None

    def bump(self, old: Fees, current: Fees | None = None) -> Fees:
        """Fees for replacing a transaction paying ``old``: +12.5 % on every field, at least
        ``current`` (a fresh suggestion), within the cap (else FeeCapExceededError)."""
        cap = self.max_fee_cap_wei
        if old.gas_price is not None:
            price = bump_amount(old.gas_price)
            if current is not None and current.gas_price is not None:
                price = max(price, current.gas_price)
            if cap is not None and price > cap:
                raise FeeCapExceededError(required_wei=price, cap_wei=cap)
            return Fees(gas_price=price)
        max_fee = bump_amount(int(old.max_fee_per_gas or 0))
        tip = bump_amount(int(old.max_priority_fee_per_gas or 0))
        if current is not None and current.max_fee_per_gas is not None:
            max_fee = max(max_fee, current.max_fee_per_gas)
            tip = max(tip, int(current.max_priority_fee_per_gas or 0))
        if cap is not None and max_fee > cap:
            raise FeeCapExceededError(required_wei=max_fee, cap_wei=cap)
        return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(tip, max_fee))
