// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {DeviceRegistry} from "../identity/DeviceRegistry.sol";

/// @title DeviceRegistryHarness
/// @notice Test-only DeviceRegistry with tiny account-id limits, so tests reach what 16 million accounts
///         would: role grants refused (`AccountIdsExhausted`) and owners without an id kept in the owner slot.
contract DeviceRegistryHarness is DeviceRegistry {
    uint256 private immutable _maxId;
    uint256 private immutable _maxReceiver;

    constructor(address admin, uint256 maxId, uint256 maxReceiver) DeviceRegistry(admin) {
        _maxId = maxId;
        _maxReceiver = maxReceiver;
    }

    function _maxAccountId() internal view override returns (uint256) {
        return _maxId;
    }

    function _maxReceiverId() internal view override returns (uint256) {
        return _maxReceiver;
    }
}
