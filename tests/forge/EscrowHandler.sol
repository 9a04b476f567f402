// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {CertificateRegistry} from "../../contracts/certificates/CertificateRegistry.sol";
import {ICertificateRegistry} from "../../contracts/certificates/ICertificateRegistry.sol";
import {Roles} from "../../contracts/common/Roles.sol";
import {ISupplyChainEscrow} from "../../contracts/escrow/ISupplyChainEscrow.sol";
import {SupplyChainEscrow} from "../../contracts/escrow/SupplyChainEscrow.sol";
import {DeviceRegistry} from "../../contracts/identity/DeviceRegistry.sol";
import {BlocklistToken} from "../../contracts/test/BlocklistToken.sol";
import {TestStablecoin} from "../../contracts/test/TestStablecoin.sol";
import {VM} from "./lib/Vm.sol";

/// @notice A seller that is a contract and may refuse native payments (the escrow then credits
///         them), and later accept them and withdraw its credit.
contract SellerWallet {
    bool public refusing;

    constructor(bool refusing_) {
        refusing = refusing_;
    }

    function setRefusing(bool value) external {
        refusing = value;
    }

    function approveAll(DeviceRegistry devices, address operator) external {
        devices.setApprovalForAll(operator, true);
    }

    function withdraw(SupplyChainEscrow escrow, address token) external {
        escrow.withdraw(token);
    }

    receive() external payable {
        require(!refusing, "refusing");
    }
}

