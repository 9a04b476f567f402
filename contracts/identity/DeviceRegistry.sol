// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {Roles} from "../common/Roles.sol";
import {Versioned} from "../common/Versioned.sol";
import {IDeviceRegistry} from "./IDeviceRegistry.sol";

/// @title DeviceRegistry
/// @notice ERC-721 device identity registry of fabtrust (see IDeviceRegistry for the full contract).
/// @dev Storage per device: two slots (manufacturer | registeredAt | status | keyProven, then deviceKey)
///      plus ERC-721's owner and balance. model and metadataHash live in the DeviceRegistered event only.
contract DeviceRegistry is IDeviceRegistry, ERC721, AccessControl, EIP712, Versioned {
    // ---------------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IDeviceRegistry
    bytes32 public constant override DEVICE_KEY_PROOF_TYPEHASH =
        keccak256("DeviceKeyProof(address manufacturer,uint256 deviceId,address deviceKey)");

    /// @dev Device records by device id; `manufacturer == address(0)` means not registered.
    mapping(uint256 deviceId => Device record) private _devices;

    // ---------------------------------------------------------------------------------------------
    // Constructor
    // ---------------------------------------------------------------------------------------------

    /// @param admin The consortium admin (DEFAULT_ADMIN_ROLE); grants MANUFACTURER_ROLE.
    constructor(address admin) ERC721("fabtrust Device", "FTDEV") EIP712("fabtrust DeviceRegistry", "1") {
        if (admin == address(0)) revert ZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IDeviceRegistry
    function registerDevice(
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner
    ) external onlyRole(Roles.MANUFACTURER_ROLE) returns (uint256 deviceId) {
        deviceId = _checkNew(serial, deviceKey, owner);
        _store(deviceId, serial, model, deviceKey, metadataHash, owner, false);
    }

    /// @inheritdoc IDeviceRegistry
    function registerDeviceWithProof(
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner,
        bytes calldata keySignature
    ) external onlyRole(Roles.MANUFACTURER_ROLE) returns (uint256 deviceId) {
        deviceId = _checkNew(serial, deviceKey, owner);
        _checkKeyProof(msg.sender, deviceId, deviceKey, keySignature);
        _store(deviceId, serial, model, deviceKey, metadataHash, owner, true);
        emit DeviceKeyProven(deviceId, deviceKey);
    }

    /// @inheritdoc IDeviceRegistry
    function registerDevices(DeviceInput[] calldata inputs)
        external
        onlyRole(Roles.MANUFACTURER_ROLE)
        returns (uint256[] memory deviceIds)
    {
        uint256 count = inputs.length;
        if (count == 0) revert EmptyBatch();
        deviceIds = new uint256[](count);
        for (uint256 i; i < count;) {
            DeviceInput calldata input = inputs[i];
            address deviceKey = input.deviceKey;
            address owner = input.owner;
            uint256 deviceId = _checkNew(input.serial, deviceKey, owner);
            _store(deviceId, input.serial, input.model, deviceKey, input.metadataHash, owner, false);
            deviceIds[i] = deviceId;
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IDeviceRegistry
    function setDeviceStatus(uint256 deviceId, DeviceStatus status) external {
        Device storage record = _existing(deviceId);
        address manufacturer = record.manufacturer;
        bool isManager = (msg.sender == manufacturer && hasRole(Roles.MANUFACTURER_ROLE, msg.sender))
            || hasRole(DEFAULT_ADMIN_ROLE, msg.sender);
        if (!isManager) revert NotDeviceManager(deviceId, msg.sender);
        DeviceStatus previous = record.status;
        if (previous == DeviceStatus.Decommissioned) revert DeviceIsDecommissioned(deviceId);
        if (previous == status) revert StatusUnchanged(deviceId, status);
        record.status = status;
        emit DeviceStatusChanged(deviceId, previous, status, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function rotateDeviceKey(uint256 deviceId, address newKey) external {
        Device storage record = _rotatable(deviceId, newKey);
        address previousKey = record.deviceKey;
        record.deviceKey = newKey;
        record.keyProven = false;
        emit DeviceKeyRotated(deviceId, previousKey, newKey);
    }

    /// @inheritdoc IDeviceRegistry
    function rotateDeviceKeyWithProof(uint256 deviceId, address newKey, bytes calldata keySignature) external {
        Device storage record = _rotatable(deviceId, newKey);
        _checkKeyProof(record.manufacturer, deviceId, newKey, keySignature);
        address previousKey = record.deviceKey;
        record.deviceKey = newKey;
        record.keyProven = true;
        emit DeviceKeyRotated(deviceId, previousKey, newKey);
        emit DeviceKeyProven(deviceId, newKey);
    }

    /// @inheritdoc IDeviceRegistry
    function proveDeviceKey(uint256 deviceId, bytes calldata keySignature) external {
        Device storage record = _existing(deviceId);
        if (record.status == DeviceStatus.Decommissioned) revert DeviceIsDecommissioned(deviceId);
        if (record.keyProven) revert DeviceKeyAlreadyProven(deviceId);
        address deviceKey = record.deviceKey;
        _checkKeyProof(record.manufacturer, deviceId, deviceKey, keySignature);
        record.keyProven = true;
        emit DeviceKeyProven(deviceId, deviceKey);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IDeviceRegistry
    function deviceIdOf(address manufacturer, string calldata serial) external pure returns (uint256) {
        return _deviceIdOf(manufacturer, serial);
    }

    /// @inheritdoc IDeviceRegistry
    function device(uint256 deviceId) external view returns (Device memory) {
        return _existing(deviceId);
    }

    /// @inheritdoc IDeviceRegistry
    function isRegistered(uint256 deviceId) external view returns (bool) {
        return _devices[deviceId].manufacturer != address(0);
    }

    /// @inheritdoc IDeviceRegistry
    function keyProofDigest(address manufacturer, uint256 deviceId, address deviceKey)
        external
        view
        returns (bytes32)
    {
        return _keyProofDigest(manufacturer, deviceId, deviceKey);
    }

    /// @notice ERC-165: ERC-721 (+ metadata), AccessControl, IDeviceRegistry and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, AccessControl, IERC165)
        returns (bool)
    {
        return interfaceId == type(IDeviceRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev Validates a registration by msg.sender and returns the new device id.
    function _checkNew(string calldata serial, address deviceKey, address owner)
        private
        view
        returns (uint256 deviceId)
    {
        if (bytes(serial).length == 0) revert EmptySerial();
        if (deviceKey == address(0)) revert ZeroDeviceKey();
        if (owner == address(0)) revert ZeroOwner();
        deviceId = _deviceIdOf(msg.sender, serial);
        if (_devices[deviceId].manufacturer != address(0)) revert DeviceAlreadyRegistered(deviceId);
    }

    /// @dev Writes the record, mints the token (Transfer) and emits DeviceRegistered.
    function _store(
        uint256 deviceId,
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner,
        bool keyProven
    ) private {
        _devices[deviceId] = Device({
            manufacturer: msg.sender,
            registeredAt: uint64(block.timestamp),
            status: DeviceStatus.Active,
            keyProven: keyProven,
            deviceKey: deviceKey
        });
        _mint(owner, deviceId);
        emit DeviceRegistered(deviceId, msg.sender, owner, serial, model, deviceKey, metadataHash);
    }

    /// @dev Checks a rotation by msg.sender to `newKey` and returns the record.
    function _rotatable(uint256 deviceId, address newKey) private view returns (Device storage record) {
        record = _existing(deviceId);
        if (msg.sender != record.manufacturer || !hasRole(Roles.MANUFACTURER_ROLE, msg.sender)) {
            revert NotDeviceManufacturer(deviceId, msg.sender);
        }
        if (record.status == DeviceStatus.Decommissioned) revert DeviceIsDecommissioned(deviceId);
        if (newKey == address(0)) revert ZeroDeviceKey();
        if (newKey == record.deviceKey) revert DeviceKeyUnchanged(deviceId, newKey);
    }

    /// @dev The record of a registered device, or DeviceNotFound.
    function _existing(uint256 deviceId) private view returns (Device storage record) {
        record = _devices[deviceId];
        if (record.manufacturer == address(0)) revert DeviceNotFound(deviceId);
    }

    /// @dev Reverts InvalidKeyProof(deviceKey) unless `signature` is deviceKey's (ECDSA or ERC-1271)
    ///      over DeviceKeyProof(manufacturer, deviceId, deviceKey).
    function _checkKeyProof(address manufacturer, uint256 deviceId, address deviceKey, bytes calldata signature)
        private
        view
    {
        bytes32 digest = _keyProofDigest(manufacturer, deviceId, deviceKey);
        if (!SignatureChecker.isValidSignatureNow(deviceKey, digest, signature)) revert InvalidKeyProof(deviceKey);
    }

    function _keyProofDigest(address manufacturer, uint256 deviceId, address deviceKey)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(DEVICE_KEY_PROOF_TYPEHASH, manufacturer, deviceId, deviceKey)));
    }

    function _deviceIdOf(address manufacturer, string calldata serial) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(manufacturer, serial)));
    }
}
