"""The few ERC-20 calls the escrow client needs, for any token address (not only deployed ones).

Light at import: web3 is reached through the :class:`~fabtrust._binding.Binding` passed in, and
the revert decoders of :mod:`fabtrust.chain` are imported when a call fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fabtrust.errors import FabtrustError

if TYPE_CHECKING:
    from fabtrust._binding import Binding
    from fabtrust.models import TxResult

__all__ = ["ERC20_ABI", "erc20_call", "erc20_send", "has_code"]


def _fn(
    name: str,
    inputs: list[tuple[str, str]],
    outputs: list[str],
    mutability: str = "view",
) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "stateMutability": mutability,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"name": "", "type": t} for t in outputs],
    }


ERC20_ABI: tuple[dict[str, Any], ...] = (
    _fn("allowance", [("owner", "address"), ("spender", "address")], ["uint256"]),
    _fn("approve", [("spender", "address"), ("value", "uint256")], ["bool"], "nonpayable"),
    _fn("balanceOf", [("account", "address")], ["uint256"]),
    _fn("decimals", [], ["uint8"]),
)


def _contract(binding: Binding, token: str) -> Any:
    return binding.w3.eth.contract(address=token, abi=list(ERC20_ABI))  # type: ignore[call-overload]


def has_code(binding: Binding, address: str) -> bool:
    """Whether a contract is deployed at ``address``."""
    try:
        return bool(binding.w3.eth.get_code(address))  # type: ignore[arg-type]
    except Exception as exc:
        binding.fail(exc, f"eth_getCode({address})")


def erc20_call(binding: Binding, token: str, function: str, *args: Any) -> Any:
    """A view call on the ERC-20 at ``token``; a revert becomes the matching ContractError."""
    try:
        return getattr(_contract(binding, token).functions, function)(*args).call()
    except FabtrustError:
        raise
    except Exception as exc:
        from fabtrust._artifacts import all_abis
        from fabtrust.chain import decode_revert, extract_revert_data

        data = extract_revert_data(exc)
        if data is not None:
            raise decode_revert(data, all_abis()) from None
        binding.fail(exc, f"{function} on the token at {token}")


def erc20_send(binding: Binding, token: str, function: str, *args: Any) -> TxResult:
    """Send ``function(*args)`` to the ERC-20 at ``token`` through the binding's reliable sender."""
    data = _contract(binding, token).encode_abi(function, args=list(args))
    return binding.send({"to": token, "data": data}, label=f"ERC20({token}).{function}")
