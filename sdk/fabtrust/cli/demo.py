"""`fabtrust demo`: the whole story of the product card on an embedded Anvil.

Deploy; the admin accredits a test lab; a manufacturer registers three hydraulic motors (each
with its own device key); the lab runs a bench test per motor (~20 sensors, each run's data root
signed by the motor's key), writes a report, and anchors the certificates (one individually, two
as a batch); a buyer orders the three motors paying in the test stablecoin; the seller ships; the
buyer verifies each certificate from the report files; the order is settled (seller paid, device
records with the buyer); then one byte of a report is changed and verification fails, naming the
failed check. The first motor's certificate is exported as a UNTP credential, and its nameplate
QR code is the motor's GS1 Digital Link (its metadata document gives a GTIN). Every file the demo
writes goes under one output folder.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ._context import command, settings_of
from ._exit import ExitCode
from ._files import write_secret
from .credential import demo_credential
from .page import demo_page

__all__ = ["demo"]

SPEC = "ISO 4409:2019 hydraulic motor bench test"
MOTORS = ("HM-2026-0001", "HM-2026-0002", "HM-2026-0003")
PRICE_EACH = 12_500 * 10**6  # tUSD, 6 decimals
GTIN = "09506000134352"  # the first motor's GTIN (GS1's example GTIN), in its metadata document


def _report_text(serial: str, device_id: int, readings: int, root: str, passed: bool) -> str:
    verdict = "PASS" if passed else "FAIL"
    return (
        f"Hydraulics Test Centre - bench test report\n"
        f"Specification: {SPEC}\nDevice: {serial} (id {device_id})\n"
        f"Readings: {readings} samples from 20 sensors "
        "(pressure, flow, temperature, speed, torque)\n"
        f"Raw-data Merkle root: {root}\nResult: {verdict}\n"
    )


@command
def demo(
    ctx: typer.Context,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for every file the demo writes.")
    ] = Path("demo-output"),
    keep_chain: Annotated[
        bool,
        typer.Option(
            "--keep-chain",
            help="Leave the demo's Anvil running afterwards, so the printed commands work "
            "(stop it with: fabtrust chain down --state-dir OUT).",
        ),
    ] = False,
) -> None:
    """Run the end-to-end story on a fresh embedded Anvil (nothing else needed)."""
    from fabtrust.accounts import Signer
    from fabtrust.certificates import BatchCertificate
    from fabtrust.chain import connect_web3
    from fabtrust.client import connect
    from fabtrust.deploy import RoleConfig, deploy_contracts
    from fabtrust.deployments import save_deployment
    from fabtrust.evidence import ReadingsTree, generate_seed, sha256_file
    from fabtrust.evidence.readings import parse_readings_csv
    from fabtrust.testing import LocalAnvil, generate_bench_readings

    settings = settings_of(ctx)
    out = settings.output
    console = out.console
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for sub in ("reports", "readings", "bundles", "deployments", "page", "devices"):
        (out_dir / sub).mkdir(parents=True)
    story: dict[str, Any] = {"output": str(out_dir), "motors": [], "checks": {}}

    def step(title: str) -> None:
        out.info(f"\n[bold cyan]▶ {title}[/]")

    node = LocalAnvil(
        extra_args=("--dump-state", str(out_dir / "page" / "anvil-state.json"))
    ).start()
    completed = False
    try:
        step(f"Embedded Anvil at {node.url}; deploying the contracts")
        connection = connect_web3(node.url)
        admin_s, maker_s, lab_s, buyer_s, agent_s = (Signer.dev(i) for i in (0, 1, 2, 3, 5))
        roles = RoleConfig(
            manufacturers=[maker_s.address],
            default_arbiter=Signer.dev(4).address,
            test_stablecoin=True,
        )
        deployment = deploy_contracts(connection, connection.sender(admin_s), roles)
        save_deployment(deployment, out_dir / "deployments")
        story["contracts"] = {n: c.address for n, c in deployment.contracts.items()}
        for name, address in story["contracts"].items():
            out.info(f"  {name:<20} {address}")

        def client(signer: Signer) -> Any:
            return connect(rpc_url=node.url, account=signer, deployments=deployment)

        admin, maker, lab, buyer, agent = (
            client(s) for s in (admin_s, maker_s, lab_s, buyer_s, agent_s)
        )
        now = datetime.now(timezone.utc)

        step("The consortium admin accredits the test lab")
        admin.certificates.accredit_lab(
            lab=lab_s.address, name="Hydraulics Test Centre", valid_until=now + timedelta(days=365)
        )
        out.info(f"  Hydraulics Test Centre {lab_s.address}, accredited for a year")

        step("The manufacturer registers three hydraulic motors, each with its own device key")
        keys = {serial: Signer.generate() for serial in MOTORS}
        ids: dict[str, int] = {}
        metadata = out_dir / "devices" / f"{MOTORS[0]}.metadata.json"  # the first has a GTIN
        metadata.write_text(json.dumps({"gtin": GTIN, "model": "HM-200"}, indent=2) + "\n")
        for serial in MOTORS:
            reg = maker.devices.register(
                serial=serial,
                model="HM-200 axial piston motor",
                key_signer=keys[serial],
                metadata_hash=sha256_file(metadata) if serial == MOTORS[0] else None,
            )
            ids[serial] = reg.device_id
            out.info(f"  {serial}  id {str(reg.device_id)[:18]}…  key {keys[serial].address}")

        step("The lab runs a bench test per motor and writes its report")
        seeds: dict[str, bytes] = {}
        roots: dict[str, str] = {}
        signatures: dict[str, str] = {}
        for serial in MOTORS:
            csv_text = generate_bench_readings(serial=serial, sensors=20, samples=120, seed=serial)
            readings_file = out_dir / "readings" / f"{serial}.csv"
            readings_file.write_text(csv_text)
            readings = parse_readings_csv(csv_text, source=str(readings_file))
            seeds[serial] = generate_seed()
            tree = ReadingsTree.build(readings, seed=seeds[serial])
            roots[serial] = tree.root
            signatures[serial] = maker.certificates.sign_data_attestation(
                device=keys[serial], device_id=ids[serial], data_root=tree.root
            )
            report = out_dir / "reports" / f"{serial}.txt"
            report.write_text(_report_text(serial, ids[serial], len(readings), tree.root, True))
            write_secret(out_dir / "readings" / f"{serial}.seed", "0x" + seeds[serial].hex() + "\n")
            out.info(
                f"  {serial}: {len(readings)} readings, data root {tree.root[:18]}…, "
                f"report sha256 {sha256_file(report)[:18]}…"
            )

        step("The lab anchors the certificates: one individually, two as a batch")
        valid_until = now + timedelta(days=365)
        first = MOTORS[0]
        issued = lab.certificates.issue(
            device_id=ids[first],
            report=out_dir / "reports" / f"{first}.txt",
            data_root=roots[first],
            test_spec=SPEC,
            passed=True,
            valid_until=valid_until,
            device_signature=signatures[first],
        )
        bundles = {
            first: lab.certificates.make_bundle(
                cert_id=issued.cert_id, report=out_dir / "reports" / f"{first}.txt"
            )
        }
        out.info(f"  {first}: certificate {issued.cert_id[:18]}… (gas {issued.tx.gas_used:,})")
        leaves = [
            BatchCertificate.create(
                device_id=ids[s],
                report=out_dir / "reports" / f"{s}.txt",
                test_spec=SPEC,
                passed=True,
                valid_until=valid_until,
                data_root=roots[s],
            )
            for s in MOTORS[1:]
        ]
        batch = lab.certificates.anchor_batch(certificates=leaves)
        out.info(
            f"  batch root {batch.root[:18]}… for {batch.count} certificates "
            f"(gas {batch.tx.gas_used:,})"
        )
        for serial, proof in zip(MOTORS[1:], batch.certificates, strict=True):
            # Presented on chain by anyone (here the manufacturer) so it counts for the escrow.
            maker.certificates.present_batch_certificate(
                lab=batch.lab, root=batch.root, leaf=proof.leaf, proof=proof.proof
            )
            bundles[serial] = lab.certificates.make_bundle(
                batch=proof, report=out_dir / "reports" / f"{serial}.txt"
            )
        for serial, bundle in bundles.items():
            bundle.save(out_dir / "bundles" / f"{serial}.bundle.json")

        step("The seller lets the escrow lock its motors in orders (once)")
        maker.devices.approve_escrow()
        out.info("  the seller approved the escrow on the DeviceRegistry")

        step("The buyer orders the three motors, paying in the test stablecoin")
        token = deployment.contract("TestStablecoin").address
        admin.chain.transact("TestStablecoin", "mint", buyer_s.address, 100_000 * 10**6)
        order = buyer.escrow.create_order(
            seller=maker_s.address,
            token=token,
            amount=PRICE_EACH * len(MOTORS),
            device_ids=[ids[s] for s in MOTORS],
            test_spec=SPEC,
            ship_by=now + timedelta(days=14),
            inspection_period=timedelta(days=7),
        )
        out.info(f"  order #{order.order_id}: {PRICE_EACH * 3 / 10**6:,.2f} tUSD held in escrow")
        out.info("  the three motors' records are locked with the seller until settlement")

        step("The seller ships")
        maker.escrow.mark_shipped(order_id=order.order_id, shipment="AWB 176-12345675")
        out.info("  shipped: the device records stay locked with the seller until settlement")

        step("The buyer verifies each certificate from the report files")
        table = Table(title="fabtrust cert verify", show_lines=False)
        for column in ("motor", "verdict", "checks", "block"):
            table.add_column(column)
        all_ok = True
        for serial in MOTORS:
            verdict = buyer.certificates.verify_bundle(
                bundle=out_dir / "bundles" / f"{serial}.bundle.json",
                report=out_dir / "reports" / f"{serial}.txt",
                readings=out_dir / "readings" / f"{serial}.csv",
                readings_seed=seeds[serial],
            )
            all_ok &= verdict.verified
            passed = sum(1 for c in verdict.checks if c.ok and not c.skipped)
            skipped = sum(1 for c in verdict.checks if c.skipped)
            shown = "[green]verified[/]" if verdict.verified else "[red]NOT verified[/]"
            table.add_row(
                serial, shown, f"{passed} ok, {skipped} not applicable", str(verdict.block_number)
            )
            story["checks"][serial] = verdict.model_dump(mode="json")
        if not settings.json_mode:
            console.print(table)
            console.print("  same check without fabtrust (each prints true):")
            for call in verdict.cast_calls:
                console.print(f"    {call}", soft_wrap=True)
            console.print(
                f"  by hand: fabtrust --rpc-url {node.url} --deployments {out_dir}/deployments "
                f"cert verify {out_dir}/reports/{MOTORS[0]}.txt "
                f"--bundle {out_dir}/bundles/{MOTORS[0]}.bundle.json",
                soft_wrap=True,
            )
            if not keep_chain:
                console.print("  (these need the demo's chain: run the demo with --keep-chain)")

        step("The buyer confirms delivery; the settlement agent settles (anyone may)")
        before = admin.chain.call("TestStablecoin", "balanceOf", maker_s.address)
        buyer.escrow.confirm_delivery(order_id=order.order_id)
        eligibility = agent.escrow.eligible_for_settlement(order_id=order.order_id)
        settled = agent.escrow.settle(order_id=order.order_id)
        after = admin.chain.call("TestStablecoin", "balanceOf", maker_s.address)
        owners = {s: admin.devices.get(device_id=ids[s]).owner for s in MOTORS}
        out.info(f"  eligible: {eligibility.eligible}; settled in block {settled.block_number}")
        holder = "the buyer" if set(owners.values()) == {buyer_s.address} else str(owners)
        out.info(
            f"  seller paid {(after - before) / 10**6:,.2f} tUSD; device records with {holder}"
        )

        step("A fourth motor is tested live on the bench; the buyer witnesses it remotely")
        from ._demo_bench import run_bench_demo

        story["bench"] = run_bench_demo(
            out=out, out_dir=out_dir, lab=lab, maker=maker, buyer=buyer, spec=SPEC
        )

        step("One byte of a report is changed: verification fails and names the check")
        tampered = out_dir / "reports" / f"{first}.tampered.txt"
        data = bytearray((out_dir / "reports" / f"{first}.txt").read_bytes())
        data[10] ^= 0x01
        tampered.write_bytes(bytes(data))
        bad = buyer.certificates.verify_bundle(
            bundle=out_dir / "bundles" / f"{first}.bundle.json", report=tampered
        )
        for check in bad.failures:
            out.info(f"  [red]✗ {check.name}[/]: {check.detail}")
        credential = out_dir / "credentials" / f"{first}.untp-dcc.json"
        story["credential"], story["digital_link"] = demo_credential(
            out, lab, cert_id=issued.cert_id, metadata=metadata, spec=SPEC, path=credential
        )
        story.update(
            order_id=order.order_id,
            seller_paid=after - before,
            owners=owners,
            tampered_verified=bad.verified,
            tampered_failures=[c.name for c in bad.failures],
            motors=[{"serial": s, "device_id": str(ids[s])} for s in MOTORS],
        )
        completed = True
    finally:
        if not (keep_chain and completed):
            node.stop()
    pid = node.process.pid if node.process is not None else None
    story["chain"] = {"rpc_url": node.url, "kept": keep_chain, "pid": pid if keep_chain else None}
    if keep_chain and pid is not None:
        (out_dir / "anvil.pid").write_text(f"{pid}\n")
        out.info(
            f"\nthe demo's Anvil keeps running at {node.url} (pid {pid}); stop it with: "
            f"fabtrust chain down --state-dir {out_dir}"
        )

    ok = (
        all_ok
        and not bad.verified
        and set(owners.values()) == {buyer_s.address}
        and story["bench"]["ok"]
    )
    story["page_url"], story["page_command"] = demo_page(
        out,
        out_dir=out_dir,
        cert_id=issued.cert_id,
        serial=first,
        kept_rpc_url=node.url if keep_chain else None,
        digital_link=story["digital_link"],
    )
    out.info(f"\n[bold]{'Demo complete' if ok else 'Demo FAILED'}[/]: files in {out_dir}/")
    story["ok"] = ok
    out.result(story)
    if not ok:
        raise typer.Exit(int(ExitCode.NOT_VERIFIED))
