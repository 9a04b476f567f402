// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {IDeviceRegistry} from "../../contracts/identity/IDeviceRegistry.sol";
import {CertificateHandler} from "./CertificateHandler.sol";
import {InvariantTest} from "./lib/InvariantTest.sol";

/// @title CertificateInvariants
/// @notice Invariant campaign over CertificateRegistry (see CertificateHandler for the actions):
///         no certificate is valid after the revocation of itself (or of its batch), of its lab, or
///         of its device (a device that is not Active has no valid certificate and no valid Pass).
contract CertificateInvariants is InvariantTest {
    CertificateHandler internal handler;

    function setUp() public {
        handler = new CertificateHandler();
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = CertificateHandler.registerDevice.selector;
        selectors[1] = CertificateHandler.issue.selector;
        selectors[2] = CertificateHandler.anchor.selector;
        selectors[3] = CertificateHandler.present.selector;
        selectors[4] = CertificateHandler.revokeCertificate.selector;
        selectors[5] = CertificateHandler.revokeBatch.selector;
        selectors[6] = CertificateHandler.revokeLab.selector;
        selectors[7] = CertificateHandler.setDeviceStatus.selector;
        selectors[8] = CertificateHandler.warp.selector;
        _target(address(handler), selectors);
    }

    /// @notice A revoked certificate, or one presented from a revoked batch, is never valid.
    function invariant_revokedCertificateIsInvalid() public view {
        for (uint256 i; i < handler.certCount(); ++i) {
            bytes32 certId = handler.certIds(i);
            if (handler.ghostRevoked(certId) || handler.ghostBatchRevoked(handler.labOf(certId), handler.rootOf(certId))) {
                _assertTrue(!handler.certificates().isValid(certId), "revoked certificate is valid");
            }
        }
    }

    /// @notice No certificate of a lab whose accreditation was revoked is valid (issued before or
    ///         presented after the revocation).
    function invariant_certificateOfRevokedLabIsInvalid() public view {
        for (uint256 i; i < handler.certCount(); ++i) {
            bytes32 certId = handler.certIds(i);
            if (handler.ghostLabRevoked(handler.labOf(certId))) {
                _assertTrue(!handler.certificates().isValid(certId), "certificate of a revoked lab is valid");
            }
        }
    }

    /// @notice A device that is not Active (suspended or decommissioned) has no valid certificate
    ///         and no valid Pass.
    function invariant_certificateOfInactiveDeviceIsInvalid() public view {
        for (uint256 i; i < handler.certCount(); ++i) {
            bytes32 certId = handler.certIds(i);
            uint256 deviceId = handler.deviceOf(certId);
            if (handler.devices().device(deviceId).status != IDeviceRegistry.DeviceStatus.Active) {
                // isValid(certId) judges the one-slot record alone; the field-bound view checks the device.
                _assertTrue(
                    !handler.certificates().isValidCertificate(
                        certId, deviceId, handler.reportOf(certId), bytes32(0), handler.SPEC()
                    ),
                    "certificate of an inactive device is valid"
                );
                _assertTrue(
                    !handler.certificates().isValidPass(certId, deviceId, handler.SPEC(), bytes32(0)),
                    "inactive device has a valid Pass"
                );
            }
        }
    }
}
