"""`fabtrust bench run CONFIG`: the bench gateway (see docs/bench.md).

Reads the bench's values over OPC UA or MQTT (the CONFIG file says which), stores every reading in
the SQLite store first, anchors checkpoints on the TestCheckpoints contract as the connected lab
(global --account; without one, checkpoints are recorded and wait), and serves the buyer's feed.
Stops on Ctrl-C / SIGTERM or after --until-readings; with --finish it then issues the certificate
on the final root and writes the bundle. Run again on the same store to resume after a crash.
Light module: the SDK is imported inside the command.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import typer

from ._context import command, settings_of
from ._parse import client_of

__all__ = ["app", "run"]

app = typer.Typer(
    help="The bench gateway: OPC UA / MQTT values to stored readings, checkpoints on chain.",
    no_args_is_help=True,
)


@app.command("run")
@command
def run(
    ctx: typer.Context,
    config_file: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The bench configuration (YAML or TOML).")
    ],
    store: Annotated[
        Path | None, typer.Option(help="SQLite store (default: the CONFIG's `store`).")
    ] = None,
    feed_host: Annotated[str, typer.Option(help="Address the buyer's feed listens on.")] = (
        "127.0.0.1"
    ),
    feed_port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port of the feed (0: any free port).")
    ] = 0,
    until_readings: Annotated[
        int | None, typer.Option(min=1, help="Stop once the store holds this many readings.")
    ] = None,
    finish: Annotated[
        bool, typer.Option("--finish", help="At the end, issue the certificate on the final root.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="The test report file (with --finish).")
    ] = None,
    spec: Annotated[str, typer.Option(help="The test specification (with --finish).")] = (
        "ISO 4409:2019 hydraulic motor bench test"
    ),
    failed: Annotated[
        bool, typer.Option("--failed", help="The device failed the test (with --finish).")
    ] = False,
    valid_days: Annotated[
        int, typer.Option(min=1, help="Days the certificate is valid (with --finish).")
    ] = 365,
    device_key: Annotated[
        str | None,
        typer.Option(
            help="The device's key (keystore file or dev:N) to sign the final root (--finish)."
        ),
    ] = None,
    bundle: Annotated[
        Path | None, typer.Option(help="Where to write the certificate bundle (with --finish).")
    ] = None,
) -> None:
    """Run the bench gateway until stopped; resume the session when the store exists."""
    from fabtrust.accounts import parse_account_spec
    from fabtrust.bench import BenchGateway, CheckpointsClient, FeedServer, load_bench_config
    from fabtrust.errors import InvalidInputError

    settings = settings_of(ctx)
    out = settings.output
    logging.getLogger("asyncua").setLevel(logging.ERROR)  # session notes; our log says what matters
    if finish and report is None:
        raise InvalidInputError("--finish needs --report (the test report file)", field="report")
    overrides: dict[str, Any] = {"store": str(store)} if store is not None else {}
    config = load_bench_config(config_file, **overrides)
    key = parse_account_spec(device_key) if device_key else None
    checkpoints = None
    client = None
    if settings.account is not None:
        client = client_of(ctx)
        checkpoints = CheckpointsClient(client.chain)
    elif finish:
        raise InvalidInputError("--finish sends transactions: give --account (the lab)")

    def log(line: str) -> None:
        out.console.print(f"[dim]{datetime.now(timezone.utc):%H:%M:%S}[/] {line}", soft_wrap=True)

    gateway = BenchGateway(config=config, checkpoints=checkpoints, log=log)
    session: dict[str, Any] = {
        "checkpoints_contract": checkpoints.address if checkpoints else None,
        "chain_id": client.chain.connection.chain_id if client else None,
    }
    feed = FeedServer(gateway.store, host=feed_host, port=feed_port, session=session).start()
    resumed = len(gateway.store)
    log(
        f"bench gateway: device {config.device_id}, session {gateway.session_id}, "
        f"{len(config.sensors)} sensors over {config.source.kind} {config.source.endpoint}"
    )
    log(
        f"store {config.store} ({resumed} readings already stored"
        f"{', resuming' if resumed else ''}); feed at {feed.url}"
    )
    if checkpoints is None:
        log("no --account: checkpoints are recorded in the store and wait to be anchored")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await gateway.run(stop=stop, until_readings=until_readings)

    try:
        asyncio.run(main())
        result: dict[str, Any] = {
            "device_id": str(config.device_id),
            "session_id": gateway.session_id,
            "readings": len(gateway.store),
            "rejected": gateway.rejected,
            "duplicates": gateway.duplicates,
            "late": gateway.late,
        }
        if finish:
            assert report is not None and client is not None
            done = gateway.finish(
                certificates=client.certificates,
                report=report,
                test_spec=spec,
                passed=not failed,
                valid_until=datetime.now(timezone.utc) + timedelta(days=valid_days),
                device_key=key,
            )
            if bundle is not None:
                done.bundle.save(bundle)
            log(
                f"certificate {done.issued.cert_id} on the final root {done.data_root} "
                f"({done.readings} readings, {len(gateway.store.checkpoints())} checkpoints)"
            )
            result.update(cert_id=done.issued.cert_id, data_root=done.data_root)
        elif checkpoints is not None:
            gateway.anchor_pending()  # what the run left waiting (ChainError: exit code 3)
        result["checkpoints"] = [c.model_dump(mode="json") for c in gateway.store.checkpoints()]
        log(
            f"stopped: {result['readings']} readings stored, {gateway.rejected} rejected, "
            f"{gateway.duplicates} duplicates skipped, {len(result['checkpoints'])} checkpoints"
        )
        out.result(result)
    finally:
        feed.stop()
        gateway.store.close()
