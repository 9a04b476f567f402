// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IVersioned} from "../common/IVersioned.sol";
import {IDeviceRegistry} from "../identity/IDeviceRegistry.sol";

/// @title ICertificateRegistry
/// @notice Test certificates of fabtrust. The consortium admin accredits test labs (with an expiry);
///         an accredited lab anchors a certificate for a registered device that commits to the SHA-256 of
///         the test report (so `sha256sum report.pdf` matches what is on chain), to the Merkle root of the
///         raw readings (`dataRoot`), to the test specification, the result and a validity window. Labs
///         and the admin revoke certificates with a reason; a lab may supersede its own certificate with
///         a corrected or renewed one.
///
///         Three ways to issue:
///         - `issueCertificate` / `issueCertificateWithOptions`, sent by the lab;
///         - `issueCertificateBySig`, an EIP-712 signature by the lab submitted by anyone;
///         - `anchorBatch` (one Merkle root for many certificates, one storage slot) and later
///           `presentBatchCertificate` by anyone, which turns one leaf into a stored certificate.
///
/// @dev Certificate id: `keccak256(abi.encode(lab, deviceId, reportSha256))` (the anchoring lab for batch
///      leaves), so the same lab can never anchor the same report for the same device twice, and a signed
///      issuance can never be replayed (the chain id and this contract are in the EIP-712 domain).
///
///      Result encoding: `1` = Pass, `2` = Fail; anything else reverts `InvalidResult`.
///      A certificate is valid while `block.timestamp < validUntil`, it is neither revoked, nor
///      superseded, nor presented from a revoked batch, its device is Active, and it was issued after
///      the latest revocation of its lab's accreditation (`issuedAt > revokedAt`). The record does not
///      store its device id, so `isValid(certId)` checks the record alone and the calls that are given the
///      certificate's fields (`isValidCertificate`, `isValidPass`) also bind the device and require it to be
///      Active. Revoking a lab
///      invalidates everything it issued before, for ever (re-accreditation does not revive it;
///      certificates issued after re-accreditation are valid). An accreditation that merely EXPIRES
///      stops the lab from issuing but does not invalidate what it already issued.
///
///      Validity per (device, spec) is "some valid Pass exists": there is no on-chain index of the
///      latest Pass; callers present a certificate id (found through `CertificateIssued`, topic 2 =
///      deviceId) and `isValidPass` checks it.
///
///      Storage (gas): a certificate is ONE slot keyed by its id: labId(32) | issuedAt(40) | validUntil(40) |
///      result(8) | flags(8) | digest(128), with `digest = bytes16(keccak256(abi.encode(deviceId, dataRoot,
///      testSpec)))` (`certificateDigest`). The id commits to (lab, deviceId, reportSha256), the digest to
///      (deviceId, dataRoot, testSpec): `verifyCertificateFields` checks both; everything else (the fields in
///      full, the device signature) is carried by `CertificateIssued`. Successor and batch links take a slot
///      only when used (supersede, batch presentation).
///
///      EIP-712 domain: name "fabtrust CertificateRegistry", version "1", the chain id and this contract.
///      Types:
///      `DataAttestation(uint256 deviceId,bytes32 dataRoot)`, signed by the device's current key;
///      `IssueCertificate(address lab,uint256 deviceId,bytes32 reportSha256,bytes32 dataRoot,bytes32 testSpec,uint8 result,uint64 validUntil,bytes32 supersedes,bytes32 deviceSignatureHash,uint256 deadline)`
///      with `deviceSignatureHash = keccak256(deviceSignature)`, signed by the lab (the lab is in the struct,
///      so a signer shared by two labs, e.g. an ERC-1271 wallet, cannot replay one lab's signature for the other).
///
///      Batches are keyed by (lab, root): a lab anchors under its own address, so another lab can neither
///      front-run nor revoke its root.
///
///      Batch leaves follow OpenZeppelin's StandardMerkleTree over
///      `(uint256 deviceId, bytes32 reportSha256, bytes32 dataRoot, bytes32 testSpec, uint8 result, uint64 validUntil)`:
///      `leaf = keccak256(bytes.concat(keccak256(abi.encode(deviceId, reportSha256, dataRoot, testSpec, result, validUntil))))`,
///      sorted-pair hashing (the JS package openzeppelin/merkle-tree, `StandardMerkleTree.of(values, types)`).
interface ICertificateRegistry is IVersioned {
    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice A lab's accreditation record.
    /// @param labId Sequential number of the lab (from 1), assigned at its first accreditation and kept
    ///        for ever; 0 for an account that was never accredited.
    /// @param active True while the lab holds LAB_ROLE through an accreditation (false once revoked).
    /// @param accreditedAt Block timestamp of the latest `accreditLab` for this lab.
    /// @param validUntil The accreditation expires at this timestamp (issuing needs `block.timestamp < validUntil`).
    /// @param revokedAt Block timestamp of the latest revocation of the accreditation (0 = never revoked):
    ///        every certificate of the lab with `issuedAt <= revokedAt` is invalid.
    /// @param name The lab's name.
    struct Accreditation {
        uint32 labId;
        bool active;
        uint64 accreditedAt;
        uint64 validUntil;
        uint64 revokedAt;
        string name;
    }

