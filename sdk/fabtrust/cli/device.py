"""`fabtrust device ...`: register devices (one, or a CSV batch), show, transfer, manage them.

A DEVICE argument is a device id (decimal or 0x) or ``MANUFACTURER/SERIAL`` (the registering
account's address, or dev:N, and the serial). Light module: web3 and the SDK clients are imported
inside the commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ._context import command, exit_code_for, settings_of
from ._output import error_document
from ._parse import (
    bad,
    client_of,
    parse_address,
    parse_bytes32,
    parse_device_ref,
    parse_readable_file,
)
from ._render import batch_view, device_view, escape, fmt_time, tx_data

if TYPE_CHECKING:
    from fabtrust.client import Fabtrust
    from fabtrust.identity import DeviceSpec

__all__ = ["app"]

app = typer.Typer(
    help="Device identities: register (one or a CSV batch), show, transfer, status, rotate key.",
    no_args_is_help=True,
)

DeviceArg = Annotated[
    str, typer.Argument(metavar="DEVICE", help="Device id (decimal or 0x) or MANUFACTURER/SERIAL.")
]
_STATUSES = ("active", "suspended", "decommissioned")


def _metadata_hash(value: str | None) -> tuple[str | None, str | None]:
    """(bytes32 metadata hash, the file it was read from) from ``--metadata FILE|HASH``."""
    if value is None:
        return None, None
    from fabtrust.errors import InvalidInputError

    try:
        return parse_bytes32(value, option="--metadata"), None
    except InvalidInputError:
        pass  # not a hash: a file
    from fabtrust.evidence import sha256_file

    path = parse_readable_file(value, option="--metadata")
    return sha256_file(path), str(path)


def _ranges(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 7, 9, 10]`` → ``1-3, 7, 9-10``."""
    parts: list[str] = []
    items = sorted(numbers)
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and items[j + 1] == items[j] + 1:
            j += 1
        parts.append(str(items[i]) if i == j else f"{items[i]}-{items[j]}")
        i = j + 1
    return ", ".join(parts) or "none"


_HISTORY_COMMON = {"kind", "device_id", "block_number", "timestamp", "tx_hash", "log_index"}


def _history_details(entry: dict[str, Any]) -> str:
    """The event-specific fields of a history entry, ``name=value`` joined."""
    return ", ".join(f"{k}={v}" for k, v in entry.items() if k not in _HISTORY_COMMON)


def _device_data(client: Fabtrust, device_id: int) -> dict[str, Any]:
    device = client.devices.get(device_id=device_id)
    data: dict[str, Any] = device.model_dump(mode="json")
    data["status_label"] = device.status.label
    return data


@app.command("register")
@command
def register(
    ctx: typer.Context,
    serial: Annotated[str, typer.Argument(metavar="SERIAL", help="The device's serial number.")],
    model: Annotated[
        str,
        typer.Option("--model", metavar="MODEL", help="Model: text (<= 32 bytes) or 0x bytes32."),
    ],
    device_key: Annotated[
        str,
        typer.Option(
            "--device-key", metavar="ADDR", help="The device's signing address (0x or dev:N)."
        ),
    ],
    metadata: Annotated[
        str | None,
        typer.Option(
            "--metadata",
            metavar="FILE|HASH",
            help="A metadata file (its SHA-256 is stored) or a 0x hash.",
        ),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="ADDR", help="First owner (default: the manufacturer)."),
    ] = None,
    exist_ok: Annotated[
        bool, typer.Option("--exist-ok", help="A device registered before is not an error.")
    ] = False,
) -> None:
    """Register one device as the connected manufacturer (its id is keccak256(manufacturer,
    serial), so a retry can never register it twice)."""
    out = settings_of(ctx).output
    if not serial.strip():
        raise bad("SERIAL", serial, "is empty")
    key = parse_address(device_key, option="--device-key")
    first_owner = parse_address(owner, option="--owner") if owner is not None else None
    metadata_hash, metadata_file = _metadata_hash(metadata)
    client = client_of(ctx)
    registration = client.devices.register(
        serial=serial,
        model=model,
        device_key=key,
        metadata_hash=metadata_hash,
        owner=first_owner,
        exist_ok=exist_ok,
    )
    if registration.already_registered:
        out.info(f"device {escape(serial)} is registered already (id {registration.device_id})")
    else:
        assert registration.tx is not None
        out.info(
            f"registered device {escape(serial)}: id {registration.device_id} "
            f"({registration.device_id:#x}) in tx {registration.tx.tx_hash} "
            f"(block {registration.tx.block_number})"
        )
    data: dict[str, Any] = registration.model_dump(mode="json", exclude={"tx"})
    data["device_id_hex"] = f"{registration.device_id:#x}"
    data["metadata_file"] = metadata_file
    data["tx"] = tx_data(registration.tx) if registration.tx is not None else None
    out.result(data)


