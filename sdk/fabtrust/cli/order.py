"""`fabtrust order ...`: escrow orders. The buyer creates (and funds), confirms, refunds and
disputes; the seller ships; anyone settles once every device is certified; the arbiter resolves.

Light module: web3 and the SDK clients are imported inside the commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._context import command, settings_of
from ._exit import ExitCode
from ._parse import (
    bad,
    chain_now,
    client_of,
    parse_address,
    parse_amount,
    parse_bps,
    parse_device_ids,
    parse_duration,
    parse_order_id,
    parse_when,
)
from ._render import fmt_amount, fmt_time, order_list_view, order_view, tx_data

if TYPE_CHECKING:
    from fabtrust.client import Fabtrust
    from fabtrust.escrow import Eligibility, Order

__all__ = ["app"]

app = typer.Typer(
    help="Escrow orders: create and fund, ship, confirm, settle, refund, dispute, resolve.",
    no_args_is_help=True,
)

OrderArg = Annotated[str, typer.Argument(metavar="ORDER", help="The order id.")]
_NATIVE = "0x" + "00" * 20
_STABLECOIN = "TestStablecoin"


class _Tokens:
    """Decimals and labels of the tokens orders are paid in (read once per command)."""

    def __init__(self, client: Fabtrust) -> None:
        self._client = client
        self._decimals: dict[str, int] = {}
        record = client.deployment.contracts.get(_STABLECOIN)
        self.stablecoin: str | None = record.address if record is not None else None

    def resolve(self, text: str) -> str | None:
        """``--token``: native → None, tusd → the deployment's TestStablecoin, or an address."""
        value = text.strip().lower()
        if value == "native":
            return None
        if value == "tusd":
            if self.stablecoin is None:
                raise bad(
                    "--token",
                    text,
                    "is not available: this deployment has no TestStablecoin (local chains only)",
                )
            return self.stablecoin
        return parse_address(text, option="--token")

    def decimals(self, token: str | None) -> int:
        key = token or _NATIVE
        if key not in self._decimals:
            self._decimals[key] = self._client.escrow.token_decimals(token=token)
        return self._decimals[key]

    def label(self, token: str) -> str:
        if token == _NATIVE:
            return "native"
        if token == self.stablecoin:
            return "tUSD"
        return token


def _order_data(order: Order, tokens: _Tokens) -> dict[str, Any]:
    data: dict[str, Any] = order.model_dump(mode="json")
    token = None if order.is_native else order.token
    data["state"] = int(order.state)
    data["state_label"] = order.state.name.capitalize()
    data["amount_text"] = fmt_amount(order.amount, tokens.decimals(token))
    data["token_label"] = tokens.label(order.token)
    data["inspection_seconds"] = int(order.inspection_period.total_seconds())
    return data


def _eligibility_data(eligibility: Eligibility) -> dict[str, Any]:
    data: dict[str, Any] = eligibility.model_dump(mode="json")
    data["status"] = int(eligibility.status)
    data["status_label"] = eligibility.status.name.lower()
    data["state"] = int(eligibility.state)
    return data


