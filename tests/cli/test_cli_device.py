"""`fabtrust device ...` against a real Anvil."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from fabtrust.accounts import Signer
from fabtrust.evidence import device_id_of

DEV1 = Signer.dev(1).address
DEV5 = Signer.dev(5).address
DEV7 = Signer.dev(7).address
DEV8 = Signer.dev(8).address


def test_register_show_and_manage(cli: Any, expect_error: Any, tmp_path: Path) -> None:
    metadata = tmp_path / "datasheet.json"
    metadata.write_text('{"model": "HM-200", "pressure_bar": 250}')
    data = cli.ok(
        "device",
        "register",
        "SN-A1",
        "--model",
        "HM-200",
        "--device-key",
        "dev:7",
        "--metadata",
        str(metadata),
        account=1,
    )
    device_id = device_id_of(DEV1, "SN-A1")
    assert data["device_id"] == str(device_id)  # uint256: a decimal string in JSON
    assert data["device_id_hex"] == hex(device_id)
    assert data["already_registered"] is False
    assert data["metadata_hash"] == "0x" + hashlib.sha256(metadata.read_bytes()).hexdigest()
    assert data["metadata_file"] == str(metadata)
    assert data["tx"]["tx_hash"].startswith("0x") and data["tx"]["block_number"] > 0

    shown = cli.ok("device", "show", str(device_id))
    assert shown == cli.ok("device", "show", hex(device_id))
    assert shown == cli.ok("device", "show", f"{DEV1}/SN-A1")
    assert shown == cli.ok("device", "show", "dev:1/SN-A1")
    assert shown["serial"] == "SN-A1"
    assert shown["model_text"] == "HM-200"
    assert shown["manufacturer"] == shown["owner"] == DEV1
    assert shown["device_key"] == DEV7
    assert shown["status_label"] == "Active" and shown["status"] == 0
    assert shown["metadata_hash"] == data["metadata_hash"]

    # A second registration of the same serial reverts with the decoded error (exit 4) ...
    again = cli(
        "device", "register", "SN-A1", "--model", "HM-200", "--device-key", "dev:7", account=1
    )
    expect_error(again, 4, "DeviceAlreadyRegistered", str(device_id))
    # ... unless --exist-ok.
    existing = cli.ok(
        "device",
        "register",
        "SN-A1",
        "--model",
        "HM-200",
        "--device-key",
        "dev:7",
        "--exist-ok",
        account=1,
    )
    assert existing["already_registered"] is True and existing["tx"] is None

    moved = cli.ok("device", "transfer", "dev:1/SN-A1", "--to", "dev:5", account=1)
    assert moved["to"] == DEV5 and moved["device_id"] == str(device_id)
    assert cli.ok("device", "show", str(device_id))["owner"] == DEV5
    # The old owner cannot move it any more.
    expect_error(
        cli("device", "transfer", str(device_id), "--to", "dev:1", account=1),
        4,
        "ERC721InsufficientApproval",
    )

    status = cli.ok("device", "status", str(device_id), "suspended", account=1)
    assert status["status_label"] == "Suspended"
    assert cli.ok("device", "show", str(device_id))["status_label"] == "Suspended"
    expect_error(
        cli("device", "status", str(device_id), "suspended", account=1), 4, "StatusUnchanged"
    )
    expect_error(
        cli("device", "status", str(device_id), "active", account=5), 4, "NotDeviceManager"
    )
    expect_error(
        cli("device", "status", str(device_id), "broken", account=1),
        2,
        "STATUS: 'broken' is not a status",
    )

    rotated = cli.ok("device", "rotate-key", str(device_id), "--new-key", "dev:8", account=1)
    assert rotated["device_key"] == DEV8
    assert cli.ok("device", "show", str(device_id))["device_key"] == DEV8
    expect_error(
        cli("device", "rotate-key", str(device_id), "--new-key", "dev:8", account=1),
        4,
        "DeviceKeyUnchanged",
    )

    history = cli.ok("device", "show", str(device_id), "--history")["history"]
    kinds = [entry["kind"] for entry in history]
    assert kinds[:2] in (["transferred", "registered"], ["registered", "transferred"])
    assert kinds[2:] == ["transferred", "status_changed", "key_rotated"]

    people = cli("device", "show", str(device_id), "--history", json_mode=False)
    assert people.exit_code == 0 and people.stdout == ""
    for text in ("Device", "SN-A1", "HM-200", "Suspended", DEV8, "history", "key_rotated"):
        assert text in people.stderr


def test_device_errors(cli: Any, expect_error: Any) -> None:
    expect_error(cli("device", "show", "12345"), 2, "DeviceNotFound", "12345")
    expect_error(
        cli("device", "register", "SN-X", "--model", "M", "--device-key", "dev:7", account=3),
        4,
        "AccessControlUnauthorizedAccount",
    )
    expect_error(
        cli("device", "register", "SN-X", "--model", "M", "--device-key", "0x1234", account=1),
        2,
        "--device-key: '0x1234' is not an address",
    )
    expect_error(
        cli(
            "device",
            "register",
            "SN-X",
            "--model",
            "M",
            "--device-key",
            "dev:7",
            "--metadata",
            "missing.json",
            account=1,
        ),
        2,
        "--metadata",
        "does not exist",
    )
    expect_error(
        cli("device", "register", "SN-X", "--model", "M" * 40, "--device-key", "dev:7", account=1),
        2,
        "model",
    )
    expect_error(cli("device", "show", "SN-X"), 2, "DEVICE: 'SN-X' is not a device id")
    expect_error(cli("device", "transfer", "1", "--to", "nobody", account=1), 2, "--to")
    expect_error(cli("device", "transfer", "1", "--to", "dev:2"), 2, "--account")


def _write_csv(path: Path, count: int) -> list[str]:
    serials = [f"BATCH-{i:03d}" for i in range(count)]
    lines = ["serial,model,device_key,metadata_hash,owner"]
    lines += [f"{s},HM-200,{Signer.dev(7).address},," for s in serials]
    path.write_text("\n".join(lines) + "\n")
    return serials


def test_register_batch_resumes_after_a_failure(
    cli: Any, expect_error: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fabtrust._binding import Binding
    from fabtrust.errors import NodeUnreachableError

    csv = tmp_path / "devices.csv"
    serials = _write_csv(csv, 5)
    original = Binding.send
    calls = {"n": 0}

    def flaky_send(self: Binding, params: dict[str, Any], *, label: str | None = None) -> Any:
        if label == "DeviceRegistry.registerDevices":
            calls["n"] += 1
            if calls["n"] == 2:  # the node goes away after the first chunk
                raise NodeUnreachableError(self.connection.rpc_url, "connection reset")
        return original(self, params, label=label)

    monkeypatch.setattr(Binding, "send", flaky_send)
    failed = cli("device", "register-batch", str(csv), "--chunk-size", "2", account=1)
    expect_error(failed, 3, "cannot reach the node")
    assert failed.data["complete"] is False
    assert failed.data["landed_rows"] == [1, 2]
    assert failed.data["missing_rows"] == [3, 4, 5]
    people = cli(
        "device", "register-batch", str(csv), "--chunk-size", "2", account=1, json_mode=False
    )
    # (the failure was the second send only: this run goes through)
    assert people.exit_code == 0, people
    assert people.stdout == ""
    assert "3 registered, 2 registered before" in people.stderr

    monkeypatch.setattr(Binding, "send", original)
    third = cli.ok("device", "register-batch", str(csv), account=1)
    assert third["complete"] is True
    assert third["registered"] == 0 and third["already_registered"] == 5
    assert third["chunks"] == 0
    assert [row["serial"] for row in third["devices"]] == serials
    assert [row["row"] for row in third["devices"]] == [1, 2, 3, 4, 5]
    assert {row["device_id"] for row in third["devices"]} == {
        str(device_id_of(DEV1, s)) for s in serials
    }


def test_register_batch_fresh_and_rejected(cli: Any, expect_error: Any, tmp_path: Path) -> None:
    csv = tmp_path / "devices.csv"
    _write_csv(csv, 3)
    done = cli.ok("device", "register-batch", str(csv), account=1)
    assert done["registered"] == 3 and done["already_registered"] == 0
    assert done["chunks"] == 1 and len(done["tx_hashes"]) == 1
    assert all(row["status"] == "registered" for row in done["devices"])

    # Not a manufacturer: the contract refuses, nothing landed, exit 4 with the decoded error.
    other = tmp_path / "other.csv"
    _write_csv(other, 2)
    refused = cli("device", "register-batch", str(other), account=3)
    expect_error(refused, 4, "AccessControlUnauthorizedAccount")
    assert refused.data["landed_rows"] == []

    broken = tmp_path / "broken.csv"
    broken.write_text("serial,model,device_key\nSN-1,HM-200,0xnothex\n")
    expect_error(cli("device", "register-batch", str(broken), account=1), 2, "line 2", "device_key")
    expect_error(
        cli("device", "register-batch", str(tmp_path / "none.csv"), account=1), 2, "does not exist"
    )