@app.command("register-batch")
@command
def register_batch(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="CSV with the header serial,model,device_key[,metadata_hash][,owner].",
            show_default=False,
        ),
    ],
    chunk_size: Annotated[
        int | None,
        typer.Option("--chunk-size", metavar="N", min=1, help="At most N devices per transaction."),
    ] = None,
) -> None:
    """Register every device of a CSV file in as few transactions as fit the block gas limit.

    Idempotent: devices registered already are skipped, so re-running the same command completes
    a half-done batch. When a transaction fails, it says which rows (data rows, 1-based) landed
    and exits non-zero."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from fabtrust.errors import FabtrustError
    from fabtrust.identity import BatchProgress, DeviceSpec

    settings = settings_of(ctx)
    out = settings.output
    parse_readable_file(file, option="FILE")
    specs = DeviceSpec.from_csv(file)
    if not specs:
        raise bad("FILE", str(file), "has no device rows")
    client = client_of(ctx)
    out.info(f"{len(specs)} device(s) in {escape(str(file))}")
    progress = Progress(
        TextColumn("registering"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        console=out.console,
        disable=settings.json_mode,
    )
    task = progress.add_task("register", total=len(specs), note="")

    def report(step: BatchProgress) -> None:
        progress.update(
            task, completed=step.done, note=f"chunk {step.chunk} ({step.chunk_size} devices)"
        )

    try:
        with progress:
            result = client.devices.register_many(
                devices=specs, chunk_size=chunk_size, progress=report
            )
            progress.update(task, completed=len(specs))
    except FabtrustError as exc:
        _report_partial(ctx, client, specs, exc)
    rows = [
        {
            "row": o.index + 1,
            "serial": o.serial,
            "device_id": o.device_id,
            "status": o.status,
            "tx_hash": o.tx_hash,
        }
        for o in result.outcomes
    ]
    out.info(
        f"{len(result.registered)} registered, {len(result.already_registered)} registered "
        f"before, in {result.chunks} transaction(s)"
    )
    out.result(
        {
            "file": str(file),
            "complete": True,
            "total": result.total,
            "registered": len(result.registered),
            "already_registered": len(result.already_registered),
            "chunks": result.chunks,
            "tx_hashes": list(result.tx_hashes),
            "devices": rows,
        },
        batch_view("devices", rows, ("row", "serial", "device_id", "status")),
    )


def _report_partial(
    ctx: typer.Context, client: Fabtrust, specs: Sequence[DeviceSpec], exc: Exception
) -> NoReturn:
    """After a failed batch: the error, which rows are on chain, and the exit code."""
    from fabtrust.errors import FabtrustError

    out = settings_of(ctx).output
    code = exit_code_for(exc)
    out.error(str(exc))
    landed: list[int] | None = []
    try:
        for index, spec in enumerate(specs):
            if client.devices.exists(device_id=client.devices.id_of(serial=spec.serial)):
                assert landed is not None
                landed.append(index + 1)
    except FabtrustError:
        landed = None
    if landed is None:
        out.info("could not check which rows landed; re-run the command to complete the batch")
        missing: list[int] | None = None
    else:
        missing = [row for row in range(1, len(specs) + 1) if row not in set(landed)]
        out.info(f"rows on chain: {_ranges(landed)} ({len(landed)} of {len(specs)})")
        out.info(f"rows not registered: {_ranges(missing)}")
        out.info("re-run the same command to register the rest (rows on chain are skipped)")
    out.result(
        {
            "complete": False,
            **error_document(code, str(exc), type=type(exc).__name__),
            "total": len(specs),
            "landed_rows": landed,
            "missing_rows": missing,
        }
    )
    raise typer.Exit(int(code))


@app.command("show")
@command
def show(
    ctx: typer.Context,
    device: DeviceArg,
    history: Annotated[bool, typer.Option("--history", help="Also list the device's events.")] = (
        False
    ),
    metadata: Annotated[
        str | None,
        typer.Option(
            "--metadata",
            metavar="FILE",
            help="The device's metadata document (checked against its hash): shows its GTIN and "
            "GS1 Digital Link.",
        ),
    ] = None,
) -> None:
    """Show a device: manufacturer, owner, key, status, registration (and, with its metadata
    document, its GTIN and GS1 Digital Link)."""
    out = settings_of(ctx).output
    ref = parse_device_ref(device, option="DEVICE")
    metadata_path = parse_readable_file(metadata, option="--metadata") if metadata else None
    client = client_of(ctx, signer=False)
    data = _device_data(client, ref.device_id)
    if metadata_path is not None:
        from fabtrust.credentials.gs1 import device_digital_link, load_device_metadata

        meta = load_device_metadata(metadata_path, expected_sha256=data["metadata_hash"])
        data["gtin"] = meta.gtin
        data["digital_link"] = device_digital_link(serial=data["serial"], metadata=meta)
    render = device_view(data)
    if history:
        entries = [
            entry.model_dump(mode="json")
            for entry in client.devices.history(device_id=ref.device_id)
        ]
        data["history"] = entries
        shown = [
            {
                "event": e["kind"],
                "block": e["block_number"],
                "time": fmt_time(e["timestamp"]),
                "details": _history_details(e),
                "tx": e["tx_hash"],
            }
            for e in entries
        ]
        table = batch_view("history", shown, ("event", "block", "time", "details", "tx"))

        def render_all(console: Any) -> None:
            device_view(data)(console)
            table(console)

        render = render_all
    out.result(data, render)


@app.command("transfer")
@command
def transfer(
    ctx: typer.Context,
    device: DeviceArg,
    to: Annotated[
        str, typer.Option("--to", metavar="ADDR", help="The new owner (0x address or dev:N).")
    ],
) -> None:
    """Move the device's ownership record from the connected account to another."""
    out = settings_of(ctx).output
    ref = parse_device_ref(device, option="DEVICE")
    receiver = parse_address(to, option="--to")
    client = client_of(ctx)
    tx = client.devices.transfer(device_id=ref.device_id, to=receiver)
    out.info(f"device {ref} transferred to {receiver} in tx {tx.tx_hash} (block {tx.block_number})")
    out.result({"device_id": ref.device_id, "to": receiver, "tx": tx_data(tx)})