    /// @notice The stored record of a certificate (its device id is not stored: see `verifyCertificateFields`).
    /// @param lab The issuing lab (the anchoring lab for a batch certificate).
    /// @param issuedAt Block timestamp of issuance (of the batch anchoring for a batch certificate).
    /// @param validUntil The certificate expires at this timestamp.
    /// @param result 1 = Pass, 2 = Fail.
    /// @param revoked True once revoked (by the issuing lab or the admin).
    /// @param deviceAttested True if the device's key signed `DataAttestation(deviceId, dataRoot)` at issuance.
    /// @param digest `bytes16(keccak256(abi.encode(deviceId, dataRoot, testSpec)))` (`certificateDigest`).
    /// @param successor The certificate that superseded this one, or 0.
    /// @param batchRoot The batch this certificate was presented from, or 0.
    struct Certificate {
        address lab;
        uint64 issuedAt;
        uint64 validUntil;
        uint8 result;
        bool revoked;
        bool deviceAttested;
        bytes16 digest;
        bytes32 successor;
        bytes32 batchRoot;
    }

    /// @notice Input of `issueCertificateWithOptions` and `issueCertificateBySig`.
    /// @param deviceId The certified device (must be registered).
    /// @param reportSha256 SHA-256 of the test report file (non-zero).
    /// @param dataRoot Merkle root of the raw readings (may be 0 if there are none).
    /// @param testSpec Identifier of the test specification.
    /// @param result 1 = Pass, 2 = Fail.
    /// @param validUntil Expiry timestamp, in the future (and below 2**40).
    /// @param supersedes A certificate of the same lab and device that this one replaces, or 0.
    /// @param supersedesReport The `reportSha256` of the `supersedes` certificate (0 when none): with the lab
    ///        and `deviceId` it must hash to `supersedes`, which proves the same device without storing it.
    ///        Not part of the signed `IssueCertificate` type (`supersedes`, which it must match, is).
    /// @param deviceSignature Empty, or the device key's signature over `DataAttestation(deviceId, dataRoot)`.
    struct CertificateRequest {
        uint256 deviceId;
        bytes32 reportSha256;
        bytes32 dataRoot;
        bytes32 testSpec;
        uint8 result;
        uint64 validUntil;
        bytes32 supersedes;
        bytes32 supersedesReport;
        bytes deviceSignature;
    }

    /// @notice A certificate presented as a device's pass (what an escrow's settlement takes per device).
    struct PassRef {
        bytes32 certId;
        bytes32 dataRoot;
    }

    /// @notice One leaf of a certificate batch (see the contract notes for the leaf hash).
    struct BatchLeaf {
        uint256 deviceId;
        bytes32 reportSha256;
        bytes32 dataRoot;
        bytes32 testSpec;
        uint8 result;
        uint64 validUntil;
    }

