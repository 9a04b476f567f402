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
/// @dev Storage per certificate: slot 0 deviceId; slot 1 labId(32) | issuedAt(40) | validUntil(40) |
///      result(8) | flags(8) | fieldsDigest(128). Successor and batch links are written only when used. Labs are referenced by a 32-bit
///      labId (assigned at the first accreditation) so that the digest of dataRoot and testSpec fits slot 1.
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

    /// @dev Stored certificate: two slots. `issuedAt == 0` means no certificate.
    struct CertificateRecord {
        uint256 deviceId;
        uint32 labId;
        uint40 issuedAt;
        uint40 validUntil;
        uint8 result;
        uint8 flags;
        bytes16 fieldsDigest;
    }

    /// @dev Stored batch: one slot, keyed by (lab, root). `anchoredAt == 0` means not anchored.
    struct BatchRecord {
        address lab;
        uint40 anchoredAt;
        uint32 count;
        bool revoked;
    }

    IDeviceRegistry private immutable _deviceRegistry;

    /// @dev Number of labs ever accredited (the last labId assigned).
    uint32 private _labCount;

    mapping(address lab => Accreditation record) private _accreditations;
    mapping(uint32 labId => address lab) private _labs;
    mapping(bytes32 certId => CertificateRecord record) private _certificates;
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
    function accreditLab(address lab, string calldata name, uint64 validUntil)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (lab == address(0)) revert ZeroLab();
        if (validUntil <= block.timestamp) revert InvalidAccreditationExpiry(validUntil);
        Accreditation storage record = _accreditations[lab];
        if (record.labId == 0) {
            uint32 labId = ++_labCount;
            record.labId = labId;
            _labs[labId] = lab;
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
        _activeDevice(deviceId);
        certId = _certificateId(msg.sender, deviceId, reportSha256);
        _store(
            certId, deviceId, labId, uint40(block.timestamp), validUntil, result, 0, _fieldsDigest(dataRoot, testSpec)
        );
        emit CertificateIssued(
            certId, deviceId, reportSha256, msg.sender, dataRoot, testSpec, result, validUntil, 0, false, 0
        );
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
        CertificateRecord storage record = _certificates[certId];
        uint8 flags = record.flags;
        if (record.issuedAt == 0) revert CertificateNotFound(certId);
        if (_labs[record.labId] != msg.sender && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotCertificateIssuer(certId, msg.sender);
        }
        if (flags & _REVOKED != 0) revert CertificateAlreadyRevoked(certId);
        record.flags = flags | _REVOKED;
        emit CertificateRevoked(certId, record.deviceId, msg.sender, reason);
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
        _activeDevice(leaf.deviceId);
        certId = _storeBatchLeaf(root, lab, labId, batchRecord.anchoredAt, leaf);
        _emitBatchIssued(certId, lab, root, leaf);
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
        CertificateRecord storage record = _existingCertificate(certId);
        uint8 flags = record.flags;
        return Certificate({
            deviceId: record.deviceId,
            lab: _labs[record.labId],
            issuedAt: record.issuedAt,
            validUntil: record.validUntil,
            result: record.result,
            revoked: flags & _REVOKED != 0,
            deviceAttested: flags & _DEVICE_ATTESTED != 0,
            fieldsDigest: record.fieldsDigest,
            successor: _successors[certId],
            batchRoot: _batchOf[certId]
        });
    }

    /// @inheritdoc ICertificateRegistry
    function isValid(bytes32 certId) external view returns (bool) {
        return _isValid(certId);
    }

    /// @inheritdoc ICertificateRegistry
    function isValidPass(bytes32 certId, uint256 deviceId, bytes32 testSpec, bytes32 dataRoot)
        external
        view
        returns (bool)
    {
        CertificateRecord storage record = _certificates[certId];
        return record.deviceId == deviceId && record.result == RESULT_PASS
            && record.fieldsDigest == _fieldsDigest(dataRoot, testSpec) && _isValid(certId);
    }

    /// @inheritdoc ICertificateRegistry
    function labOf(bytes32 certId) external view returns (address) {
        CertificateRecord storage record = _certificates[certId];
        return record.issuedAt == 0 ? address(0) : _labs[record.labId];
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
        CertificateRecord storage record = _certificates[certId];
        if (record.issuedAt == 0 || record.deviceId != deviceId) return false;
        return _certificateId(_labs[record.labId], deviceId, reportSha256) == certId
            && record.fieldsDigest == _fieldsDigest(dataRoot, testSpec);
    }

    /// @inheritdoc ICertificateRegistry
    function certificateId(address lab, uint256 deviceId, bytes32 reportSha256) external pure returns (bytes32) {
        return _certificateId(lab, deviceId, reportSha256);
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
            address deviceKey = _activeDevice(deviceId);
            bytes32 digest = _dataAttestationDigest(deviceId, req.dataRoot);
            if (!SignatureChecker.isValidSignatureNow(deviceKey, digest, req.deviceSignature)) {
                revert InvalidDeviceSignature(deviceId);
            }
            flags = _DEVICE_ATTESTED;
        } else {
            _activeDevice(deviceId);
        }
        bytes32 supersedes = req.supersedes;
        if (supersedes != bytes32(0)) {
            CertificateRecord storage previous = _certificates[supersedes];
            if (
                previous.issuedAt == 0 || previous.labId != labId || previous.deviceId != deviceId
                    || previous.flags & _SUPERSEDED != 0
            ) revert CannotSupersede(supersedes);
        }
        certId = _certificateId(lab, deviceId, req.reportSha256);
        bytes16 fieldsDigest = _fieldsDigest(req.dataRoot, req.testSpec);
        _store(certId, deviceId, labId, uint40(block.timestamp), req.validUntil, req.result, flags, fieldsDigest);
        _emitIssued(certId, lab, req, flags & _DEVICE_ATTESTED != 0);
        if (supersedes != bytes32(0)) {
            _certificates[supersedes].flags |= _SUPERSEDED;
            _successors[supersedes] = certId;
            emit CertificateSuperseded(supersedes, certId);
        }
    }

    /// @dev Stores a batch leaf of `lab` as a certificate issued at `anchoredAt`, linked to `root`.
    function _storeBatchLeaf(bytes32 root, address lab, uint32 labId, uint40 anchoredAt, BatchLeaf calldata leaf)
        private
        returns (bytes32 certId)
    {
        uint256 deviceId = leaf.deviceId;
        certId = _certificateId(lab, deviceId, leaf.reportSha256);
        bytes16 fieldsDigest = _fieldsDigest(leaf.dataRoot, leaf.testSpec);
        _store(certId, deviceId, labId, anchoredAt, leaf.validUntil, leaf.result, _FROM_BATCH, fieldsDigest);
        _batchOf[certId] = root;
    }

    /// @dev Writes a new certificate record; reverts CertificateAlreadyExists if `certId` is taken.
    function _store(
        bytes32 certId,
        uint256 deviceId,
        uint32 labId,
        uint40 issuedAt,
        uint64 validUntil,
        uint8 result,
        uint8 flags,
        bytes16 fieldsDigest
    ) private {
        CertificateRecord storage record = _certificates[certId];
        if (record.issuedAt != 0) revert CertificateAlreadyExists(certId);
        _certificates[certId] = CertificateRecord({
            deviceId: deviceId,
            labId: labId,
            issuedAt: issuedAt,
            // _checkFields bounds validUntil below 2**40.
            validUntil: uint40(validUntil),
            result: result,
            flags: flags,
            fieldsDigest: fieldsDigest
        });
    }

    function _emitIssued(bytes32 certId, address lab, CertificateRequest calldata req, bool deviceAttested) private {
        emit CertificateIssued(
            certId,
            req.deviceId,
            req.reportSha256,
            lab,
            req.dataRoot,
            req.testSpec,
            req.result,
            req.validUntil,
            req.supersedes,
            deviceAttested,
            0
        );
    }

    function _emitBatchIssued(bytes32 certId, address lab, bytes32 root, BatchLeaf calldata leaf) private {
        emit CertificateIssued(
            certId,
            leaf.deviceId,
            leaf.reportSha256,
            lab,
            leaf.dataRoot,
            leaf.testSpec,
            leaf.result,
            leaf.validUntil,
            0,
            false,
            root
        );
    }

    /// @dev The labId of `lab` if it may issue now, else LabNotAccredited.
    function _accreditedLabId(address lab) private view returns (uint32) {
        Accreditation storage record = _accreditations[lab];
        if (!record.active || block.timestamp >= record.validUntil) revert LabNotAccredited(lab);
        return record.labId;
    }

    /// @dev The key of device `deviceId` if it is Active; `DeviceNotFound` / `DeviceNotActive` otherwise.
    function _activeDevice(uint256 deviceId) private view returns (address deviceKey) {
        // device() reverts DeviceNotFound for an unknown id.
        IDeviceRegistry.Device memory record = _deviceRegistry.device(deviceId);
        if (record.status != IDeviceRegistry.DeviceStatus.Active) revert DeviceNotActive(deviceId, record.status);
        return record.deviceKey;
    }

    /// @dev Field checks shared by every issuance path.
    function _checkFields(bytes32 reportSha256, uint8 result, uint64 validUntil) private view {
        if (reportSha256 == bytes32(0)) revert ZeroReportDigest();
        if (result != RESULT_PASS && result != RESULT_FAIL) revert InvalidResult(result);
        if (validUntil <= block.timestamp || validUntil > type(uint40).max) revert InvalidValidity(validUntil);
    }

    function _isValid(bytes32 certId) private view returns (bool) {
        CertificateRecord storage record = _certificates[certId];
        uint8 flags = record.flags;
        uint40 issuedAt = record.issuedAt;
        if (issuedAt == 0 || flags & (_REVOKED | _SUPERSEDED) != 0) return false;
        if (block.timestamp >= record.validUntil) return false;
        address lab = _labs[record.labId];
        if (issuedAt <= _accreditations[lab].revokedAt) return false;
        if (flags & _FROM_BATCH != 0 && _batches[lab][_batchOf[certId]].revoked) return false;
        return _deviceActive(record.deviceId);
    }

    /// @dev Whether the device is registered and Active (false instead of a revert for an unknown id).
    function _deviceActive(uint256 deviceId) private view returns (bool) {
        try _deviceRegistry.device(deviceId) returns (IDeviceRegistry.Device memory record) {
            return record.status == IDeviceRegistry.DeviceStatus.Active;
        } catch {
            return false;
        }
    }

    function _existingCertificate(bytes32 certId) private view returns (CertificateRecord storage record) {
        record = _certificates[certId];
        if (record.issuedAt == 0) revert CertificateNotFound(certId);
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

    function _fieldsDigest(bytes32 dataRoot, bytes32 testSpec) private pure returns (bytes16) {
        return bytes16(keccak256(abi.encode(dataRoot, testSpec)));
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
