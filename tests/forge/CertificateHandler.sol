// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {CertificateRegistry} from "../../contracts/certificates/CertificateRegistry.sol";
import {ICertificateRegistry} from "../../contracts/certificates/ICertificateRegistry.sol";
import {Roles} from "../../contracts/common/Roles.sol";
import {DeviceRegistry} from "../../contracts/identity/DeviceRegistry.sol";
import {IDeviceRegistry} from "../../contracts/identity/IDeviceRegistry.sol";
import {VM} from "./lib/Vm.sol";

/// @title CertificateHandler
/// @notice The actions the certificate campaign draws from: three accredited labs issue Pass
///         certificates directly or as one-leaf batches (anchored now, presented later by anyone);
///         certificates, batches and labs are revoked; devices are suspended, re-activated and
///         decommissioned; time moves on. Ghost state records what was revoked, so the invariants
///         do not trust the registry's own flags. A revoked lab is never re-accredited.
contract CertificateHandler {
    bytes32 public constant SPEC = keccak256("IEC 61010-1");

    DeviceRegistry public immutable devices;
    CertificateRegistry public immutable certificates;
    address[3] public labs;

    uint256[] public deviceIds;
    bytes32[] public certIds;
    /// @notice Anchored one-leaf batches not yet presented.
    ICertificateRegistry.BatchLeaf[] internal _pending;
    bytes32[] internal _pendingRoots;
    address[] internal _pendingLabs;

    mapping(bytes32 certId => address) public labOf;
    mapping(bytes32 certId => uint256) public deviceOf;
    /// @notice The report digest of each certificate (the registry stores only a digest of the fields).
    mapping(bytes32 certId => bytes32) public reportOf;
    mapping(bytes32 certId => bytes32) public rootOf;
    mapping(bytes32 certId => bool) public ghostRevoked;
    /// @dev Keyed by keccak256(abi.encode(lab, root)): batches are per lab.
    mapping(bytes32 labRoot => bool) internal _ghostBatchRevoked;
    mapping(address lab => bool) public ghostLabRevoked;
    mapping(bytes32 action => uint256) public calls;
    uint256 private _nonce;

    constructor() {
        devices = new DeviceRegistry(address(this));
        certificates = new CertificateRegistry(address(this), devices);
        devices.grantRole(Roles.MANUFACTURER_ROLE, address(this));
        for (uint256 i; i < 3; ++i) {
            labs[i] = address(uint160(0x1AB0 + i));
            certificates.accreditLab(labs[i], "Lab", uint64(block.timestamp + 3650 days));
        }
        for (uint256 i; i < 4; ++i) {
            _registerDevice();
        }
    }

    // ---- views for the invariants -----------------------------------------------------------

    function ghostBatchRevoked(address lab, bytes32 root) public view returns (bool) {
        return _ghostBatchRevoked[keccak256(abi.encode(lab, root))];
    }

    function certCount() external view returns (uint256) {
        return certIds.length;
    }

    function deviceCount() external view returns (uint256) {
        return deviceIds.length;
    }

    // ---- actions ------------------------------------------------------------------------------

    function registerDevice() external {
        if (deviceIds.length >= 12) return;
        _registerDevice();
        ++calls["registerDevice"];
    }

    /// @notice A lab issues a Pass for a device, valid for 1 hour to 60 days.
    function issue(uint256 labSeed, uint256 deviceSeed, uint32 validity) external {
        address lab = labs[labSeed % 3];
        uint256 deviceId = deviceIds[deviceSeed % deviceIds.length];
        bytes32 report = _report();
        VM.prank(lab);
        try certificates.issueCertificate(deviceId, report, bytes32(0), SPEC, 1, _validUntil(validity)) returns (
            bytes32 certId
        ) {
            _record(certId, lab, deviceId, bytes32(0), report);
            ++calls["issue"];
        } catch {} // refused (lab revoked, device state): the invariants judge what got through
    }

    /// @notice A lab anchors a one-leaf batch (root = leaf) for later presentation.
    function anchor(uint256 labSeed, uint256 deviceSeed, uint32 validity) external {
        address lab = labs[labSeed % 3];
        ICertificateRegistry.BatchLeaf memory leaf = ICertificateRegistry.BatchLeaf({
            deviceId: deviceIds[deviceSeed % deviceIds.length],
            reportSha256: _report(),
            dataRoot: bytes32(0),
            testSpec: SPEC,
            result: 1,
            validUntil: _validUntil(validity)
        });
        bytes32 root = certificates.batchLeafHash(leaf);
        VM.prank(lab);
        try certificates.anchorBatch(root, 1) {
            _pending.push(leaf);
            _pendingRoots.push(root);
            _pendingLabs.push(lab);
            ++calls["anchor"];
        } catch {}
    }

    /// @notice Anyone presents a pending batch leaf.
    function present(uint256 seed, address presenter) external {
        if (_pending.length == 0) return;
        uint256 index = seed % _pending.length;
        ICertificateRegistry.BatchLeaf memory leaf = _pending[index];
        bytes32 root = _pendingRoots[index];
        address lab = _pendingLabs[index];
        VM.prank(presenter);
        try certificates.presentBatchCertificate(lab, root, leaf, new bytes32[](0)) returns (bytes32 certId) {
            _record(certId, lab, leaf.deviceId, root, leaf.reportSha256);
            _pending[index] = _pending[_pending.length - 1];
            _pending.pop();
            _pendingRoots[index] = _pendingRoots[_pendingRoots.length - 1];
            _pendingRoots.pop();
            _pendingLabs[index] = _pendingLabs[_pendingLabs.length - 1];
            _pendingLabs.pop();
            ++calls["present"];
        } catch {}
    }

    /// @notice The issuing lab or the admin revokes a certificate.
    function revokeCertificate(uint256 seed, bool byAdmin) external {
        if (certIds.length == 0) return;
        bytes32 certId = certIds[seed % certIds.length];
        if (ghostRevoked[certId]) return;
        if (!byAdmin) VM.prank(labOf[certId]);
        certificates.revokeCertificate(certId, "wrong");
        ghostRevoked[certId] = true;
        ++calls["revokeCertificate"];
    }

    /// @notice The anchoring lab revokes the batch a certificate was presented from, or a pending one.
    function revokeBatch(uint256 seed, bool pending) external {
        bytes32 root;
        address lab;
        if (pending && _pendingRoots.length > 0) {
            root = _pendingRoots[seed % _pendingRoots.length];
            lab = _pendingLabs[seed % _pendingLabs.length];
        } else if (certIds.length > 0) {
            bytes32 certId = certIds[seed % certIds.length];
            (root, lab) = (rootOf[certId], labOf[certId]);
        }
        if (root == bytes32(0) || ghostBatchRevoked(lab, root)) return;
        VM.prank(lab);
        certificates.revokeBatch(lab, root, "recalled");
        _ghostBatchRevoked[keccak256(abi.encode(lab, root))] = true;
        ++calls["revokeBatch"];
    }

    /// @notice The admin revokes a lab's accreditation (for good: it is never re-accredited).
    ///         One call in eight acts, so most runs keep an accredited lab for a while.
    function revokeLab(uint256 seed) external {
        if (seed % 8 != 0) return;
        address lab = labs[(seed / 8) % 3];
        if (ghostLabRevoked[lab]) return;
        certificates.revokeAccreditation(lab);
        ghostLabRevoked[lab] = true;
        ++calls["revokeLab"];
    }

    /// @notice The manufacturer suspends, re-activates or decommissions a device.
    function setDeviceStatus(uint256 seed, uint8 status) external {
        uint256 deviceId = deviceIds[seed % deviceIds.length];
        try devices.setDeviceStatus(deviceId, IDeviceRegistry.DeviceStatus(status % 3)) {
            ++calls["setDeviceStatus"];
        } catch {} // unchanged, or already decommissioned
    }

    function warp(uint32 secondsForward) external {
        VM.warp(block.timestamp + secondsForward % 10 days);
        ++calls["warp"];
    }

    // ---- helpers ------------------------------------------------------------------------------

    function _registerDevice() private {
        deviceIds.push(
            devices.registerDevice(
                string(abi.encodePacked("sn-", deviceIds.length)), bytes32(0), address(0xD0), bytes32(0), address(this)
            )
        );
    }

    function _record(bytes32 certId, address lab, uint256 deviceId, bytes32 root, bytes32 report) private {
        certIds.push(certId);
        reportOf[certId] = report;
        labOf[certId] = lab;
        deviceOf[certId] = deviceId;
        rootOf[certId] = root;
    }

    function _report() private returns (bytes32) {
        return keccak256(abi.encode("report", ++_nonce));
    }

    function _validUntil(uint32 validity) private view returns (uint64) {
        return uint64(block.timestamp + 1 hours + validity % 60 days);
    }
}