    /// @notice An anchored batch (one storage slot), keyed by (lab, root).
    /// @param lab The anchoring lab.
    /// @param anchoredAt Block timestamp of the anchoring (0 = not anchored).
    /// @param count Number of leaves the lab declared (informational; not enforced on chain).
    /// @param revoked True once the batch was revoked: none of its certificates is valid any more.
    struct Batch {
        address lab;
        uint64 anchoredAt;
        uint32 count;
        bool revoked;
    }

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice The constructor was given the zero address as admin.
    error ZeroAdmin();
    /// @notice The constructor was given the zero address as device registry.
    error ZeroDeviceRegistry();
    /// @notice `accreditLab` was given the zero address.
    error ZeroLab();
    /// @notice An accreditation must end in the future.
    error InvalidAccreditationExpiry(uint64 validUntil);
    /// @notice `lab` is not (or no longer) accredited, or its accreditation expired.
    error LabNotAccredited(address lab);
    /// @notice The result is neither 1 (Pass) nor 2 (Fail).
    error InvalidResult(uint8 result);
    /// @notice A certificate must expire in the future (and before 2**40).
    error InvalidValidity(uint64 validUntil);
    /// @notice The report digest is zero.
    error ZeroReportDigest();
    /// @notice This lab already anchored this report for this device.
    error CertificateAlreadyExists(bytes32 certId);
    /// @notice No certificate with this id.
    error CertificateNotFound(bytes32 certId);
    /// @notice The certificate is already revoked.
    error CertificateAlreadyRevoked(bytes32 certId);
    /// @notice `caller` is neither the certificate's lab nor an admin.
    error NotCertificateIssuer(bytes32 certId, address caller);
    /// @notice `certId` cannot be superseded by this request: it does not exist, belongs to another lab or
    ///         device (`keccak256(abi.encode(lab, deviceId, supersedesReport)) != certId`), or is already
    ///         superseded.
    error CannotSupersede(bytes32 certId);
    /// @notice `deviceSignature` is not the device key's signature over `DataAttestation(deviceId, dataRoot)`.
    error InvalidDeviceSignature(uint256 deviceId);
    /// @notice `labSignature` is not `lab`'s signature over the `IssueCertificate` request.
    error InvalidLabSignature(address lab);
    /// @notice The signed request's deadline has passed.
    error SignatureExpired(uint256 deadline);
    /// @notice A batch root must be non-zero.
    error ZeroBatchRoot();
    /// @notice A batch must declare at least one certificate.
    error ZeroBatchCount();
    /// @notice `lab` already anchored this root.
    error BatchAlreadyAnchored(address lab, bytes32 root);
    /// @notice `lab` anchored no batch with this root.
    error BatchNotFound(address lab, bytes32 root);
    /// @notice The batch is revoked.
    error BatchAlreadyRevoked(address lab, bytes32 root);
    /// @notice `caller` is neither the batch's lab nor an admin.
    error NotBatchIssuer(address lab, bytes32 root, address caller);
    /// @notice The Merkle proof does not prove the leaf under `root`.
    error InvalidBatchProof(address lab, bytes32 root);
    /// @notice The batch was anchored at `anchoredAt`, not after its lab's accreditation was revoked at
    ///         `revokedAt`: its leaves can no longer be presented.
    error BatchAnchoredBeforeRevocation(address lab, bytes32 root, uint64 anchoredAt, uint64 revokedAt);
    /// @notice `passLabs` got `passes` and `deviceIds` of different lengths.
    error PassCountMismatch(uint256 passes, uint256 devices);
    /// @notice Certificates are issued only for Active devices; device `deviceId` is `status`.
    error DeviceNotActive(uint256 deviceId, IDeviceRegistry.DeviceStatus status);

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `lab` was accredited (or re-accredited: name and expiry updated) until `validUntil`.
    event LabAccredited(address indexed lab, string name, uint64 validUntil);

    /// @notice `lab`'s accreditation was revoked (LAB_ROLE revoked or renounced) at `revokedAt`: every
    ///         certificate it issued (or anchored in a batch) up to then is invalid from now on.
    event LabAccreditationRevoked(address indexed lab, uint64 revokedAt);

    /// @notice A certificate was stored. The three indexed topics let a holder of the report alone find
    ///         the certificate with one `eth_getLogs` (topic 3 = the report's SHA-256). The event is the only
    ///         full copy of the fields: the slot keeps a digest of them.
    ///         What it replaces is told by `CertificateSuperseded` (topic 2 = this certId), the batch it was
    ///         presented from by `certificate(certId).batchRoot`.
    /// @param deviceSignature The device key's signature over `DataAttestation(deviceId, dataRoot)` that was
    ///        checked at issuance, or empty (the certificate is device-attested iff it is non-empty). Bundles
    ///        take it from here, whoever submitted the transaction (a multisig, a relayer).
    event CertificateIssued(
        bytes32 indexed certId,
        uint256 indexed deviceId,
        bytes32 indexed reportSha256,
        address lab,
        bytes32 dataRoot,
        bytes32 testSpec,
        uint8 result,
        uint64 validUntil,
        bytes deviceSignature
    );

