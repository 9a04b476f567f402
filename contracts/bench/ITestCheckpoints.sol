// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IVersioned} from "../common/IVersioned.sol";

/// @title ILabAccreditation
/// @notice The one view of the CertificateRegistry that TestCheckpoints needs: whether a lab is
///         accredited now.
interface ILabAccreditation {
    /// @notice True while `lab` holds an unexpired, unrevoked accreditation.
    function isAccredited(address lab) external view returns (bool);
}

/// @title ITestCheckpoints
/// @notice Checkpoints of a bench test while it runs. An accredited lab's bench gateway anchors, every
///         few seconds, the Merkle root of the readings streamed so far in a test session, so that no
///         reading can be changed after its checkpoint, and a remote buyer can watch the test happen.
///
///         Checkpoint `k` of a session commits to the readings that arrived since checkpoint `k-1`
///         (its chunk: readings `[n_{k-1}, n_k)` in arrival order, `n_0 = 0`), chained to it:
///         `root_k = keccak256(abi.encode(root_{k-1}, chunkRoot_k, n_{k-1}, n_k))`, `root_0 = 0`,
///         where `chunkRoot_k` is the OpenZeppelin StandardMerkleTree root of the chunk's salted
///         readings (the leaves of `fabtrust.evidence.readings`). A checkpoint therefore costs the
///         gateway O(new readings), and a changed reading fails exactly the checkpoint whose chunk
///         holds it. The certificate finally issued on the CertificateRegistry carries the
///         StandardMerkleTree root of all the readings. Anyone holding the readings (the buyer
///         through the gateway's feed) recomputes each chunk root and the chain.
///
/// @dev A session is keyed by `(deviceId, sessionId)`; its first checkpoint binds it to the lab that
///      sent it. Sequence numbers and reading counts strictly increase within a session. Storage: one
///      slot per session (lab | sequence | readingCount); the roots live in `CheckpointAnchored` events.
interface ITestCheckpoints is IVersioned {
    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice The state of a test session.
    /// @param lab The lab whose gateway anchors this session (zero before its first checkpoint).
    /// @param sequence The sequence number of the latest checkpoint (0 before the first).
    /// @param readingCount How many readings the latest checkpoint covers.
    struct Session {
        address lab;
        uint48 sequence;
        uint48 readingCount;
    }

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice The sender is not an accredited lab of the CertificateRegistry.
    error LabNotAccredited(address lab);

    /// @notice The checkpoint's root is zero.
    error ZeroCheckpointRoot();

    /// @notice The session belongs to another lab.
    error NotSessionLab(uint256 deviceId, bytes32 sessionId, address lab);

    /// @notice The sequence number is not above the session's latest one.
    error SequenceNotIncreasing(uint256 deviceId, bytes32 sessionId, uint48 latest, uint48 given);

    /// @notice The reading count is not above the count of the session's latest checkpoint.
    error ReadingCountNotIncreasing(uint256 deviceId, bytes32 sessionId, uint48 latest, uint48 given);

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A checkpoint was anchored: `root` chains the chunk root of the readings since the
    ///         previous checkpoint to that checkpoint's root; `readingCount` readings are covered.
    event CheckpointAnchored(
        uint256 indexed deviceId,
        bytes32 indexed sessionId,
        address indexed lab,
        uint48 sequence,
        bytes32 root,
        uint48 readingCount
    );

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @notice Anchor checkpoint `sequence` of the session `(deviceId, sessionId)`: `root` is the
    ///         chained root of its chunk (see above), which ends at `readingCount` readings. Only an
    ///         accredited lab; the session's own lab after its first checkpoint.
    /// @dev Reverts LabNotAccredited, ZeroCheckpointRoot, NotSessionLab, SequenceNotIncreasing,
    ///      ReadingCountNotIncreasing. Emits CheckpointAnchored.
    function checkpoint(uint256 deviceId, bytes32 sessionId, uint48 sequence, bytes32 root, uint48 readingCount)
        external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The CertificateRegistry whose accredited labs may anchor checkpoints.
    function accreditation() external view returns (ILabAccreditation);

    /// @notice The state of the session `(deviceId, sessionId)` (all zero when it has no checkpoint).
    function session(uint256 deviceId, bytes32 sessionId) external view returns (Session memory);
}
