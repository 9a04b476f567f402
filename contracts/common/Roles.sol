// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Roles
/// @notice The one role model shared by the fabtrust contracts (OpenZeppelin AccessControl).
///         DEFAULT_ADMIN_ROLE (0x00) is the consortium admin.
library Roles {
    /// @notice May register devices and manage the devices it registered.
    bytes32 internal constant MANUFACTURER_ROLE = keccak256("MANUFACTURER_ROLE");
    /// @notice Held by accredited test labs (granted and revoked with the accreditation record).
    bytes32 internal constant LAB_ROLE = keccak256("LAB_ROLE");
    /// @notice May resolve escrow disputes.
    bytes32 internal constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
}
