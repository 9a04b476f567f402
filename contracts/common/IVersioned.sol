// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IVersioned
/// @notice The fabtrust release a deployed contract was built from.
/// @dev Inherited by each fabtrust interface, so the ERC-165 id of a domain interface
///      (`type(I).interfaceId`, which covers only the functions it declares) does not change with it.
interface IVersioned {
    /// @notice The fabtrust package version this contract was compiled from (e.g. "0.1.0"); the same
    ///         string as the Python package's `fabtrust.__version__`.
    function version() external pure returns (string memory);
}
