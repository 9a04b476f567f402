// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {ICertificateRegistry} from "../certificates/ICertificateRegistry.sol";

/// @title ISupplyChainEscrow
/// @notice Escrow for device sales between parties that do not trust each other. The buyer funds an
///         order (ERC-20 or the native coin) in the call that creates it; the seller ships by moving
///         the devices' ERC-721 records into the escrow; once the buyer accepts delivery (or the
///         inspection period runs out) and every device holds a valid pass certificate for the
///         order's test specification, anyone may settle: the seller is paid and the device records
///         go to the buyer in the same transaction. A missed ship date lets the buyer take the money
///         back; a dispute hands the order to the arbiter fixed into it at creation.
/// @dev Lifecycle (every arrow is one function and one event):
///      None -> Funded (createOrder) -> Shipped (markShipped) -> Accepted (confirmDelivery)
///      Funded -> Refunded (refund, after shipBy)
///      Shipped | Accepted -> Settled (settle / settleMany)
///      Shipped | Accepted -> Disputed (openDispute) -> Resolved (resolveDispute)
///      Money leaves the escrow by push (full-gas native call or ERC-20 `transfer`); a push that
///      fails is credited to the receiver, who takes it with {withdraw}.
interface ISupplyChainEscrow {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Where an order is in its lifecycle. `None` means the order does not exist.
    enum OrderState {
        None,
        Funded,
        Shipped,
        Accepted,
        Disputed,
        Settled,
        Refunded,
        Resolved
    }

    /// @notice Why {canSettle} says an order cannot be settled now (`Ready` when it can).
    enum SettleStatus {
        Ready,
        UnknownOrder,
        WrongState,
        InspectionOpen,
        DeviceUncertified
    }