@app.command("create")
@command
def create(
    ctx: typer.Context,
    seller: Annotated[
        str, typer.Option("--seller", metavar="ADDR", help="The seller (0x address or dev:N).")
    ],
    amount: Annotated[
        str, typer.Option("--amount", metavar="AMOUNT", help='Price, e.g. "1,250.00".')
    ],
    devices: Annotated[
        str, typer.Option("--devices", metavar="ID,ID", help="Device ids bought: ID,ID,...")
    ],
    spec: Annotated[
        str,
        typer.Option("--spec", metavar="TEXT", help="Test specification every device must pass."),
    ],
    ship_by: Annotated[
        str,
        typer.Option(
            "--ship-by",
            metavar="DATE",
            help="Shipping deadline: YYYY-MM-DD (through that day), ISO time or +7d.",
        ),
    ],
    inspection: Annotated[
        str,
        typer.Option(
            "--inspection",
            metavar="DURATION",
            help="Inspection period after shipping: 7d, 36h, ...",
        ),
    ],
    token: Annotated[
        str,
        typer.Option(
            "--token",
            metavar="TOKEN",
            help="Pay with: native, tusd (local test token) or an ERC-20 the admin allowed.",
        ),
    ] = "native",
    labs: Annotated[
        str | None,
        typer.Option(
            "--labs",
            metavar="ADDR,ADDR",
            help="Accept certificates only from these labs (default: any accredited lab).",
        ),
    ] = None,
) -> None:
    """Create an order as the buyer (the connected account) and fund it in the same step (an
    ERC-20 is approved for exactly the amount first)."""
    out = settings_of(ctx).output
    seller_address = parse_address(seller, option="--seller")
    device_ids = parse_device_ids(devices, option="--devices")
    if not spec.strip():
        raise bad("--spec", spec, "is empty")
    deadline = parse_when(ship_by, option="--ship-by")
    period = parse_duration(inspection, option="--inspection")
    lab_addresses = (
        [parse_address(part.strip(), option="--labs") for part in labs.split(",")]
        if labs is not None
        else []
    )
    client = client_of(ctx)
    tokens = _Tokens(client)
    token_address = tokens.resolve(token)
    decimals = tokens.decimals(token_address)
    units = parse_amount(amount, decimals=decimals)
    now = chain_now(client)
    ship_by_s = deadline.resolve(now)
    if ship_by_s <= now:
        raise bad(
            "--ship-by", ship_by, f"is not in the future (the chain's time is {fmt_time(now)})"
        )
    created = client.escrow.create_order(
        seller=seller_address,
        token=token_address,
        amount=units,
        device_ids=device_ids,
        test_spec=spec,
        ship_by=ship_by_s,
        inspection_period=period,
        labs=lab_addresses,
    )
    label = tokens.label(token_address or _NATIVE)
    if created.approval is not None:
        out.info(
            f"approved the escrow for {fmt_amount(units, decimals)} {label} "
            f"(tx {created.approval.tx_hash})"
        )
    out.info(
        f"order {created.order_id} created and funded with {fmt_amount(units, decimals)} {label}, "
        f"ship by {fmt_time(ship_by_s)}, in tx {created.tx.tx_hash} (block "
        f"{created.tx.block_number})"
    )
    out.result(
        {
            "order_id": created.order_id,
            "seller": seller_address,
            "token": token_address or _NATIVE,
            "amount": units,
            "amount_text": fmt_amount(units, decimals),
            "device_ids": device_ids,
            "ship_by": ship_by_s,
            "inspection_seconds": period,
            "tx": tx_data(created.tx),
            "approval_tx": tx_data(created.approval) if created.approval else None,
        }
    )


def _simple(ctx: typer.Context, order_id: int, what: str, tx: Any, **extra: Any) -> None:
    out = settings_of(ctx).output
    out.info(f"order {order_id} {what} in tx {tx.tx_hash} (block {tx.block_number})")
    out.result({"order_id": order_id, **extra, "tx": tx_data(tx)})


@app.command("ship")
@command
def ship(
    ctx: typer.Context,
    order: OrderArg,
    shipment: Annotated[
        str,
        typer.Option(
            "--shipment", metavar="TEXT", help="Shipping document id (hashed) or 0x bytes32."
        ),
    ],
) -> None:
    """Seller: mark the order shipped (its devices stay locked with the seller until settlement,
    when they go to the buyer)."""
    order_id = parse_order_id(order)
    if not shipment.strip():
        raise bad("--shipment", shipment, "is empty")
    client = client_of(ctx)
    tx = client.escrow.mark_shipped(order_id=order_id, shipment=shipment)
    event = tx.event("OrderShipped") if tx.events_named("OrderShipped") else None
    shipment_hash = event.args.get("shipmentHash") if event is not None else None
    _simple(ctx, order_id, "shipped", tx, shipment_hash=shipment_hash)


@app.command("approve-escrow")
@command
def approve_escrow(ctx: typer.Context) -> None:
    """Seller: approve the escrow for your devices on the DeviceRegistry, once, before buyers
    create orders (an order locks its devices in place at creation and moves them to the buyer at
    settlement). Nothing is sent when the approval is there already."""
    out = settings_of(ctx).output
    client = client_of(ctx)
    seller, escrow = client.chain.address, client.escrow.address  # AccountError when read-only
    already = client.devices.is_approved(owner=seller, operator=escrow)
    tx = None if already else client.devices.approve_escrow(operator=escrow)
    if tx is None:
        out.info(f"{seller} has approved the escrow {escrow} already: nothing sent")
    else:
        out.info(
            f"{seller} approved the escrow {escrow} in tx {tx.tx_hash} (block {tx.block_number})"
        )
    out.result(
        {
            "seller": seller,
            "escrow": escrow,
            "approved": True,
            "tx": tx_data(tx) if tx is not None else None,
        }
    )


@app.command("decline")
@command
def decline(ctx: typer.Context, order: OrderArg) -> None:
    """Seller: decline an order not shipped yet; the buyer gets the money back and the devices are
    unlocked."""
    order_id = parse_order_id(order)
    tx = client_of(ctx).escrow.decline_order(order_id=order_id)
    _simple(ctx, order_id, "declined", tx)


