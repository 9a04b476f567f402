// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {Roles} from "../common/Roles.sol";
import {Versioned} from "../common/Versioned.sol";
import {IDeviceRegistry} from "./IDeviceRegistry.sol";

/// @title DeviceRegistry
/// @notice ERC-721 device identity registry of fabtrust (see IDeviceRegistry for the full contract).
/// @dev A minimal, complete ERC-721 (+ metadata, ERC-165, OpenZeppelin's IERC721Errors) written for
///      this layout instead of OpenZeppelin's ERC721 base:
///
///      * Device record: ONE slot per device, `_records[deviceId]`, packed as
///        bits 0-159 deviceKey | 160-183 manufacturer account id | 184-207 locker account id (0 = not
///        locked) | 208-247 registeredAt | 248-249 status | 250 keyProven | 251 approved (a token
///        approval is stored). A record is never zero once written (the key is never zero), so
///        `_records[id] != 0` means registered.
///      * ERC-721 owner: `_owners[deviceId]`, zero while the owner is the device's manufacturer. It is
///        written when a device is registered to, or first moves to, another owner, and from then on
///        tracks the owner (also back to the manufacturer: no extra read to decide on a delete).
///      * Token approval: `_tokenApprovals[deviceId]`, read and cleared by a transfer only when the
///        record's approved flag says it is set (no read, no write of an unchanged approval).
///      * Accounts: `_accounts[address]`, one slot: bits 0-23 compact account id | 24 holds
///        MANUFACTURER_ROLE | 25 holds LOCKER_ROLE | 32-255 ERC-721 balance. Ids are assigned when
///        MANUFACTURER_ROLE or LOCKER_ROLE is first granted (`_grantRole`), so registration, locks and
///        their role checks read one account slot; `_accountById` resolves an id to its address.
///      model and metadataHash live in the DeviceRegistered event only.
contract DeviceRegistry is IDeviceRegistry, IERC721Metadata, IERC721Errors, AccessControl, EIP712, Versioned {
    // ---------------------------------------------------------------------------------------------
    // Constants
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IDeviceRegistry
    bytes32 public constant override DEVICE_KEY_PROOF_TYPEHASH =
        keccak256("DeviceKeyProof(address manufacturer,uint256 deviceId,address deviceKey)");

    /// @inheritdoc IDeviceRegistry
    bytes32 public constant override LOCKER_ROLE = keccak256("LOCKER_ROLE");

    uint256 private constant _KEY_MASK = (1 << 160) - 1;
    uint256 private constant _ID_MASK = (1 << 24) - 1;
    uint256 private constant _MANUFACTURER_SHIFT = 160;
    uint256 private constant _LOCKER_SHIFT = 184;
    uint256 private constant _LOCKER_FIELD = _ID_MASK << _LOCKER_SHIFT;
    uint256 private constant _TIME_SHIFT = 208;
    uint256 private constant _TIME_MASK = (1 << 40) - 1;
    uint256 private constant _STATUS_SHIFT = 248;
    uint256 private constant _STATUS_FIELD = 3 << _STATUS_SHIFT;
    uint256 private constant _PROVEN_BIT = 1 << 250;
    uint256 private constant _APPROVED_BIT = 1 << 251;

    uint256 private constant _MANUFACTURER_BIT = 1 << 24;
    uint256 private constant _LOCKER_BIT = 1 << 25;
    uint256 private constant _ONE_DEVICE = 1 << 32;
    uint256 private constant _BALANCE_SHIFT = 32;

    // ---------------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------------

    /// @dev The packed device records (layout in the contract NatSpec); zero = not registered.
    mapping(uint256 deviceId => uint256 record) private _records;
    /// @dev ERC-721 owner when it was ever someone other than the manufacturer; zero = the manufacturer.
    mapping(uint256 deviceId => address owner) private _owners;
    /// @dev ERC-721 token approvals (only meaningful while the record's approved flag is set).
    mapping(uint256 deviceId => address approved) private _tokenApprovals;
    /// @dev ERC-721 operator approvals.
    mapping(address owner => mapping(address operator => bool approved)) private _operatorApprovals;
    /// @dev Packed accounts: compact id | role bits | ERC-721 balance.
    mapping(address account => uint256 packed) private _accounts;
    /// @dev Compact account id -> address.
    mapping(uint256 accountId => address account) private _accountById;
    /// @dev The last compact account id assigned.
    uint256 private _accountCount;

    // ---------------------------------------------------------------------------------------------
    // Constructor
    // ---------------------------------------------------------------------------------------------

    /// @param admin The consortium admin (DEFAULT_ADMIN_ROLE); grants MANUFACTURER_ROLE and LOCKER_ROLE.
    constructor(address admin) EIP712("fabtrust DeviceRegistry", "1") {
        if (admin == address(0)) revert ZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------------------------------------
    // Registration
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IDeviceRegistry
    function registerDevice(
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner
    ) external returns (uint256 deviceId) {
        uint256 account = _manufacturerAccount();
        deviceId = _checkNew(serial, deviceKey, owner);
        _store(account, deviceId, serial, model, deviceKey, metadataHash, owner, 0);
        _creditOne(account, owner);
    }

    /// @inheritdoc IDeviceRegistry
    function registerDeviceWithProof(
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner,
        bytes calldata keySignature
    ) external returns (uint256 deviceId) {
        uint256 account = _manufacturerAccount();
        deviceId = _checkNew(serial, deviceKey, owner);
        _checkKeyProof(msg.sender, deviceId, deviceKey, keySignature);
        _store(account, deviceId, serial, model, deviceKey, metadataHash, owner, _PROVEN_BIT);
        _creditOne(account, owner);
        emit DeviceKeyProven(deviceId, deviceKey);
    }

    /// @inheritdoc IDeviceRegistry
    /// @dev Balances are written once per run of equal owners (and once for the manufacturer itself).
    function registerDevices(DeviceInput[] calldata inputs) external returns (uint256[] memory deviceIds) {
        uint256 account = _manufacturerAccount();
        uint256 count = inputs.length;
        if (count == 0) revert EmptyBatch();
        deviceIds = new uint256[](count);
        uint256 own; // devices the manufacturer keeps
        address runOwner; // the owner of the current run of other-owner devices
        uint256 run; // its length
        for (uint256 i; i < count;) {
            DeviceInput calldata input = inputs[i];
            string calldata serial = input.serial;
            address deviceKey = input.deviceKey;
            address owner = input.owner;
            uint256 deviceId = _checkNew(serial, deviceKey, owner);
            _store(account, deviceId, serial, input.model, deviceKey, input.metadataHash, owner, 0);
            deviceIds[i] = deviceId;
            if (owner == msg.sender) {
                ++own;
            } else if (owner == runOwner) {
                ++run;
            } else {
                if (run != 0) _accounts[runOwner] += run * _ONE_DEVICE;
                (runOwner, run) = (owner, 1);
            }
            unchecked {
                ++i;
            }
        }
        if (run != 0) _accounts[runOwner] += run * _ONE_DEVICE;
        if (own != 0) _accounts[msg.sender] = account + own * _ONE_DEVICE;
    }

    // ---------------------------------------------------------------------------------------------
    // Status and keys
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IDeviceRegistry
    function setDeviceStatus(uint256 deviceId, DeviceStatus status) external {
        uint256 record = _existing(deviceId);
        if (!_isManufacturerOf(record) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotDeviceManager(deviceId, msg.sender);
        }
        DeviceStatus previous = _status(record);
        if (previous == DeviceStatus.Decommissioned) revert DeviceIsDecommissioned(deviceId);
        if (previous == status) revert StatusUnchanged(deviceId, status);
        _records[deviceId] = (record & ~_STATUS_FIELD) | (uint256(status) << _STATUS_SHIFT);
        emit DeviceStatusChanged(deviceId, previous, status, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function rotateDeviceKey(uint256 deviceId, address newKey) external {
        uint256 record = _rotatable(deviceId, newKey);
        _records[deviceId] = ((record & ~(_KEY_MASK | _PROVEN_BIT)) | uint256(uint160(newKey)));
        emit DeviceKeyRotated(deviceId, address(uint160(record)), newKey);
    }

    /// @inheritdoc IDeviceRegistry
    function rotateDeviceKeyWithProof(uint256 deviceId, address newKey, bytes calldata keySignature) external {
        uint256 record = _rotatable(deviceId, newKey);
        _checkKeyProof(_manufacturer(record), deviceId, newKey, keySignature);
        _records[deviceId] = (record & ~_KEY_MASK) | uint256(uint160(newKey)) | _PROVEN_BIT;
        emit DeviceKeyRotated(deviceId, address(uint160(record)), newKey);
        emit DeviceKeyProven(deviceId, newKey);
    }

    /// @inheritdoc IDeviceRegistry
    function proveDeviceKey(uint256 deviceId, bytes calldata keySignature) external {
        uint256 record = _existing(deviceId);
        if (_status(record) == DeviceStatus.Decommissioned) revert DeviceIsDecommissioned(deviceId);
        if (record & _PROVEN_BIT != 0) revert DeviceKeyAlreadyProven(deviceId);
        address deviceKey = address(uint160(record));
        _checkKeyProof(_manufacturer(record), deviceId, deviceKey, keySignature);
        _records[deviceId] = record | _PROVEN_BIT;
        emit DeviceKeyProven(deviceId, deviceKey);
    }

    // ---------------------------------------------------------------------------------------------
    // Locks
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IDeviceRegistry
    function lockDevices(address owner, uint256[] calldata deviceIds) external {
        uint256 account = _accounts[msg.sender];
        if (account & _LOCKER_BIT == 0) revert NotLocker(msg.sender);
        if (msg.sender != owner && !_operatorApprovals[owner][msg.sender]) {
            revert NotApprovedOperator(owner, msg.sender);
        }
        uint256 lockerField = (account & _ID_MASK) << _LOCKER_SHIFT;
        uint256 count = deviceIds.length;
        for (uint256 i; i < count;) {
            uint256 deviceId = deviceIds[i];
            uint256 record = _existing(deviceId);
            address actual = _ownerOf(deviceId, record);
            if (actual != owner) revert DeviceNotOwnedBy(deviceId, owner, actual);
            _revertIfLocked(deviceId, record);
            _records[deviceId] = record | lockerField;
            unchecked {
                ++i;
            }
        }
        emit DevicesLocked(msg.sender, owner, deviceIds);
    }

    /// @inheritdoc IDeviceRegistry
    function unlockDevices(uint256[] calldata deviceIds) external {
        uint256 lockerId = _accounts[msg.sender] & _ID_MASK;
        uint256 count = deviceIds.length;
        for (uint256 i; i < count;) {
            uint256 deviceId = deviceIds[i];
            uint256 record = _lockedBy(deviceId, lockerId);
            _records[deviceId] = record & ~_LOCKER_FIELD;
            unchecked {
                ++i;
            }
        }
        emit DevicesUnlocked(msg.sender, deviceIds);
    }

    /// @inheritdoc IDeviceRegistry
    function transferLocked(address from, address to, uint256[] calldata deviceIds) external {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        uint256 lockerId = _accounts[msg.sender] & _ID_MASK;
        uint256 count = deviceIds.length;
        for (uint256 i; i < count;) {
            uint256 deviceId = deviceIds[i];
            uint256 record = _lockedBy(deviceId, lockerId);
            address actual = _ownerOf(deviceId, record);
            if (actual != from) revert DeviceNotOwnedBy(deviceId, from, actual);
            if (record & _APPROVED_BIT != 0) delete _tokenApprovals[deviceId];
            _records[deviceId] = record & ~(_LOCKER_FIELD | _APPROVED_BIT);
            _setOwner(deviceId, record, to);
            emit Transfer(from, to, deviceId);
            unchecked {
                ++i;
            }
        }
        if (count != 0) {
            _accounts[from] -= count * _ONE_DEVICE;
            _accounts[to] += count * _ONE_DEVICE;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // ERC-721
    // ---------------------------------------------------------------------------------------------

    /// @notice ERC-721 balance: the number of devices `owner` holds. Reverts `ERC721InvalidOwner(0)`.
    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _accounts[owner] >> _BALANCE_SHIFT;
    }

    /// @notice ERC-721 owner of a device. Reverts `ERC721NonexistentToken(deviceId)`.
    function ownerOf(uint256 deviceId) external view returns (address) {
        uint256 record = _records[deviceId];
        if (record == 0) revert ERC721NonexistentToken(deviceId);
        return _ownerOf(deviceId, record);
    }

    /// @notice ERC-721 metadata name: "fabtrust Device".
    function name() external pure returns (string memory) {
        return "fabtrust Device";
    }

    /// @notice ERC-721 metadata symbol: "FTDEV".
    function symbol() external pure returns (string memory) {
        return "FTDEV";
    }

    /// @notice ERC-721 metadata URI: empty (device metadata is off-chain, committed to by the
    ///         `metadataHash` of `DeviceRegistered`). Reverts `ERC721NonexistentToken(deviceId)`.
    function tokenURI(uint256 deviceId) external view returns (string memory) {
        if (_records[deviceId] == 0) revert ERC721NonexistentToken(deviceId);
        return "";
    }

    /// @notice ERC-721 approve. Caller: the owner or an operator of the owner, otherwise
    ///         `ERC721InvalidApprover(caller)`; a locked device reverts `DeviceLocked(id, locker)`.
    function approve(address to, uint256 deviceId) external {
        uint256 record = _records[deviceId];
        if (record == 0) revert ERC721NonexistentToken(deviceId);
        address owner = _ownerOf(deviceId, record);
        if (msg.sender != owner && !_operatorApprovals[owner][msg.sender]) revert ERC721InvalidApprover(msg.sender);
        _revertIfLocked(deviceId, record);
        _tokenApprovals[deviceId] = to;
        uint256 updated = to == address(0) ? record & ~_APPROVED_BIT : record | _APPROVED_BIT;
        if (updated != record) _records[deviceId] = updated;
        emit Approval(owner, to, deviceId);
    }

    /// @notice ERC-721 token approval of a device. Reverts `ERC721NonexistentToken(deviceId)`.
    function getApproved(uint256 deviceId) external view returns (address) {
        if (_records[deviceId] == 0) revert ERC721NonexistentToken(deviceId);
        return _tokenApprovals[deviceId];
    }

    /// @notice ERC-721 operator approval. Reverts `ERC721InvalidOperator(0)` for the zero operator.
    function setApprovalForAll(address operator, bool approved) external {
        if (operator == address(0)) revert ERC721InvalidOperator(address(0));
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    /// @notice ERC-721 operator approval of `operator` for `owner`.
    function isApprovedForAll(address owner, address operator) external view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    /// @notice ERC-721 transfer, allowed in every status. Reverts, in this order,
    ///         `ERC721InvalidReceiver(0)`, `ERC721NonexistentToken(id)`, `ERC721InsufficientApproval(caller, id)`,
    ///         `ERC721IncorrectOwner(from, id, owner)`, `DeviceLocked(id, locker)`. Clears a token approval
    ///         (without an Approval event, as OpenZeppelin 5) only when one is set.
    function transferFrom(address from, address to, uint256 deviceId) public {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        uint256 record = _records[deviceId];
        if (record == 0) revert ERC721NonexistentToken(deviceId);
        address owner = _ownerOf(deviceId, record);
        if (
            msg.sender != owner && !_operatorApprovals[owner][msg.sender]
                && (record & _APPROVED_BIT == 0 || _tokenApprovals[deviceId] != msg.sender)
        ) revert ERC721InsufficientApproval(msg.sender, deviceId);
        if (owner != from) revert ERC721IncorrectOwner(from, deviceId, owner);
        _revertIfLocked(deviceId, record);
        if (record & _APPROVED_BIT != 0) {
            delete _tokenApprovals[deviceId];
            _records[deviceId] = record & ~_APPROVED_BIT;
        }
        _setOwner(deviceId, record, to);
        _accounts[from] -= _ONE_DEVICE;
        _accounts[to] += _ONE_DEVICE;
        emit Transfer(from, to, deviceId);
    }

    /// @notice ERC-721 safe transfer: `transferFrom`, then `onERC721Received` on a contract receiver
    ///         (a wrong answer or an empty revert: `ERC721InvalidReceiver(to)`; a reason is bubbled up).
    function safeTransferFrom(address from, address to, uint256 deviceId) external {
        safeTransferFrom(from, to, deviceId, "");
    }

    /// @notice ERC-721 safe transfer with `data` for the receiver.
    function safeTransferFrom(address from, address to, uint256 deviceId, bytes memory data) public {
        transferFrom(from, to, deviceId);
        _checkOnERC721Received(from, to, deviceId, data);
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
        uint256 record = _existing(deviceId);
        return Device({
            manufacturer: _manufacturer(record),
            registeredAt: uint64((record >> _TIME_SHIFT) & _TIME_MASK),
            status: _status(record),
            keyProven: record & _PROVEN_BIT != 0,
            deviceKey: address(uint160(record))
        });
    }

    /// @inheritdoc IDeviceRegistry
    function statusOf(uint256 deviceId) external view returns (DeviceStatus) {
        return _status(_existing(deviceId));
    }

    /// @inheritdoc IDeviceRegistry
    function statusesOf(uint256[] calldata deviceIds) external view returns (DeviceStatus[] memory statuses) {
        uint256 count = deviceIds.length;
        statuses = new DeviceStatus[](count);
        for (uint256 i; i < count;) {
            statuses[i] = _status(_existing(deviceIds[i]));
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IDeviceRegistry
    function isRegistered(uint256 deviceId) external view returns (bool) {
        return _records[deviceId] != 0;
    }

    /// @inheritdoc IDeviceRegistry
    function lockerOf(uint256 deviceId) external view returns (address) {
        uint256 lockerId = (_records[deviceId] >> _LOCKER_SHIFT) & _ID_MASK;
        return lockerId == 0 ? address(0) : _accountById[lockerId];
    }

    /// @inheritdoc IDeviceRegistry
    function keyProofDigest(address manufacturer, uint256 deviceId, address deviceKey) external view returns (bytes32) {
        return _keyProofDigest(manufacturer, deviceId, deviceKey);
    }

    /// @notice ERC-165: ERC-721, ERC-721 metadata, AccessControl, IDeviceRegistry and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl, IERC165) returns (bool) {
        return interfaceId == type(IERC721).interfaceId || interfaceId == type(IERC721Metadata).interfaceId
            || interfaceId == type(IDeviceRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------------------------------------
    // Roles: compact account ids and role bits follow MANUFACTURER_ROLE and LOCKER_ROLE
    // ---------------------------------------------------------------------------------------------

    /// @dev Grants as AccessControl; a MANUFACTURER_ROLE or LOCKER_ROLE grantee also gets a compact
    ///      account id (once, kept forever) and the role's bit in its account slot.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        uint256 bit = _roleBit(role);
        if (granted && bit != 0) {
            uint256 packed = _accounts[account];
            if (packed & _ID_MASK == 0) {
                uint256 id = ++_accountCount;
                if (id > _ID_MASK) revert AccountIdsExhausted();
                _accountById[id] = account;
                packed |= id;
            }
            _accounts[account] = packed | bit;
        }
    }

    /// @dev Revokes as AccessControl and clears the role's bit (the account id stays).
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        uint256 bit = _roleBit(role);
        if (revoked && bit != 0) _accounts[account] &= ~bit;
    }

    function _roleBit(bytes32 role) private pure returns (uint256) {
        if (role == Roles.MANUFACTURER_ROLE) return _MANUFACTURER_BIT;
        if (role == LOCKER_ROLE) return _LOCKER_BIT;
        return 0;
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev msg.sender's account slot; reverts as `onlyRole(MANUFACTURER_ROLE)` would.
    function _manufacturerAccount() private view returns (uint256 account) {
        account = _accounts[msg.sender];
        if (account & _MANUFACTURER_BIT == 0) {
            revert AccessControlUnauthorizedAccount(msg.sender, Roles.MANUFACTURER_ROLE);
        }
    }

    /// @dev Whether msg.sender is the record's manufacturer and still holds MANUFACTURER_ROLE.
    function _isManufacturerOf(uint256 record) private view returns (bool) {
        uint256 account = _accounts[msg.sender];
        return account & _MANUFACTURER_BIT != 0 && account & _ID_MASK == (record >> _MANUFACTURER_SHIFT) & _ID_MASK;
    }

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
        if (_records[deviceId] != 0) revert DeviceAlreadyRegistered(deviceId);
    }

    /// @dev Writes the record (and the owner slot for another owner), emits Transfer and DeviceRegistered.
    ///      The caller credits the balance.
    function _store(
        uint256 account,
        uint256 deviceId,
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner,
        uint256 flags
    ) private {
        _records[deviceId] = uint256(uint160(deviceKey)) | ((account & _ID_MASK) << _MANUFACTURER_SHIFT)
            | (block.timestamp << _TIME_SHIFT) | flags;
        if (owner != msg.sender) _owners[deviceId] = owner;
        emit Transfer(address(0), owner, deviceId);
        emit DeviceRegistered(deviceId, msg.sender, owner, serial, model, deviceKey, metadataHash);
    }

    /// @dev Credits one device to `owner` (msg.sender's `account` slot is already read).
    function _creditOne(uint256 account, address owner) private {
        if (owner == msg.sender) _accounts[msg.sender] = account + _ONE_DEVICE;
        else _accounts[owner] += _ONE_DEVICE;
    }

    /// @dev Checks a rotation by msg.sender to `newKey` and returns the record.
    function _rotatable(uint256 deviceId, address newKey) private view returns (uint256 record) {
        record = _existing(deviceId);
        if (!_isManufacturerOf(record)) revert NotDeviceManufacturer(deviceId, msg.sender);
        if (_status(record) == DeviceStatus.Decommissioned) revert DeviceIsDecommissioned(deviceId);
        if (newKey == address(0)) revert ZeroDeviceKey();
        if (newKey == address(uint160(record))) revert DeviceKeyUnchanged(deviceId, newKey);
    }

    /// @dev The record of a registered device, or DeviceNotFound.
    function _existing(uint256 deviceId) private view returns (uint256 record) {
        record = _records[deviceId];
        if (record == 0) revert DeviceNotFound(deviceId);
    }

    /// @dev The record of a device locked by `lockerId` (non-zero), or NotDeviceLocker(id, msg.sender).
    function _lockedBy(uint256 deviceId, uint256 lockerId) private view returns (uint256 record) {
        record = _records[deviceId];
        uint256 current = (record >> _LOCKER_SHIFT) & _ID_MASK;
        if (current == 0 || current != lockerId) revert NotDeviceLocker(deviceId, msg.sender);
    }

    function _revertIfLocked(uint256 deviceId, uint256 record) private view {
        uint256 lockerId = (record >> _LOCKER_SHIFT) & _ID_MASK;
        if (lockerId != 0) revert DeviceLocked(deviceId, _accountById[lockerId]);
    }

    /// @dev The ERC-721 owner of an existing device.
    function _ownerOf(uint256 deviceId, uint256 record) private view returns (address owner) {
        owner = _owners[deviceId];
        if (owner == address(0)) owner = _manufacturer(record);
    }

    /// @dev Moves the ownership of an existing device to `to`: writes the owner slot, except when it is
    ///      empty (the manufacturer holds the device) and `to` is the manufacturer.
    function _setOwner(uint256 deviceId, uint256 record, address to) private {
        if (_owners[deviceId] != address(0) || to != _manufacturer(record)) _owners[deviceId] = to;
    }

    function _manufacturer(uint256 record) private view returns (address) {
        return _accountById[(record >> _MANUFACTURER_SHIFT) & _ID_MASK];
    }

    function _status(uint256 record) private pure returns (DeviceStatus) {
        return DeviceStatus((record >> _STATUS_SHIFT) & 3);
    }

    /// @dev OpenZeppelin 5's ERC721 receiver check, for a contract `to`.
    function _checkOnERC721Received(address from, address to, uint256 deviceId, bytes memory data) private {
        if (to.code.length == 0) return;
        try IERC721Receiver(to).onERC721Received(msg.sender, from, deviceId, data) returns (bytes4 retval) {
            if (retval != IERC721Receiver.onERC721Received.selector) revert ERC721InvalidReceiver(to);
        } catch (bytes memory reason) {
            if (reason.length == 0) revert ERC721InvalidReceiver(to);
            /// @solidity memory-safe-assembly
            assembly {
                revert(add(32, reason), mload(reason))
            }
        }
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

    function _keyProofDigest(address manufacturer, uint256 deviceId, address deviceKey) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(DEVICE_KEY_PROOF_TYPEHASH, manufacturer, deviceId, deviceKey)));
    }

    /// @dev `uint256(keccak256(abi.encode(manufacturer, serial)))`, encoded in scratch memory past the
    ///      free memory pointer (a batch does not grow memory by one encoding per device).
    function _deviceIdOf(address manufacturer, string calldata serial) private pure returns (uint256 id) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let length := serial.length
            let padded := and(add(length, 31), not(31))
            mstore(add(ptr, add(0x40, padded)), 0) // zero padding of the last word (dirty scratch)
            mstore(ptr, manufacturer)
            mstore(add(ptr, 0x20), 0x40)
            mstore(add(ptr, 0x40), length)
            calldatacopy(add(ptr, 0x60), serial.offset, length)
            id := keccak256(ptr, add(0x60, padded))
        }
    }
}
