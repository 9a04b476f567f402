// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

/// @title InvariantTest
/// @notice The part of forge-std's StdInvariant that fabtrust needs: forge reads `targetContracts()`
///         and `targetSelectors()` from the test contract to decide which handlers and functions the
///         campaign calls, and treats any revert of an `invariant_*` function as a broken invariant.
abstract contract InvariantTest {
    /// @dev Same layout as forge-std's FuzzSelector (forge decodes it by ABI).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    /// @notice Marks the contract as a test for forge (as forge-std's Test does).
    bool public constant IS_TEST = true;

    address[] private _targetContracts;
    FuzzSelector[] private _targetSelectors;

    /// @notice The handlers the campaign calls (read by forge).
    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    /// @notice The handler functions the campaign calls (read by forge).
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function _target(address handler, bytes4[] memory selectors) internal {
        _targetContracts.push(handler);
        _targetSelectors.push(FuzzSelector({addr: handler, selectors: selectors}));
    }

    // ---- assertions: a failed one reverts with both values, which forge prints -----------------

    error AssertionFailed(string what, uint256 left, uint256 right);
    error AssertionFailedBool(string what);

    function _assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) revert AssertionFailed(what, left, right);
    }

    function _assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailedBool(what);
    }
}
