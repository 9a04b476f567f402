// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ICertificateRegistry} from "../certificates/ICertificateRegistry.sol";
import {Roles} from "../common/Roles.sol";
import {Versioned} from "../common/Versioned.sol";
import {IDeviceRegistry} from "../identity/IDeviceRegistry.sol";
import {ISupplyChainEscrow} from "./ISupplyChainEscrow.sol";

/// @title SupplyChainEscrow
/// @notice Payment that follows proof: buyer's money waits here until the devices are shipped,
///         certified and accepted (or the inspection period is over), then one transaction pays the
///         seller and hands the device records to the buyer. See {ISupplyChainEscrow}.
/// @dev One slot per order (terms digest, state, late flag, shipping time); the terms travel in
///      calldata. The devices stay with the seller, locked for this contract in the DeviceRegistry
///      (which must grant it LOCKER_ROLE), until settlement moves each of them once.
contract SupplyChainEscrow is ISupplyChainEscrow, AccessControl, ReentrancyGuard, Versioned {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISupplyChainEscrow
    uint64 public constant MAX_INSPECTION_PERIOD = 90 days;
    /// @inheritdoc ISupplyChainEscrow
    uint256 public constant MAX_DEVICES_PER_ORDER = 100;
    /// @inheritdoc ISupplyChainEscrow
    uint256 public constant MAX_LABS_PER_ORDER = 8;
    /// @inheritdoc ISupplyChainEscrow
    /// @dev 60,000: a Safe-style receive hook or a contract that books the deposit in two fresh
    ///      storage slots fits; a receiver that burns it costs a batch at most this much per order.
    uint256 public constant NATIVE_PUSH_GAS = 60_000;
    /// @inheritdoc ISupplyChainEscrow
    /// @dev 150,000: an OpenZeppelin or USDC-style (proxied) `transfer` to a fresh holder needs < 70,000.
    uint256 public constant TOKEN_CALL_GAS = 150_000;

    uint16 private constant _BPS = 10_000;

    IDeviceRegistry private immutable _devices;
    ICertificateRegistry private immutable _certificates;

    // One slot: both are read by every createOrder.
    address private _defaultArbiter;
    uint96 private _nextOrderId;
    mapping(uint256 orderId => Order) private _orders;
    mapping(address token => bool) private _allowedTokens;
    mapping(address account => mapping(address token => uint256)) private _credits;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param admin Consortium admin (DEFAULT_ADMIN_ROLE).
    /// @param deviceRegistry_ The DeviceRegistry holding the device records (it must grant this
    ///        contract LOCKER_ROLE before the first order).
    /// @param certificates_ The CertificateRegistry consulted for passes.
    /// @param defaultArbiter_ Granted ARBITER_ROLE and fixed into new orders.
    constructor(
        address admin,
        IDeviceRegistry deviceRegistry_,
        ICertificateRegistry certificates_,
        address defaultArbiter_
    ) {
        if (
            admin == address(0) || address(deviceRegistry_) == address(0) || address(certificates_) == address(0)
                || defaultArbiter_ == address(0)
        ) revert ZeroAddress();
        address certificatesDevices = address(certificates_.deviceRegistry());
        if (certificatesDevices != address(deviceRegistry_)) {
            revert RegistryMismatch(address(deviceRegistry_), certificatesDevices);
        }
        _devices = deviceRegistry_;
        _certificates = certificates_;
        _nextOrderId = 1;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(Roles.ARBITER_ROLE, defaultArbiter_);
        _defaultArbiter = defaultArbiter_;
        emit DefaultArbiterUpdated(address(0), defaultArbiter_);
    }

    /*//////////////////////////////////////////////////////////////
                           EXTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISupplyChainEscrow
    function setDefaultArbiter(address arbiter) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (!hasRole(Roles.ARBITER_ROLE, arbiter)) revert ArbiterRoleMissing(arbiter);
        address previous = _defaultArbiter;
        _defaultArbiter = arbiter;
        emit DefaultArbiterUpdated(previous, arbiter);
    }

    /// @inheritdoc ISupplyChainEscrow
    function setTokenAllowed(address token, bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (token.code.length == 0) revert InvalidToken(token);
        _allowedTokens[token] = allowed;
        emit TokenAllowListUpdated(token, allowed);
    }

    /// @inheritdoc ISupplyChainEscrow
    function createOrder(
        address seller,
        address token,
        uint256 amount,
        uint256[] calldata deviceIds,
        bytes32 testSpec,
        uint64 shipBy,
        uint64 inspectionPeriod,
        address[] calldata labs
    ) external payable nonReentrant returns (uint256 orderId) {
        _validateTerms(seller, token, amount, shipBy, inspectionPeriod);
        _validateLists(deviceIds, labs);
        orderId = _store(
            OrderTerms({
                buyer: msg.sender,
                seller: seller,
                token: token,
                amount: amount,
                deviceIds: deviceIds,
                testSpec: testSpec,
                shipBy: shipBy,
                inspectionPeriod: inspectionPeriod,
                arbiter: address(0),
                labs: labs
            })
        );
        // The registry checks existence, ownership, the seller's approval and that no device is
        // locked already (so a device is in at most one open order): a device listed twice makes the
        // lock fail at its second copy, so the O(n^2) duplicate search runs only then, to name it.
        // Only the lock call's own revert is caught; `_collect` runs after it as before.
        try _devices.lockDevices(seller, deviceIds) {
            _collect(token, amount);
        } catch (bytes memory reason) {
            _revertIfDuplicate(deviceIds);
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
    }

    /// @inheritdoc ISupplyChainEscrow
    function markShipped(uint256 orderId, OrderTerms calldata terms, bytes32 shipmentHash) external nonReentrant {
        Order storage o = _order(orderId, terms);
        if (msg.sender != terms.seller) revert NotSeller(orderId, msg.sender);
        if (o.state != OrderState.Funded) revert InvalidOrderState(orderId, o.state);
        if (block.timestamp > terms.shipBy) revert ShipDeadlinePassed(orderId, terms.shipBy);

        o.state = OrderState.Shipped;
        o.shippedAt = uint40(block.timestamp);
        emit OrderShipped(orderId, shipmentHash, uint64(block.timestamp));
    }

    /// @inheritdoc ISupplyChainEscrow
    function declineOrder(uint256 orderId, OrderTerms calldata terms) external nonReentrant {
        Order storage o = _order(orderId, terms);
        if (msg.sender != terms.seller) revert NotSeller(orderId, msg.sender);
        if (o.state != OrderState.Funded) revert InvalidOrderState(orderId, o.state);

        o.state = OrderState.Declined;
        emit OrderDeclined(orderId, msg.sender, terms.buyer, terms.amount);

        _devices.unlockDevices(terms.deviceIds);
        _pay(terms.buyer, terms.token, terms.amount);
    }

    /// @inheritdoc ISupplyChainEscrow
    function confirmDelivery(uint256 orderId, OrderTerms calldata terms) external nonReentrant {
        Order storage o = _order(orderId, terms);
        if (msg.sender != terms.buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != OrderState.Shipped) revert InvalidOrderState(orderId, o.state);

        o.state = OrderState.Accepted;
        emit DeliveryConfirmed(orderId, msg.sender, uint64(block.timestamp));
    }

    /// @inheritdoc ISupplyChainEscrow
    function settle(uint256 orderId, OrderTerms calldata terms, ICertificateRegistry.PassRef[] calldata passes)
        external
        nonReentrant
    {
        Order storage o = _order(orderId, terms);
        uint256 deviceCount = terms.deviceIds.length;
        if (passes.length != deviceCount) revert PassCountMismatch(orderId, deviceCount, passes.length);
        // `_order` checked existence and the terms digest: `_readiness` does not hash them again.
        (SettleStatus status, uint256 detail) = _readiness(o, terms, passes);
        if (status == SettleStatus.WrongState) revert InvalidOrderState(orderId, o.state);
        if (status == SettleStatus.InspectionOpen) revert InspectionPeriodActive(orderId, uint64(detail));
        if (status == SettleStatus.DeviceInactive) {
            revert DeviceInactive(orderId, detail, uint8(_devices.statusOf(detail)));
        }
        if (status == SettleStatus.DeviceUncertified) revert DeviceNotCertified(orderId, detail);
        _settle(orderId, o, terms);
    }

    /// @inheritdoc ISupplyChainEscrow
    function settleMany(
        uint256[] calldata orderIds,
        OrderTerms[] calldata terms,
        ICertificateRegistry.PassRef[][] calldata passes
    ) external nonReentrant returns (uint256 settled) {
        uint256 count = orderIds.length;
        if (terms.length != count) revert LengthMismatch(count, terms.length);
        if (passes.length != count) revert LengthMismatch(count, passes.length);
        for (uint256 i; i < count; ++i) {
            uint256 orderId = orderIds[i];
            Order storage o = _orders[orderId];
            (SettleStatus status,) = _settleStatus(o, terms[i], passes[i]);
            if (status == SettleStatus.Ready) {
                _settle(orderId, o, terms[i]);
                ++settled;
            } else {
                emit SettlementSkipped(orderId, status);
            }
        }
    }

    /// @inheritdoc ISupplyChainEscrow
    function refund(uint256 orderId, OrderTerms calldata terms) external nonReentrant {
        Order storage o = _order(orderId, terms);
        address buyer = terms.buyer;
        if (msg.sender != buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != OrderState.Funded) revert InvalidOrderState(orderId, o.state);
        if (block.timestamp <= terms.shipBy) revert ShipDeadlineNotReached(orderId, terms.shipBy);

        o.state = OrderState.Refunded;
        emit OrderRefunded(orderId, buyer, terms.amount);

        _devices.unlockDevices(terms.deviceIds);
        _pay(buyer, terms.token, terms.amount);
    }

    /// @inheritdoc ISupplyChainEscrow
    function openDispute(uint256 orderId, OrderTerms calldata terms, string calldata reason) external nonReentrant {
        Order storage o = _order(orderId, terms);
        if (msg.sender != terms.buyer) revert NotBuyer(orderId, msg.sender);
        OrderState state = o.state;
        if (state != OrderState.Shipped && state != OrderState.Accepted) revert InvalidOrderState(orderId, state);
        bool late = block.timestamp >= _inspectionEnd(o, terms);

        o.state = OrderState.Disputed;
        if (late) o.disputedLate = true;
        emit DisputeOpened(orderId, msg.sender, reason, late);
    }

    /// @inheritdoc ISupplyChainEscrow
    function resolveDispute(uint256 orderId, OrderTerms calldata terms, uint16 sellerShareBps) external nonReentrant {
        Order storage o = _order(orderId, terms);
        if (msg.sender != _arbiterOf(terms.arbiter) || !hasRole(Roles.ARBITER_ROLE, msg.sender)) {
            revert NotArbiter(orderId, msg.sender);
        }
        address seller = terms.seller;
        address buyer = terms.buyer;
        // The arbiter of an order can change (fallback to the default arbiter): check it here too.
        if (msg.sender == buyer || msg.sender == seller) revert ArbiterIsParty(msg.sender, buyer, seller);
        if (o.state != OrderState.Disputed) revert InvalidOrderState(orderId, o.state);
        if (sellerShareBps > _BPS) revert InvalidShare(sellerShareBps);

        uint256 amount = terms.amount;
        uint256 sellerAmount = Math.mulDiv(amount, sellerShareBps, _BPS);
        uint256 buyerAmount = amount - sellerAmount;
        o.state = OrderState.Resolved;
        emit DisputeResolved(orderId, msg.sender, sellerShareBps, sellerAmount, buyerAmount);

        // Devices follow the money actually paid: a share that rounds down to 0 tokens is a refund.
        if (sellerAmount > 0) _devices.transferLocked(seller, buyer, terms.deviceIds);
        else _devices.unlockDevices(terms.deviceIds);
        address token = terms.token;
        if (sellerAmount > 0) _pay(seller, token, sellerAmount);
        if (buyerAmount > 0) _pay(buyer, token, buyerAmount);
    }

    /// @inheritdoc ISupplyChainEscrow
    function withdraw(address token) external nonReentrant {
        uint256 amount = _credits[msg.sender][token];
        if (amount == 0) revert NothingToWithdraw(msg.sender, token);

        delete _credits[msg.sender][token];
        emit Withdrawn(msg.sender, token, amount);

        if (token == address(0)) {
            if (!_sendNative(msg.sender, amount, gasleft())) revert NativeTransferFailed(msg.sender, amount);
        } else {
            IERC20(token).safeTransfer(msg.sender, amount);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ISupplyChainEscrow
    function deviceRegistry() external view returns (IDeviceRegistry) {
        return _devices;
    }

    /// @inheritdoc ISupplyChainEscrow
    function certificateRegistry() external view returns (ICertificateRegistry) {
        return _certificates;
    }

    /// @inheritdoc ISupplyChainEscrow
    function defaultArbiter() external view returns (address) {
        return _defaultArbiter;
    }

    /// @inheritdoc ISupplyChainEscrow
    function arbiterOf(uint256 orderId, OrderTerms calldata terms) external view returns (address) {
        _order(orderId, terms);
        return _arbiterOf(terms.arbiter);
    }

    /// @inheritdoc ISupplyChainEscrow
    function nextOrderId() external view returns (uint256) {
        return _nextOrderId;
    }

    /// @inheritdoc ISupplyChainEscrow
    function order(uint256 orderId) external view returns (Order memory o) {
        o = _orders[orderId];
        if (o.state == OrderState.None) revert OrderNotFound(orderId);
    }

    /// @inheritdoc ISupplyChainEscrow
    function hashTerms(OrderTerms calldata terms) public pure returns (bytes24) {
        return bytes24(keccak256(abi.encode(terms)));
    }

    /// @inheritdoc ISupplyChainEscrow
    function isTokenAllowed(address token) external view returns (bool) {
        return token == address(0) || _allowedTokens[token];
    }

    /// @inheritdoc ISupplyChainEscrow
    function canSettle(uint256 orderId, OrderTerms calldata terms, ICertificateRegistry.PassRef[] calldata passes)
        external
        view
        returns (bool ok, SettleStatus status)
    {
        (status,) = _settleStatus(_orders[orderId], terms, passes);
        ok = status == SettleStatus.Ready;
    }

    /// @inheritdoc ISupplyChainEscrow
    function creditOf(address account, address token) external view returns (uint256) {
        return _credits[account][token];
    }

    /// @notice ERC-165: ISupplyChainEscrow and AccessControl's interfaces.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ISupplyChainEscrow).interfaceId || super.supportsInterface(interfaceId);
    }

    /*//////////////////////////////////////////////////////////////
                           INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @dev Order `orderId`, after {OrderNotFound} and {TermsMismatch} checks.
    function _order(uint256 orderId, OrderTerms calldata terms) private view returns (Order storage o) {
        o = _orders[orderId];
        if (o.state == OrderState.None) revert OrderNotFound(orderId);
        if (o.termsHash != hashTerms(terms)) revert TermsMismatch(orderId);
    }

    /// @dev Fixes the default arbiter into `terms` and stores a new Funded order (emits {OrderCreated}).
    function _store(OrderTerms memory terms) private returns (uint256 orderId) {
        address arbiter = _defaultArbiter;
        if (!hasRole(Roles.ARBITER_ROLE, arbiter)) revert ArbiterRoleMissing(arbiter);
        if (arbiter == msg.sender || arbiter == terms.seller) {
            revert ArbiterIsParty(arbiter, msg.sender, terms.seller);
        }
        terms.arbiter = arbiter;
        orderId = _nextOrderId++;
        _orders[orderId] = Order({
            termsHash: bytes24(keccak256(abi.encode(terms))),
            state: OrderState.Funded,
            disputedLate: false,
            shippedAt: 0
        });
        emit OrderCreated(orderId, msg.sender, terms.seller, terms);
    }

    /// @dev Checks the scalar terms of a new order.
    function _validateTerms(address seller, address token, uint256 amount, uint64 shipBy, uint64 inspectionPeriod)
        private
        view
    {
        if (seller == address(0)) revert InvalidSeller(seller);
        if (seller == msg.sender) revert SellerIsBuyer(seller);
        if (token != address(0) && !_allowedTokens[token]) revert TokenNotAllowed(token);
        if (amount == 0) revert ZeroAmount();
        if (shipBy <= block.timestamp) revert ShipByNotInFuture(shipBy, block.timestamp);
        if (inspectionPeriod == 0 || inspectionPeriod > MAX_INSPECTION_PERIOD) {
            revert InvalidInspectionPeriod(inspectionPeriod, MAX_INSPECTION_PERIOD);
        }
    }

    /// @dev Checks that the device list is non-empty and bounded (duplicates, existence and ownership
    ///      are refused by the registry's lock, see {_revertIfDuplicate}), and the labs list bounded and
    ///      non-zero.
    function _validateLists(uint256[] calldata deviceIds, address[] calldata labs) private pure {
        uint256 count = deviceIds.length;
        if (count == 0) revert NoDevices();
        if (count > MAX_DEVICES_PER_ORDER) revert TooManyDevices(count, MAX_DEVICES_PER_ORDER);
        uint256 labCount = labs.length;
        if (labCount > MAX_LABS_PER_ORDER) revert TooManyLabs(labCount, MAX_LABS_PER_ORDER);
        for (uint256 i; i < labCount; ++i) {
            if (labs[i] == address(0)) revert ZeroLab();
        }
    }

    /// @dev Reverts {DuplicateDevice} with the first device of the list that appears again later
    ///      (called only after the registry's lock failed: a duplicate always makes it fail).
    function _revertIfDuplicate(uint256[] calldata deviceIds) private pure {
        uint256 count = deviceIds.length;
        for (uint256 i; i < count; ++i) {
            uint256 deviceId = deviceIds[i];
            for (uint256 j = i + 1; j < count; ++j) {
                if (deviceIds[j] == deviceId) revert DuplicateDevice(deviceId);
            }
        }
    }

    /// @dev Takes the order's money from the buyer: exact msg.value for the native coin; for an
    ///      ERC-20 no msg.value and the escrow's balance must grow by exactly `amount`.
    function _collect(address token, uint256 amount) private {
        if (token == address(0)) {
            if (msg.value != amount) revert IncorrectPayment(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert IncorrectPayment(0, msg.value);
        IERC20 erc20 = IERC20(token);
        uint256 balanceBefore = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = erc20.balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert FeeOnTransferNotSupported(token, amount, received);
    }

    /// @dev Whether order `o` can settle now with `terms` and `passes`; `detail` is the inspection end
    ///      or the device that is inactive or uncertified.
    function _settleStatus(Order storage o, OrderTerms calldata terms, ICertificateRegistry.PassRef[] calldata passes)
        private
        view
        returns (SettleStatus, uint256 detail)
    {
        if (o.state == OrderState.None) return (SettleStatus.UnknownOrder, 0);
        if (o.termsHash != hashTerms(terms)) return (SettleStatus.TermsMismatch, 0);
        return _readiness(o, terms, passes);
    }

    /// @dev {_settleStatus} of an existing order whose `terms` match its digest (checked by the caller).
    function _readiness(Order storage o, OrderTerms calldata terms, ICertificateRegistry.PassRef[] calldata passes)
        private
        view
        returns (SettleStatus, uint256 detail)
    {
        OrderState state = o.state;
        bool lateDispute = state == OrderState.Disputed && o.disputedLate;
        if (state != OrderState.Shipped && state != OrderState.Accepted && !lateDispute) {
            return (SettleStatus.WrongState, 0);
        }
        if (state == OrderState.Shipped) {
            uint256 endsAt = _inspectionEnd(o, terms);
            if (block.timestamp < endsAt) return (SettleStatus.InspectionOpen, endsAt);
        }
        return _certification(terms, passes);
    }

    /// @dev The first device of the order, in order, that is not Active (`DeviceInactive`) or whose
    ///      presented certificate is missing or not a valid pass from an accepted lab (`DeviceUncertified`):
    ///      the same answer as checking status then pass device by device, from two calls per order
    ///      (`DeviceRegistry.statusesOf`, `CertificateRegistry.passLabs`) instead of two or three per device.
    ///      Passes beyond the devices are ignored; devices beyond the passes are uncertified.
    function _certification(OrderTerms calldata terms, ICertificateRegistry.PassRef[] calldata passes)
        private
        view
        returns (SettleStatus, uint256 deviceId)
    {
        uint256 count = terms.deviceIds.length;
        uint256 presented = passes.length < count ? passes.length : count;
        IDeviceRegistry.DeviceStatus[] memory statuses = _devices.statusesOf(terms.deviceIds);
        address[] memory passLabs = _passLabs(terms, passes, presented);
        bool anyLab = terms.labs.length == 0;
        for (uint256 i; i < count; ++i) {
            deviceId = terms.deviceIds[i];
            if (statuses[i] != IDeviceRegistry.DeviceStatus.Active) return (SettleStatus.DeviceInactive, deviceId);
            if (i >= presented) return (SettleStatus.DeviceUncertified, deviceId);
            address lab = passLabs[i];
            if (lab == address(0) || !(anyLab || _contains(terms.labs, lab))) {
                return (SettleStatus.DeviceUncertified, deviceId);
            }
        }
        return (SettleStatus.Ready, 0);
    }

    /// @dev The labs of the first `presented` passes for the order's first `presented` devices
    ///      (address(0): not a valid pass for the order's spec), one registry call.
    function _passLabs(OrderTerms calldata terms, ICertificateRegistry.PassRef[] calldata passes, uint256 presented)
        private
        view
        returns (address[] memory)
    {
        return _certificates.passLabs(passes[:presented], terms.deviceIds[:presented], terms.testSpec);
    }

    function _contains(address[] calldata list, address item) private pure returns (bool) {
        uint256 count = list.length;
        for (uint256 i; i < count; ++i) {
            if (list[i] == item) return true;
        }
        return false;
    }

    /// @dev End of the inspection period of a shipped order.
    function _inspectionEnd(Order storage o, OrderTerms calldata terms) private view returns (uint256) {
        return uint256(o.shippedAt) + terms.inspectionPeriod;
    }

    /// @dev Settles a settleable order: state first, then the device records, then the money.
    function _settle(uint256 orderId, Order storage o, OrderTerms calldata terms) private {
        address seller = terms.seller;
        address buyer = terms.buyer;
        uint256 amount = terms.amount;
        o.state = OrderState.Settled;
        emit OrderSettled(orderId, seller, buyer, amount, msg.sender);

        _devices.transferLocked(seller, buyer, terms.deviceIds);
        _pay(seller, terms.token, amount);
    }

    /// @dev The account allowed to resolve disputes on an order whose fixed arbiter is `assigned` now
    ///      (see {arbiterOf}).
    function _arbiterOf(address assigned) private view returns (address) {
        return hasRole(Roles.ARBITER_ROLE, assigned) ? assigned : _defaultArbiter;
    }

    /// @dev Pushes `amount` of `token` to `to`; if the push fails, credits it for {withdraw}.
    function _pay(address to, address token, uint256 amount) private {
        bool ok = token == address(0) ? _sendNative(to, amount, NATIVE_PUSH_GAS) : _tryTransfer(token, to, amount);
        if (!ok) {
            _credits[to][token] += amount;
            emit PaymentCredited(to, token, amount);
        }
    }

    /// @dev Pushes `amount` wei to `to` with at most `gasLimit` gas, copying no return data (no
    ///      returndata bomb). `gasleft()` is the limit for a withdrawal (the receiver's own call).
    function _sendNative(address to, uint256 amount, uint256 gasLimit) private returns (bool ok) {
        assembly ("memory-safe") {
            ok := call(gasLimit, to, amount, 0, 0, 0, 0)
        }
    }

    /// @dev ERC-20 `transfer` with at most {TOKEN_CALL_GAS} gas that reports failure instead of
    ///      reverting: succeeds when the call does
    ///      and returns true, or returns nothing from a contract (tokens without a return value).
    ///      Reads at most one word of return data.
    function _tryTransfer(address token, address to, uint256 amount) private returns (bool) {
        bytes memory data = abi.encodeCall(IERC20.transfer, (to, amount));
        bool success;
        uint256 returnSize;
        uint256 returnValue;
        assembly ("memory-safe") {
            success := call(TOKEN_CALL_GAS, token, 0, add(data, 0x20), mload(data), 0, 0x20)
            returnSize := returndatasize()
            returnValue := mload(0)
        }
        return success && (returnSize == 0 ? token.code.length > 0 : returnValue == 1);
    }
}
