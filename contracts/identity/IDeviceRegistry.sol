// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IVersioned} from "../common/IVersioned.sol";

/// @title IDeviceRegistry
/// @notice On-chain identity of manufactured devices. Every device is an ERC-721 token (so wallets and
///         indexers understand who holds it); the token id is the deterministic device id
///         `uint256(keccak256(abi.encode(manufacturer, serial)))`, so a retried registration from an MES
///         can never create a second record. Each device carries a signing key (an EOA or an ERC-1271
///         contract) whose possession may be proven with an EIP-712 signature, and a lifecycle status.
/// @dev Ownership is the ERC-721 owner; transfers (`transferFrom`, `safeTransferFrom`, approvals) are the
///      custody chain and are allowed in every status, including Decommissioned (the custody record of a
///      scrapped device stays truthful). `model` and `metadataHash` are not stored: they are carried by
///      `DeviceRegistered` only (gas), so read them from the event log.
///
///      EIP-712 domain: name "fabtrust DeviceRegistry", version "1", the chain id and this contract.
///      Proof of possession typed data (the same for registration, rotation and late proof):
///      `DeviceKeyProof(address manufacturer,uint256 deviceId,address deviceKey)`, signed by `deviceKey`.
///      The device id is computable before registration (`deviceIdOf`), so the device can sign it first.
///
///      Locks (escrow custody in place): an account holding LOCKER_ROLE (an escrow contract) may lock
///      devices of an owner who approved it for all (`setApprovalForAll`). A locked device stays with
///      its owner but cannot be transferred (`transferFrom`, `safeTransferFrom`), approved (`approve`)
///      or locked again; only its locker releases it (`unlockDevices`) or moves it (`transferLocked`,
///      which also unlocks). Status changes and key rotations stay allowed while locked.
///
///      Storage (see DeviceRegistry): one slot per device (key | manufacturer id | locker id |
///      registeredAt | status | flags); the ERC-721 owner is a second slot written only once the device
///      is owned by someone other than its manufacturer.
///
///      The ERC-165 id of this interface (`type(IDeviceRegistry).interfaceId`) covers only the functions
///      declared here, not the inherited IERC721 ones; `supportsInterface` answers true for both.
interface IDeviceRegistry is IERC721, IVersioned {
    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice Lifecycle status of a device. Decommissioned is final.
    enum DeviceStatus {
        Active,
        Suspended,
        Decommissioned
    }

    /// @notice A device's record as `device()` returns it (decoded from the device's one storage slot;
    ///         the manufacturer is stored as a compact account id and resolved to its address).
    /// @param manufacturer The account that registered the device (part of the device id).
    /// @param registeredAt Block timestamp of the registration.
    /// @param status Current lifecycle status.
    /// @param keyProven True once the current `deviceKey` has proven possession (EIP-712 signature);
    ///        reset to false by a rotation without proof.
    /// @param deviceKey The device's current signing key (never zero).
    struct Device {
        address manufacturer;
        uint64 registeredAt;
        DeviceStatus status;
        bool keyProven;
        address deviceKey;
    }

