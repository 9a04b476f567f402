// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IVersioned} from "./IVersioned.sol";

/// @title Versioned
/// @notice Implements `version()` for every fabtrust contract from the one version constant.
/// @dev FABTRUST_VERSION is checked against `fabtrust.__version__` by tests/toolchain/test_version.py;
///      bump it with `python scripts/set_version.py X.Y.Z`.
abstract contract Versioned is IVersioned {
    /// @dev The fabtrust release (sdk/fabtrust/_version.py is the one source; this is its copy).
    string private constant FABTRUST_VERSION = "0.1.0";

    /// @inheritdoc IVersioned
    function version() external pure returns (string memory) {
        return FABTRUST_VERSION;
    }
}
