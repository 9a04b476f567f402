// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title TestWallet
/// @notice Test mock: a contract account (think multisig) that its owner drives with {execute}, and
///         whose handling of incoming native coin is switchable:
///         - Accept: books every deposit in storage and emits an event (far more than 2300 gas, so
///           `.transfer`/`.send` would fail against it);
///         - Reject: reverts every deposit;
///         - Reenter: first calls `target` with `payload` (e.g. back into the escrow), records the
///           outcome, then books the deposit like Accept;
///         - Burn: burns all gas it is given, then reverts (a griefing receiver).
contract TestWallet {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice How {receive} treats incoming coin.
    enum Mode {
        Accept,
        Reject,
        Reenter,
        Burn
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `caller` is not the owner.
    error NotOwner(address caller);
    /// @notice The wallet refuses native coin in Reject mode.
    error DepositRejected(address from, uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice `amount` wei arrived from `from`.
    event Deposited(address indexed from, uint256 amount, uint256 depositCount);
    /// @notice The Reenter hook called `target`; `success` says whether the reentry went through.
    event ReentryAttempted(address indexed target, bool success, bytes returnData);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    address private immutable _owner;
    Mode private _mode;
    address private _target;
    bytes private _payload;
    uint256 private _depositCount;
    uint256 private _totalDeposited;
    uint256 private _attempts;
    bool private _lastSuccess;
    bytes private _lastReturnData;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    constructor(address owner_) {
        _owner = owner_;
    }

    /*//////////////////////////////////////////////////////////////
                           EXTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Handles incoming native coin according to the mode.
    receive() external payable {
        Mode mode = _mode;
        if (mode == Mode.Reject) revert DepositRejected(msg.sender, msg.value);
        if (mode == Mode.Burn) {
            while (true) {}
        }
        if (mode == Mode.Reenter) {
            ++_attempts;
            (bool success, bytes memory returnData) = _target.call(_payload);
            _lastSuccess = success;
            _lastReturnData = returnData;
            emit ReentryAttempted(_target, success, returnData);
        }
        uint256 count = ++_depositCount;
        _totalDeposited += msg.value;
        emit Deposited(msg.sender, msg.value, count);
    }

    /// @notice Calls `target` with `value` wei and `data`, bubbling up a revert. Owner only.
    function execute(address target, uint256 value, bytes calldata data)
        external
        payable
        returns (bytes memory result)
    {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        bool success;
        (success, result) = target.call{value: value}(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    /// @notice Sets how incoming coin is handled; `target`/`payload` are used in Reenter mode. Owner only.
    function setMode(Mode mode, address target, bytes calldata payload) external {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        _mode = mode;
        _target = target;
        _payload = payload;
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The current mode.
    function mode() external view returns (Mode) {
        return _mode;
    }

    /// @notice Number of deposits booked and their total in wei.
    function deposits() external view returns (uint256 count, uint256 total) {
        return (_depositCount, _totalDeposited);
    }

    /// @notice How many reentries the Reenter hook attempted.
    function attempts() external view returns (uint256) {
        return _attempts;
    }

    /// @notice Outcome of the last reentry: success flag and the call's return (or revert) data.
    function lastReentry() external view returns (bool success, bytes memory returnData) {
        return (_lastSuccess, _lastReturnData);
    }
}
