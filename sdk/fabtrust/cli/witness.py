"""`fabtrust witness DEVICE`: the buyer follows a bench test live (see docs/bench.md).

Reads the chain's checkpoints of the device and the gateway's feed, shows each checkpoint's
verdict as it is anchored (a live rich table on stderr; `--json`: one JSON line per event on
stdout) and ends with the certificate's verdict. Exit code 0 when every checkpoint and the
certificate verified, 1 when anything failed (a reading that does not match its checkpoint is a
failure), 3 when the chain or the feed cannot be reached.
Light module: the SDK is imported inside the command.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer

from ._context import command, settings_of
from ._exit import ExitCode
from ._parse import client_of, parse_device_ref

__all__ = ["witness"]


@command
def witness(
    ctx: typer.Context,
    device: Annotated[
        str, typer.Argument(metavar="DEVICE_ID", help="The device under test (id or MAKER/SERIAL).")
    ],
    feed: Annotated[
        str, typer.Option(envvar="FABTRUST_BENCH_FEED", help="The gateway's feed URL.")
    ],
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between polls.")] = 0.5,
    timeout: Annotated[
        float | None, typer.Option(min=0, help="Give up after this many seconds (default: never).")
    ] = None,
) -> None:
    """Follow a running bench test: checkpoint verdicts live, then the certificate's."""
    from rich.live import Live
    from rich.table import Table

    from fabtrust.bench import CheckpointsClient, FeedClient, Witness, WitnessEvent

    settings = settings_of(ctx)
    device_id = parse_device_ref(device, option="DEVICE_ID").device_id
    client = client_of(ctx, signer=False)
    watcher = Witness(
        feed=FeedClient(feed),
        checkpoints=CheckpointsClient(client.chain),
        certificates=client.certificates,
        device_id=device_id,
    )
    rows: list[WitnessEvent] = []

    def table() -> Table:
        view = Table(title=f"witness: device {str(device_id)[:18]}…", expand=False)
        for column in ("#", "readings", "root", "tx", "verdict"):
            view.add_column(column)
        for e in rows[-25:]:
            mark = "[green]✓ verified[/]" if e.ok else "[red]✗ FAILED[/]"
            if e.kind == "checkpoint":
                view.add_row(
                    str(e.sequence), str(e.reading_count), f"{str(e.root)[:14]}…",
                    f"{str(e.tx_hash)[:12]}…", mark,
                )  # fmt: skip
            elif e.kind == "reading":
                view.add_row("", f"#{e.index}", str(e.channel), "", f"[red]✗ {e.detail}[/]")
            elif e.kind == "certificate":
                view.add_row("cert", str(e.reading_count), f"{str(e.root)[:14]}…", "", mark)
        return view

    failed = False
    deadline = None if timeout is None else time.monotonic() + timeout
    live = None if settings.json_mode else Live(table(), console=settings.output.console)
    if live is not None:
        live.start()
    try:
        while not watcher.done:
            for event in watcher.poll():
                failed |= not event.ok
                if settings.json_mode:
                    sys.stdout.write(json.dumps(event.model_dump(mode="json")) + "\n")
                    sys.stdout.flush()
                elif event.kind in ("session", "error"):
                    settings.output.info(event.detail)
                else:
                    rows.append(event)
                if event.kind == "certificate" and not settings.json_mode:
                    settings.output.info(f"certificate {event.cert_id}: {event.detail}")
            if live is not None:
                live.update(table())
            if watcher.done or (deadline is not None and time.monotonic() > deadline):
                break
            time.sleep(interval)
    finally:
        if live is not None:
            live.stop()
    if not watcher.done:
        settings.output.error(f"no certificate yet after {timeout} s")
        failed = True
    if failed:
        raise typer.Exit(int(ExitCode.NOT_VERIFIED))
