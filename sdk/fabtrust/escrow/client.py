"""Escrow orders for buyers, sellers and arbiters on the SupplyChainEscrow contract.

Light module: nothing here imports web3 at import time; the chain is reached through the
:class:`~fabtrust._binding.Binding` given to the client (heavy helpers are imported on use).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fabtrust import _validate
from fabtrust.errors import ContractError, FabtrustError, InvalidInputError
from fabtrust.escrow import _inputs as check
from fabtrust.escrow import errors as E
from fabtrust.escrow._erc20 import erc20_call, erc20_send, has_code
from fabtrust.escrow.models import (
    Eligibility,
    EligibilityCheck,
    Order,
    OrderCreated,
    OrderState,
    SettleManyResult,
    SettleStatus,
    named_terms,
)

if TYPE_CHECKING:
    from fabtrust._binding import Binding
    from fabtrust.certificates import CertificatesClient, PassRef
    from fabtrust.identity import DevicesClient
    from fabtrust.models import Event, TxResult

__all__ = ["EscrowClient"]

_ESCROW = "SupplyChainEscrow"
_DEVICES = "DeviceRegistry"
_ZERO32 = "0x" + "00" * 32
_DEVICE_STATUS = ("Active", "Suspended", "Decommissioned")

# Events whose first indexed argument is the order id, in lifecycle order.
ORDER_EVENTS: tuple[str, ...] = (
    "OrderCreated",
    "OrderShipped",
    "DeliveryConfirmed",
    "OrderSettled",
    "OrderRefunded",
    "OrderDeclined",
    "DisputeOpened",
    "DisputeResolved",
)

_STATE_DETAIL: dict[OrderState, str] = {
    OrderState.FUNDED: "order is Funded: the seller has not shipped yet",
    OrderState.SHIPPED: "order is Shipped",
    OrderState.ACCEPTED: "order is Accepted: the buyer confirmed delivery",
    OrderState.DISPUTED: "order is Disputed: it waits for the arbiter, not for settlement",
    OrderState.SETTLED: "order is Settled already",
    OrderState.REFUNDED: "order was Refunded to the buyer",
    OrderState.RESOLVED: "order was Resolved by the arbiter",
    OrderState.DECLINED: "order was Declined by the seller",
}

# Terms of no order (settleMany skips an unknown id whatever terms come with it).
_NO_TERMS: tuple[Any, ...] = (
    check.NATIVE_TOKEN, check.NATIVE_TOKEN, check.NATIVE_TOKEN, 0, [], b"\x00" * 32, 0, 0,
    check.NATIVE_TOKEN, [],
)  # fmt: skip


def terms_struct(order: Order) -> tuple[Any, ...]:
    """The order's ``OrderTerms`` as the escrow takes them back (it stores only their digest)."""
    return (
        order.buyer,
        order.seller,
        order.token,
        order.amount,
        list(order.device_ids),
        bytes.fromhex(order.test_spec[2:]),
        int(order.ship_by.timestamp()),
        int(order.inspection_period.total_seconds()),
        order.arbiter,
        list(order.labs),
    )


