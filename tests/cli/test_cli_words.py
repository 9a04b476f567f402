"""Words for people and inputs checked before any transaction: `order create` refuses a buyer
short of funds before sending anything and leaves no ERC-20 approval behind when the order
fails; --version; no line wrapping off a terminal; a progress bar for large reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.evidence import device_id_of

BUYER = Signer.dev(3).address
SPEC = "ISO 4409:2019 hydraulic motor bench test"


def _order(cli: Any, amount: str, devices: str, token: str = "tusd") -> Any:
    return cli(
        "order", "create", "--seller", "dev:1", "--amount", amount, "--token", token,
        "--devices", devices, "--spec", SPEC, "--ship-by", "+7d", "--inspection", "3d",
        account=3,
    )  # fmt: skip


def _allowance(chain: Any) -> int:
    client = chain.client(None)
    escrow = client.chain.contract("SupplyChainEscrow").address
    return int(client.chain.call("TestStablecoin", "allowance", BUYER, escrow))


def test_order_create_checks_the_balance_before_sending(cli: Any, chain: Any) -> None:
    cli.ok("device", "register", "SN-W1", "--model", "HM-200", "--device-key", "dev:7", account=1)
    cli.ok("order", "approve-escrow", account=1)  # the seller's one-time approval
    device = str(device_id_of(Signer.dev(1).address, "SN-W1"))
    nonce = chain.rpc("eth_getTransactionCount", [BUYER, "latest"])
    short = _order(cli, "2,000,000.00", device)
    assert short.exit_code == 2, short
    assert "short of the order's 2000000000000" in short.data["error"]["message"]
    native = _order(cli, "100000", device, token="native")
    assert native.exit_code == 2 and "native coin" in native.data["error"]["message"]
    assert chain.rpc("eth_getTransactionCount", [BUYER, "latest"]) == nonce  # nothing sent
    assert _allowance(chain) == 0


def test_no_leftover_approval_when_the_order_fails(cli: Any, chain: Any) -> None:
    cli.ok("order", "approve-escrow", account=1)  # the seller's one-time approval
    nonce = chain.rpc("eth_getTransactionCount", [BUYER, "latest"])
    failed = _order(cli, "10.00", "123456789")  # no such device: the escrow refuses
    assert failed.exit_code in (2, 4), failed
    assert "error" in failed.data
    # The approval was sent, the order refused, and the approval taken back.
    assert int(chain.rpc("eth_getTransactionCount", [BUYER, "latest"]), 16) == int(nonce, 16) + 2
    assert _allowance(chain) == 0


def test_version(offline_cli: Any) -> None:
    from fabtrust import __version__

    run = offline_cli("--version", json_mode=False)
    assert run.exit_code == 0 and run.stdout == f"fabtrust {__version__}\n"


def test_no_wrapping_off_a_terminal(monkeypatch: Any) -> None:
    import io

    from fabtrust.cli._output import make_console

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    console = make_console()
    line = "error: " + "x" * 300
    console.print(line)
    assert console.file.getvalue() == line + "\n"  # type: ignore[attr-defined]


def test_values_are_printed_as_they_are_not_as_emoji(monkeypatch: Any) -> None:
    import io

    from fabtrust.cli._output import make_console

    for columns in (None, "100"):  # off a terminal, and with a width
        if columns is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", columns)
        monkeypatch.setattr("sys.stderr", io.StringIO())
        console = make_console()
        console.print("device serial A:fire:1, lab :smile: Labs")
        assert console.file.getvalue() == "device serial A:fire:1, lab :smile: Labs\n"  # type: ignore[attr-defined]


def test_progress_bar_for_large_reports(tmp_path: Path, monkeypatch: Any) -> None:
    import hashlib
    import io

    from rich.console import Console

    from fabtrust.cli import cert
    from fabtrust.cli._output import Output

    report = tmp_path / "large.bin"
    report.write_bytes(b"\x01" * (3 << 20))
    monkeypatch.setattr(cert, "PROGRESS_BYTES", 1 << 20)  # stands for 100 MB
    screen = io.StringIO()
    out = Output(console=Console(file=screen, force_terminal=True, width=100))
    digest = cert.report_sha256(report, out)
    assert digest == "0x" + hashlib.sha256(report.read_bytes()).hexdigest()
    assert "hashing large.bin" in screen.getvalue()
    assert cert.PROGRESS_BYTES == 1 << 20
    monkeypatch.undo()
    assert cert.PROGRESS_BYTES == 100 * 1024 * 1024


def test_contract_errors_in_words(cli: Any, report_file: Path) -> None:
    denied = cli("admin", "accredit-lab", "dev:5", "--name", "Lab", "--valid-days", "30", account=3)
    assert denied.exit_code == 4, denied
    message = denied.data["error"]["message"]
    assert message.startswith(f"{BUYER} lacks the admin role (AccessControlUnauthorizedAccount)")
    assert "0x" + "00" * 32 not in message
    assert denied.data["error"]["contract_error"] == "AccessControlUnauthorizedAccount"
    missing = cli(
        "cert", "issue", "--device", "424242", "--report", str(report_file), "--spec", SPEC,
        "--pass", "--valid-until", "+30d", account=2,
    )  # fmt: skip
    assert missing.exit_code == 2, missing
    assert missing.data["error"]["message"].startswith(
        "device 424242 is not registered (DeviceNotFound)"
    )
    # Refused by the chain: the bundle written before sending is removed (nothing was anchored).
    assert not report_file.with_name(report_file.name + ".bundle.json").exists()


def test_faucet_mints_test_stablecoin_on_a_local_chain(cli: Any, chain: Any) -> None:
    receiver = Signer.dev(6).address
    minted = cli.ok("chain", "faucet", "--to", receiver, "--amount", "2,500")
    assert minted["amount"] == "2500000000" and minted["balance"] == "2500000000"
    client = chain.client(None)
    assert int(client.chain.call("TestStablecoin", "balanceOf", receiver)) == 2_500 * 10**6
    # Only the minter may mint: another signer is refused by the token.
    other = cli("chain", "faucet", "--to", receiver, account=5)
    assert other.exit_code == 4 and other.data["error"]["contract_error"] == "UnauthorizedMinter"


def test_certificates_in_words(cli: Any, tmp_path: Path, report_file: Path) -> None:
    cli.ok("device", "register", "SN-W9", "--model", "HM-200", "--device-key", "dev:7", account=1)
    bundle = tmp_path / "w9.json"
    issued = cli.ok(
        "cert", "issue", "--device", "dev:1/SN-W9", "--report", str(report_file), "--spec", SPEC,
        "--pass", "--valid-until", "2099-12-31", "--bundle-out", str(bundle), account=2,
    )  # fmt: skip
    assert issued["valid_until_iso"] == "2100-01-01T00:00:00Z"  # through that whole day
    shown = cli("cert", "show", issued["cert_id"], json_mode=False)
    assert "serial SN-W9, model HM-200" in shown.stderr
    assert "Pass" in shown.stderr and "2100-01-01T00:00:00Z" in shown.stderr
    verified = cli("cert", "verify", str(report_file), "--bundle", str(bundle), json_mode=False)
    assert verified.exit_code == 0, verified
    assert "serial SN-W9, model HM-200" in verified.stderr
    assert f"test spec {SPEC} (0x" in verified.stderr  # the text beside its hash
    document = cli.ok("cert", "verify", str(report_file), "--bundle", str(bundle))
    assert document["device"]["serial"] == "SN-W9" and document["device"]["status"] == "Active"
    assert document["certificate"]["result_label"] == "Pass"