    /// @notice One order, packed into seven storage slots.
    /// @param buyer Account that created and funded the order; receives the devices.
    /// @param shipBy Last second (unix time, inclusive) at which the seller may ship.
    /// @param state Lifecycle state.
    /// @param seller Account that owns the devices and is paid on settlement.
    /// @param shippedAt Time of {markShipped} (0 before).
    /// @param token ERC-20 the order is paid in, or address(0) for the native coin.
    /// @param inspectionPeriod Seconds after shipping during which the buyer may dispute and after
    ///        which the order settles without the buyer's confirmation.
    /// @param arbiter Arbiter fixed into the order at creation (the default arbiter then).
    /// @param acceptedAt Time of {confirmDelivery} (0 if the buyer never confirmed).
    /// @param amount Escrowed amount, in token units or wei.
    /// @param testSpec Test specification every device must hold a valid pass for.
    /// @param shipmentHash Digest of the shipping documents, given by the seller at shipping.
    struct Order {
        address buyer;
        uint64 shipBy;
        OrderState state;
        address seller;
        uint64 shippedAt;
        address token;
        uint64 inspectionPeriod;
        address arbiter;
        uint64 acceptedAt;
        uint256 amount;
        bytes32 testSpec;
        bytes32 shipmentHash;
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice A constructor address argument was zero.
    error ZeroAddress();
    /// @notice `account` does not hold ARBITER_ROLE but was to be used as an arbiter.
    error ArbiterRoleMissing(address account);
    /// @notice No order has id `orderId`.
    error OrderNotFound(uint256 orderId);
    /// @notice The seller was the zero address.
    error InvalidSeller(address seller);
    /// @notice The buyer tried to buy from itself.
    error SellerIsBuyer(address account);
    /// @notice `token` is neither address(0) (native coin) nor a contract.
    error InvalidToken(address token);
    /// @notice The order amount was zero.
    error ZeroAmount();
    /// @notice The order listed no devices.
    error NoDevices();
    /// @notice The order listed `count` devices, more than `max`.
    error TooManyDevices(uint256 count, uint256 max);
    /// @notice `deviceId` appears more than once in the order.
    error DuplicateDevice(uint256 deviceId);
    /// @notice `deviceId` is owned by `owner` (address(0) if it does not exist), not by `seller`.
    error DeviceNotOwnedBySeller(uint256 deviceId, address seller, address owner);
    /// @notice `shipBy` is not after the current block time `currentTime`.
    error ShipByNotInFuture(uint64 shipBy, uint256 currentTime);
    /// @notice `inspectionPeriod` is zero or longer than `maxPeriod` seconds.
    error InvalidInspectionPeriod(uint64 inspectionPeriod, uint64 maxPeriod);
    /// @notice `received` wei came with the call, `expected` was required (0 for ERC-20 orders).
    error IncorrectPayment(uint256 expected, uint256 received);
    /// @notice Pulling `expected` units of `token` left only `received` units in the escrow.
    error FeeOnTransferNotSupported(address token, uint256 expected, uint256 received);
    /// @notice The call is not allowed while order `orderId` is in state `current`.
    error InvalidOrderState(uint256 orderId, OrderState current);
    /// @notice `caller` is not the seller of order `orderId`.
    error NotSeller(uint256 orderId, address caller);
    /// @notice `caller` is not the buyer of order `orderId`.
    error NotBuyer(uint256 orderId, address caller);
    /// @notice `caller` may not resolve the dispute on order `orderId` (see {arbiterOf}).
    error NotArbiter(uint256 orderId, address caller);
    /// @notice Order `orderId` had to ship by `shipBy`, which has passed.
    error ShipDeadlinePassed(uint256 orderId, uint64 shipBy);
    /// @notice Order `orderId` may still ship until `shipBy`, so it cannot be refunded yet.
    error ShipDeadlineNotReached(uint256 orderId, uint64 shipBy);
    /// @notice Order `orderId` was neither accepted nor has its inspection period ended (at `endsAt`).
    error InspectionPeriodActive(uint256 orderId, uint64 endsAt);
    /// @notice Device `deviceId` of order `orderId` has no valid pass for the order's test spec.
    error DeviceNotCertified(uint256 orderId, uint256 deviceId);
    /// @notice The inspection period of order `orderId` ended at `endedAt` and every device is
    ///         certified, so the order can no longer be disputed.
    error DisputeWindowClosed(uint256 orderId, uint64 endedAt);
    /// @notice `sellerShareBps` is above 10000.
    error InvalidShare(uint16 sellerShareBps);
    /// @notice `account` has no credit in `token`.
    error NothingToWithdraw(address account, address token);
    /// @notice Sending `amount` wei to `to` failed.
    error NativeTransferFailed(address to, uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The admin replaced the default arbiter fixed into new orders.
    event DefaultArbiterUpdated(address indexed previousArbiter, address indexed newArbiter);
    /// @notice `buyer` created and funded order `orderId`.
    event OrderCreated(
        uint256 indexed orderId,
        address indexed buyer,
        address indexed seller,
        address token,
        uint256 amount,
        uint256[] deviceIds,
        bytes32 testSpec,
        uint64 shipBy,
        uint64 inspectionPeriod,
        address arbiter
    );
    /// @notice The seller shipped order `orderId`; its device records are now held by the escrow.
    event OrderShipped(uint256 indexed orderId, bytes32 shipmentHash, uint64 shippedAt);
    /// @notice `buyer` accepted the delivery of order `orderId`.
    event DeliveryConfirmed(uint256 indexed orderId, address indexed buyer);
    /// @notice `settledBy` settled order `orderId`: `amount` went to `seller`, the devices to `buyer`.
    event OrderSettled(
        uint256 indexed orderId, address indexed seller, address indexed buyer, uint256 amount, address settledBy
    );
    /// @notice Order `orderId` was not shipped in time and `amount` went back to `buyer`.
    event OrderRefunded(uint256 indexed orderId, address indexed buyer, uint256 amount);
    /// @notice `buyer` disputed order `orderId`.
    event DisputeOpened(uint256 indexed orderId, address indexed buyer, string reason);
    /// @notice `arbiter` resolved the dispute on order `orderId`: `sellerAmount` to the seller,
    ///         `buyerAmount` to the buyer.
    event DisputeResolved(
        uint256 indexed orderId,
        address indexed arbiter,
        uint16 sellerShareBps,
        uint256 sellerAmount,
        uint256 buyerAmount
    );
    /// @notice Pushing `amount` of `token` (address(0): native coin) to `account` failed; the amount
    ///         was credited and can be taken with {withdraw}.
    event PaymentCredited(address indexed account, address indexed token, uint256 amount);
    /// @notice `account` withdrew its credit of `amount` in `token`.
    event Withdrawn(address indexed account, address indexed token, uint256 amount);

    /*//////////////////////////////////////////////////////////////
                           EXTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Sets the arbiter fixed into orders created from now on. Existing orders keep theirs.
    /// @dev Only DEFAULT_ADMIN_ROLE. `arbiter` must already hold ARBITER_ROLE
    ///      ({ArbiterRoleMissing} otherwise).
    /// @param arbiter The new default arbiter.
    function setDefaultArbiter(address arbiter) external;

    /// @notice Creates an order from `msg.sender` (the buyer) to `seller` and funds it in the same call.
    /// @dev ERC-20 orders pull `amount` with `safeTransferFrom` (approve the escrow first) and must
    ///      send no native coin; the received amount is checked by balance difference, so tokens that
    ///      take a fee on transfer are refused ({FeeOnTransferNotSupported}). Native orders use
    ///      `token == address(0)` and `msg.value == amount` ({IncorrectPayment}). Every device must
    ///      exist, be owned by `seller` and appear once; at most {MAX_DEVICES_PER_ORDER} devices.
    ///      The current default arbiter (which must still hold ARBITER_ROLE) is fixed into the order.
    /// @param seller Account paid on settlement; must own the devices.
    /// @param token ERC-20 to pay with, or address(0) for the native coin.
    /// @param amount Price of the whole order.
    /// @param deviceIds Ids of the device records (DeviceRegistry ERC-721 tokens) bought.
    /// @param testSpec Test specification every device must hold a valid pass for before settlement.
    /// @param shipBy Unix time until which (inclusive) the seller may ship; must be in the future.
    /// @param inspectionPeriod Seconds after shipping for inspection, 1 .. {MAX_INSPECTION_PERIOD}.
    /// @return orderId The new order's id (ids start at 1).
    function createOrder(
        address seller,
        address token,
        uint256 amount,
        uint256[] calldata deviceIds,
        bytes32 testSpec,
        uint64 shipBy,
        uint64 inspectionPeriod
    ) external payable returns (uint256 orderId);

    /// @notice The seller ships order `orderId`: its device records move from the seller to the
    ///         escrow (the seller must have called `setApprovalForAll(escrow, true)` on the registry).
    /// @dev Only the seller ({NotSeller}), only while Funded, only until `shipBy` inclusive
    ///      ({ShipDeadlinePassed}).
    /// @param orderId The order.
    /// @param shipmentHash Digest of the shipping documents (bill of lading, packing list).
    function markShipped(uint256 orderId, bytes32 shipmentHash) external;

    /// @notice The buyer accepts delivery of a shipped order, which can then settle at once.
    /// @dev Only the buyer ({NotBuyer}), only while Shipped.
    /// @param orderId The order.
    function confirmDelivery(uint256 orderId) external;

    /// @notice Settles order `orderId`: pays the seller and hands the device records to the buyer.
    /// @dev Anyone may call. Requires the order Accepted, or Shipped with the inspection period over
    ///      (`block.timestamp >= shippedAt + inspectionPeriod`, else {InspectionPeriodActive}), and a
    ///      valid pass for every device ({DeviceNotCertified}). A disputed order cannot settle.
    /// @param orderId The order.
    function settle(uint256 orderId) external;

    /// @notice Settles every order in `orderIds` that {canSettle} now and skips the others
    ///         (unknown ids included), so a settlement agent can batch without pre-filtering.
    /// @param orderIds The orders to try.
    /// @return settled How many orders were settled.
    function settleMany(uint256[] calldata orderIds) external returns (uint256 settled);

    /// @notice Returns the money of an order that was not shipped by `shipBy` to its buyer.
    /// @dev Only the buyer ({NotBuyer}), only while Funded, only after `shipBy`
    ///      ({ShipDeadlineNotReached}). The devices never left the seller, so none move.
    /// @param orderId The order.
    function refund(uint256 orderId) external;

    /// @notice The buyer disputes a shipped order; it then waits for the arbiter.
    /// @dev Only the buyer, only while Shipped or Accepted, and only during the inspection period
    ///      (`block.timestamp < shippedAt + inspectionPeriod`) - or at any time after shipping while
    ///      some device lacks a valid pass, so an order that can never settle never locks the money
    ///      ({DisputeWindowClosed} otherwise).
    /// @param orderId The order.
    /// @param reason Free text for the arbiter (emitted, not stored).
    function openDispute(uint256 orderId, string calldata reason) external;

    /// @notice Resolves a disputed order: the seller gets `amount * sellerShareBps / 10000` (rounded
    ///         down), the buyer the rest. The device records go to the buyer if `sellerShareBps > 0`
    ///         (the buyer paid something for them) and back to the seller if it is 0 (full refund).
    /// @dev Only the account {arbiterOf} returns, and only while it holds ARBITER_ROLE
    ///      ({NotArbiter}); only while Disputed;
    ///      `sellerShareBps <= 10000` ({InvalidShare}).
    /// @param orderId The order.
    /// @param sellerShareBps The seller's share in basis points.
    function resolveDispute(uint256 orderId, uint16 sellerShareBps) external;

    /// @notice Pays out the caller's credit in `token` (address(0): native coin) in full.
    /// @dev Reverts {NothingToWithdraw} without credit, {NativeTransferFailed} if the caller still
    ///      rejects the coin (the credit is then kept).
    /// @param token The token, or address(0).
    function withdraw(address token) external;

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice Longest inspection period an order may have (90 days).
    function MAX_INSPECTION_PERIOD() external view returns (uint64);

    /// @notice Most devices one order may hold (bounds the gas of shipping and settling).
    function MAX_DEVICES_PER_ORDER() external view returns (uint256);

    /// @notice The DeviceRegistry (ERC-721) whose records the escrow moves.
    function deviceRegistry() external view returns (IERC721);

    /// @notice The CertificateRegistry consulted for passes.
    function certificateRegistry() external view returns (ICertificateRegistry);

    /// @notice The arbiter fixed into orders created now.
    function defaultArbiter() external view returns (address);

    /// @notice The account that may resolve a dispute on order `orderId` now: the order's arbiter
    ///         while it holds ARBITER_ROLE, otherwise (its role was revoked) the current default arbiter.
    /// @dev Reverts {OrderNotFound} for an unknown order. The returned account must itself hold
    ///      ARBITER_ROLE to resolve (a revoked default arbiter is replaced with {setDefaultArbiter}).
    function arbiterOf(uint256 orderId) external view returns (address);

    /// @notice The id the next order will get.
    function nextOrderId() external view returns (uint256);

    /// @notice Order `orderId` ({OrderNotFound} if unknown).
    function order(uint256 orderId) external view returns (Order memory);

    /// @notice The device ids of order `orderId` ({OrderNotFound} if unknown).
    function orderDevices(uint256 orderId) external view returns (uint256[] memory);

    /// @notice Whether {settle} would succeed for `orderId` now, and if not, why.
    /// @return ok True when the order can be settled now.
    /// @return status `Ready`, or the first condition that fails.
    function canSettle(uint256 orderId) external view returns (bool ok, SettleStatus status);

    /// @notice Credit of `account` in `token` (address(0): native coin) left by failed pushes.
    function creditOf(address account, address token) external view returns (uint256);
}
