// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BlocklistToken
/// @notice Test mock: an ERC-20 that, like regulated stablecoins, reverts every transfer to or from a
///         blocked account. Anyone may mint and block (test mock). Used to prove that a blocked
///         receiver is credited instead of blocking a settlement.
contract BlocklistToken is ERC20 {
    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `account` is blocked.
    error AccountBlocked(address account);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice `account` was blocked (`blocked` true) or unblocked.
    event BlockedSet(address indexed account, bool blocked);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    mapping(address account => bool) private _blocked;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    constructor() ERC20("Blocklist USD", "bUSD") {}

    /*//////////////////////////////////////////////////////////////
                           EXTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Mints `amount` to `to` (open to anyone: test mock).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blocks or unblocks `account` (open to anyone: test mock).
    function setBlocked(address account, bool blocked) external {
        _blocked[account] = blocked;
        emit BlockedSet(account, blocked);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice Whether `account` is blocked.
    function isBlocked(address account) external view returns (bool) {
        return _blocked[account];
    }

    /*//////////////////////////////////////////////////////////////
                           INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @dev Refuses transfers touching a blocked account.
    function _update(address from, address to, uint256 value) internal override {
        if (_blocked[from]) revert AccountBlocked(from);
        if (_blocked[to]) revert AccountBlocked(to);
        super._update(from, to, value);
    }
}
