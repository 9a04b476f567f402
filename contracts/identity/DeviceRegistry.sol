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
///        bits 0-159 deviceKey | 160-183 manufacturer account id | 184-207 owner account id | 208-215 locker
///        index (0 = not locked) | 216-251 registeredAt (36 bits: seconds until the year 4147) | 252-253 status |
///        254 keyProven | 255 approved (a token approval is stored). A record is never zero once written (the
///        key is never zero), so `_records[id] != 0` means registered.
///      * ERC-721 owner: the record's owner account id, 0 while the manufacturer holds the device. A transfer
///        rewrites the record it reads anyway, so no device ever gets an owner slot of its own. An account
///        gets its compact id when it first receives a device (or a role, below); if no id is left for
///        receivers (`_maxReceiverId()`), the owner id is `_OWNER_IN_SLOT` and `_owners[deviceId]` holds the
///        owner, so ids running out never blocks a transfer.
///      * Token approval: `_tokenApprovals[deviceId]`, read and cleared by a transfer only when the
///        record's approved flag says it is set (no read, no write of an unchanged approval).
///      * Accounts: `_accounts[address]`, one slot: bits 0-23 compact account id | 24 holds
///        MANUFACTURER_ROLE | 25 holds LOCKER_ROLE | 32-39 locker index | 40-255 ERC-721 balance. Ids are
///        assigned when MANUFACTURER_ROLE or LOCKER_ROLE is first granted (`_grantRole`; the last
///        `_ROLE_RESERVE` ids are kept for grants) and when an account first receives a device;
///        `_accountById` resolves an id to its address. A locker index (1-255) is assigned at the first
///        LOCKER_ROLE grant; `_lockerByIndex` resolves it.
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
    uint256 private constant _OWNER_SHIFT = 184;
    uint256 private constant _OWNER_FIELD = _ID_MASK << _OWNER_SHIFT;
    /// @dev Owner id meaning "the owner is in `_owners[deviceId]`" (never assigned to an account).
    uint256 private constant _OWNER_IN_SLOT = _ID_MASK;
    uint256 private constant _LOCKER_SHIFT = 208;
    uint256 private constant _LOCKER_MASK = (1 << 8) - 1;
    uint256 private constant _LOCKER_FIELD = _LOCKER_MASK << _LOCKER_SHIFT;
    uint256 private constant _TIME_SHIFT = 216;
    uint256 private constant _TIME_MASK = (1 << 36) - 1;
    uint256 private constant _STATUS_SHIFT = 252;
    uint256 private constant _STATUS_FIELD = 3 << _STATUS_SHIFT;
    uint256 private constant _PROVEN_BIT = 1 << 254;
    uint256 private constant _APPROVED_BIT = 1 << 255;

    uint256 private constant _MANUFACTURER_BIT = 1 << 24;
    uint256 private constant _LOCKER_BIT = 1 << 25;
    uint256 private constant _LOCKER_INDEX_SHIFT = 32;
    uint256 private constant _ONE_DEVICE = 1 << 40;
    uint256 private constant _BALANCE_SHIFT = 40;
    /// @dev Account ids kept for role grants: receivers of devices get ids only below them.
    uint256 private constant _ROLE_RESERVE = 1 << 16;

    // ---------------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------------

    /// @dev The packed device records (layout in the contract NatSpec); zero = not registered.
    mapping(uint256 deviceId => uint256 record) private _records;
    /// @dev ERC-721 owner of a device whose record's owner id is `_OWNER_IN_SLOT` (no account id was left).
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
    /// @dev Locker index -> locker address.
    mapping(uint256 lockerIndex => address locker) private _lockerByIndex;
    /// @dev The last locker index assigned.
    uint256 private _lockerCount;

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
        _registerOne(account, deviceId, serial, model, deviceKey, metadataHash, owner, 0);
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
        _registerOne(account, deviceId, serial, model, deviceKey, metadataHash, owner, _PROVEN_BIT);
        emit DeviceKeyProven(deviceId, deviceKey);
    }

    /// @inheritdoc IDeviceRegistry
    /// @dev Balances are written once per run of equal owners (and once for the manufacturer itself); an
    ///      owner's account (and its id, when it has none yet) is read once per run.
    function registerDevices(DeviceInput[] calldata inputs) external returns (uint256[] memory deviceIds) {
        uint256 account = _manufacturerAccount();
        uint256 count = inputs.length;
        if (count == 0) revert EmptyBatch();
        deviceIds = new uint256[](count);
        uint256 own; // devices the manufacturer keeps
        address runOwner; // the owner of the current run of other-owner devices
        uint256 runAccount; // its account slot (id assigned), balance not yet credited
        uint256 run; // its length
        for (uint256 i; i < count;) {
            DeviceInput calldata input = inputs[i];
            string calldata serial = input.serial;
            address deviceKey = input.deviceKey;
            address owner = input.owner;
            uint256 deviceId = _checkNew(serial, deviceKey, owner);
            uint256 ownerBits;
            if (owner == msg.sender) {
                ++own;
            } else {
                if (owner != runOwner) {
                    if (run != 0) _accounts[runOwner] = runAccount + run * _ONE_DEVICE;
                    (runOwner, runAccount, run) = (owner, _receiverAccount(owner), 0);
                }
                ++run;
                ownerBits = _ownerBits(deviceId, owner, runAccount);
            }
            _store(account, deviceId, serial, input.model, deviceKey, input.metadataHash, owner, ownerBits);
            deviceIds[i] = deviceId;
            unchecked {
                ++i;
            }
        }
        if (run != 0) _accounts[runOwner] = runAccount + run * _ONE_DEVICE;
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
        uint256 lockerField = ((account >> _LOCKER_INDEX_SHIFT) & _LOCKER_MASK) << _LOCKER_SHIFT;
        uint256 ownerId = msg.sender == owner ? account & _ID_MASK : _accounts[owner] & _ID_MASK;
        uint256 count = deviceIds.length;
        for (uint256 i; i < count;) {
            uint256 deviceId = deviceIds[i];
            uint256 record = _existing(deviceId);
            _checkOwner(deviceId, record, owner, ownerId);
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
        uint256 lockerIndex = _lockerIndex(msg.sender);
        uint256 count = deviceIds.length;
        for (uint256 i; i < count;) {
            uint256 deviceId = deviceIds[i];
            uint256 record = _lockedBy(deviceId, lockerIndex);
            _records[deviceId] = record & ~_LOCKER_FIELD;
            unchecked {
                ++i;
            }
        }
        emit DevicesUnlocked(msg.sender, deviceIds);
    }

    /// @inheritdoc IDeviceRegistry
    /// @dev Each device's record is rewritten once (locker, approval flag and owner id together); the two
    ///      balances once per call.
    function transferLocked(address from, address to, uint256[] calldata deviceIds) external {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        uint256 lockerIndex = _lockerIndex(msg.sender);
        uint256 fromAccount = _accounts[from];
        uint256 fromId = fromAccount & _ID_MASK;
        uint256 toAccount = from == to ? fromAccount : _receiverAccount(to);
        uint256 count = deviceIds.length;
        for (uint256 i; i < count;) {
            uint256 deviceId = deviceIds[i];
            uint256 record = _lockedBy(deviceId, lockerIndex);
            _checkOwner(deviceId, record, from, fromId);
            if (record & _APPROVED_BIT != 0) delete _tokenApprovals[deviceId];
            _records[deviceId] = _withOwner(deviceId, record & ~(_LOCKER_FIELD | _APPROVED_BIT), to, toAccount);
            emit Transfer(from, to, deviceId);
            unchecked {
                ++i;
            }
        }
        if (from != to) {
            _accounts[from] = fromAccount - count * _ONE_DEVICE;
            _accounts[to] = toAccount + count * _ONE_DEVICE;
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
        if (record & _APPROVED_BIT != 0) delete _tokenApprovals[deviceId];
        _accounts[from] -= _ONE_DEVICE;
        uint256 toAccount = _receiverAccount(to);
        _accounts[to] = toAccount + _ONE_DEVICE;
        uint256 updated = _withOwner(deviceId, record & ~_APPROVED_BIT, to, toAccount);
        if (updated != record) _records[deviceId] = updated;
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
        uint256 lockerIndex = (_records[deviceId] >> _LOCKER_SHIFT) & _LOCKER_MASK;
        return lockerIndex == 0 ? address(0) : _lockerByIndex[lockerIndex];
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
    ///      account id (once, kept forever; the reserve above `_maxReceiverId()` serves grants), a LOCKER_ROLE
    ///      grantee a locker index (once), and the role's bit in its account slot.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        uint256 bit = _roleBit(role);
        if (granted && bit != 0) {
            uint256 packed = _accounts[account];
            if (packed & _ID_MASK == 0) {
                uint256 id = _accountCount + 1;
                if (id > _maxAccountId()) revert AccountIdsExhausted();
                packed |= _assignId(account, id);
            }
            if (bit == _LOCKER_BIT && (packed >> _LOCKER_INDEX_SHIFT) & _LOCKER_MASK == 0) {
                uint256 index = ++_lockerCount;
                if (index > _LOCKER_MASK) revert LockerIndexesExhausted();
                _lockerByIndex[index] = account;
                packed |= index << _LOCKER_INDEX_SHIFT;
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

    /// @dev Registers one device (single registration): record, owner, balance, events.
    function _registerOne(
        uint256 account,
        uint256 deviceId,
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner,
        uint256 flags
    ) private {
        if (owner == msg.sender) {
            _accounts[msg.sender] = account + _ONE_DEVICE;
        } else {
            uint256 ownerAccount = _receiverAccount(owner);
            _accounts[owner] = ownerAccount + _ONE_DEVICE;
            flags |= _ownerBits(deviceId, owner, ownerAccount);
        }
        _store(account, deviceId, serial, model, deviceKey, metadataHash, owner, flags);
    }

    /// @dev Writes the record (`flags` carries the owner bits), emits Transfer and DeviceRegistered. The
    ///      caller credits the balance.
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
        emit Transfer(address(0), owner, deviceId);
        emit DeviceRegistered(deviceId, msg.sender, owner, serial, model, deviceKey, metadataHash);
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

    /// @dev The record of a device locked by `lockerIndex` (non-zero), or NotDeviceLocker(id, msg.sender).
    function _lockedBy(uint256 deviceId, uint256 lockerIndex) private view returns (uint256 record) {
        record = _records[deviceId];
        uint256 current = (record >> _LOCKER_SHIFT) & _LOCKER_MASK;
        if (current == 0 || current != lockerIndex) revert NotDeviceLocker(deviceId, msg.sender);
    }

    function _revertIfLocked(uint256 deviceId, uint256 record) private view {
        uint256 lockerIndex = (record >> _LOCKER_SHIFT) & _LOCKER_MASK;
        if (lockerIndex != 0) revert DeviceLocked(deviceId, _lockerByIndex[lockerIndex]);
    }

    /// @dev `locker`'s locker index (0 when it never held LOCKER_ROLE: then no device is locked by it).
    function _lockerIndex(address locker) private view returns (uint256) {
        return (_accounts[locker] >> _LOCKER_INDEX_SHIFT) & _LOCKER_MASK;
    }

    /// @dev The ERC-721 owner of an existing device.
    function _ownerOf(uint256 deviceId, uint256 record) private view returns (address) {
        uint256 ownerId = (record >> _OWNER_SHIFT) & _ID_MASK;
        if (ownerId == _OWNER_IN_SLOT) return _owners[deviceId];
        return _accountById[ownerId == 0 ? (record >> _MANUFACTURER_SHIFT) & _ID_MASK : ownerId];
    }

    /// @dev Reverts DeviceNotOwnedBy unless `owner` (account id `ownerId`, 0 if it has none) owns the device;
    ///      compares ids, so the owner's address is resolved only for the error.
    function _checkOwner(uint256 deviceId, uint256 record, address owner, uint256 ownerId) private view {
        uint256 current = (record >> _OWNER_SHIFT) & _ID_MASK;
        bool owns;
        if (current == _OWNER_IN_SLOT) owns = _owners[deviceId] == owner;
        else owns = ownerId != 0 && ownerId == (current == 0 ? (record >> _MANUFACTURER_SHIFT) & _ID_MASK : current);
        if (!owns) revert DeviceNotOwnedBy(deviceId, owner, _ownerOf(deviceId, record));
    }

    /// @dev `record` with its owner set to `to` (account slot `toAccount`, id already assigned if one was left).
    function _withOwner(uint256 deviceId, uint256 record, address to, uint256 toAccount) private returns (uint256) {
        uint256 toId = toAccount & _ID_MASK;
        if (toId == (record >> _MANUFACTURER_SHIFT) & _ID_MASK) return record & ~_OWNER_FIELD;
        return (record & ~_OWNER_FIELD) | _ownerBits(deviceId, to, toAccount);
    }

    /// @dev The record bits naming `owner` (account slot `ownerAccount`), not its manufacturer: its id, or
    ///      `_OWNER_IN_SLOT` with `_owners[deviceId]` written when it has no id.
    function _ownerBits(uint256 deviceId, address owner, uint256 ownerAccount) private returns (uint256) {
        uint256 ownerId = ownerAccount & _ID_MASK;
        if (ownerId == 0) {
            _owners[deviceId] = owner;
            ownerId = _OWNER_IN_SLOT;
        }
        return ownerId << _OWNER_SHIFT;
    }

    /// @dev The account slot of a device's receiver, with a compact id assigned (and `_accountById` written)
    ///      when it has none and one below `_maxReceiverId()` is left. The caller writes the slot back.
    function _receiverAccount(address receiver) private returns (uint256 account) {
        account = _accounts[receiver];
        if (account & _ID_MASK == 0) {
            uint256 id = _accountCount + 1;
            if (id <= _maxReceiverId()) account |= _assignId(receiver, id);
        }
    }

    /// @dev Records `id` (= `_accountCount + 1`) as `account`'s compact id.
    function _assignId(address account, uint256 id) private returns (uint256) {
        _accountCount = id;
        _accountById[id] = account;
        return id;
    }

    /// @dev The largest account id (role grants revert `AccountIdsExhausted` above it). Virtual for tests.
    function _maxAccountId() internal view virtual returns (uint256) {
        return _ID_MASK - 1; // _ID_MASK itself is _OWNER_IN_SLOT
    }

    /// @dev The largest account id a receiver of a device gets; above it owners go to `_owners`. Virtual for tests.
    function _maxReceiverId() internal view virtual returns (uint256) {
        return _maxAccountId() - _ROLE_RESERVE;
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