/// @title EscrowHandler
/// @notice The actions the escrow campaign draws from: every order has a fresh seller (an account
///         or a SellerWallet) and fresh devices, so "the seller was paid" is the seller's balance
///         plus its credit, and "the devices are with the buyer" is read from the registry.
///         Three payment tokens: the native coin, TestStablecoin, and BlocklistToken (blocks
///         sellers at random, so ERC-20 payouts also fall back to credits).
contract EscrowHandler {
    bytes32 public constant SPEC = keccak256("IEC 61010-1");
    uint256 public constant MAX_OPEN_CALLS = 3;

    DeviceRegistry public immutable devices;
    CertificateRegistry public immutable certificates;
    SupplyChainEscrow public immutable escrow;
    TestStablecoin public immutable usd;
    BlocklistToken public immutable blocky;
    address public immutable arbiter;
    address public immutable lab;

    address[3] public buyers;
    uint256[] public orderIds;
    address[] public sellers;
    /// @notice Every account that may hold a credit (sellers and buyers).
    address[] public creditHolders;
    uint256 private _serial;

    // Ghost counters: how often each action got through (printed by `forge test -vv`).
    mapping(bytes32 action => uint256) public calls;
    /// @notice The Pass the lab issued last for each device (presented at settlement).
    mapping(uint256 deviceId => bytes32) public passOf;
    /// @notice The terms of each order, as OrderCreated emitted them (the escrow stores a digest).
    mapping(uint256 orderId => ISupplyChainEscrow.OrderTerms) private _terms;

    constructor() {
        devices = new DeviceRegistry(address(this));
        certificates = new CertificateRegistry(address(this), devices);
        arbiter = address(0xA4B1);
        lab = address(0x1AB);
        escrow = new SupplyChainEscrow(address(this), devices, certificates, arbiter);
        usd = new TestStablecoin();
        blocky = new BlocklistToken();
        devices.grantRole(Roles.MANUFACTURER_ROLE, address(this));
        devices.grantRole(devices.LOCKER_ROLE(), address(escrow));
        certificates.accreditLab(lab, "Lab", uint64(block.timestamp + 3650 days));
        escrow.setTokenAllowed(address(usd), true);
        escrow.setTokenAllowed(address(blocky), true);
        for (uint256 i; i < 3; ++i) {
            buyers[i] = address(uint160(0xB0B0 + i));
            creditHolders.push(buyers[i]);
        }
    }

    // ---- views for the invariants -----------------------------------------------------------

    function orderCount() external view returns (uint256) {
        return orderIds.length;
    }

    function creditHolderCount() external view returns (uint256) {
        return creditHolders.length;
    }

    function tokens() public view returns (address[3] memory) {
        return [address(0), address(usd), address(blocky)];
    }

    function balanceOf(address token, address account) public view returns (uint256) {
        if (token == address(0)) return account.balance;
        return token == address(usd) ? usd.balanceOf(account) : blocky.balanceOf(account);
    }

    // ---- actions ------------------------------------------------------------------------------

    /// @notice A buyer orders 1-3 new devices from a new seller and pays `amount` of a token.
    function createOrder(uint256 buyerSeed, uint8 tokenSeed, uint256 amount, uint8 deviceCount, uint8 sellerKind)
        external
    {
        address buyer = buyers[buyerSeed % 3];
        address token = tokens()[tokenSeed % 3];
        amount = 1 + amount % 1e24;
        uint256 count = 1 + deviceCount % 3;
        address seller = _newSeller(sellerKind);

        uint256[] memory ids = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            ids[i] = devices.registerDevice(
                string(abi.encodePacked("sn-", _serial++)), bytes32(0), address(0xD0), bytes32(0), seller
            );
        }
        if (token == address(0)) {
            VM.deal(buyer, amount);
        } else {
            TestStablecoin(token).mint(buyer, amount); // same mint(to, amount) on both test tokens
            VM.prank(buyer);
            TestStablecoin(token).approve(address(escrow), amount);
        }
        uint64 shipBy = uint64(block.timestamp + 7 days);
        VM.prank(buyer);
        uint256 orderId = escrow.createOrder{value: token == address(0) ? amount : 0}(
            seller, token, amount, ids, SPEC, shipBy, 3 days, new address[](0)
        );
        _terms[orderId] = ISupplyChainEscrow.OrderTerms({
            buyer: buyer,
            seller: seller,
            token: token,
            amount: amount,
            deviceIds: ids,
            testSpec: SPEC,
            shipBy: shipBy,
            inspectionPeriod: 3 days,
            arbiter: arbiter,
            labs: new address[](0)
        });
        orderIds.push(orderId);
        ++calls["createOrder"];
    }

    function markShipped(uint256 seed) external {
        (uint256 orderId, ISupplyChainEscrow.Order memory o, ISupplyChainEscrow.OrderTerms memory t) = _pick(seed);
        if (o.state != ISupplyChainEscrow.OrderState.Funded || block.timestamp > t.shipBy) return;
        VM.prank(t.seller);
        escrow.markShipped(orderId, t, keccak256(abi.encode(orderId)));
        ++calls["markShipped"];
    }

    /// @notice The lab certifies every device of an order (Pass, 30 days).
    function certify(uint256 seed) external {
        (uint256 orderId,, ISupplyChainEscrow.OrderTerms memory t) = _pick(seed);
        uint256[] memory ids = t.deviceIds;
        for (uint256 i; i < ids.length; ++i) {
            if (passOf[ids[i]] != 0 && certificates.isValidPass(passOf[ids[i]], ids[i], SPEC, 0)) continue;
            VM.prank(lab);
            passOf[ids[i]] = certificates.issueCertificate(
                ids[i], keccak256(abi.encode(ids[i], block.timestamp)), bytes32(0), SPEC, 1,
                uint64(block.timestamp + 30 days)
            );
        }
        ++calls["certify"];
    }

    function confirmDelivery(uint256 seed) external {
        (uint256 orderId, ISupplyChainEscrow.Order memory o, ISupplyChainEscrow.OrderTerms memory t) = _pick(seed);
        if (o.state != ISupplyChainEscrow.OrderState.Shipped) return;
        VM.prank(t.buyer);
        escrow.confirmDelivery(orderId, t);
        ++calls["confirmDelivery"];
    }

    function settle(uint256 seed, uint256 callerSeed) external {
        (uint256 orderId,, ISupplyChainEscrow.OrderTerms memory t) = _pick(seed);
        ICertificateRegistry.PassRef[] memory passes = _passes(orderId);
        (bool ok,) = escrow.canSettle(orderId, t, passes);
        if (!ok) return;
        VM.prank(address(uint160(0xCA11 + callerSeed % 5)));
        escrow.settle(orderId, t, passes);
        ++calls["settle"];
    }

    /// @notice settleMany over up to 4 orders picked at random (ready or not, repeated or not).
    function settleMany(uint256[4] calldata seeds, uint8 count) external {
        if (orderIds.length == 0) return;
        uint256[] memory ids = new uint256[](count % 5);
        ICertificateRegistry.PassRef[][] memory passes = new ICertificateRegistry.PassRef[][](ids.length);
        ISupplyChainEscrow.OrderTerms[] memory terms = new ISupplyChainEscrow.OrderTerms[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = orderIds[seeds[i] % orderIds.length];
            passes[i] = _passes(ids[i]);
            terms[i] = _terms[ids[i]];
        }
        escrow.settleMany(ids, terms, passes);
        ++calls["settleMany"];
    }

    function refund(uint256 seed) external {
        (uint256 orderId, ISupplyChainEscrow.Order memory o, ISupplyChainEscrow.OrderTerms memory t) = _pick(seed);
        if (o.state != ISupplyChainEscrow.OrderState.Funded) return;
        if (block.timestamp <= t.shipBy) VM.warp(uint256(t.shipBy) + 1);
        VM.prank(t.buyer);
        escrow.refund(orderId, t);
        ++calls["refund"];
    }

    function openDispute(uint256 seed) external {
        (uint256 orderId, ISupplyChainEscrow.Order memory o, ISupplyChainEscrow.OrderTerms memory t) = _pick(seed);
        if (o.state != ISupplyChainEscrow.OrderState.Shipped && o.state != ISupplyChainEscrow.OrderState.Accepted) {
            return;
        }
        VM.prank(t.buyer);
        try escrow.openDispute(orderId, t, "broken") {
            ++calls["openDispute"];
        } catch {} // DisputeWindowClosed: a legitimate refusal
    }

    function resolveDispute(uint256 seed, uint16 sellerShareBps) external {
        (uint256 orderId, ISupplyChainEscrow.Order memory o, ISupplyChainEscrow.OrderTerms memory t) = _pick(seed);
        if (o.state != ISupplyChainEscrow.OrderState.Disputed) return;
        sellerShareBps %= 10_001;
        VM.prank(arbiter);
        escrow.resolveDispute(orderId, t, sellerShareBps);
        ++calls["resolveDispute"];
    }

    /// @notice A seller wallet changes its mind about native payments, or BlocklistToken (un)blocks it.
    function toggleSeller(uint256 seed, bool refusing) external {
        if (sellers.length == 0) return;
        address seller = sellers[seed % sellers.length];
        blocky.setBlocked(seller, refusing);
        if (seller.code.length > 0) SellerWallet(payable(seller)).setRefusing(refusing);
        ++calls["toggleSeller"];
    }

    /// @notice The first credit holder from `seed` on with a credit sorts out its account (accepts
    ///         native payments, is unblocked) and withdraws it.
    function withdraw(uint256 seed) external {
        uint256 count = creditHolders.length;
        address[3] memory all = tokens();
        for (uint256 k; k < count; ++k) {
            address account = creditHolders[(seed + k) % count];
            for (uint256 t; t < all.length; ++t) {
                if (escrow.creditOf(account, all[t]) == 0) continue;
                blocky.setBlocked(account, false);
                if (account.code.length > 0) {
                    SellerWallet(payable(account)).setRefusing(false);
                    SellerWallet(payable(account)).withdraw(escrow, all[t]);
                } else {
                    VM.prank(account);
                    escrow.withdraw(all[t]);
                }
                ++calls["withdraw"];
                return;
            }
        }
    }

    function warp(uint32 secondsForward) external {
        VM.warp(block.timestamp + secondsForward % 5 days);
        ++calls["warp"];
    }

    // ---- helpers ------------------------------------------------------------------------------

    function _newSeller(uint8 kind) private returns (address seller) {
        if (kind % 3 == 0) {
            seller = address(uint160(0x5E11E4_0000 + sellers.length)); // an account
            VM.prank(seller);
            devices.setApprovalForAll(address(escrow), true);
        } else {
            SellerWallet wallet = new SellerWallet(kind % 3 == 2); // a contract, refusing or not
            wallet.approveAll(devices, address(escrow));
            seller = address(wallet);
        }
        sellers.push(seller);
        creditHolders.push(seller);
    }

    function _passes(uint256 orderId) private view returns (ICertificateRegistry.PassRef[] memory passes) {
        uint256[] memory ids = _terms[orderId].deviceIds;
        passes = new ICertificateRegistry.PassRef[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            passes[i] = ICertificateRegistry.PassRef({certId: passOf[ids[i]], dataRoot: bytes32(0)});
        }
    }

    /// @notice The terms of order `orderId` (as its OrderCreated emitted them).
    function termsOf(uint256 orderId) external view returns (ISupplyChainEscrow.OrderTerms memory) {
        return _terms[orderId];
    }

    function _pick(uint256 seed)
        private
        view
        returns (uint256 orderId, ISupplyChainEscrow.Order memory o, ISupplyChainEscrow.OrderTerms memory t)
    {
        if (orderIds.length == 0) return (0, o, t);
        orderId = orderIds[seed % orderIds.length];
        o = escrow.order(orderId);
        t = _terms[orderId];
    }
}
