// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {Versioned} from "../common/Versioned.sol";
import {ILabAccreditation, ITestCheckpoints} from "./ITestCheckpoints.sol";

/// @title TestCheckpoints
/// @notice Running Merkle roots of bench tests, anchored by accredited labs while the test runs (see
///         ITestCheckpoints).
/// @dev One slot per session: lab(160) | sequence(48) | readingCount(48), keyed by
///      keccak256(abi.encode(deviceId, sessionId)). Roots are carried by events only.
contract TestCheckpoints is ITestCheckpoints, Versioned {
    // ---------------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------------

    ILabAccreditation private immutable _accreditation;

    mapping(bytes32 key => Session) private _sessions;

    constructor(ILabAccreditation accreditation_) {
        _accreditation = accreditation_;
    }

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ITestCheckpoints
    function checkpoint(uint256 deviceId, bytes32 sessionId, uint48 sequence, bytes32 root, uint48 readingCount)
        external
    {
        if (!_accreditation.isAccredited(msg.sender)) revert LabNotAccredited(msg.sender);
        if (root == bytes32(0)) revert ZeroCheckpointRoot();
        bytes32 key = _key(deviceId, sessionId);
        Session memory current = _sessions[key];
        if (current.lab != address(0) && current.lab != msg.sender) {
            revert NotSessionLab(deviceId, sessionId, current.lab);
        }
        if (sequence <= current.sequence) {
            revert SequenceNotIncreasing(deviceId, sessionId, current.sequence, sequence);
        }
        if (readingCount <= current.readingCount) {
            revert ReadingCountNotIncreasing(deviceId, sessionId, current.readingCount, readingCount);
        }
        _sessions[key] = Session({lab: msg.sender, sequence: sequence, readingCount: readingCount});
        emit CheckpointAnchored(deviceId, sessionId, msg.sender, sequence, root, readingCount);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ITestCheckpoints
    function accreditation() external view returns (ILabAccreditation) {
        return _accreditation;
    }

    /// @inheritdoc ITestCheckpoints
    function session(uint256 deviceId, bytes32 sessionId) external view returns (Session memory) {
        return _sessions[_key(deviceId, sessionId)];
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    function _key(uint256 deviceId, bytes32 sessionId) private pure returns (bytes32) {
        return keccak256(abi.encode(deviceId, sessionId));
    }
}
