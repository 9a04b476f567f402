"""`fabtrust agent run|status`: the settlement agent (see docs/agent.md).

`run` connects with the global --account (which pays for settlement transactions), keeps the
agent's state and the transaction journal in one SQLite file (--state) and writes its log as JSON
lines on stderr. `status` reads the state file (and the chain head, for the lag) without sending
anything. Light module: the SDK is imported inside the commands.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._context import command, settings_of

if TYPE_CHECKING:
    from rich.console import Console

    from fabtrust.agent import AgentStatus

__all__ = ["CRASH_AFTER_SEND_ENV", "LOCAL_RECEIPT_POLL", "app"]

CRASH_AFTER_SEND_ENV = "FABTRUST_AGENT_CRASH_AFTER_SEND"
"""Test hook: when set to 1, `agent run` kills itself (SIGKILL) right after the node accepted
its first transaction, before the receipt is recorded."""

DEFAULT_STATE = Path(".fabtrust/agent.sqlite")
_SHOWN_ORDERS = 20

WEBHOOK_SECRET_ENV = "FABTRUST_AGENT_WEBHOOK_SECRET"
LOCAL_RECEIPT_POLL = 0.1
"""Seconds between receipt lookups of the agent's transactions on a local chain (the SDK's 1 s
default suits chains with block times of seconds)."""

app = typer.Typer(
    help="The settlement agent: settles escrow orders once they may settle, and tells the MES."
)

StateOption = Annotated[
    Path,
    typer.Option(
        "--state",
        envvar="FABTRUST_AGENT_STATE",
        help="SQLite file with the agent's cursor, orders, actions, outbox and tx journal.",
    ),
]


def _crash_now(tx_hash: str) -> None:
    sys.stderr.write(f'{{"event":"crash_after_send","tx_hash":"{tx_hash}"}}\n')
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _configure_logging(level: str) -> None:
    from fabtrust.agent import JsonLogFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger("fabtrust")
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False


@app.command("run")
@command
def run(
    ctx: typer.Context,
    confirmations: Annotated[
        int | None,
        typer.Option(
            "--confirmations",
            min=0,
            help="Blocks an event must be deep before the agent acts (default 0 local, 3 remote).",
        ),
    ] = None,
    poll: Annotated[float, typer.Option("--poll", min=0.05, help="Seconds between polls.")] = 2.0,
    state: StateOption = DEFAULT_STATE,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            envvar="FABTRUST_AGENT_WEBHOOK",
            help="POST every event here (JSON, signed); https:// (http:// only to localhost).",
        ),
    ] = None,
    webhook_secret_file: Annotated[
        Path | None,
        typer.Option(
            "--webhook-secret-file",
            metavar="FILE",
            help="FILE holds the HMAC key (16+ characters; or FABTRUST_AGENT_WEBHOOK_SECRET) "
            "signing each delivery: X-Fabtrust-Signature: t=<time>,v1=<HMAC-SHA256 of "
            "time.body>. Required with --webhook. Never taken on the command line.",
        ),
    ] = None,
    insecure_unsigned_webhooks: Annotated[
        bool,
        typer.Option(
            "--insecure-unsigned-webhooks",
            help="Send webhook deliveries unsigned (receivers cannot tell them from forgeries).",
        ),
    ] = False,
    refund: Annotated[
        bool,
        typer.Option(
            "--refund/--no-refund",
            help="Refund Funded orders past ship-by whose buyer is --account.",
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=500, help="Orders per settleMany.")
    ] = 100,
    page_size: Annotated[
        int,
        typer.Option(
            "--page-size", min=1, help="Orders read from the state file at a time (memory bound)."
        ),
    ] = 1000,
    once: Annotated[
        bool, typer.Option("--once", help="One poll (catch up, settle), then exit.")
    ] = False,
    log_level: Annotated[
        str, typer.Option("--log-level", help="debug, info, warning or error.")
    ] = "info",
) -> None:
    """Follow the escrow and settle orders as soon as they may settle (until Ctrl-C / SIGTERM).

    Logs are JSON lines on stderr. Exit codes: 0 stopped, 2 bad input, 3 chain unreachable or
    wrong chain.
    """
    from fabtrust.agent import AgentConfig, SettlementAgent, WebhookConfig
    from fabtrust.agent.webhooks import check_webhook_url
    from fabtrust.client import connect

    if log_level.lower() not in ("debug", "info", "warning", "error"):
        raise _bad_input(f"unknown --log-level {log_level!r}")
    settings = settings_of(ctx)
    signer = settings.signer(required="the agent sends settlement transactions: give --account")
    hook: WebhookConfig | None = None
    if webhook is not None:
        check_webhook_url(webhook)
        webhook_secret = _webhook_secret(webhook_secret_file)
        if webhook_secret is None and not insecure_unsigned_webhooks:
            raise _bad_input(
                "--webhook needs --webhook-secret-file (or FABTRUST_AGENT_WEBHOOK_SECRET) to "
                "sign deliveries; --insecure-unsigned-webhooks sends them unsigned"
            )
        hook = WebhookConfig(
            url=webhook, secret=webhook_secret, allow_unsigned=insecure_unsigned_webhooks
        )
    _configure_logging(log_level)
    client = connect(
        rpc_url=settings.rpc_url,
        account=signer,
        deployments=settings.deployments,
        confirmations=settings.confirmations,
        journal=state,
    )
    if client.chain.sender is not None and client.chain.connection.is_local:
        client.chain.sender.poll_interval = LOCAL_RECEIPT_POLL
    crash = os.environ.get(CRASH_AFTER_SEND_ENV) == "1"
    config = AgentConfig(
        state=state,
        confirmations=confirmations,
        poll_interval=poll,
        batch_size=batch_size,
        page_size=page_size,
        refund_overdue=refund,
        webhook=hook,
    )
    agent = SettlementAgent(client, config=config, after_broadcast=_crash_now if crash else None)
    try:
        if once:
            result = agent.poll_once()
            agent.deliver_webhooks()
            settings.output.result(result.model_dump(mode="json"))
            return

        def _stop(signum: int, _frame: Any) -> None:
            agent.stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        agent.run()
    finally:
        agent.close()


@app.command("status")
@command
def status(
    ctx: typer.Context,
    state: StateOption = DEFAULT_STATE,
    last: Annotated[int, typer.Option("--last", min=1, help="How many last actions.")] = 10,
) -> None:
    """Show the agent's cursor, lag behind the chain head, open orders and last actions."""
    from fabtrust.agent import AgentStore

    from .chain import rpc_call

    settings = settings_of(ctx)
    if not state.exists():
        raise _bad_input(f"no agent state at {state}: run `fabtrust agent run` first")
    head: int | None
    try:
        head = int(rpc_call(settings.rpc_url, "eth_blockNumber"), 16)
    except (OSError, RuntimeError, ValueError):
        head = None
    with AgentStore(state) as store:
        report = store.status(head=head, last_actions=last)
    settings.output.result(report.model_dump(mode="json"), lambda console: _render(console, report))