@app.command("status")
@command
def status(
    ctx: typer.Context,
    device: DeviceArg,
    new_status: Annotated[
        str, typer.Argument(metavar="STATUS", help="active, suspended or decommissioned (final).")
    ],
) -> None:
    """Change a device's lifecycle status (its manufacturer or an admin)."""
    from fabtrust.identity import DeviceStatus

    out = settings_of(ctx).output
    ref = parse_device_ref(device, option="DEVICE")
    if new_status.strip().lower() not in _STATUSES:
        raise bad("STATUS", new_status, f"is not a status (one of: {', '.join(_STATUSES)})")
    value = DeviceStatus.parse(new_status.strip().lower())
    client = client_of(ctx)
    tx = client.devices.set_status(device_id=ref.device_id, status=value)
    out.info(f"device {ref} is now {value.label} (tx {tx.tx_hash}, block {tx.block_number})")
    out.result(
        {
            "device_id": ref.device_id,
            "status": int(value),
            "status_label": value.label,
            "tx": tx_data(tx),
        }
    )


@app.command("rotate-key")
@command
def rotate_key(
    ctx: typer.Context,
    device: DeviceArg,
    new_key: Annotated[
        str,
        typer.Option(
            "--new-key", metavar="ADDR", help="The device's new signing address (0x or dev:N)."
        ),
    ],
) -> None:
    """Replace a device's signing key (its manufacturer only)."""
    out = settings_of(ctx).output
    ref = parse_device_ref(device, option="DEVICE")
    key = parse_address(new_key, option="--new-key")
    client = client_of(ctx)
    tx = client.devices.rotate_key(device_id=ref.device_id, new_key=key)
    out.info(f"device {ref} now signs with {key} (tx {tx.tx_hash}, block {tx.block_number})")
    out.result({"device_id": ref.device_id, "device_key": key, "tx": tx_data(tx)})
