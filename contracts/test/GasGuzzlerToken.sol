// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title GasGuzzlerToken
/// @notice Test mock: an ERC-20 that, on demand, burns every unit of gas it is given when tokens are
///         sent to a marked account - the token-side twin of a seller whose `receive()` loops
///         forever. An escrow order paid in this token to a marked seller makes any settlement
///         transaction that forwards all its gas to the token run out of gas (the settlement agent's
///         batch-starvation scenario). Anyone may mint and mark (test mock).
contract GasGuzzlerToken is ERC20 {
    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Transfers to `account` now burn all gas (`guzzle` true) or behave normally.
    event GuzzleSet(address indexed account, bool guzzle);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    mapping(address account => bool) private _guzzle;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    constructor() ERC20("Gas Guzzler USD", "gUSD") {}

    /*//////////////////////////////////////////////////////////////
                           EXTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Mints `amount` to `to` (open to anyone: test mock).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes transfers to `account` burn all gas (`guzzle` true) or behave normally.
    function setGuzzle(address account, bool guzzle) external {
        _guzzle[account] = guzzle;
        emit GuzzleSet(account, guzzle);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice Whether transfers to `account` burn all gas.
    function guzzles(address account) external view returns (bool) {
        return _guzzle[account];
    }

    /*//////////////////////////////////////////////////////////////
                           INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @dev A transfer (not a mint) to a marked account consumes all gas left in this call frame.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && _guzzle[to]) {
            assembly ("memory-safe") {
                invalid()
            }
        }
        super._update(from, to, value);
    }
}
