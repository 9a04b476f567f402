"""Rich renderings of command results for people (stderr); ``--json`` prints the data instead.

Every ``*_view`` function returns a renderer ``(console) -> None`` for
:meth:`~fabtrust.cli._output.Output.result`, except :func:`verdict_view`, plain text without rich
(fabtrust.cli._text: the buyer's `cert verify` starts without rich). Light module: rich and the
standard library; values arrive as JSON-ready dicts (the same documents ``--json`` prints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ._text import CHECK_LABELS, fmt_time, verdict_view
from ._text import device_words as _device_words

__all__ = [
    "CHECK_LABELS",
    "Renderer",
    "batch_view",
    "certificate_view",
    "device_view",
    "escape",
    "fmt_amount",
    "fmt_duration",
    "fmt_time",
    "iso_time",
    "order_list_view",
    "order_view",
    "pairs_view",
    "tx_data",
    "verdict_view",
]

Renderer = Callable[[Console], None]


def iso_time(value: Any) -> str | None:
    """A datetime, ISO text or unix seconds as ISO-8601 UTC ``2025-06-30T12:00:00Z``."""
    if value is None:
        return None
    return fmt_time(value)


def fmt_duration(seconds: int) -> str:
    """Seconds as ``3d``, ``1d12h``, ``90m`` → ``1h30m`` (``0s`` for zero)."""
    parts: list[str] = []
    rest = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def fmt_amount(units: int, decimals: int) -> str:
    """Base units as a human amount: ``1250000000, 6`` → ``1,250.00`` (at least 2 decimals)."""
    whole, frac = divmod(int(units), 10**decimals) if decimals else (int(units), 0)
    text = f"{whole:,}"
    if decimals:
        digits = str(frac).rjust(decimals, "0").rstrip("0")
        text += "." + digits.ljust(min(2, decimals), "0")
    return text


def tx_data(tx: Any) -> dict[str, Any]:
    """The JSON summary of a mined transaction (a TxResult)."""
    return {"tx_hash": tx.tx_hash, "block_number": tx.block_number, "gas_used": tx.gas_used}


def _mark(ok: bool, skipped: bool = False) -> str:
    if skipped:
        return "[dim]- skipped[/]"
    return "[green]✔ ok[/]" if ok else "[bold red]✘ FAILED[/]"


def pairs_view(title: str, rows: Iterable[tuple[str, Any]]) -> Renderer:
    """A two-column table of labelled values."""

    def render(console: Console) -> None:
        table = Table(title=title, show_header=False, title_justify="left", box=None)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for label, value in rows:
            table.add_row(label, escape("-" if value is None else str(value)))
        console.print(table)

    return render


def device_view(device: Mapping[str, Any]) -> Renderer:
    """A device record (``Device.model_dump(mode="json")``)."""
    model = device.get("model_text") or device.get("model")
    rows = [
        ("device id", f"{device['device_id']} ({int(device['device_id']):#x})"),
        ("serial", device.get("serial")),
        ("model", model),
        ("manufacturer", device.get("manufacturer")),
        ("owner", device.get("owner")),
        *([("locked by", device["locker"])] if device.get("locker") else []),
        ("device key", device.get("device_key")),
        ("key proven", "yes" if device.get("key_proven") else "no"),
        ("status", str(device.get("status_label") or device.get("status"))),
        ("metadata hash", device.get("metadata_hash")),
        *([("GS1 Digital Link", device["digital_link"])] if device.get("digital_link") else []),
        (
            "registered",
            f"{fmt_time(device.get('registered_at'))}, block {device.get('registered_block')}",
        ),
        ("registration tx", device.get("registered_tx")),
    ]
    return pairs_view("Device", rows)


def certificate_view(cert: Mapping[str, Any], *, valid: bool | None = None) -> Renderer:
    """A stored certificate (``Certificate.model_dump(mode="json")``) and whether it is valid."""
    result = {1: "Pass", 2: "Fail"}.get(int(cert["result"]), str(cert["result"]))
    rows: list[tuple[str, Any]] = [
        ("certificate", cert["cert_id"]),
        ("valid now", None if valid is None else ("yes" if valid else "no")),
        ("device", _device_words(cert)),
        ("lab", f"{cert['lab']} ({cert.get('lab_name') or 'unnamed'})"),
        ("result", result),
        ("test spec", cert["test_spec"]),
        ("report sha256", cert["report_sha256"]),
        ("data root", cert["data_root"]),
        ("issued", fmt_time(cert.get("issued_at"))),
        ("valid until", fmt_time(cert.get("valid_until"))),
        ("revoked", f"yes: {cert.get('revocation_reason')}" if cert.get("revoked") else "no"),
        ("superseded by", cert.get("superseded_by")),
        ("supersedes", cert.get("supersedes")),
        ("device attested", "yes" if cert.get("device_attested") else "no"),
        ("batch root", cert.get("batch_root")),
        ("transaction", f"{cert.get('tx_hash')} (block {cert.get('block_number')})"),
    ]
    return pairs_view("Certificate", [(k, v) for k, v in rows if v is not None])


def batch_view(title: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> Renderer:
    """A table with one row per item and the given columns (keys of the rows)."""

    def render(console: Console) -> None:
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column.replace("_", " "), overflow="fold")
        for row in rows:
            table.add_row(
                *(escape("-" if row.get(c) is None else str(row.get(c))) for c in columns)
            )
        console.print(table)

    return render


def _token_label(order: Mapping[str, Any]) -> str:
    return str(order.get("token_label") or order.get("token"))


def order_view(order: Mapping[str, Any], eligibility: Mapping[str, Any] | None) -> Renderer:
    """An order and, when given, whether it can be settled now and why not."""

    def render(console: Console) -> None:
        devices = ", ".join(str(d) for d in order["device_ids"])
        rows = [
            ("order", order["id"]),
            ("state", order["state_label"]),
            ("buyer", order["buyer"]),
            ("seller", order["seller"]),
            ("amount", f"{order['amount_text']} {_token_label(order)}"),
            ("devices", devices),
            ("test spec", order["test_spec"]),
            ("ship by", fmt_time(order["ship_by"])),
            ("inspection", fmt_duration(order["inspection_seconds"])),
            ("shipped", fmt_time(order.get("shipped_at"))),
            ("inspection ends", fmt_time(order.get("inspection_ends_at"))),
            ("accepted", fmt_time(order.get("accepted_at"))),
            ("shipment hash", order.get("shipment_hash")),
            ("late dispute", "yes" if order.get("disputed_late") else None),
            ("labs", ", ".join(order.get("labs") or ()) or "any accredited lab"),
            ("arbiter", order["arbiter"]),
        ]
        pairs_view("Order", rows)(console)
        if eligibility is None:
            return
        if eligibility["eligible"]:
            console.print("[bold green]can be settled now[/]")
        else:
            console.print(f"[bold yellow]cannot be settled now[/] ({eligibility['status_label']})")
        table = Table(show_header=True, box=None)
        table.add_column("condition", style="bold")
        table.add_column("status", no_wrap=True)
        table.add_column("detail", overflow="fold")
        for check in eligibility["checks"]:
            table.add_row(str(check["kind"]), _mark(bool(check["ok"])), escape(check["detail"]))
        console.print(table)
        console.print(
            f"read at block {eligibility['block_number']} ({fmt_time(eligibility['block_time'])})"
        )

    return render


def order_list_view(orders: Sequence[Mapping[str, Any]]) -> Renderer:
    """Orders, one row each."""

    def render(console: Console) -> None:
        if not orders:
            console.print("no orders")
            return
        table = Table(title=f"{len(orders)} order(s)", title_justify="left")
        for column in ("id", "state", "buyer", "seller", "amount", "devices", "ship by"):
            table.add_column(column, overflow="fold")
        for order in orders:
            table.add_row(
                str(order["id"]),
                order["state_label"],
                order["buyer"],
                order["seller"],
                escape(f"{order['amount_text']} {_token_label(order)}"),
                ", ".join(str(d) for d in order["device_ids"]),
                fmt_time(order["ship_by"]),
            )
        console.print(table)

    return render
