// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ICertificateRegistry} from "../certificates/ICertificateRegistry.sol";
import {IVersioned} from "../common/IVersioned.sol";
import {IDeviceRegistry} from "../identity/IDeviceRegistry.sol";

/// @title ISupplyChainEscrow
/// @notice Escrow for device sales between parties that do not trust each other. The buyer funds an
///         order (ERC-20 or the native coin) in the call that creates it, and the escrow LOCKS the
///         seller's device records in place in the DeviceRegistry (they stay the seller's, but
///         nobody else can move them while the order is open); the seller ships; once the buyer
///         accepts delivery (or the inspection period runs out) and every device is Active and holds
///         a valid pass certificate for the order's test specification (from a lab the order
///         accepts), anyone may settle, presenting one certificate per device (`ICertificateRegistry.PassRef`): the
///         seller is paid and the device records go from the seller to the buyer in the same
///         transaction (one transfer per device). A missed ship date lets the buyer take the money
///         back; the seller may decline an order it has not shipped (money back to the buyer,
///         devices unlocked); a dispute hands the order to the arbiter fixed into it at creation.
/// @dev One storage slot per order ({Order}): a 192-bit digest of the order's terms
///      ({OrderTerms}, see {hashTerms}), the state, the late-dispute flag and the shipping time.
///      The terms themselves are only in the {OrderCreated} event: every later call takes them
///      back as a calldata struct and reverts {TermsMismatch} when they do not hash to the stored
///      digest ({canSettle} and {settleMany} report `TermsMismatch` instead).
///      Lifecycle (every arrow is one function and one event):
///      None -> Funded (createOrder) -> Shipped (markShipped) -> Accepted (confirmDelivery)
///      Funded -> Refunded (refund, after shipBy)
///      Funded -> Declined (declineOrder, by the seller)
///      Shipped | Accepted -> Settled (settle / settleMany)
///      Shipped | Accepted -> Disputed (openDispute) -> Resolved (resolveDispute)
///      Disputed (late, after the inspection period) -> Settled (settle / settleMany)
///      Devices: locked at createOrder (`IDeviceRegistry.lockDevices`: the escrow holds LOCKER_ROLE
///      and the seller has approved it with `setApprovalForAll`), moved seller -> buyer and
///      unlocked at settlement (`transferLocked`) or a resolution that pays the seller, unlocked in
///      place at refund, decline or a resolution that refunds the buyer in full.
///      Money leaves the escrow by push with bounded gas (native call with {NATIVE_PUSH_GAS}, ERC-20
///      `transfer` with {TOKEN_CALL_GAS}); a push that fails is credited to the receiver, who takes it
///      with {withdraw}. So no receiver and no token can make a settlement run out of gas.
///      Only tokens the admin allow-listed ({setTokenAllowed}) can pay an order; the native coin always can.
interface ISupplyChainEscrow is IVersioned {
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
        Resolved,
        Declined
    }

    /// @notice Why {canSettle} says an order cannot be settled now (`Ready` when it can).
    ///         `DeviceUncertified`: a presented certificate is missing, not a valid pass for the device
    ///         and spec, or from a lab the order does not accept; `DeviceInactive`: a device is no longer
    ///         Active in the DeviceRegistry (suspended or decommissioned); `TermsMismatch`: the terms
    ///         presented are not the order's.
    enum SettleStatus {
        Ready,
        UnknownOrder,
        WrongState,
        InspectionOpen,
        DeviceUncertified,
        DeviceInactive,
        TermsMismatch
    }

    /// @notice The terms of an order, fixed at creation, emitted in full by {OrderCreated} and passed
    ///         back by the caller to every later call (the escrow stores only their digest).
    /// @param buyer Account that created and funded the order; receives the devices.
    /// @param seller Account that owns the devices and is paid on settlement.
    /// @param token ERC-20 the order is paid in, or address(0) for the native coin.
    /// @param amount Escrowed amount, in token units or wei.
    /// @param deviceIds The device records bought (DeviceRegistry ids), locked while the order is open.
    /// @param testSpec Test specification every device must hold a valid pass for.
    /// @param shipBy Last second (unix time, inclusive) at which the seller may ship.
    /// @param inspectionPeriod Seconds after shipping during which the buyer may dispute and after
    ///        which the order settles without the buyer's confirmation.
    /// @param arbiter Arbiter fixed into the order at creation (the default arbiter then).
    /// @param labs Labs whose certificates the order accepts (empty: any accredited lab).
    struct OrderTerms {
        address buyer;
        address seller;
        address token;
        uint256 amount;
        uint256[] deviceIds;
        bytes32 testSpec;
        uint64 shipBy;
        uint64 inspectionPeriod;
        address arbiter;
        address[] labs;
    }

    /// @notice The stored part of an order: one storage slot.
    /// @param termsHash {hashTerms} of the order's terms.
    /// @param state Lifecycle state.
    /// @param disputedLate True if the dispute was opened after the inspection period: such an order
    ///        still settles when every device is certified (so a late dispute cannot block a seller).
    /// @param shippedAt Time of {markShipped} (0 before).
    struct Order {
        bytes24 termsHash;
        OrderState state;
        bool disputedLate;
        uint40 shippedAt;
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
    /// @notice The terms presented for order `orderId` are not the ones it was created with.
    error TermsMismatch(uint256 orderId);
    /// @notice The seller was the zero address.
    error InvalidSeller(address seller);
    /// @notice The buyer tried to buy from itself.
    error SellerIsBuyer(address account);
    /// @notice `token` is not a contract (or is address(0), the native coin, which is always allowed).
    error InvalidToken(address token);
    /// @notice `token` is not on the escrow's allow-list ({setTokenAllowed}).
    error TokenNotAllowed(address token);
    /// @notice The certificate registry's device registry `certificatesDeviceRegistry` is not the
    ///         escrow's `deviceRegistry`.
    error RegistryMismatch(address deviceRegistry, address certificatesDeviceRegistry);
    /// @notice `arbiter` would resolve an order between `buyer` and `seller` while being one of them.
    error ArbiterIsParty(address arbiter, address buyer, address seller);
    /// @notice The order pins `count` labs, more than `max`.
    error TooManyLabs(uint256 count, uint256 max);
    /// @notice A lab pinned by the order is the zero address.
    error ZeroLab();
    /// @notice Order `orderId` has `expected` devices but `received` certificates were presented.
    error PassCountMismatch(uint256 orderId, uint256 expected, uint256 received);
    /// @notice `settleMany` got `orders` order ids but `passes` term or certificate lists.
    error LengthMismatch(uint256 orders, uint256 passes);
    /// @notice Device `deviceId` of order `orderId` is no longer Active (`status` is the
    ///         `IDeviceRegistry.DeviceStatus`: 1 Suspended, 2 Decommissioned).
    error DeviceInactive(uint256 orderId, uint256 deviceId, uint8 status);
    /// @notice The order amount was zero.
    error ZeroAmount();
    /// @notice The order listed no devices.
    error NoDevices();
    /// @notice The order listed `count` devices, more than `max`.
    error TooManyDevices(uint256 count, uint256 max);
    /// @notice `deviceId` appears more than once in the order.
    error DuplicateDevice(uint256 deviceId);
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
    /// @notice The certificate presented for device `deviceId` of order `orderId` is not a valid pass
    ///         for the order's test spec from a lab the order accepts.
    error DeviceNotCertified(uint256 orderId, uint256 deviceId);
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
    /// @notice The admin allowed (`allowed = true`) or disallowed `token` for new orders.
    event TokenAllowListUpdated(address indexed token, bool allowed);
    /// @notice `settleMany` skipped order `orderId`, which could not settle (`status`, see {canSettle}).
    event SettlementSkipped(uint256 indexed orderId, SettleStatus status);
    /// @notice `terms.buyer` created and funded order `orderId` with `terms` (the only record of
    ///         them: keep them, every later call takes them back); the devices are locked.
    event OrderCreated(uint256 indexed orderId, address indexed buyer, address indexed seller, OrderTerms terms);
    /// @notice The seller shipped order `orderId` (the devices stay locked with the seller).
    event OrderShipped(uint256 indexed orderId, bytes32 shipmentHash, uint64 shippedAt);
    /// @notice `buyer` accepted the delivery of order `orderId` at `acceptedAt`.
    event DeliveryConfirmed(uint256 indexed orderId, address indexed buyer, uint64 acceptedAt);
    /// @notice `seller` declined order `orderId` before shipping: `amount` went back to `buyer` and
    ///         the devices were unlocked.
    event OrderDeclined(uint256 indexed orderId, address indexed seller, address indexed buyer, uint256 amount);
    /// @notice `settledBy` settled order `orderId`: `amount` went to `seller`, the devices to `buyer`.
    event OrderSettled(
        uint256 indexed orderId, address indexed seller, address indexed buyer, uint256 amount, address settledBy
    );
    /// @notice Order `orderId` was not shipped in time and `amount` went back to `buyer`.
    event OrderRefunded(uint256 indexed orderId, address indexed buyer, uint256 amount);
    /// @notice `buyer` disputed order `orderId` (`late`: after its inspection period).
    event DisputeOpened(uint256 indexed orderId, address indexed buyer, string reason, bool late);
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

    /// @notice Allows or disallows `token` for orders created from now on (existing orders keep theirs).
    /// @dev Only DEFAULT_ADMIN_ROLE. `token` must be a contract ({InvalidToken}; the native coin,
    ///      address(0), is always allowed). Emits {TokenAllowListUpdated}.
    function setTokenAllowed(address token, bool allowed) external;

    /// @notice Creates an order from `msg.sender` (the buyer) to `seller`, funds it and locks its
    ///         devices in the DeviceRegistry, in the same call.
    /// @dev ERC-20 orders pull `amount` with `safeTransferFrom` (approve the escrow first) and must
    ///      send no native coin; the received amount is checked by balance difference, so tokens that
    ///      take a fee on transfer are refused ({FeeOnTransferNotSupported}). Native orders use
    ///      `token == address(0)` and `msg.value == amount` ({IncorrectPayment}). Every device must
    ///      appear once ({DuplicateDevice}: named when the registry's lock fails, which a duplicate
    ///      always makes it do, so it comes after the arbiter checks and before the registry's error);
    ///      at most {MAX_DEVICES_PER_ORDER} devices. The devices are locked with
    ///      `IDeviceRegistry.lockDevices(seller, deviceIds)`, which reverts with the registry's error when a device does not exist (`DeviceNotFound`), is not the seller's
    ///      (`DeviceNotOwnedBy`), is already locked (`DeviceLocked`: in another open order) or the
    ///      seller has not approved the escrow (`NotApprovedOperator`).
    ///      `token` must be allow-listed ({TokenNotAllowed}) unless it is address(0).
    ///      The current default arbiter (which must still hold ARBITER_ROLE and be neither the buyer
    ///      nor the seller, {ArbiterIsParty}) is fixed into the order. `labs` pins the labs whose
    ///      certificates the order accepts (at most {MAX_LABS_PER_ORDER}; empty = any accredited lab).
    ///      Emits {OrderCreated} with the full {OrderTerms}.
    /// @param seller Account paid on settlement; must own the devices.
    /// @param token ERC-20 to pay with, or address(0) for the native coin.
    /// @param amount Price of the whole order.
    /// @param deviceIds Ids of the device records (DeviceRegistry ERC-721 tokens) bought.
    /// @param testSpec Test specification every device must hold a valid pass for before settlement.
    /// @param shipBy Unix time until which (inclusive) the seller may ship; must be in the future.
    /// @param inspectionPeriod Seconds after shipping for inspection, 1 .. {MAX_INSPECTION_PERIOD}.
    /// @param labs Labs whose certificates the order accepts (empty: any).
    /// @return orderId The new order's id (ids start at 1).
    function createOrder(
        address seller,
        address token,
        uint256 amount,
        uint256[] calldata deviceIds,
        bytes32 testSpec,
        uint64 shipBy,
        uint64 inspectionPeriod,
        address[] calldata labs
    ) external payable returns (uint256 orderId);

    /// @notice The seller ships order `orderId` (its devices stay locked in place until settlement).
    /// @dev Only the seller ({NotSeller}), only while Funded, only until `shipBy` inclusive
    ///      ({ShipDeadlinePassed}). `terms` as emitted by {OrderCreated} ({TermsMismatch}).
    /// @param orderId The order.
    /// @param terms The order's terms.
    /// @param shipmentHash Digest of the shipping documents (bill of lading, packing list).
    function markShipped(uint256 orderId, OrderTerms calldata terms, bytes32 shipmentHash) external;

    /// @notice The seller declines an order it has not shipped: the money goes back to the buyer and
    ///         the devices are unlocked. (A buyer can lock any devices a seller has approved the
    ///         escrow for by ordering them; this is the seller's way out.)
    /// @dev Only the seller ({NotSeller}), only while Funded. Emits {OrderDeclined}.
    /// @param orderId The order.
    /// @param terms The order's terms.
    function declineOrder(uint256 orderId, OrderTerms calldata terms) external;

    /// @notice The buyer accepts delivery of a shipped order, which can then settle at once.
    /// @dev Only the buyer ({NotBuyer}), only while Shipped.
    /// @param orderId The order.
    /// @param terms The order's terms.
    function confirmDelivery(uint256 orderId, OrderTerms calldata terms) external;

    /// @notice Settles order `orderId`: pays the seller and moves the device records from the seller
    ///         to the buyer (unlocking them).
    /// @dev Anyone may call. Requires the order Accepted, or Shipped with the inspection period over
    ///      (`block.timestamp >= shippedAt + inspectionPeriod`, else {InspectionPeriodActive}), or
    ///      disputed late; every device Active ({DeviceInactive}); and for the i-th device of the order,
    ///      `passes[i]` a valid pass for the order's test spec from a lab the order accepts
    ///      ({DeviceNotCertified}; wrong length: {PassCountMismatch}). An order disputed within its
    ///      inspection period cannot settle.
    /// @param orderId The order.
    /// @param terms The order's terms.
    /// @param passes One certificate per device, in the order of `terms.deviceIds`.
    function settle(uint256 orderId, OrderTerms calldata terms, ICertificateRegistry.PassRef[] calldata passes) external;

    /// @notice Settles every order in `orderIds` that {canSettle} with its `terms[i]` and `passes[i]`
    ///         now and skips the others (unknown ids and wrong terms included) with
    ///         {SettlementSkipped}, so a settlement agent can batch without pre-filtering. Payouts
    ///         are bounded-gas pushes that fall back to credits, so no order of the batch can make it
    ///         revert or run out of gas.
    /// @dev Reverts only {LengthMismatch} when the three arrays differ in length.
    /// @param orderIds The orders to try.
    /// @param terms For each order, its terms.
    /// @param passes For each order, one certificate per device.
    /// @return settled How many orders were settled.
    function settleMany(
        uint256[] calldata orderIds,
        OrderTerms[] calldata terms,
        ICertificateRegistry.PassRef[][] calldata passes
    ) external returns (uint256 settled);

    /// @notice Returns the money of an order that was not shipped by `shipBy` to its buyer and unlocks
    ///         its devices (they never left the seller).
    /// @dev Only the buyer ({NotBuyer}), only while Funded, only after `shipBy`
    ///      ({ShipDeadlineNotReached}).
    /// @param orderId The order.
    /// @param terms The order's terms.
    function refund(uint256 orderId, OrderTerms calldata terms) external;

    /// @notice The buyer disputes a shipped order; it then waits for the arbiter.
    /// @dev Only the buyer, only while Shipped or Accepted. A dispute opened after the inspection period
    ///      (`block.timestamp >= shippedAt + inspectionPeriod`) is late: the arbiter may resolve it, but
    ///      anyone may still settle the order by presenting a valid pass for every device. So an order
    ///      that can never settle (no valid pass, a device decommissioned) never locks the money, and a
    ///      late dispute never blocks a seller whose devices are certified.
    /// @param orderId The order.
    /// @param terms The order's terms.
    /// @param reason Free text for the arbiter (emitted, not stored).
    function openDispute(uint256 orderId, OrderTerms calldata terms, string calldata reason) external;

    /// @notice Resolves a disputed order: the seller gets `amount * sellerShareBps / 10000` (rounded
    ///         down), the buyer the rest. The device records go to the buyer if the seller's amount
    ///         is above 0 (the buyer paid something for them) and are unlocked with the seller
    ///         otherwise: a share that rounds down to 0 tokens is a full refund, devices included.
    /// @dev Only the account {arbiterOf} returns, and only while it holds ARBITER_ROLE
    ///      ({NotArbiter}) and is neither the buyer nor the seller ({ArbiterIsParty}); only while Disputed;
    ///      `sellerShareBps <= 10000` ({InvalidShare}).
    /// @param orderId The order.
    /// @param terms The order's terms.
    /// @param sellerShareBps The seller's share in basis points.
    function resolveDispute(uint256 orderId, OrderTerms calldata terms, uint16 sellerShareBps) external;

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

    /// @notice Most labs one order may pin.
    function MAX_LABS_PER_ORDER() external view returns (uint256);

    /// @notice Gas forwarded with a native-coin payout pushed by settle, refund or resolve (enough for
    ///         a multisig's receive hook; a receiver that needs more, or burns it, is credited instead).
    function NATIVE_PUSH_GAS() external view returns (uint256);

    /// @notice Gas forwarded to the order's token for one `transfer` pushed by settle, refund or
    ///         resolve (a token that needs more, or fails, leaves a credit instead).
    function TOKEN_CALL_GAS() external view returns (uint256);

    /// @notice Whether new orders may be paid in `token` (always true for address(0), the native coin).
    function isTokenAllowed(address token) external view returns (bool);

    /// @notice The DeviceRegistry whose records the escrow locks and moves.
    function deviceRegistry() external view returns (IDeviceRegistry);

    /// @notice The CertificateRegistry consulted for passes.
    function certificateRegistry() external view returns (ICertificateRegistry);

    /// @notice The arbiter fixed into orders created now.
    function defaultArbiter() external view returns (address);

    /// @notice The account that may resolve a dispute on order `orderId` now: the order's arbiter
    ///         while it holds ARBITER_ROLE, otherwise (its role was revoked) the current default arbiter.
    /// @dev Reverts {OrderNotFound} for an unknown order, {TermsMismatch} for wrong terms. The returned
    ///      account must itself hold ARBITER_ROLE to resolve (a revoked default arbiter is replaced
    ///      with {setDefaultArbiter}).
    function arbiterOf(uint256 orderId, OrderTerms calldata terms) external view returns (address);

    /// @notice The id the next order will get.
    function nextOrderId() external view returns (uint256);

    /// @notice The stored slot of order `orderId` ({OrderNotFound} if unknown); its terms are in
    ///         {OrderCreated}.
    function order(uint256 orderId) external view returns (Order memory);

    /// @notice The 192-bit digest an order stores of its terms: the first 24 bytes of
    ///         `keccak256(abi.encode(terms))`.
    function hashTerms(OrderTerms calldata terms) external pure returns (bytes24);

    /// @notice Whether {settle} with `terms` and `passes` would succeed for `orderId` now, and if not, why.
    /// @return ok True when the order can be settled now.
    /// @return status `Ready`, or the first condition that fails.
    function canSettle(uint256 orderId, OrderTerms calldata terms, ICertificateRegistry.PassRef[] calldata passes)
        external
        view
        returns (bool ok, SettleStatus status);

    /// @notice Credit of `account` in `token` (address(0): native coin) left by failed pushes.
    function creditOf(address account, address token) external view returns (uint256);
}