    /// @notice One entry of a batch registration (`registerDevices`); same meaning as `registerDevice`.
    struct DeviceInput {
        string serial;
        bytes32 model;
        address deviceKey;
        bytes32 metadataHash;
        address owner;
    }

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice The constructor was given the zero address as admin.
    error ZeroAdmin();
    /// @notice The device id (manufacturer, serial) is already registered.
    error DeviceAlreadyRegistered(uint256 deviceId);
    /// @notice The serial number is the empty string.
    error EmptySerial();
    /// @notice The initial owner is the zero address.
    error ZeroOwner();
    /// @notice The device key is the zero address.
    error ZeroDeviceKey();
    /// @notice The proof-of-possession signature is not a valid signature by `deviceKey`
    ///         (ECDSA for an EOA, ERC-1271 for a contract) over the expected `DeviceKeyProof`.
    error InvalidKeyProof(address deviceKey);
    /// @notice `registerDevices` was called with no entries.
    error EmptyBatch();
    /// @notice No device with this id is registered.
    error DeviceNotFound(uint256 deviceId);
    /// @notice `caller` may not change the status of this device (it is neither the device's
    ///         manufacturer still holding MANUFACTURER_ROLE nor a DEFAULT_ADMIN_ROLE holder).
    error NotDeviceManager(uint256 deviceId, address caller);
    /// @notice `caller` is not the device's manufacturer (still holding MANUFACTURER_ROLE).
    error NotDeviceManufacturer(uint256 deviceId, address caller);
    /// @notice The device is decommissioned: its status and key can no longer change.
    error DeviceIsDecommissioned(uint256 deviceId);
    /// @notice The device already has this status.
    error StatusUnchanged(uint256 deviceId, DeviceStatus status);
    /// @notice The new key equals the device's current key.
    error DeviceKeyUnchanged(uint256 deviceId, address deviceKey);
    /// @notice The device's current key has already proven possession.
    error DeviceKeyAlreadyProven(uint256 deviceId);
    /// @notice `caller` does not hold LOCKER_ROLE (`lockDevices`).
    error NotLocker(address caller);
    /// @notice `caller` is neither `owner` nor approved for all of `owner`'s devices (`lockDevices`).
    error NotApprovedOperator(address owner, address caller);
    /// @notice The device is owned by `actualOwner`, not by `owner` (`lockDevices`, `transferLocked`).
    error DeviceNotOwnedBy(uint256 deviceId, address owner, address actualOwner);
    /// @notice The device is locked by `locker`: it cannot be transferred, approved or locked again.
    error DeviceLocked(uint256 deviceId, address locker);
    /// @notice The device is not locked by `caller` (not locked at all, locked by another locker, or
    ///         not registered) (`unlockDevices`, `transferLocked`).
    error NotDeviceLocker(uint256 deviceId, address caller);
    /// @notice All compact account ids (2^24 - 2, the last 65,536 kept for MANUFACTURER_ROLE and
    ///         LOCKER_ROLE grants) are taken: the role cannot be granted to a new account.
    error AccountIdsExhausted();
    /// @notice All 255 locker indexes are taken: LOCKER_ROLE cannot be granted to a new locker.
    error LockerIndexesExhausted();

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A device was registered and its ERC-721 token minted to `owner` (the ERC-721
    ///         `Transfer(0, owner, deviceId)` is emitted just before this event).
    /// @param deviceId `uint256(keccak256(abi.encode(manufacturer, serial)))`.
    /// @param manufacturer The registering account.
    /// @param owner The first owner of the device record.
    /// @param serial The manufacturer's serial number.
    /// @param model The model identifier (not stored; this event is its only on-chain record).
    /// @param deviceKey The device's signing key.
    /// @param metadataHash Digest of the off-chain metadata document (not stored; event only).
    event DeviceRegistered(
        uint256 indexed deviceId,
        address indexed manufacturer,
        address indexed owner,
        string serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash
    );

    /// @notice The device's status changed from `previous` to `current`, by `changedBy`.
    event DeviceStatusChanged(
        uint256 indexed deviceId, DeviceStatus previous, DeviceStatus current, address indexed changedBy
    );

    /// @notice The device's signing key was replaced (keyProven is reset; a proven rotation emits
    ///         `DeviceKeyProven` right after this event).
    event DeviceKeyRotated(uint256 indexed deviceId, address indexed previousKey, address indexed newKey);

    /// @notice `locker` locked `deviceIds`, all owned by `owner` (`lockDevices`).
    event DevicesLocked(address indexed locker, address indexed owner, uint256[] deviceIds);

    /// @notice `locker` released its lock on `deviceIds` (`unlockDevices`; `transferLocked` unlocks too
    ///         and emits only the ERC-721 `Transfer` of each device).
    event DevicesUnlocked(address indexed locker, uint256[] deviceIds);

    /// @notice `deviceKey`, the device's current key, proved possession (keyProven became true).
    ///         Emitted by `registerDeviceWithProof` (after `DeviceRegistered`), by
    ///         `rotateDeviceKeyWithProof` (after `DeviceKeyRotated`) and by `proveDeviceKey`.
    event DeviceKeyProven(uint256 indexed deviceId, address indexed deviceKey);

    // ---------------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------------

    /// @notice Registers a device and mints its ERC-721 record to `owner` (with `_mint`, not a safe mint:
    ///         the owner may be a contract wallet that does not implement IERC721Receiver).
    /// @dev Only MANUFACTURER_ROLE (`AccessControlUnauthorizedAccount(caller, MANUFACTURER_ROLE)`); the
    ///      caller is the device's manufacturer. Reverts `EmptySerial()`, `ZeroDeviceKey()`, `ZeroOwner()`,
    ///      `DeviceAlreadyRegistered(deviceId)`. Emits `Transfer(0, owner, deviceId)` then `DeviceRegistered`.
    /// @param serial The manufacturer's serial number (non-empty; any bytes).
    /// @param model Model identifier (event only).
    /// @param deviceKey The device's signing key (non-zero).
    /// @param metadataHash Digest of the off-chain metadata (event only).
    /// @param owner First owner of the record (non-zero).
    /// @return deviceId `uint256(keccak256(abi.encode(msg.sender, serial)))`.
    function registerDevice(
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner
    ) external returns (uint256 deviceId);

    /// @notice As `registerDevice`, and also proves that `deviceKey` is held by the device: the record
    ///         gets `keyProven = true` and `DeviceKeyProven` is emitted after `DeviceRegistered`.
    /// @param keySignature EIP-712 signature by `deviceKey` over
    ///        `DeviceKeyProof(manufacturer = msg.sender, deviceId = deviceIdOf(msg.sender, serial), deviceKey)`
    ///        (65-byte ECDSA for an EOA, anything the key's ERC-1271 `isValidSignature` accepts for a
    ///        contract); otherwise `InvalidKeyProof(deviceKey)`.
    function registerDeviceWithProof(
        string calldata serial,
        bytes32 model,
        address deviceKey,
        bytes32 metadataHash,
        address owner,
        bytes calldata keySignature
    ) external returns (uint256 deviceId);

    /// @notice Registers many devices at once, all or nothing: any failing entry reverts the whole call
    ///         with that entry's error. Only MANUFACTURER_ROLE; empty `inputs` reverts `EmptyBatch()`.
    ///         Duplicates inside the batch revert `DeviceAlreadyRegistered`.
    /// @return deviceIds The ids, in the order of `inputs`.
    function registerDevices(DeviceInput[] calldata inputs) external returns (uint256[] memory deviceIds);

    /// @notice Changes a device's status. Allowed for the device's manufacturer while it still holds
    ///         MANUFACTURER_ROLE, and for any DEFAULT_ADMIN_ROLE holder; otherwise
    ///         `NotDeviceManager(deviceId, caller)`. Reverts `DeviceNotFound`, `DeviceIsDecommissioned`
    ///         (Decommissioned is final), `StatusUnchanged(deviceId, status)`. Emits `DeviceStatusChanged`.
    function setDeviceStatus(uint256 deviceId, DeviceStatus status) external;

    /// @notice Replaces the device's signing key (e.g. after a key compromise) and resets `keyProven`.
    ///         Only the device's manufacturer while it still holds MANUFACTURER_ROLE (not the admin):
    ///         otherwise `NotDeviceManufacturer(deviceId, caller)`. Allowed while Active or Suspended.
    ///         Reverts `DeviceNotFound`, `ZeroDeviceKey()`, `DeviceIsDecommissioned`,
    ///         `DeviceKeyUnchanged(deviceId, newKey)`. Emits `DeviceKeyRotated`.
    function rotateDeviceKey(uint256 deviceId, address newKey) external;

    /// @notice As `rotateDeviceKey`, with proof of possession by `newKey` over
    ///         `DeviceKeyProof(manufacturer, deviceId, newKey)`; the record gets `keyProven = true`.
    ///         Bad signature → `InvalidKeyProof(newKey)`. Emits `DeviceKeyRotated` then `DeviceKeyProven`.
    function rotateDeviceKeyWithProof(uint256 deviceId, address newKey, bytes calldata keySignature) external;

    /// @notice Proves possession of the device's current key after the fact (e.g. for devices
    ///         registered in a batch). Anyone may submit the signature; only the key can produce it.
    ///         Reverts `DeviceNotFound`, `DeviceIsDecommissioned`, `DeviceKeyAlreadyProven(deviceId)`,
    ///         `InvalidKeyProof(deviceKey)`. Emits `DeviceKeyProven`.
    /// @param keySignature Signature by the current key over `DeviceKeyProof(manufacturer, deviceId, deviceKey)`.
    function proveDeviceKey(uint256 deviceId, bytes calldata keySignature) external;

    /// @notice Locks `deviceIds` (all owned by `owner`) for the caller, which must hold LOCKER_ROLE
    ///         and be `owner` itself or approved for all of `owner`'s devices (`setApprovalForAll`).
    ///         A locked device cannot be transferred, approved or locked again (not even by its own
    ///         locker: a device can be in one order only); its locker unlocks or moves it.
    /// @dev Checks, in this order: `NotLocker(caller)`, `NotApprovedOperator(owner, caller)`, then per
    ///      device `DeviceNotFound(id)`, `DeviceNotOwnedBy(id, owner, actualOwner)`,
    ///      `DeviceLocked(id, lockerAddress)` (a duplicate id reverts `DeviceLocked`). Allowed in every
    ///      status (the caller checks what it needs, e.g. Active). One storage write per device. An
    ///      empty array is a no-op. Emits `DevicesLocked(caller, owner, deviceIds)`.
    function lockDevices(address owner, uint256[] calldata deviceIds) external;

    /// @notice Unlocks devices the caller locked. Needs no role (a locker whose LOCKER_ROLE was revoked
    ///         can still release what it holds). Reverts `NotDeviceLocker(id, caller)` for a device not
    ///         locked by the caller. Emits `DevicesUnlocked(caller, deviceIds)`.
    function unlockDevices(uint256[] calldata deviceIds) external;

    /// @notice Moves devices the caller locked from `from` to `to` and unlocks them (one write per device
    ///         record, which holds the owner; a pending token approval is cleared; emits the ERC-721
    ///         `Transfer(from, to, id)` per device). Needs no role, as `unlockDevices`. Plain move: no
    ///         `onERC721Received` call. Reverts `ERC721InvalidReceiver(address(0))` for `to == 0`, then
    ///         per device `NotDeviceLocker(id, caller)`, `DeviceNotOwnedBy(id, from, actualOwner)`.
    function transferLocked(address from, address to, uint256[] calldata deviceIds) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice LOCKER_ROLE = keccak256("LOCKER_ROLE"); granted by the admin to escrow contracts.
    function LOCKER_ROLE() external view returns (bytes32);

    /// @notice The locker of `deviceId`, or address(0) (not locked, or not registered).
    function lockerOf(uint256 deviceId) external view returns (address);

    /// @notice The device id for a (manufacturer, serial) pair: `uint256(keccak256(abi.encode(manufacturer, serial)))`.
    function deviceIdOf(address manufacturer, string calldata serial) external pure returns (uint256);

    /// @notice The stored record of a device; reverts `DeviceNotFound(deviceId)` for an unknown id.
    ///         `model` and `metadataHash` are not stored: read them from `DeviceRegistered`.
    function device(uint256 deviceId) external view returns (Device memory);

    /// @notice The status of a device (one storage read, no struct): what issuance and escrow checks need.
    ///         Reverts `DeviceNotFound(deviceId)` for an unknown id.
    function statusOf(uint256 deviceId) external view returns (DeviceStatus);

    /// @notice The statuses of `deviceIds`, in the same order (one call for an order's devices).
    ///         Reverts `DeviceNotFound(id)` at the first unknown id.
    function statusesOf(uint256[] calldata deviceIds) external view returns (DeviceStatus[] memory statuses);

    /// @notice Whether a device with this id is registered.
    function isRegistered(uint256 deviceId) external view returns (bool);

    /// @notice The EIP-712 type hash of
    ///         `DeviceKeyProof(address manufacturer,uint256 deviceId,address deviceKey)`.
    function DEVICE_KEY_PROOF_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 digest that `deviceKey` signs to prove possession for `deviceId` of
    ///         `manufacturer` (domain "fabtrust DeviceRegistry", version "1", this chain and contract).
    function keyProofDigest(address manufacturer, uint256 deviceId, address deviceKey) external view returns (bytes32);
}
