// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Test mock: a malicious ERC-20. Once armed, the next token movement (a pull with
///         transferFrom or a push with transfer) first calls `target` with `payload` - typically a
///         call back into the escrow - records whether that reentry succeeded and what it returned,
///         and then completes the movement normally. Anyone may mint and arm (test mock).
contract ReentrantToken is ERC20 {
    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The hook called `target`; `success` says whether the reentry went through.
    event ReentryAttempted(address indexed target, bool success, bytes returnData);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    address private _target;
    bytes private _payload;
    bool private _armed;
    uint256 private _attempts;
    bool private _lastSuccess;
    bytes private _lastReturnData;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    constructor() ERC20("Reentrant Token", "REENT") {}

    /*//////////////////////////////////////////////////////////////
                           EXTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Mints `amount` to `to` (open to anyone: test mock).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook: the next transfer between two accounts calls `target` with `payload`.
    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
        _armed = true;
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice How many reentries the hook attempted.
    function attempts() external view returns (uint256) {
        return _attempts;
    }

    /// @notice Whether the hook is still armed.
    function armed() external view returns (bool) {
        return _armed;
    }

    /// @notice Outcome of the last reentry: success flag and the call's return (or revert) data.
    function lastReentry() external view returns (bool success, bytes memory returnData) {
        return (_lastSuccess, _lastReturnData);
    }

    /*//////////////////////////////////////////////////////////////
                           INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @dev Fires the armed hook once, on a transfer between two accounts, then moves the tokens.
    function _update(address from, address to, uint256 value) internal override {
        if (_armed && from != address(0) && to != address(0)) {
            _armed = false;
            ++_attempts;
            (bool success, bytes memory returnData) = _target.call(_payload);
            _lastSuccess = success;
            _lastReturnData = returnData;
            emit ReentryAttempted(_target, success, returnData);
        }
        super._update(from, to, value);
    }
}