    /// @notice `certId` was replaced by `successor` and is no longer valid.
    event CertificateSuperseded(bytes32 indexed certId, bytes32 indexed successor);

    /// @notice `certId` was revoked by `revokedBy` (its lab or an admin).
    event CertificateRevoked(bytes32 indexed certId, address indexed revokedBy, string reason);

    /// @notice `lab` anchored a batch of `count` certificates under the Merkle `root`.
    event BatchAnchored(bytes32 indexed root, address indexed lab, uint32 count);

    /// @notice `lab`'s batch `root` was revoked by `revokedBy` (its lab or an admin); its certificates are invalid.
    event BatchRevoked(bytes32 indexed root, address indexed lab, address indexed revokedBy, string reason);

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @notice Accredits `lab` until `validUntil` (grants LAB_ROLE), or re-accredits it: updates the name,
    ///         `accreditedAt` and the expiry, and re-activates a revoked lab (its labId is kept).
    /// @dev Only DEFAULT_ADMIN_ROLE (`AccessControlUnauthorizedAccount`). Reverts `ZeroLab()`,
    ///      `InvalidAccreditationExpiry(validUntil)` unless `validUntil > block.timestamp`.
    ///      Emits `RoleGranted` (first time / after a revocation) then `LabAccredited`.
    ///      Granting LAB_ROLE with `grantRole` alone does not let an account issue: the accreditation
    ///      record decides. Revoking or renouncing LAB_ROLE ends the accreditation.
    function accreditLab(address lab, string calldata name, uint64 validUntil) external;

    /// @notice Revokes `lab`'s accreditation (LAB_ROLE) and records `revokedAt = block.timestamp`: every
    ///         certificate the lab issued or anchored until now becomes invalid, and its batches can no
    ///         longer be presented. Re-accreditation does not revive them.
    /// @dev Only DEFAULT_ADMIN_ROLE. Reverts `LabNotAccredited(lab)` if `lab` does not hold LAB_ROLE.
    ///      Emits `RoleRevoked` then `LabAccreditationRevoked`. Renouncing LAB_ROLE has the same effect.
    function revokeAccreditation(address lab) external;

    /// @notice Issues a certificate as the calling lab (no supersede, no device attestation).
    /// @dev Reverts `LabNotAccredited(caller)`, `ZeroReportDigest()`, `InvalidResult(result)`,
    ///      `InvalidValidity(validUntil)`, `IDeviceRegistry.DeviceNotFound(deviceId)`,
    ///      `DeviceNotActive(deviceId, status)`, `CertificateAlreadyExists(certId)`. Emits `CertificateIssued`.
    /// @return certId `keccak256(abi.encode(msg.sender, deviceId, reportSha256))`.
    function issueCertificate(
        uint256 deviceId,
        bytes32 reportSha256,
        bytes32 dataRoot,
        bytes32 testSpec,
        uint8 result,
        uint64 validUntil
    ) external returns (bytes32 certId);

    /// @notice Issues a certificate as the calling lab, optionally superseding one of its own certificates
    ///         for the same device and with the device's attestation of the data root.
    /// @dev As `issueCertificate`, and: `req.supersedes != 0` must name an existing, not yet superseded
    ///      certificate of the same lab and device (`req.supersedesReport` is its report digest, the proof of
    ///      the same device), else `CannotSupersede(req.supersedes)`; it stops being
    ///      valid (`successorOf`), `CertificateSuperseded` is emitted after `CertificateIssued`.
    ///      A non-empty `req.deviceSignature` must be the current device key's signature (ECDSA or ERC-1271)
    ///      over `DataAttestation(deviceId, dataRoot)`, else `InvalidDeviceSignature(deviceId)`.
    function issueCertificateWithOptions(CertificateRequest calldata req) external returns (bytes32 certId);

