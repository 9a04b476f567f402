"""`fabtrust cert link --metadata FILE`: the nameplate QR code is the device's GS1 Digital Link
asking for the certification info (``?linkType=gs1:certificationInfo``), which the manufacturer's
resolver redirects to the page link; without a GTIN it stays the page link; a metadata document
the chain does not commit to is refused with one line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import segno

from fabtrust.page import GS1_CERTIFICATION_INFO, nameplate_link

SEED = "0x" + "5e" * 32
SPEC = "ISO 4409:2019 hydraulic motor bench test"


def _certify(cli: Any, serial: str, metadata: Path, report: Path, readings: Path) -> str:
    cli.ok(
        "device", "register", serial, "--model", "HM-200", "--device-key", "dev:7",
        "--metadata", str(metadata), account=1,
    )  # fmt: skip
    issued = cli.ok(
        "cert", "issue", "--device", f"dev:1/{serial}", "--report", str(report),
        "--readings", str(readings), "--spec", SPEC, "--pass",
        "--valid-until", "+365d", account=2, env={"FABTRUST_SEED": SEED},  # never on argv
    )  # fmt: skip
    return str(issued["cert_id"])


def _png_of(content: str, path: Path) -> bytes:
    segno.make_qr(content, error="m").save(str(path), scale=6, border=4)
    return path.read_bytes()


def test_qr_is_the_gs1_digital_link_with_a_gtin(
    cli: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    metadata = tmp_path / "meta.json"
    metadata.write_text(json.dumps({"gtin": "9520123456788", "rated_pressure_bar": 250}))
    cert_id = _certify(cli, "SN-Q1", metadata, report_file, readings_csv)
    png = tmp_path / "plate.png"
    data = cli.ok(
        "cert", "link", cert_id, "--metadata", str(metadata), "--qr", str(png),
        "--resolver", "https://id.example.com",
    )  # fmt: skip
    link = "https://id.example.com/01/09520123456788/21/SN-Q1"
    assert data["digital_link"] == link
    assert data["qr_content"] == f"{link}?linkType=gs1:certificationInfo"
    assert data["url"].startswith("http://127.0.0.1:8000/?chain=31337&")
    assert f"cert={cert_id}" in data["url"]
    # the PNG encodes the Digital Link (byte for byte segno's code of it), not the page link
    assert png.read_bytes() == _png_of(data["qr_content"], tmp_path / "expected.png")
    assert png.read_bytes() != _png_of(data["url"], tmp_path / "page.png")
    # people see both: what the QR code holds and where the resolver must send it
    human = cli("cert", "link", cert_id, "--metadata", str(metadata), json_mode=False)
    assert human.exit_code == 0, human
    printed = human.stdout + human.stderr
    assert "https://id.gs1.org/01/09520123456788/21/SN-Q1?linkType=gs1:certificationInfo" in (
        printed
    )
    assert data["url"] in printed
    assert "gs1:certificationInfo" in printed


def test_qr_stays_the_page_link_without_a_gtin(
    cli: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    metadata = tmp_path / "meta.json"
    metadata.write_text(json.dumps({"rated_pressure_bar": 250}))
    cert_id = _certify(cli, "SN-Q2", metadata, report_file, readings_csv)
    svg = tmp_path / "plate.svg"
    with_metadata = cli.ok("cert", "link", cert_id, "--metadata", str(metadata), "--qr", str(svg))
    assert with_metadata["digital_link"] is None
    assert with_metadata["qr_content"] == with_metadata["url"]
    assert svg.is_file()
    without = cli.ok("cert", "link", cert_id)
    assert without["qr_content"] == without["url"] == with_metadata["url"]
    assert without["digital_link"] is None


def test_metadata_the_chain_does_not_commit_to_is_refused(
    cli: Any, expect_error: Any, tmp_path: Path, report_file: Path, readings_csv: Path
) -> None:
    metadata = tmp_path / "meta.json"
    metadata.write_text(json.dumps({"gtin": "9520123456788"}))
    cert_id = _certify(cli, "SN-Q3", metadata, report_file, readings_csv)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"gtin": "9506000134352"}))  # a valid GTIN, but not committed
    png = tmp_path / "plate.png"
    run = cli("cert", "link", cert_id, "--metadata", str(other), "--qr", str(png))
    expect_error(run, 2, "other.json hashes to", "metadata hash on chain")
    assert not png.exists()  # nothing written for a refused link
    expect_error(cli("cert", "link", cert_id, "--metadata", str(tmp_path / "gone.json")), 2, "gone")
    expect_error(
        cli("cert", "link", cert_id, "--metadata", str(metadata), "--resolver", "ftp://x"),
        2,
        "resolver",
    )


def test_nameplate_link_is_the_digital_link_asking_for_certification_info() -> None:
    page = "https://example.com/verify/?deployment=deployments/1.json&cert=0x" + "ab" * 32
    plate = nameplate_link(page=page, digital_link="https://id.gs1.org/01/09520123456788/21/A%2FB")
    assert plate.qr == "https://id.gs1.org/01/09520123456788/21/A%2FB?linkType=" + (
        GS1_CERTIFICATION_INFO
    )
    assert (
        plate.page == page and plate.digital_link == "https://id.gs1.org/01/09520123456788/21/A%2FB"
    )
    assert nameplate_link(page=page, digital_link=None).qr == page