def _topic_uint(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _topic_address(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


def _hex32(value: Any) -> str:
    """A bytes32 as ``0x`` + 64 lower-case hex, from raw bytes or decoded-event hex text."""
    if isinstance(value, str):
        return "0x" + bytes.fromhex(value.removeprefix("0x")).hex()
    return "0x" + bytes(value).hex()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


class EscrowClient:
    """Orders on the SupplyChainEscrow: create and fund, ship, confirm, settle, refund, dispute.

    Amounts are integers in the token's base units (use :func:`fabtrust.escrow.parse_amount` for
    text such as ``"1,250.50"``). ``token`` is an ERC-20 address, or None / ``"native"`` for the
    chain's coin. Reverts raise the matching :class:`~fabtrust.errors.ContractError` subclass, e.g.
    ``NotBuyerError(order_id=..., caller=...)``; bad arguments raise InvalidInputError before
    anything is sent.
    """

    def __init__(
        self,
        binding: Binding,
        *,
        certificates: CertificatesClient,
        devices: DevicesClient | None = None,
    ) -> None:
        self._binding = binding
        self._certificates = certificates
        if devices is None:
            devices = certificates.devices
        if devices is None:
            from fabtrust.identity import DevicesClient

            devices = DevicesClient(binding)
        # The seller's operator approval is the devices client's (one implementation):
        # ``devices.is_approved(owner=seller)`` / ``devices.approve_escrow()``.
        self._devices = devices

    # -- helpers ----------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The escrow contract's address."""
        return str(self._binding.contract(_ESCROW).address)

    def _latest_block(self) -> tuple[int, int]:
        """(number, timestamp) of the latest block."""
        try:
            block = self._binding.w3.eth.get_block("latest")
        except Exception as exc:
            self._binding.fail(exc, "eth_getBlockByNumber(latest)")
        return int(block["number"]), int(block["timestamp"])

    def _order_id(self, value: Any) -> int:
        return _validate.uint(value, field="order_id")

    # -- buyer ------------------------------------------------------------------------------------

    def create_order(
        self,
        *,
        seller: str,
        token: str | None,
        amount: int,
        device_ids: Sequence[int],
        test_spec: str | bytes,
        ship_by: datetime | int,
        inspection_period: timedelta | int,
        labs: Sequence[str] = (),
    ) -> OrderCreated:
        """Create and fund an order from the connected account (the buyer) to ``seller``.

        ``token``: ERC-20 address, or None / ``"native"`` for the native coin (sent as value).
        For an ERC-20 the escrow is first approved for exactly ``amount`` when the allowance is
        short. ``amount``: base units (0 is refused by the contract: ZeroAmountError).
        ``device_ids``: the seller's device records bought.
        ``test_spec``: the spec every device needs a valid pass for: a bytes32 (``0x`` + 64 hex
        or 32 bytes) or its text, hashed like :func:`fabtrust.evidence.test_spec_id`.
        ``ship_by``: aware datetime or unix seconds, after the latest block's time.
        ``inspection_period``: timedelta or seconds (1 s .. 90 days).
        ``labs``: the labs whose certificates the order accepts (empty: any accredited lab).
        ``token`` must be allow-listed by the admin (TokenNotAllowedError otherwise).
        Returns the new order id (from ``OrderCreated``), the transaction and the approval.
        """
        seller_address = _validate.address(seller, field="seller", allow_zero=True)
        token_address = check.token_address(token)
        amount = _validate.uint(amount, field="amount")
        ids = check.device_id_list(device_ids)
        spec = _validate.bytes32_or_text(test_spec, field="test_spec")
        ship_by_s = _validate.timestamp(ship_by, field="ship_by")
        period_s = _validate.duration(inspection_period, field="inspection_period")
        if isinstance(labs, (str, bytes)):
            raise InvalidInputError("labs must be a list of addresses", field="labs")
        lab_addresses = [_validate.address(lab, field="labs", allow_zero=True) for lab in labs]
        _, now = self._latest_block()
        if ship_by_s <= now:
            raise InvalidInputError(
                f"ship_by {_iso(_validate.utc(ship_by_s))} is not after the chain's current time "
                f"{_iso(_validate.utc(now))}",
                field="ship_by",
            )
        buyer = self._binding.address  # AccountError for a read-only client, before any tx
        if (
            seller_address not in (check.NATIVE_TOKEN, buyer)  # (InvalidSeller / SellerIsBuyer)
            and not self._devices.is_approved(owner=seller_address, operator=self.address)
        ):
            raise InvalidInputError(
                f"the seller {seller_address} has not approved the escrow {self.address} on the "
                "DeviceRegistry, so the order's devices cannot be locked: the seller runs "
                "`fabtrust order approve-escrow` (DevicesClient.approve_escrow) once first; "
                "nothing was sent",
                field="seller",
            )
        native = token_address == check.NATIVE_TOKEN
        approval: TxResult | None = None
        allowance = 0
        if native:
            balance = int(
                self._binding.rpc(
                    lambda: self._binding.w3.eth.get_balance(buyer),  # type: ignore[arg-type]
                    "reading the buyer's balance",
                )
            )
            if balance < amount:
                raise InvalidInputError(
                    f"the buyer {buyer} holds {balance} wei of the native coin, short of the "
                    f"order's {amount}: nothing was sent",
                    field="amount",
                )
        elif amount > 0 and has_code(self._binding, token_address):
            # (a token without code is left to the contract: it reverts InvalidToken)
            if not self.is_token_allowed(token=token_address):  # before any approval is sent
                raise E.TokenNotAllowedError(token=token_address)
            balance = int(erc20_call(self._binding, token_address, "balanceOf", buyer))
            if balance < amount:
                raise InvalidInputError(
                    f"the buyer {buyer} holds {balance} base units of token {token_address}, "
                    f"short of the order's {amount}: nothing was sent",
                    field="amount",
                )
            allowance = int(
                erc20_call(self._binding, token_address, "allowance", buyer, self.address)
            )
            if allowance < amount:
                approval = erc20_send(self._binding, token_address, "approve", self.address, amount)
        try:
            tx = self._binding.transact(
                _ESCROW,
                "createOrder",
                seller_address,
                token_address,
                amount,
                ids,
                bytes.fromhex(spec[2:]),
                ship_by_s,
                period_s,
                lab_addresses,
                value=amount if native else 0,
            )
        except FabtrustError:
            if approval is not None:
                # No leftover approval: the allowance goes back to what it was before.
                with contextlib.suppress(FabtrustError):
                    erc20_send(self._binding, token_address, "approve", self.address, allowance)
            raise
        order_id = int(tx.event("OrderCreated").args["orderId"])
        return OrderCreated(order_id=order_id, tx=tx, approval=approval)

    def _terms(self, order_id: int) -> tuple[Any, ...]:
        return terms_struct(self._read_order(order_id, block="latest"))

    def confirm_delivery(self, *, order_id: int) -> TxResult:
        """Buyer: accept delivery of a shipped order, so it can settle at once."""
        oid = self._order_id(order_id)
        return self._binding.transact(_ESCROW, "confirmDelivery", oid, self._terms(oid))

    def refund(self, *, order_id: int) -> TxResult:
        """Buyer: take back the money of an order the seller did not ship by ``ship_by``."""
        oid = self._order_id(order_id)
        return self._binding.transact(_ESCROW, "refund", oid, self._terms(oid))

    def decline_order(self, *, order_id: int) -> TxResult:
        """Seller: decline an order not shipped yet; the buyer's money goes back and the devices
        are unlocked."""
        oid = self._order_id(order_id)
        return self._binding.transact(_ESCROW, "declineOrder", oid, self._terms(oid))

    def open_dispute(self, *, order_id: int, reason: str) -> TxResult:
        """Buyer: dispute a shipped or accepted order; ``reason`` is emitted for the arbiter.
        A dispute after the inspection period is late: the arbiter may resolve it, but the order
        still settles when every device is certified (a late dispute cannot block the seller)."""
        if not isinstance(reason, str):
            raise InvalidInputError("reason must be text", field="reason")
        oid = self._order_id(order_id)
        return self._binding.transact(_ESCROW, "openDispute", oid, self._terms(oid), reason)

    # -- seller -----------------------------------------------------------------------------------

    def mark_shipped(self, *, order_id: int, shipment: str | bytes) -> TxResult:
        """Seller: ship an order (its devices stay locked with the seller until settlement).

        ``shipment``: digest of the shipping documents: a bytes32 (``0x`` + 64 hex or 32 bytes),
        or text (e.g. a bill-of-lading number), hashed with keccak-256.
        """
        oid = self._order_id(order_id)
        shipment_hash = _validate.bytes32_or_text(shipment, field="shipment")
        _ = self._binding.address  # AccountError for a read-only client, before any read
        order = self._read_order(oid, block="latest")
        return self._binding.transact(
            _ESCROW, "markShipped", oid, terms_struct(order), bytes.fromhex(shipment_hash[2:])
        )

    # -- anyone -----------------------------------------------------------------------------------

    def settle(self, *, order_id: int, passes: Sequence[PassRef] | None = None) -> TxResult:
        """Settle an order (anyone): the seller is paid, the device records go to the buyer.

        Needs the order Accepted, or Shipped with the inspection period over (or disputed late),
        every device Active, and a valid pass for every device (see
        :meth:`eligible_for_settlement`). ``passes`` (one per device, in the order's device order)
        default to :meth:`settlement_passes`."""
        oid = self._order_id(order_id)
        _ = self._binding.address  # AccountError for a read-only client, before any read
        order = self._read_order(oid, block="latest")  # one read: terms and devices
        refs = (
            self._passes_for(terms_struct(order), block="latest")
            if passes is None
            else list(passes)
        )
        return self._binding.transact(
            _ESCROW, "settle", oid, terms_struct(order), [r.as_struct() for r in refs]
        )

    def settle_many(self, *, order_ids: Iterable[int]) -> SettleManyResult:
        """Settle every order of ``order_ids`` that can settle now, skipping the others, in one
        transaction (each with the certificates :meth:`settlement_passes` finds); returns the ids
        that were settled."""
        if isinstance(order_ids, (str, bytes)) or not isinstance(order_ids, Iterable):
            raise InvalidInputError("order_ids must be a list of order ids", field="order_ids")
        ids = [_validate.uint(i, field="order_ids") for i in order_ids]
        if not ids:
            raise InvalidInputError("order_ids is empty: nothing to settle", field="order_ids")
        _ = self._binding.address  # AccountError for a read-only client, before any read
        orders = [self._try_order(i) for i in ids]  # an unknown id is skipped by the contract
        terms = [_NO_TERMS if o is None else terms_struct(o) for o in orders]
        passes = [[r.as_struct() for r in self._passes_for(t, block="latest")] for t in terms]
        tx = self._binding.transact(_ESCROW, "settleMany", ids, terms, passes)
        settled = tuple(
            int(event.args["orderId"])
            for event in tx.events_named("OrderSettled")
            if event.contract == _ESCROW
        )
        return SettleManyResult(settled_order_ids=settled, tx=tx)

    def settlement_passes(
        self,
        *,
        order_id: int,
        block: int | str = "latest",
        terms: Sequence[Any] | None = None,
    ) -> list[PassRef]:
        """One certificate per device of the order, in the order's device order, to present to
        ``settle``/``canSettle``: the first valid Pass for the order's spec (from a lab the order
        accepts) that :meth:`CertificatesClient.valid_pass_refs` finds, or a zero reference for a
        device without one (the contract then reports it uncertified).

        ``terms``: the order's ``OrderTerms`` as the escrow takes them back (:func:`terms_struct`
        of an :class:`Order`, or what a caller kept of ``OrderCreated``, as the settlement agent
        does); given, no log is read for them. Not given: they are read from the order's
        ``OrderCreated`` (OrderNotFoundError when there is no order)."""
        oid = self._order_id(order_id)
        if terms is None:
            terms = terms_struct(self._read_order(oid, block=block))
        return self._passes_for(terms, block=block)

    def _passes_for(self, terms: Sequence[Any], *, block: int | str) -> list[PassRef]:
        """The passes to present for the order of ``terms`` (an ``OrderTerms`` struct)."""
        from fabtrust.certificates import PassRef

        named = named_terms(terms)
        test_spec, labs = _hex32(named["testSpec"]), list(named["labs"])
        refs: list[PassRef] = []
        for device_id in named["deviceIds"]:
            found = self._certificates.valid_pass_refs(
                device_id=int(device_id), test_spec=test_spec, labs=labs, block=block
            )
            refs.append(found[0] if found else PassRef(cert_id=_ZERO32, data_root=_ZERO32))
        return refs

    def withdraw(self, *, token: str | None) -> TxResult:
        """Take out the caller's whole credit in ``token`` (None / ``"native"``: the coin), left
        by payments that could not be pushed to it."""
        return self._binding.transact(_ESCROW, "withdraw", check.token_address(token))

    # -- arbiter ----------------------------------------------------------------------------------

    def resolve_dispute(self, *, order_id: int, seller_share_bps: int) -> TxResult:
        """Arbiter: resolve a disputed order; the seller gets ``seller_share_bps`` / 10000 of the
        amount (rounded down) and the buyer the rest. The devices go to the buyer when the share
        is above 0, back to the seller when it is 0."""
        oid = self._order_id(order_id)
        bps = _validate.uint(seller_share_bps, field="seller_share_bps", bits=16)
        return self._binding.transact(_ESCROW, "resolveDispute", oid, self._terms(oid), bps)

    # -- admin ------------------------------------------------------------------------------------

    def set_token_allowed(self, *, token: str, allowed: bool) -> TxResult:
        """Admin: allow (or stop allowing) ``token`` to pay new orders (the native coin always
        may). Raises InvalidTokenError for an account without code."""
        if not isinstance(allowed, bool):
            raise InvalidInputError("allowed must be true or false", field="allowed")
        return self._binding.transact(
            _ESCROW,
            "setTokenAllowed",
            _validate.address(token, field="token", allow_zero=True),
            allowed,
        )

    def is_token_allowed(self, *, token: str | None) -> bool:
        """Whether new orders may be paid in ``token`` (None / ``"native"``: always)."""
        return bool(self._binding.call(_ESCROW, "isTokenAllowed", check.token_address(token)))

    # -- readers ----------------------------------------------------------------------------------

    def credit_of(self, *, account: str, token: str | None) -> int:
        """Credit of ``account`` in ``token`` (None / ``"native"``: the coin), in base units."""
        return int(
            self._binding.call(
                _ESCROW,
                "creditOf",
                _validate.address(account, field="account", allow_zero=True),
                check.token_address(token),
            )
        )

    def token_decimals(self, *, token: str | None) -> int:
        """Decimals of ``token`` (18 for the native coin), to use with ``parse_amount``."""
        address = check.token_address(token)
        if address == check.NATIVE_TOKEN:
            return 18
        return int(erc20_call(self._binding, address, "decimals"))

    def arbiter_of(self, *, order_id: int) -> str:
        """The account that may resolve a dispute on the order now (its arbiter while that one
        holds ARBITER_ROLE, otherwise the current default arbiter)."""
        oid = self._order_id(order_id)
        return str(self._binding.call(_ESCROW, "arbiterOf", oid, self._terms(oid)))

    def get_order(self, *, order_id: int) -> Order:
        """The order ``order_id``; OrderNotFoundError when there is none."""
        return self._read_order(self._order_id(order_id), block="latest")

    def _read_order(self, order_id: int, *, block: int | str) -> Order:
        """The order's slot (state, late flag, shipping time) at ``block`` and its terms from
        ``OrderCreated`` (the escrow stores only their digest); shipment hash and acceptance time
        from ``OrderShipped`` / ``DeliveryConfirmed``."""
        _, state, disputed_late, shipped_at = self._binding.call(
            _ESCROW, "order", order_id, block=block
        )
        terms: Any = None
        shipment_hash: str | None = None
        accepted_at = 0
        for event in self.order_events(order_id=order_id):
            if event.name == "OrderCreated":
                terms = event.args["terms"]
            elif event.name == "OrderShipped":
                shipment_hash = _hex32(event.args["shipmentHash"])
            elif event.name == "DeliveryConfirmed":
                accepted_at = int(event.args["acceptedAt"])
        if terms is None:
            raise FabtrustError(f"order {order_id} exists but its OrderCreated event was not found")
        t = named_terms(terms)
        shipped, period = int(shipped_at), int(t["inspectionPeriod"])
        return Order(
            id=order_id,
            buyer=_validate.address(t["buyer"], field="buyer", allow_zero=True),
            seller=_validate.address(t["seller"], field="seller", allow_zero=True),
            token=_validate.address(t["token"], field="token", allow_zero=True),
            amount=int(t["amount"]),
            device_ids=tuple(int(d) for d in t["deviceIds"]),
            test_spec=_hex32(t["testSpec"]),
            arbiter=_validate.address(t["arbiter"], field="arbiter", allow_zero=True),
            ship_by=_validate.utc(int(t["shipBy"])),
            inspection_period=timedelta(seconds=period),
            state=OrderState(int(state)),
            shipped_at=_validate.utc(shipped) if shipped else None,
            accepted_at=_validate.utc(accepted_at) if accepted_at else None,
            shipment_hash=shipment_hash if shipped else None,
            inspection_ends_at=_validate.utc(shipped + period) if shipped else None,
            labs=tuple(_validate.address(lab, field="labs", allow_zero=True) for lab in t["labs"]),
            disputed_late=bool(disputed_late),
        )

    def _try_order(self, order_id: int, *, block: int | str = "latest") -> Order | None:
        try:
            return self._read_order(order_id, block=block)
        except ContractError as exc:
            if exc.error_name == "OrderNotFound":
                return None
            raise

    def list_orders(
        self,
        *,
        buyer: str | None = None,
        seller: str | None = None,
        state: OrderState | int | str | None = None,
    ) -> list[Order]:
        """Orders in creation order, found from ``OrderCreated`` events (buyer and seller filtered
        by their indexed topics), each read in its current state; ``state`` keeps only orders in
        that state (an OrderState, its number or name such as ``"shipped"``)."""
        topics: list[str | None] = [
            None,
            _topic_address(_validate.address(buyer, field="buyer", allow_zero=True))
            if buyer is not None
            else None,
            _topic_address(_validate.address(seller, field="seller", allow_zero=True))
            if seller is not None
            else None,
        ]
        wanted = OrderState.parse(state) if state is not None else None
        block, _ = self._latest_block()
        orders: list[Order] = []
        for event in self._binding.events(_ESCROW, "OrderCreated", topics=topics, to_block=block):
            order = self._read_order(int(event.args["orderId"]), block=block)
            if wanted is None or order.state is wanted:
                orders.append(order)
        return orders

    def order_events(self, *, order_id: int) -> list[Event]:
        """Every event about the order (created, shipped, confirmed, settled, refunded, disputed,
        resolved), oldest first."""
        from fabtrust.chain import iter_logs

        oid = self._order_id(order_id)
        decoder = self._binding.decoder
        topic0 = [decoder.topic(_ESCROW, name) for name in ORDER_EVENTS]
        logs = iter_logs(
            self._binding.w3,
            address=self.address,
            topics=[topic0, _topic_uint(oid)],
            from_block=self._binding.deployment.deployment_block,
        )
        found = (decoder.decode(log) for log in logs)
        return [event for event in found if event is not None]

    def can_settle(
        self,
        *,
        order_id: int,
        passes: Sequence[PassRef] | None = None,
        terms: Sequence[Any] | None = None,
    ) -> SettleStatus:
        """The contract's own ``canSettle`` answer for the latest block (READY when it can), with
        ``passes`` (default: :meth:`settlement_passes`). ``terms``: the order's ``OrderTerms``
        as in :meth:`settlement_passes` (given, no log is read; not given, they are read from
        ``OrderCreated``)."""
        oid = self._order_id(order_id)
        if terms is None:
            order = self._try_order(oid)
            terms = _NO_TERMS if order is None else terms_struct(order)
        refs = self._passes_for(terms, block="latest") if passes is None else list(passes)
        _, status = self._binding.call(
            _ESCROW, "canSettle", oid, terms, [r.as_struct() for r in refs]
        )
        return SettleStatus(int(status))

    def eligible_for_settlement(self, *, order_id: int) -> Eligibility:
        """Whether the order can be settled now, with every condition and the failed ones' reasons.

        Computed from chain state at the latest block (order state, acceptance, inspection end,
        each device Active, a valid Pass of each device for the order's test spec from a lab the
        order accepts, found with :meth:`CertificatesClient.valid_pass_refs`) the way the
        contract's ``canSettle`` decides, and agreeing with it for that block.
        """
        oid = self._order_id(order_id)
        block, now = self._latest_block()
        block_time = _validate.utc(now)
        order = self._try_order(oid, block=block)
        if order is None:
            detail = f"order {oid} does not exist"
            return Eligibility(
                order_id=oid,
                eligible=False,
                status=SettleStatus.UNKNOWN_ORDER,
                state=OrderState.NONE,
                checks=(EligibilityCheck(kind="order", ok=False, detail=detail),),
                reasons=(detail,),
                block_number=block,
                block_time=block_time,
            )
        state = order.state
        checks: list[EligibilityCheck] = []
        late = state is OrderState.DISPUTED and order.disputed_late
        state_ok = state in (OrderState.SHIPPED, OrderState.ACCEPTED) or late
        state_detail = (
            "order is Disputed late (after the inspection period): it still settles when every "
            "device is certified"
            if late
            else _STATE_DETAIL[state]
        )
        checks.append(EligibilityCheck(kind="state", ok=state_ok, detail=state_detail))
        disputed = state is OrderState.DISPUTED and not late
        checks.append(
            EligibilityCheck(
                kind="dispute",
                ok=not disputed,
                detail="the buyer opened a dispute: only the arbiter can close the order"
                if disputed
                else "no dispute that blocks settlement",
            )
        )
        ends = order.inspection_ends_at
        if order.accepted_at is not None:
            delivery_ok, detail = True, f"delivery confirmed at {_iso(order.accepted_at)}"
        elif ends is None:
            delivery_ok, detail = False, "not shipped yet: delivery cannot be confirmed"
        elif block_time >= ends:
            delivery_ok, detail = True, f"inspection period ended at {_iso(ends)}"
        else:
            delivery_ok = False
            detail = f"delivery not confirmed and the inspection period ends at {_iso(ends)}"
        checks.append(EligibilityCheck(kind="delivery", ok=delivery_ok, detail=detail))
        uncertified: list[int] = []
        inactive: list[int] = []
        first_problem: SettleStatus | None = None
        from_labs = f" from {', '.join(order.labs)}" if order.labs else ""
        for device_id in order.device_ids:
            status_index = int(self._binding.call(_DEVICES, "device", device_id, block=block)[2])
            active = status_index == 0
            if not active:
                inactive.append(device_id)
                first_problem = first_problem or SettleStatus.DEVICE_INACTIVE
                name = _DEVICE_STATUS[status_index] if status_index < 3 else str(status_index)
                checks.append(
                    EligibilityCheck(
                        kind="device",
                        ok=False,
                        device_id=device_id,
                        detail=f"device {device_id} is {name}, not Active: it counts as "
                        "uncertified (the buyer may dispute)",
                    )
                )
            refs = self._certificates.valid_pass_refs(
                device_id=device_id, test_spec=order.test_spec, labs=order.labs, block=block
            )
            ok = bool(refs)
            if not ok:
                uncertified.append(device_id)
                if active:
                    first_problem = first_problem or SettleStatus.DEVICE_UNCERTIFIED
            checks.append(
                EligibilityCheck(
                    kind="certificate",
                    ok=ok,
                    device_id=device_id,
                    detail=(
                        f"device {device_id} has a valid pass for test spec {order.test_spec}"
                        f"{from_labs} (certificate {refs[0].cert_id})"
                        if ok
                        else f"device {device_id} has no valid pass for test spec "
                        f"{order.test_spec}{from_labs}"
                    ),
                )
            )
        # The contract's order of checks (SupplyChainEscrow._settleStatus / _certification).
        if not state_ok:
            status = SettleStatus.WRONG_STATE
        elif state is OrderState.SHIPPED and not delivery_ok:
            status = SettleStatus.INSPECTION_OPEN
        elif first_problem is not None:
            status = first_problem
        else:
            status = SettleStatus.READY
        return Eligibility(
            order_id=oid,
            eligible=status is SettleStatus.READY,
            status=status,
            state=state,
            checks=tuple(checks),
            reasons=tuple(c.detail for c in checks if not c.ok),
            block_number=block,
            block_time=block_time,
            inspection_ends_at=ends,
            uncertified_device_ids=tuple(uncertified),
            inactive_device_ids=tuple(inactive),
        )