    /// @notice Issues a certificate signed by `lab` (EIP-712 `IssueCertificate`), submitted by anyone.
    /// @dev Reverts `SignatureExpired(deadline)` if `deadline < block.timestamp`,
    ///      `InvalidLabSignature(lab)` unless `labSignature` is `lab`'s (ECDSA or ERC-1271) over
    ///      `hashIssueRequest(req, lab, deadline)`, then as `issueCertificateWithOptions` with `lab` as issuer
    ///      (`LabNotAccredited(lab)`, ...). Replays fail with `CertificateAlreadyExists`.
    function issueCertificateBySig(
        CertificateRequest calldata req,
        address lab,
        uint256 deadline,
        bytes calldata labSignature
    ) external returns (bytes32 certId);

    /// @notice Revokes a certificate.
    /// @dev Only the issuing lab (accredited or not any more) or a DEFAULT_ADMIN_ROLE holder. Reverts
    ///      `CertificateNotFound(certId)`, `NotCertificateIssuer(certId, caller)`,
    ///      `CertificateAlreadyRevoked(certId)`. Emits `CertificateRevoked`.
    function revokeCertificate(bytes32 certId, string calldata reason) external;

    /// @notice Anchors the Merkle root of a batch of certificates of the calling lab (one slot), keyed by
    ///         (msg.sender, root).
    /// @dev Reverts `LabNotAccredited(caller)`, `ZeroBatchRoot()`, `ZeroBatchCount()`,
    ///      `BatchAlreadyAnchored(caller, root)`. Emits `BatchAnchored`.
    /// @return The root (the batch's id together with the lab).
    function anchorBatch(bytes32 root, uint32 count) external returns (bytes32);

    /// @notice Stores one leaf of `lab`'s batch `root` as a regular certificate (by anyone), linked to the
    ///         batch: revoking the batch invalidates it.
    /// @dev Reverts `BatchNotFound(lab, root)`, `BatchAlreadyRevoked(lab, root)`, `LabNotAccredited(lab)`
    ///      (the lab must be accredited now), `BatchAnchoredBeforeRevocation` (the batch must be anchored
    ///      after the lab's latest revocation), `InvalidBatchProof(lab, root)`, `ZeroReportDigest()`,
    ///      `InvalidResult`, `InvalidValidity(validUntil)` (expired leaf), `IDeviceRegistry.DeviceNotFound`,
    ///      `DeviceNotActive`, `CertificateAlreadyExists(certId)`. Emits `CertificateIssued` with `lab` and
    ///      `batchRoot = root`; `issuedAt` is the anchoring time.
    /// @return certId `keccak256(abi.encode(lab, leaf.deviceId, leaf.reportSha256))`.
    function presentBatchCertificate(address lab, bytes32 root, BatchLeaf calldata leaf, bytes32[] calldata proof)
        external
        returns (bytes32 certId);

    /// @notice Revokes `lab`'s batch `root`: neither its presented nor its future certificates are valid.
    /// @dev Only the anchoring lab or a DEFAULT_ADMIN_ROLE holder. Reverts `BatchNotFound(lab, root)`,
    ///      `NotBatchIssuer(lab, root, caller)`, `BatchAlreadyRevoked(lab, root)`. Emits `BatchRevoked`.
    function revokeBatch(address lab, bytes32 root, string calldata reason) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The DeviceRegistry that device ids refer to.
    function deviceRegistry() external view returns (IDeviceRegistry);

    /// @notice The accreditation record of `lab` (all zero for an account never accredited).
    function accreditation(address lab) external view returns (Accreditation memory);

    /// @notice Whether `lab` may issue now (active and unexpired accreditation).
    function isAccredited(address lab) external view returns (bool);

    /// @notice The stored record of a certificate; reverts `CertificateNotFound(certId)` for an unknown id.
    function certificate(bytes32 certId) external view returns (Certificate memory);

    /// @notice Whether the stored record is valid: it exists and is not revoked, superseded, expired or from a
    ///         revoked batch, and its lab was not revoked at or after its issuance. False for an unknown id.
    ///         The record does not know its device: `isValidCertificate` (given the fields) also requires the
    ///         device to be Active.
    function isValid(bytes32 certId) external view returns (bool);

    /// @notice Whether `certId` is a stored certificate for exactly these fields (`verifyCertificateFields`),
    ///         its record is valid (`isValid`) and its device is Active: the buyer's whole on-chain check.
    function isValidCertificate(
        bytes32 certId,
        uint256 deviceId,
        bytes32 reportSha256,
        bytes32 dataRoot,
        bytes32 testSpec
    ) external view returns (bool);

