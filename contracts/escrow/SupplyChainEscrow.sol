// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
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

    IERC721 private immutable _devices;
    ICertificateRegistry private immutable _certificates;

    address private _defaultArbiter;
    uint256 private _nextOrderId;
    mapping(uint256 orderId => Order) private _orders;
    mapping(uint256 orderId => uint256[]) private _orderDeviceIds;
    mapping(uint256 orderId => address[]) private _orderLabs;
    mapping(address token => bool) private _allowedTokens;
    mapping(address account => mapping(address token => uint256)) private _credits;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param admin Consortium admin (DEFAULT_ADMIN_ROLE).
    /// @param deviceRegistry_ The DeviceRegistry (ERC-721) holding the device records.
    /// @param certificates_ The CertificateRegistry consulted for passes.
    /// @param defaultArbiter_ Granted ARBITER_ROLE and fixed into new orders.
    constructor(address admin, IERC721 deviceRegistry_, ICertificateRegistry certificates_, address defaultArbiter_) {
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
        _validateDevices(seller, deviceIds);
        address arbiter = _defaultArbiter;
        if (!hasRole(Roles.ARBITER_ROLE, arbiter)) revert ArbiterRoleMissing(arbiter);
        if (arbiter == msg.sender || arbiter == seller) revert ArbiterIsParty(arbiter, msg.sender, seller);

        orderId = _nextOrderId++;
        _orders[orderId] = Order({
            buyer: msg.sender,
            shipBy: shipBy,
            state: OrderState.Funded,
            seller: seller,
            shippedAt: 0,
            token: token,
            inspectionPeriod: inspectionPeriod,
            arbiter: arbiter,
            acceptedAt: 0,
            amount: amount,
            testSpec: testSpec,
            shipmentHash: bytes32(0),
            disputedLate: false
        });
        _orderDeviceIds[orderId] = deviceIds;
        _emitOrderCreated(orderId, deviceIds);
        _pinLabs(orderId, labs);

        _collect(token, amount);
    }

    /// @inheritdoc ISupplyChainEscrow
    function markShipped(uint256 orderId, bytes32 shipmentHash) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        address seller = o.seller;
        if (msg.sender != seller) revert NotSeller(orderId, msg.sender);
        if (o.state != OrderState.Funded) revert InvalidOrderState(orderId, o.state);
        uint64 shipBy = o.shipBy;
        if (block.timestamp > shipBy) revert ShipDeadlinePassed(orderId, shipBy);

        uint64 shippedAt = uint64(block.timestamp);
        o.state = OrderState.Shipped;
        o.shippedAt = shippedAt;
        o.shipmentHash = shipmentHash;
        emit OrderShipped(orderId, shipmentHash, shippedAt);

        _moveDevices(orderId, seller, address(this));
    }

    /// @inheritdoc ISupplyChainEscrow
    function confirmDelivery(uint256 orderId) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        if (msg.sender != o.buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != OrderState.Shipped) revert InvalidOrderState(orderId, o.state);

        o.state = OrderState.Accepted;
        o.acceptedAt = uint64(block.timestamp);
        emit DeliveryConfirmed(orderId, msg.sender);
    }

    /// @inheritdoc ISupplyChainEscrow
    function settle(uint256 orderId, PassRef[] calldata passes) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        uint256 deviceCount = _orderDeviceIds[orderId].length;
        if (passes.length != deviceCount) revert PassCountMismatch(orderId, deviceCount, passes.length);
        (SettleStatus status, uint256 detail) = _settleStatus(orderId, o, passes);
        if (status == SettleStatus.WrongState) revert InvalidOrderState(orderId, o.state);
        if (status == SettleStatus.InspectionOpen) revert InspectionPeriodActive(orderId, uint64(detail));
        if (status == SettleStatus.DeviceInactive) {
            revert DeviceInactive(orderId, detail, uint8(_deviceStatus(detail)));
        }
        if (status == SettleStatus.DeviceUncertified) revert DeviceNotCertified(orderId, detail);
        _settle(orderId, o);
    }

    /// @inheritdoc ISupplyChainEscrow
    function settleMany(uint256[] calldata orderIds, PassRef[][] calldata passes)
        external
        nonReentrant
        returns (uint256 settled)
    {
        uint256 count = orderIds.length;
        if (passes.length != count) revert LengthMismatch(count, passes.length);
        for (uint256 i; i < count; ++i) {
            uint256 orderId = orderIds[i];
            Order storage o = _orders[orderId];
            (SettleStatus status,) = _settleStatus(orderId, o, passes[i]);
            if (status == SettleStatus.Ready) {
                _settle(orderId, o);
                ++settled;
            } else {
                emit SettlementSkipped(orderId, status);
            }
        }
    }

    /// @inheritdoc ISupplyChainEscrow
    function refund(uint256 orderId) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        address buyer = o.buyer;
        if (msg.sender != buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != OrderState.Funded) revert InvalidOrderState(orderId, o.state);
        uint64 shipBy = o.shipBy;
        if (block.timestamp <= shipBy) revert ShipDeadlineNotReached(orderId, shipBy);

        uint256 amount = o.amount;
        o.state = OrderState.Refunded;
        emit OrderRefunded(orderId, buyer, amount);

        _pay(buyer, o.token, amount);
    }

    /// @inheritdoc ISupplyChainEscrow
    function openDispute(uint256 orderId, string calldata reason) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        if (msg.sender != o.buyer) revert NotBuyer(orderId, msg.sender);
        OrderState state = o.state;
        if (state != OrderState.Shipped && state != OrderState.Accepted) revert InvalidOrderState(orderId, state);
        bool late = block.timestamp >= _inspectionEnd(o);

        o.state = OrderState.Disputed;
        if (late) o.disputedLate = true;
        emit DisputeOpened(orderId, msg.sender, reason, late);
    }

    /// @inheritdoc ISupplyChainEscrow
    function resolveDispute(uint256 orderId, uint16 sellerShareBps) external nonReentrant {
        Order storage o = _existingOrder(orderId);
        if (msg.sender != _arbiterOf(o) || !hasRole(Roles.ARBITER_ROLE, msg.sender)) {
            revert NotArbiter(orderId, msg.sender);
        }
        // The arbiter of an order can change (fallback to the default arbiter): check it here too.
        if (msg.sender == o.buyer || msg.sender == o.seller) revert ArbiterIsParty(msg.sender, o.buyer, o.seller);
        if (o.state != OrderState.Disputed) revert InvalidOrderState(orderId, o.state);
        if (sellerShareBps > _BPS) revert InvalidShare(sellerShareBps);

        uint256 amount = o.amount;
        uint256 sellerAmount = Math.mulDiv(amount, sellerShareBps, _BPS);
        uint256 buyerAmount = amount - sellerAmount;
        o.state = OrderState.Resolved;
        emit DisputeResolved(orderId, msg.sender, sellerShareBps, sellerAmount, buyerAmount);

        address seller = o.seller;
        address buyer = o.buyer;
        address token = o.token;
        // Devices follow the money actually paid: a share that rounds down to 0 tokens is a refund.
        _moveDevices(orderId, address(this), sellerAmount > 0 ? buyer : seller);
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
    function deviceRegistry() external view returns (IERC721) {
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
    function arbiterOf(uint256 orderId) external view returns (address) {
        return _arbiterOf(_existingOrder(orderId));
    }

    /// @inheritdoc ISupplyChainEscrow
    function nextOrderId() external view returns (uint256) {
        return _nextOrderId;
    }

    /// @inheritdoc ISupplyChainEscrow
    function order(uint256 orderId) external view returns (Order memory) {
        return _existingOrder(orderId);
    }

    /// @inheritdoc ISupplyChainEscrow
    function orderDevices(uint256 orderId) external view returns (uint256[] memory) {
        _existingOrder(orderId);
        return _orderDeviceIds[orderId];
    }

    /// @inheritdoc ISupplyChainEscrow
    function orderLabs(uint256 orderId) external view returns (address[] memory) {
        _existingOrder(orderId);
        return _orderLabs[orderId];
    }

    /// @inheritdoc ISupplyChainEscrow
    function isTokenAllowed(address token) external view returns (bool) {
        return token == address(0) || _allowedTokens[token];
    }

    /// @inheritdoc ISupplyChainEscrow
    function canSettle(uint256 orderId, PassRef[] calldata passes)
        external
        view
        returns (bool ok, SettleStatus status)
    {
        (status,) = _settleStatus(orderId, _orders[orderId], passes);
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

    /// @dev Order `orderId` or {OrderNotFound}.
    function _existingOrder(uint256 orderId) private view returns (Order storage o) {
        o = _orders[orderId];
        if (o.state == OrderState.None) revert OrderNotFound(orderId);
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

    /// @dev Checks that the device list is non-empty, bounded, free of duplicates and owned by `seller`.
    function _validateDevices(address seller, uint256[] calldata deviceIds) private view {
        uint256 count = deviceIds.length;
        if (count == 0) revert NoDevices();
        if (count > MAX_DEVICES_PER_ORDER) revert TooManyDevices(count, MAX_DEVICES_PER_ORDER);
        for (uint256 i; i < count; ++i) {
            uint256 deviceId = deviceIds[i];
            for (uint256 j = i + 1; j < count; ++j) {
                if (deviceIds[j] == deviceId) revert DuplicateDevice(deviceId);
            }
            address owner = _ownerOf(deviceId);
            if (owner != seller) revert DeviceNotOwnedBySeller(deviceId, seller, owner);
        }
    }

    /// @dev Owner of `deviceId`, or address(0) when the registry reverts (unknown device).
    function _ownerOf(uint256 deviceId) private view returns (address) {
        try _devices.ownerOf(deviceId) returns (address owner) {
            return owner;
        } catch {
            return address(0);
        }
    }

    /// @dev Stores the labs the order accepts (none: any lab).
    function _pinLabs(uint256 orderId, address[] calldata labs) private {
        uint256 count = labs.length;
        if (count == 0) return;
        if (count > MAX_LABS_PER_ORDER) revert TooManyLabs(count, MAX_LABS_PER_ORDER);
        for (uint256 i; i < count; ++i) {
            if (labs[i] == address(0)) revert ZeroLab();
        }
        _orderLabs[orderId] = labs;
        emit OrderLabsPinned(orderId, labs);
    }

    /// @dev Emits {OrderCreated} from storage (keeps createOrder's stack shallow).
    function _emitOrderCreated(uint256 orderId, uint256[] calldata deviceIds) private {
        Order storage o = _orders[orderId];
        emit OrderCreated(
            orderId,
            o.buyer,
            o.seller,
            o.token,
            o.amount,
            deviceIds,
            o.testSpec,
            o.shipBy,
            o.inspectionPeriod,
            o.arbiter
        );
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

    /// @dev Whether order `o` can settle now with `passes`; `detail` is the inspection end or the device
    ///      that is inactive or uncertified.
    function _settleStatus(uint256 orderId, Order storage o, PassRef[] calldata passes)
        private
        view
        returns (SettleStatus, uint256 detail)
    {
        OrderState state = o.state;
        if (state == OrderState.None) return (SettleStatus.UnknownOrder, 0);
        bool lateDispute = state == OrderState.Disputed && o.disputedLate;
        if (state != OrderState.Shipped && state != OrderState.Accepted && !lateDispute) {
            return (SettleStatus.WrongState, 0);
        }
        if (state == OrderState.Shipped) {
            uint64 endsAt = _inspectionEnd(o);
            if (block.timestamp < endsAt) return (SettleStatus.InspectionOpen, endsAt);
        }
        return _certification(orderId, o.testSpec, passes);
    }

    /// @dev The first device of the order that is not Active (`DeviceInactive`) or whose presented
    ///      certificate is missing or not a valid pass from an accepted lab (`DeviceUncertified`).
    function _certification(uint256 orderId, bytes32 testSpec, PassRef[] calldata passes)
        private
        view
        returns (SettleStatus, uint256 deviceId)
    {
        uint256[] storage ids = _orderDeviceIds[orderId];
        address[] storage labs = _orderLabs[orderId];
        uint256 count = ids.length;
        uint256 given = passes.length;
        for (uint256 i; i < count; ++i) {
            deviceId = ids[i];
            if (_deviceStatus(deviceId) != IDeviceRegistry.DeviceStatus.Active) {
                return (SettleStatus.DeviceInactive, deviceId);
            }
            if (i >= given) return (SettleStatus.DeviceUncertified, deviceId);
            bytes32 certId = passes[i].certId;
            if (!_certificates.isValidPass(certId, deviceId, testSpec, passes[i].dataRoot)) {
                return (SettleStatus.DeviceUncertified, deviceId);
            }
            if (labs.length != 0 && !_contains(labs, _certificates.labOf(certId))) {
                return (SettleStatus.DeviceUncertified, deviceId);
            }
        }
        return (SettleStatus.Ready, 0);
    }

    /// @dev The DeviceRegistry status of `deviceId` (an order's devices always exist).
    function _deviceStatus(uint256 deviceId) private view returns (IDeviceRegistry.DeviceStatus) {
        return IDeviceRegistry(address(_devices)).device(deviceId).status;
    }

    function _contains(address[] storage list, address item) private view returns (bool) {
        uint256 count = list.length;
        for (uint256 i; i < count; ++i) {
            if (list[i] == item) return true;
        }
        return false;
    }

    /// @dev End of the inspection period of a shipped order.
    function _inspectionEnd(Order storage o) private view returns (uint64) {
        return o.shippedAt + o.inspectionPeriod;
    }

    /// @dev Settles a settleable order: state first, then the device records, then the money.
    function _settle(uint256 orderId, Order storage o) private {
        address seller = o.seller;
        address buyer = o.buyer;
        uint256 amount = o.amount;
        o.state = OrderState.Settled;
        emit OrderSettled(orderId, seller, buyer, amount, msg.sender);

        _moveDevices(orderId, address(this), buyer);
        _pay(seller, o.token, amount);
    }

    /// @dev The account allowed to resolve disputes on `o` now (see {arbiterOf}).
    function _arbiterOf(Order storage o) private view returns (address) {
        address assigned = o.arbiter;
        return hasRole(Roles.ARBITER_ROLE, assigned) ? assigned : _defaultArbiter;
    }

    /// @dev Moves every device record of the order from `from` to `to` (plain transferFrom: no
    ///      receiver hook, so a contract buyer cannot block the move).
    function _moveDevices(uint256 orderId, address from, address to) private {
        uint256[] storage ids = _orderDeviceIds[orderId];
        uint256 count = ids.length;
        for (uint256 i; i < count; ++i) {
            _devices.transferFrom(from, to, ids[i]);
        }
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