@app.command("confirm")
@command
def confirm(ctx: typer.Context, order: OrderArg) -> None:
    """Buyer: confirm delivery, so the order can settle without waiting for the inspection end."""
    order_id = parse_order_id(order)
    tx = client_of(ctx).escrow.confirm_delivery(order_id=order_id)
    _simple(ctx, order_id, "delivery confirmed", tx)


@app.command("settle")
@command
def settle(ctx: typer.Context, order: OrderArg) -> None:
    """Settle an order (anyone): the seller is paid and the device records go to the buyer.
    Eligibility is checked first: exit 1 with the reasons when it cannot settle yet."""
    out = settings_of(ctx).output
    order_id = parse_order_id(order)
    client = client_of(ctx)
    eligibility = client.escrow.eligible_for_settlement(order_id=order_id)
    if not eligibility.eligible:
        data = _eligibility_data(eligibility)
        out.result({"order_id": order_id, "settled": False, "eligibility": data})
        out.error(
            f"order {order_id} cannot be settled now ({data['status_label']}): "
            + "; ".join(eligibility.reasons)
        )
        raise typer.Exit(int(ExitCode.NOT_VERIFIED))
    tx = client.escrow.settle(order_id=order_id)
    out.info(f"order {order_id} settled in tx {tx.tx_hash} (block {tx.block_number})")
    out.result({"order_id": order_id, "settled": True, "tx": tx_data(tx)})


@app.command("refund")
@command
def refund(ctx: typer.Context, order: OrderArg) -> None:
    """Buyer: take the money back from an order not shipped by its ship-by date."""
    order_id = parse_order_id(order)
    tx = client_of(ctx).escrow.refund(order_id=order_id)
    _simple(ctx, order_id, "refunded", tx)


@app.command("dispute")
@command
def dispute(
    ctx: typer.Context,
    order: OrderArg,
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="What is wrong (for the arbiter).")
    ],
) -> None:
    """Buyer: open a dispute during the inspection period; the arbiter decides."""
    order_id = parse_order_id(order)
    if not reason.strip():
        raise bad("--reason", reason, "is empty")
    tx = client_of(ctx).escrow.open_dispute(order_id=order_id, reason=reason)
    _simple(ctx, order_id, "disputed", tx, reason=reason)


@app.command("resolve")
@command
def resolve(
    ctx: typer.Context,
    order: OrderArg,
    seller_share_bps: Annotated[
        str,
        typer.Option(
            "--seller-share-bps", metavar="BPS", help="Seller's share in basis points (0..10000)."
        ),
    ],
) -> None:
    """Arbiter: resolve a dispute, splitting the amount (the buyer gets the rest)."""
    order_id = parse_order_id(order)
    bps = parse_bps(seller_share_bps, option="--seller-share-bps")
    tx = client_of(ctx).escrow.resolve_dispute(order_id=order_id, seller_share_bps=bps)
    _simple(ctx, order_id, f"resolved ({bps / 100:g} % to the seller)", tx, seller_share_bps=bps)


@app.command("show")
@command
def show(ctx: typer.Context, order: OrderArg) -> None:
    """Show an order and whether it can be settled now (and why not)."""
    out = settings_of(ctx).output
    order_id = parse_order_id(order)
    client = client_of(ctx, signer=False)
    record = client.escrow.get_order(order_id=order_id)
    data = _order_data(record, _Tokens(client))
    eligibility = _eligibility_data(client.escrow.eligible_for_settlement(order_id=order_id))
    data["eligibility"] = eligibility
    out.result(data, order_view(data, eligibility))


@app.command("list")
@command
def list_orders(
    ctx: typer.Context,
    buyer: Annotated[
        str | None, typer.Option("--buyer", metavar="ADDR", help="Only this buyer's orders.")
    ] = None,
    seller: Annotated[
        str | None, typer.Option("--seller", metavar="ADDR", help="Only this seller's orders.")
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state", metavar="STATE", help="Only orders in this state (funded, shipped, ...)."
        ),
    ] = None,
) -> None:
    """List orders, oldest first."""
    from fabtrust.escrow import OrderState

    out = settings_of(ctx).output
    buyer_address = parse_address(buyer, option="--buyer") if buyer is not None else None
    seller_address = parse_address(seller, option="--seller") if seller is not None else None
    wanted = None
    if state is not None:
        names = [s.name.lower() for s in OrderState if s is not OrderState.NONE]
        if state.strip().lower() not in names:
            raise bad("--state", state, f"is not an order state (one of: {', '.join(names)})")
        wanted = OrderState.parse(state.strip().lower())
    client = client_of(ctx, signer=False)
    tokens = _Tokens(client)
    orders = [
        _order_data(o, tokens)
        for o in client.escrow.list_orders(buyer=buyer_address, seller=seller_address, state=wanted)
    ]
    out.result({"orders": orders, "count": len(orders)}, order_list_view(orders))