    /// @notice Whether `certId` is a valid (`isValid`) Pass certificate of the Active device `deviceId` for
    ///         `testSpec`, with `dataRoot` as committed (the record holds a digest of (deviceId, dataRoot,
    ///         testSpec), so the device is bound without its report digest).
    ///         "(device, spec) is certified" means: some certificate id for which this is true exists;
    ///         find candidates through `CertificateIssued` (topic 2 = deviceId).
    function isValidPass(bytes32 certId, uint256 deviceId, bytes32 testSpec, bytes32 dataRoot)
        external
        view
        returns (bool);

    /// @notice For each i, the lab that issued `passes[i].certId` when it is a valid (`isValid`) Pass of
    ///         `deviceIds[i]` for `testSpec` with `passes[i].dataRoot` as committed, otherwise address(0): an
    ///         order's whole certification in one call. The devices' status is NOT checked here (an escrow
    ///         reads it with `DeviceRegistry.statusesOf` first); `isValidPass` is this plus the device check.
    ///         Reverts `PassCountMismatch` when the arrays differ in length.
    function passLabs(PassRef[] calldata passes, uint256[] calldata deviceIds, bytes32 testSpec)
        external
        view
        returns (address[] memory labs);

    /// @notice The lab that issued `certId` (address(0) for an unknown id).
    function labOf(bytes32 certId) external view returns (address);

    /// @notice The certificate that superseded `certId`, or 0.
    function successorOf(bytes32 certId) external view returns (bytes32);

    /// @notice Whether `certId` is a stored certificate for exactly these fields: the lab's
    ///         `keccak256(abi.encode(lab, deviceId, reportSha256))` is `certId` and the stored digest is
    ///         `certificateDigest(deviceId, dataRoot, testSpec)`. Says nothing about validity (see `isValid`).
    function verifyCertificateFields(
        bytes32 certId,
        uint256 deviceId,
        bytes32 reportSha256,
        bytes32 dataRoot,
        bytes32 testSpec
    ) external view returns (bool);

    /// @notice `keccak256(abi.encode(lab, deviceId, reportSha256))`.
    function certificateId(address lab, uint256 deviceId, bytes32 reportSha256) external pure returns (bytes32);

    /// @notice The digest a certificate slot keeps: `bytes16(keccak256(abi.encode(deviceId, dataRoot, testSpec)))`.
    function certificateDigest(uint256 deviceId, bytes32 dataRoot, bytes32 testSpec) external pure returns (bytes16);

    /// @notice The record of `lab`'s batch `root`; reverts `BatchNotFound(lab, root)` if not anchored.
    function batch(address lab, bytes32 root) external view returns (Batch memory);

    /// @notice Whether `leaf` of `lab`'s batch `root` could be presented now: the root is anchored by `lab`,
    ///         not revoked, anchored after the lab's latest revocation, the lab is accredited now, the proof
    ///         is valid, the result is 1 or 2 and the leaf has not expired.
    function verifyBatchCertificate(address lab, bytes32 root, BatchLeaf calldata leaf, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice The StandardMerkleTree leaf hash of `leaf` (double keccak of its ABI encoding).
    function batchLeafHash(BatchLeaf calldata leaf) external pure returns (bytes32);

    /// @notice The EIP-712 digest the device key signs: `DataAttestation(deviceId, dataRoot)`.
    function hashDataAttestation(uint256 deviceId, bytes32 dataRoot) external view returns (bytes32);

    /// @notice The EIP-712 digest `lab` signs for `issueCertificateBySig(req, lab, deadline, ...)`.
    function hashIssueRequest(CertificateRequest calldata req, address lab, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice keccak256("DataAttestation(uint256 deviceId,bytes32 dataRoot)").
    function DATA_ATTESTATION_TYPEHASH() external view returns (bytes32);

    /// @notice keccak256 of the `IssueCertificate(...)` type string (see the contract notes).
    function ISSUE_CERTIFICATE_TYPEHASH() external view returns (bytes32);

    /// @notice The Pass result code, 1.
    function RESULT_PASS() external view returns (uint8);

    /// @notice The Fail result code, 2.
    function RESULT_FAIL() external view returns (uint8);
}
