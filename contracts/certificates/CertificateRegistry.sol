// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {Roles} from "../common/Roles.sol";
import {Versioned} from "../common/Versioned.sol";
import {IDeviceRegistry} from "../identity/IDeviceRegistry.sol";
import {ICertificateRegistry} from "./ICertificateRegistry.sol";

/// @title CertificateRegistry
/// @notice Test certificates of fabtrust: lab accreditation, certificates, EIP-712 signed issuance and
///         Merkle-batched anchoring (see ICertificateRegistry for the full contract).
/// @dev A certificate is ONE storage slot keyed by its id (see `_pack`): labId(32) | issuedAt(40) |
///      validUntil(40) | result(8) | flags(8) | digest(128), with
///      `digest = bytes16(keccak256(abi.encode(deviceId, dataRoot, testSpec)))`. The device id is not
///      stored: the certificate id commits to it with the lab and the report, the digest with the data root
///      and the specification; everything else is in `CertificateIssued`. Successor and batch links are
///      written only when used. Labs are referenced by a 32-bit labId (assigned at the first accreditation);
///      `_labs[labId]` holds the lab's address and the time of its latest revocation, so one read answers
///      "who issued it, and was the lab revoked since".
contract CertificateRegistry is ICertificateRegistry, AccessControl, EIP712, Versioned {
    // ---------------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ICertificateRegistry
    uint8 public constant override RESULT_PASS = 1;

    /// @inheritdoc ICertificateRegistry
    uint8 public constant override RESULT_FAIL = 2;

    /// @inheritdoc ICertificateRegistry
    bytes32 public constant override DATA_ATTESTATION_TYPEHASH =
        keccak256("DataAttestation(uint256 deviceId,bytes32 dataRoot)");

    /// @inheritdoc ICertificateRegistry
    bytes32 public constant override ISSUE_CERTIFICATE_TYPEHASH = keccak256(
        "IssueCertificate(address lab,uint256 deviceId,bytes32 reportSha256,bytes32 dataRoot,bytes32 testSpec,uint8 result,"
        "uint64 validUntil,bytes32 supersedes,bytes32 deviceSignatureHash,uint256 deadline)"
    );

    /// @dev Certificate flag bits.
    uint8 private constant _REVOKED = 1;
    uint8 private constant _SUPERSEDED = 2;
    uint8 private constant _DEVICE_ATTESTED = 4;
    uint8 private constant _FROM_BATCH = 8;

    /// @dev Bit offsets of the packed certificate slot (labId at bit 0).
    uint256 private constant _ISSUED_AT_SHIFT = 32;
    uint256 private constant _VALID_UNTIL_SHIFT = 72;
    uint256 private constant _RESULT_SHIFT = 112;
    uint256 private constant _FLAGS_SHIFT = 120;
    uint256 private constant _DIGEST_SHIFT = 128;

    /// @dev A lab by its labId: its address and the time of its latest revocation (one slot).
    struct LabRecord {
        address lab;
        uint64 revokedAt;
    }

    /// @dev Stored batch: one slot, keyed by (lab, root). `anchoredAt == 0` means not anchored.
    struct BatchRecord {
        address lab;
        uint40 anchoredAt;
        uint32 count;
        bool revoked;
    }

    /// @dev A certificate slot, unpacked (never stored as such).
    struct Slot {
        uint32 labId;
        uint40 issuedAt;
        uint40 validUntil;
        uint8 result;
        uint8 flags;
        bytes16 digest;
    }

    IDeviceRegistry private immutable _deviceRegistry;

    /// @dev Number of labs ever accredited (the last labId assigned).
    uint32 private _labCount;

    mapping(address lab => Accreditation record) private _accreditations;
    mapping(uint32 labId => LabRecord record) private _labs;
    mapping(bytes32 certId => uint256 packed) private _certificates;
    mapping(bytes32 certId => bytes32 successor) private _successors;
    mapping(bytes32 certId => bytes32 root) private _batchOf;
    mapping(address lab => mapping(bytes32 root => BatchRecord record)) private _batches;

    // ---------------------------------------------------------------------------------------------
    // Constructor
    // ---------------------------------------------------------------------------------------------

    /// @param admin The consortium admin (DEFAULT_ADMIN_ROLE): accredits labs, may revoke anything.
    /// @param deviceRegistry_ The DeviceRegistry whose device ids certificates refer to.
    constructor(address admin, IDeviceRegistry deviceRegistry_) EIP712("fabtrust CertificateRegistry", "1") {
        if (admin == address(0)) revert ZeroAdmin();
        if (address(deviceRegistry_) == address(0)) revert ZeroDeviceRegistry();
        _deviceRegistry = deviceRegistry_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ICertificateRegistry
    function accreditLab(address lab, string calldata name, uint64 validUntil) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (lab == address(0)) revert ZeroLab();
        if (validUntil <= block.timestamp) revert InvalidAccreditationExpiry(validUntil);
        Accreditation storage record = _accreditations[lab];
        if (record.labId == 0) {
            uint32 labId = ++_labCount;
            record.labId = labId;
            _labs[labId].lab = lab;
        }
        _grantRole(Roles.LAB_ROLE, lab);
        record.active = true;
        record.accreditedAt = uint64(block.timestamp);
        record.validUntil = validUntil;
        record.name = name;
        emit LabAccredited(lab, name, validUntil);
    }

    /// @inheritdoc ICertificateRegistry
    function revokeAccreditation(address lab) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_accreditations[lab].active) revert LabNotAccredited(lab);
        _revokeRole(Roles.LAB_ROLE, lab);
    }

    /// @inheritdoc ICertificateRegistry
    function issueCertificate(
        uint256 deviceId,
        bytes32 reportSha256,
        bytes32 dataRoot,
        bytes32 testSpec,
        uint8 result,
        uint64 validUntil
    ) external returns (bytes32 certId) {
        uint32 labId = _accreditedLabId(msg.sender);
        _checkFields(reportSha256, result, validUntil);
        _activeDevice(deviceId, false);
        certId = _certificateId(msg.sender, deviceId, reportSha256);
        _store(certId, labId, uint40(block.timestamp), validUntil, result, 0, _digest(deviceId, dataRoot, testSpec));
        emit CertificateIssued(certId, deviceId, reportSha256, msg.sender, dataRoot, testSpec, result, validUntil, "");
    }

    /// @inheritdoc ICertificateRegistry
    function issueCertificateWithOptions(CertificateRequest calldata req) external returns (bytes32 certId) {
        return _issueWithOptions(msg.sender, req);
    }

    /// @inheritdoc ICertificateRegistry
    function issueCertificateBySig(
        CertificateRequest calldata req,
        address lab,
        uint256 deadline,
        bytes calldata labSignature
    ) external returns (bytes32 certId) {
        if (deadline < block.timestamp) revert SignatureExpired(deadline);
        if (!SignatureChecker.isValidSignatureNow(lab, _issueRequestDigest(req, lab, deadline), labSignature)) {
            revert InvalidLabSignature(lab);
        }
        return _issueWithOptions(lab, req);
    }

    /// @inheritdoc ICertificateRegistry
    function revokeCertificate(bytes32 certId, string calldata reason) external {
        uint256 packed = _certificates[certId];
        Slot memory record = _unpack(packed);
        if (record.issuedAt == 0) revert CertificateNotFound(certId);
        if (_labs[record.labId].lab != msg.sender && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotCertificateIssuer(certId, msg.sender);
        }
        if (record.flags & _REVOKED != 0) revert CertificateAlreadyRevoked(certId);
        _certificates[certId] = packed | (uint256(_REVOKED) << _FLAGS_SHIFT);
        emit CertificateRevoked(certId, msg.sender, reason);
    }

    /// @inheritdoc ICertificateRegistry
    function anchorBatch(bytes32 root, uint32 count) external returns (bytes32) {
        _accreditedLabId(msg.sender);
        if (root == bytes32(0)) revert ZeroBatchRoot();
        if (count == 0) revert ZeroBatchCount();
        BatchRecord storage record = _batches[msg.sender][root];
        if (record.anchoredAt != 0) revert BatchAlreadyAnchored(msg.sender, root);
        _batches[msg.sender][root] =
            BatchRecord({lab: msg.sender, anchoredAt: uint40(block.timestamp), count: count, revoked: false});
        emit BatchAnchored(root, msg.sender, count);
        return root;
    }

    /// @inheritdoc ICertificateRegistry
    function presentBatchCertificate(address lab, bytes32 root, BatchLeaf calldata leaf, bytes32[] calldata proof)
        external
        returns (bytes32 certId)
    {
        BatchRecord memory batchRecord = _existingBatch(lab, root);
        if (batchRecord.revoked) revert BatchAlreadyRevoked(lab, root);
        uint32 labId = _accreditedLabId(lab);
        uint64 revokedAt = _accreditations[lab].revokedAt;
        if (batchRecord.anchoredAt <= revokedAt) {
            revert BatchAnchoredBeforeRevocation(lab, root, batchRecord.anchoredAt, revokedAt);
        }
        if (!MerkleProof.verifyCalldata(proof, root, _leafHash(leaf))) revert InvalidBatchProof(lab, root);
        _checkFields(leaf.reportSha256, leaf.result, leaf.validUntil);
        _activeDevice(leaf.deviceId, false);
        certId = _storeBatchLeaf(root, lab, labId, batchRecord.anchoredAt, leaf);
        _emitBatchIssued(certId, lab, leaf);
    }

    /// @inheritdoc ICertificateRegistry
    function revokeBatch(address lab, bytes32 root, string calldata reason) external {
        BatchRecord storage record = _batches[lab][root];
        if (record.anchoredAt == 0) revert BatchNotFound(lab, root);
        if (lab != msg.sender && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotBatchIssuer(lab, root, msg.sender);
        }
        if (record.revoked) revert BatchAlreadyRevoked(lab, root);
        record.revoked = true;
        emit BatchRevoked(root, lab, msg.sender, reason);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ICertificateRegistry
    function deviceRegistry() external view returns (IDeviceRegistry) {
        return _deviceRegistry;
    }

    /// @inheritdoc ICertificateRegistry
    function accreditation(address lab) external view returns (Accreditation memory) {
        return _accreditations[lab];
    }

    /// @inheritdoc ICertificateRegistry
    function isAccredited(address lab) external view returns (bool) {
        Accreditation storage record = _accreditations[lab];
        return record.active && block.timestamp < record.validUntil;
    }

    /// @inheritdoc ICertificateRegistry
    function certificate(bytes32 certId) external view returns (Certificate memory) {
        Slot memory record = _unpack(_certificates[certId]);
        if (record.issuedAt == 0) revert CertificateNotFound(certId);
        uint8 flags = record.flags;
        return Certificate({
            lab: _labs[record.labId].lab,
            issuedAt: record.issuedAt,
            validUntil: record.validUntil,
            result: record.result,
            revoked: flags & _REVOKED != 0,
            deviceAttested: flags & _DEVICE_ATTESTED != 0,
            digest: record.digest,
            successor: _successors[certId],
            batchRoot: _batchOf[certId]
        });
    }

    /// @inheritdoc ICertificateRegistry
    function isValid(bytes32 certId) external view returns (bool) {
        return _validLab(certId, _certificates[certId]) != address(0);
    }

    /// @inheritdoc ICertificateRegistry
    function isValidCertificate(
        bytes32 certId,
        uint256 deviceId,
        bytes32 reportSha256,
        bytes32 dataRoot,
        bytes32 testSpec
    ) external view returns (bool) {
        uint256 packed = _certificates[certId];
        if (_digestOf(packed) != _digest(deviceId, dataRoot, testSpec)) return false;
        address lab = _validLab(certId, packed);
        return lab != address(0) && _certificateId(lab, deviceId, reportSha256) == certId && _deviceActive(deviceId);
    }

    /// @inheritdoc ICertificateRegistry
    function isValidPass(bytes32 certId, uint256 deviceId, bytes32 testSpec, bytes32 dataRoot)
        external
        view
        returns (bool)
    {
        return _passLab(certId, deviceId, dataRoot, testSpec) != address(0) && _deviceActive(deviceId);
    }

    /// @inheritdoc ICertificateRegistry
    function passLabs(PassRef[] calldata passes, uint256[] calldata deviceIds, bytes32 testSpec)
        external
        view
        returns (address[] memory labs)
    {
        uint256 count = passes.length;
        if (deviceIds.length != count) revert PassCountMismatch(count, deviceIds.length);
        labs = new address[](count);
        for (uint256 i; i < count;) {
            PassRef calldata pass = passes[i];
            labs[i] = _passLab(pass.certId, deviceIds[i], pass.dataRoot, testSpec);
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc ICertificateRegistry
    function labOf(bytes32 certId) external view returns (address) {
        Slot memory record = _unpack(_certificates[certId]);
        return record.issuedAt == 0 ? address(0) : _labs[record.labId].lab;
    }

    /// @inheritdoc ICertificateRegistry
    function successorOf(bytes32 certId) external view returns (bytes32) {
        return _successors[certId];
    }

    /// @inheritdoc ICertificateRegistry
    function verifyCertificateFields(
        bytes32 certId,
        uint256 deviceId,
        bytes32 reportSha256,
        bytes32 dataRoot,
        bytes32 testSpec
    ) external view returns (bool) {
        Slot memory record = _unpack(_certificates[certId]);
        return record.issuedAt != 0 && record.digest == _digest(deviceId, dataRoot, testSpec)
            && _certificateId(_labs[record.labId].lab, deviceId, reportSha256) == certId;
    }

    /// @inheritdoc ICertificateRegistry
    function certificateId(address lab, uint256 deviceId, bytes32 reportSha256) external pure returns (bytes32) {
        return _certificateId(lab, deviceId, reportSha256);
    }

    /// @inheritdoc ICertificateRegistry
    function certificateDigest(uint256 deviceId, bytes32 dataRoot, bytes32 testSpec) external pure returns (bytes16) {
        return _digest(deviceId, dataRoot, testSpec);
    }

    /// @inheritdoc ICertificateRegistry
    function batch(address lab, bytes32 root) external view returns (Batch memory) {
        BatchRecord memory record = _existingBatch(lab, root);
        return Batch({lab: record.lab, anchoredAt: record.anchoredAt, count: record.count, revoked: record.revoked});
    }

    /// @inheritdoc ICertificateRegistry
    function verifyBatchCertificate(address lab, bytes32 root, BatchLeaf calldata leaf, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        BatchRecord storage record = _batches[lab][root];
        Accreditation storage accreditation_ = _accreditations[lab];
        return record.anchoredAt != 0 && !record.revoked && accreditation_.active
            && block.timestamp < accreditation_.validUntil && record.anchoredAt > accreditation_.revokedAt
            && (leaf.result == RESULT_PASS || leaf.result == RESULT_FAIL) && block.timestamp < leaf.validUntil
            && MerkleProof.verifyCalldata(proof, root, _leafHash(leaf));
    }

    /// @inheritdoc ICertificateRegistry
    function batchLeafHash(BatchLeaf calldata leaf) external pure returns (bytes32) {
        return _leafHash(leaf);
    }

    /// @inheritdoc ICertificateRegistry
    function hashDataAttestation(uint256 deviceId, bytes32 dataRoot) external view returns (bytes32) {
        return _dataAttestationDigest(deviceId, dataRoot);
    }

    /// @inheritdoc ICertificateRegistry
    function hashIssueRequest(CertificateRequest calldata req, address lab, uint256 deadline)
        external
        view
        returns (bytes32)
    {
        return _issueRequestDigest(req, lab, deadline);
    }

    /// @notice ERC-165: AccessControl, ICertificateRegistry and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ICertificateRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev Revoking or renouncing LAB_ROLE (also through `revokeAccreditation`) ends the accreditation and
    ///      records the revocation time, which invalidates everything the lab issued up to now.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        Accreditation storage record = _accreditations[account];
        if (revoked && role == Roles.LAB_ROLE && record.active) {
            record.active = false;
            uint64 revokedAt = uint64(block.timestamp);
            record.revokedAt = revokedAt;
            _labs[record.labId].revokedAt = revokedAt;
            emit LabAccreditationRevoked(account, revokedAt);
        }
    }

    /// @dev Issues `req` for `lab` (supersede and device attestation included).
    function _issueWithOptions(address lab, CertificateRequest calldata req) private returns (bytes32 certId) {
        uint32 labId = _accreditedLabId(lab);
        uint256 deviceId = req.deviceId;
        _checkFields(req.reportSha256, req.result, req.validUntil);
        uint8 flags;
        if (req.deviceSignature.length != 0) {
            address deviceKey = _activeDevice(deviceId, true);
            bytes32 attestation = _dataAttestationDigest(deviceId, req.dataRoot);
            if (!SignatureChecker.isValidSignatureNow(deviceKey, attestation, req.deviceSignature)) {
                revert InvalidDeviceSignature(deviceId);
            }
            flags = _DEVICE_ATTESTED;
        } else {
            _activeDevice(deviceId, false);
        }
        certId = _certificateId(lab, deviceId, req.reportSha256);
        _store(
            certId,
            labId,
            uint40(block.timestamp),
            req.validUntil,
            req.result,
            flags,
            _digest(deviceId, req.dataRoot, req.testSpec)
        );
        _emitIssued(certId, lab, req);
        if (req.supersedes != bytes32(0)) _supersede(lab, labId, req, certId);
    }

    /// @dev Marks `req.supersedes` superseded by `certId` if it is an existing, not yet superseded certificate
    ///      of the same lab (labId in its slot) and device (its id must be the hash of the lab, `deviceId` and
    ///      `req.supersedesReport`), else CannotSupersede. The new slot is already written, so a request that
    ///      supersedes itself finds it.
    function _supersede(address lab, uint32 labId, CertificateRequest calldata req, bytes32 certId) private {
        bytes32 supersedes = req.supersedes;
        uint256 previous = _certificates[supersedes];
        Slot memory old = _unpack(previous);
        if (
            old.issuedAt == 0 || old.labId != labId || old.flags & _SUPERSEDED != 0 || supersedes == certId
                || _certificateId(lab, req.deviceId, req.supersedesReport) != supersedes
        ) revert CannotSupersede(supersedes);
        _certificates[supersedes] = previous | (uint256(_SUPERSEDED) << _FLAGS_SHIFT);
        _successors[supersedes] = certId;
        emit CertificateSuperseded(supersedes, certId);
    }

    /// @dev Stores a batch leaf of `lab` as a certificate issued at `anchoredAt`, linked to `root`.
    function _storeBatchLeaf(bytes32 root, address lab, uint32 labId, uint40 anchoredAt, BatchLeaf calldata leaf)
        private
        returns (bytes32 certId)
    {
        uint256 deviceId = leaf.deviceId;
        certId = _certificateId(lab, deviceId, leaf.reportSha256);
        bytes16 digest = _digest(deviceId, leaf.dataRoot, leaf.testSpec);
        _store(certId, labId, anchoredAt, leaf.validUntil, leaf.result, _FROM_BATCH, digest);
        _batchOf[certId] = root;
    }

    /// @dev Writes a new certificate slot; reverts CertificateAlreadyExists if `certId` is taken.
    function _store(
        bytes32 certId,
        uint32 labId,
        uint40 issuedAt,
        uint64 validUntil,
        uint8 result,
        uint8 flags,
        bytes16 digest
    ) private {
        if (_certificates[certId] != 0) revert CertificateAlreadyExists(certId);
        // _checkFields bounds validUntil below 2**40; issuedAt != 0 marks the slot as used.
        _certificates[certId] = uint256(labId) | (uint256(issuedAt) << _ISSUED_AT_SHIFT)
            | (uint256(validUntil) << _VALID_UNTIL_SHIFT) | (uint256(result) << _RESULT_SHIFT)
            | (uint256(flags) << _FLAGS_SHIFT) | (uint256(uint128(digest)) << _DIGEST_SHIFT);
    }

    function _emitIssued(bytes32 certId, address lab, CertificateRequest calldata req) private {
        emit CertificateIssued(
            certId,
            req.deviceId,
            req.reportSha256,
            lab,
            req.dataRoot,
            req.testSpec,
            req.result,
            req.validUntil,
            req.deviceSignature
        );
    }

    function _emitBatchIssued(bytes32 certId, address lab, BatchLeaf calldata leaf) private {
        emit CertificateIssued(
            certId,
            leaf.deviceId,
            leaf.reportSha256,
            lab,
            leaf.dataRoot,
            leaf.testSpec,
            leaf.result,
            leaf.validUntil,
            ""
        );
    }

    /// @dev The labId of `lab` if it may issue now, else LabNotAccredited.
    function _accreditedLabId(address lab) private view returns (uint32) {
        Accreditation storage record = _accreditations[lab];
        if (!record.active || block.timestamp >= record.validUntil) revert LabNotAccredited(lab);
        return record.labId;
    }

    /// @dev Reverts `DeviceNotFound` / `DeviceNotActive` unless device `deviceId` is Active; returns its key
    ///      when `withKey` (a device-attested issuance). Without the key it asks `statusOf` (one record read);
    ///      with it `device()` (which also resolves the manufacturer). A plain static call takes `status` and
    ///      `deviceKey` from the return data without decoding a struct into memory (it is on the path of every
    ///      issuance); a revert (`DeviceNotFound`) is bubbled up unchanged.
    function _activeDevice(uint256 deviceId, bool withKey) private view returns (address deviceKey) {
        address registry = address(_deviceRegistry);
        bytes4 selector = withKey ? IDeviceRegistry.device.selector : IDeviceRegistry.statusOf.selector;
        uint256 size = withKey ? 160 : 32; // Device is 5 words: manufacturer, registeredAt, status, keyProven, deviceKey
        uint256 status;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 4), deviceId)
            if iszero(staticcall(gas(), registry, ptr, 36, ptr, size)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if lt(returndatasize(), size) { revert(0, 0) }
            switch withKey
            case 0 { status := mload(ptr) }
            default {
                status := mload(add(ptr, 64))
                deviceKey := mload(add(ptr, 128))
            }
        }
        if (status != uint256(IDeviceRegistry.DeviceStatus.Active)) {
            revert DeviceNotActive(deviceId, IDeviceRegistry.DeviceStatus(status));
        }
    }

    /// @dev Field checks shared by every issuance path.
    function _checkFields(bytes32 reportSha256, uint8 result, uint64 validUntil) private view {
        if (reportSha256 == bytes32(0)) revert ZeroReportDigest();
        if (result != RESULT_PASS && result != RESULT_FAIL) revert InvalidResult(result);
        if (validUntil <= block.timestamp || validUntil > type(uint40).max) revert InvalidValidity(validUntil);
    }

    /// @dev The lab of a valid stored record (issued, not revoked or superseded, in date, lab not revoked since,
    ///      batch not revoked), else address(0). The device is checked by the callers that know it.
    function _validLab(bytes32 certId, uint256 packed) private view returns (address lab) {
        uint8 flags = uint8(packed >> _FLAGS_SHIFT);
        uint40 issuedAt = uint40(packed >> _ISSUED_AT_SHIFT);
        if (issuedAt == 0 || flags & (_REVOKED | _SUPERSEDED) != 0) return address(0);
        if (block.timestamp >= uint40(packed >> _VALID_UNTIL_SHIFT)) return address(0);
        LabRecord storage labRecord = _labs[uint32(packed)];
        uint64 revokedAt;
        (lab, revokedAt) = (labRecord.lab, labRecord.revokedAt);
        if (issuedAt <= revokedAt) return address(0);
        if (flags & _FROM_BATCH != 0 && _batches[lab][_batchOf[certId]].revoked) return address(0);
    }

    function _digestOf(uint256 packed) private pure returns (bytes16) {
        return bytes16(uint128(packed >> _DIGEST_SHIFT));
    }

    /// @dev The lab of certificate `certId` if it is a valid Pass of (deviceId, dataRoot, testSpec), else
    ///      address(0) (device status not checked). Unpacks the slot only once result and digest match.
    function _passLab(bytes32 certId, uint256 deviceId, bytes32 dataRoot, bytes32 testSpec)
        private
        view
        returns (address)
    {
        uint256 packed = _certificates[certId];
        if (uint8(packed >> _RESULT_SHIFT) != RESULT_PASS) return address(0);
        if (_digestOf(packed) != _digest(deviceId, dataRoot, testSpec)) return address(0);
        return _validLab(certId, packed);
    }

    /// @dev Whether the device is registered and Active (false instead of a revert for an unknown id).
    function _deviceActive(uint256 deviceId) private view returns (bool) {
        try _deviceRegistry.statusOf(deviceId) returns (IDeviceRegistry.DeviceStatus status) {
            return status == IDeviceRegistry.DeviceStatus.Active;
        } catch {
            return false;
        }
    }

    function _unpack(uint256 packed) private pure returns (Slot memory record) {
        record.labId = uint32(packed);
        record.issuedAt = uint40(packed >> _ISSUED_AT_SHIFT);
        record.validUntil = uint40(packed >> _VALID_UNTIL_SHIFT);
        record.result = uint8(packed >> _RESULT_SHIFT);
        record.flags = uint8(packed >> _FLAGS_SHIFT);
        record.digest = _digestOf(packed);
    }

    function _existingBatch(address lab, bytes32 root) private view returns (BatchRecord memory record) {
        record = _batches[lab][root];
        if (record.anchoredAt == 0) revert BatchNotFound(lab, root);
    }

    function _dataAttestationDigest(uint256 deviceId, bytes32 dataRoot) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(DATA_ATTESTATION_TYPEHASH, deviceId, dataRoot)));
    }

    function _issueRequestDigest(CertificateRequest calldata req, address lab, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        bytes memory encoded = abi.encode(
            ISSUE_CERTIFICATE_TYPEHASH,
            lab,
            req.deviceId,
            req.reportSha256,
            req.dataRoot,
            req.testSpec,
            req.result,
            req.validUntil,
            req.supersedes,
            keccak256(req.deviceSignature),
            deadline
        );
        return _hashTypedDataV4(keccak256(encoded));
    }

    function _certificateId(address lab, uint256 deviceId, bytes32 reportSha256) private pure returns (bytes32) {
        return keccak256(abi.encode(lab, deviceId, reportSha256));
    }

    /// @dev `bytes16(keccak256(abi.encode(deviceId, dataRoot, testSpec)))`, hashed in scratch memory past
    ///      the free memory pointer (a loop over passes does not grow memory by one encoding each).
    function _digest(uint256 deviceId, bytes32 dataRoot, bytes32 testSpec) private pure returns (bytes16 digest) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, deviceId)
            mstore(add(ptr, 0x20), dataRoot)
            mstore(add(ptr, 0x40), testSpec)
            digest := and(keccak256(ptr, 0x60), not(sub(shl(128, 1), 1)))
        }
    }

    function _leafHash(BatchLeaf calldata leaf) private pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(
                        leaf.deviceId, leaf.reportSha256, leaf.dataRoot, leaf.testSpec, leaf.result, leaf.validUntil
                    )
                )
            )
        );
    }
}