def _render(console: Console, report: AgentStatus) -> None:
    from rich.table import Table

    cursor = report.cursor
    if cursor is None:
        console.print("cursor: none yet (the agent has not read a block)")
    else:
        console.print(
            f"cursor: block {cursor.block_number} {cursor.block_hash[:18]}… "
            f"(updated {cursor.updated_at:%Y-%m-%d %H:%M:%S} UTC)"
        )
    if report.head is None:
        console.print("head: chain unreachable, lag unknown")
    else:
        console.print(f"head: block {report.head}, lag {report.lag} block(s)")
    states = ", ".join(f"{n} {s}" for s, n in sorted(report.open_by_state.items())) or "none"
    console.print(f"open orders: {report.open_total} ({states})")
    if report.quarantined_total:
        console.print(
            f"quarantined: {report.quarantined_total} order(s) whose settlement fails alone "
            "(retried alone on a back-off schedule)"
        )
        quarantine = Table(title="quarantined orders")
        for column in ("id", "failures", "next retry (UTC)", "reason"):
            quarantine.add_column(column)
        for item in report.quarantined[:_SHOWN_ORDERS]:
            quarantine.add_row(
                str(item.order_id),
                str(item.failures),
                f"{item.retry_at:%Y-%m-%d %H:%M:%S}",
                item.reason if len(item.reason) <= 60 else item.reason[:59] + "…",
            )
        console.print(quarantine)
    console.print(
        f"unresolved actions: {report.unresolved_actions}; webhook outbox: "
        f"{report.outbox_pending} pending, {report.outbox_delivered} delivered"
    )
    if report.open_orders:
        open_table = Table(title="open orders")
        for column in ("id", "state", "buyer", "seller", "amount", "devices", "inspection ends"):
            open_table.add_column(column)
        for order in report.open_orders[:_SHOWN_ORDERS]:
            open_table.add_row(
                str(order.order_id),
                order.state.name.lower() + (" (confirmed)" if order.accepted else ""),
                order.buyer[:10] + "…",
                order.seller[:10] + "…",
                str(order.amount),
                str(len(order.device_ids)),
                _utc(order.inspection_ends_at),
            )
        console.print(open_table)
        hidden = report.open_total - _SHOWN_ORDERS
        if hidden > 0:
            console.print(f"… and {hidden} more (the first {len(report.open_orders)} with --json)")
    if report.last_actions:
        table = Table(title="last actions")
        for column in ("id", "kind", "orders", "status", "tx", "block", "when (UTC)"):
            table.add_column(column)
        for action in report.last_actions:
            orders = ",".join(str(o) for o in action.order_ids)
            table.add_row(
                str(action.id),
                action.kind,
                orders if len(orders) <= 30 else orders[:29] + "…",
                action.status,
                (action.tx_hash or (action.tx_hashes[-1] if action.tx_hashes else "-"))[:18],
                str(action.block_number or "-"),
                f"{action.updated_at:%Y-%m-%d %H:%M:%S}",
            )
        console.print(table)


def _utc(moment: int | None) -> str:
    if moment is None:
        return "-"
    return f"{datetime.fromtimestamp(moment, timezone.utc):%Y-%m-%d %H:%M}"


def _webhook_secret(path: Path | None) -> str | None:
    """The webhook HMAC key from ``path`` (first line) or ``$FABTRUST_AGENT_WEBHOOK_SECRET``."""
    if path is None:
        return os.environ.get(WEBHOOK_SECRET_ENV) or None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad_input(
            f"--webhook-secret-file: cannot read {path}: {type(exc).__name__}"
        ) from None
    secret = lines[0].strip() if lines else ""
    if not secret:
        raise _bad_input(f"--webhook-secret-file: {path} is empty")
    return secret


def _bad_input(message: str) -> Exception:
    from fabtrust.errors import InvalidInputError

    return InvalidInputError(message)
