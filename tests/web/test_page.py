"""The buyer's verification page in a real browser (headless Chromium) against a test Anvil.

Certificates are issued through the SDK; the page is opened from file:// with a certificate link
(`fabtrust.page.page_link`, as `fabtrust cert link` prints it); files are given to its file inputs
as a buyer would drop them. Every verdict is compared with `fabtrust cert verify --json` for the
same files: the page and the CLI must agree check for check, detail for detail.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.evidence import ReadingsTree
from fabtrust.evidence.readings import parse_readings_csv
from fabtrust.page import PageServer, PageTarget, page_link
from fabtrust.testing import LocalAnvil, free_port, generate_bench_readings

SPEC = "ISO 4409:2019 hydraulic motor bench test"
SEED = "0x" + "5e" * 32


# ---- the page ---------------------------------------------------------------------------------


def open_page(browser: Any, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.ready === '1'")
    )


def link(built_page: Path, chain: Any, *, cert: str | None = None, rpc: str | None = None) -> str:
    target = PageTarget.from_deployment_file(chain.deployments / "31337.json")
    return page_link(
        base=built_page.as_uri(), target=target, cert_id=cert, rpc_url=rpc or chain.rpc_url
    )


def run_page(
    browser: Any,
    *,
    report: Path | None = None,
    bundle: Path | None = None,
    readings: Path | None = None,
    shot: Path | None = None,
) -> dict[str, Any]:
    """Give the files to the page, press Verify; the verdict, or {"message": the sentence}."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(By.ID, "clear").click()
    for element_id, path in (
        ("report-input", report),
        ("bundle-input", bundle),
        ("readings-input", readings),
    ):
        if path is not None:
            browser.find_element(By.ID, element_id).send_keys(str(path))
    # the inputs read their files asynchronously: wait until the page lists them
    for element_id, path in (
        ("report-name", report),
        ("bundle-name", bundle),
        ("readings-name", readings),
    ):
        if path is not None:
            WebDriverWait(browser, 30).until(
                lambda d, i=element_id, p=path: p.name in d.find_element(By.ID, i).text
            )
    before = int(browser.execute_script("return document.getElementById('result').dataset.run"))
    browser.find_element(By.ID, "verify").click()
    WebDriverWait(browser, 300).until(
        lambda d: d.execute_script(
            "const r = document.getElementById('result');"
            "return Number(r.dataset.run) > arguments[0] && r.dataset.state !== 'running';",
            before,
        )
    )
    if shot is not None:
        browser.save_screenshot(str(shot))
    state = browser.execute_script("return document.getElementById('result').dataset.state")
    if state == "error":
        return {"message": browser.find_element(By.ID, "message").text}
    text = browser.execute_script("return document.getElementById('verdict-json').textContent")
    return dict(json.loads(text))


def headline(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.ID, "headline").text)


# ---- the chain --------------------------------------------------------------------------------


class Lab:
    """A manufacturer (dev:1) registering motors and an accredited lab (dev:2) certifying them."""

    def __init__(self, chain: Any, folder: Path) -> None:
        self.chain = chain
        self.maker = chain.client(1)
        self.lab = chain.client(2)
        self.folder = folder
        self.count = 0
        self._keys: dict[int, Signer] = {}

    def certify(
        self,
        serial: str,
        *,
        disclose: tuple[int, ...] = (),
        supersedes: str | None = None,
        report_text: str | None = None,
    ) -> tuple[str, Path, Path, ReadingsTree]:
        """Register a motor, bench-test it, issue its certificate; (cert id, report, bundle)."""
        key = Signer.generate()
        if supersedes is None:
            device_id = self.maker.devices.register(
                serial=serial, model="HM-200", key_signer=key
            ).device_id
        else:
            device_id = self.lab.certificates.get(cert_id=supersedes).device_id
            key = self._keys[device_id]
        self._keys[device_id] = key
        readings = parse_readings_csv(
            generate_bench_readings(serial=serial, sensors=4, samples=5, seed=serial)
        )
        tree = ReadingsTree.build(readings, seed=SEED)
        signature = bytes.fromhex(
            self.maker.certificates.sign_data_attestation(
                device=key, device_id=device_id, data_root=tree.root
            )[2:]
        )
        self.count += 1
        report = self.folder / f"{serial}-{self.count}.pdf"
        report.write_text(
            report_text or f"%PDF-1.7 bench test report {serial} #{self.count}: PASS\n"
        )
        now = datetime.fromtimestamp(self.chain.now(), tz=timezone.utc)
        issued = self.lab.certificates.issue(
            device_id=device_id,
            report=report,
            data_root=tree.root,
            test_spec=SPEC,
            passed=True,
            valid_until=now + timedelta(days=365),
            device_signature=signature,
            supersedes=supersedes,
        )
        bundle = self.lab.certificates.make_bundle(
            cert_id=issued.cert_id,
            report=report,
            readings=[tree.proof_for(i) for i in disclose],
        )
        path = bundle.save(self.folder / f"{serial}-{self.count}.bundle.json")
        return issued.cert_id, report, path, tree


def cli_verdict(
    cli: Any, report: Path | None, bundle: Path | None = None, data: Path | None = None
) -> dict[str, Any]:
    args = ["cert", "verify", str(report)]
    if bundle is not None:
        args += ["--bundle", str(bundle)]
    if data is not None:
        args += ["--data", str(data)]
    run = cli(*args)
    assert run.exit_code in (0, 1), run
    return dict(run.data)


def failed(verdict: dict[str, Any]) -> list[str]:
    return [c["name"] for c in verdict["checks"] if c["status"] == "failed"]


# ---- tests ------------------------------------------------------------------------------------


def test_page_verdicts_equal_the_cli(
    browser: Any, built_page: Path, chain: Any, cli: Any, tmp_path: Path, artifacts: Path
) -> None:
    lab = Lab(chain, tmp_path)
    genuine_id, genuine, genuine_bundle, tree = lab.certify("HM-W-1", disclose=(0, 7))
    revoked_id, revoked, _, _ = lab.certify("HM-W-2")
    lab.lab.certificates.revoke(cert_id=revoked_id, reason="bench calibration out of date")
    old_id, old, old_bundle, _ = lab.certify("HM-W-3")
    new_id, _, _, _ = lab.certify("HM-W-3", supersedes=old_id)

    tampered = tmp_path / "HM-W-1-tampered.pdf"
    data = bytearray(genuine.read_bytes())
    data[12] ^= 0x01
    tampered.write_bytes(bytes(data))
    other_chain = tmp_path / "other-chain.bundle.json"
    document = json.loads(genuine_bundle.read_text())
    document["chain_id"] = 11155111
    other_chain.write_text(json.dumps(document))
    proofs = tmp_path / "disclosed.json"
    proofs.write_text(json.dumps([json.loads(tree.proof_for(3).to_json())]))

    def variant(name: str, **changes: Any) -> Path:
        path = tmp_path / f"{name}.bundle.json"
        path.write_text(json.dumps({**json.loads(genuine_bundle.read_text()), **changes}))
        return path

    # the spec's text for people (shown only when it hashes to the chain's spec), a text that does
    # not (the bundle then differs from the chain), a bundle written before its tx was mined
    spec_text = variant("spec-text", test_spec_text=SPEC)
    wrong_text = variant("wrong-text", test_spec_text="ISO 4409:2007 hydraulic motor bench test")
    pending = variant("pending", tx_hash=None, block_number=None)

    open_page(browser, link(built_page, chain))
    cases = [
        ("genuine", genuine, genuine_bundle, None, []),
        ("genuine-readings", genuine, genuine_bundle, proofs, []),
        ("report-alone", genuine, None, None, []),
        ("tampered", tampered, genuine_bundle, None, ["report_digest"]),
        ("tampered-alone", tampered, None, None, ["certificate_on_chain"]),
        ("revoked", revoked, None, None, ["not_revoked"]),
        ("superseded", old, old_bundle, None, ["not_superseded"]),
        ("other-chain", genuine, other_chain, None, ["bundle_matches_chain"]),
        ("spec-text", genuine, spec_text, None, []),
        ("wrong-spec-text", genuine, wrong_text, None, ["bundle_matches_chain"]),
        ("pending-bundle", genuine, pending, None, []),
    ]
    for name, report, bundle, readings, expected in cases:
        page = run_page(
            browser, report=report, bundle=bundle, readings=readings, shot=artifacts / f"{name}.png"
        )
        assert "message" not in page, (name, page)
        assert failed(page) == expected, (name, page["checks"])
        assert page["verified"] is (not expected)
        reference = cli_verdict(cli, report, bundle, readings)
        assert page == reference, name
        if name == "spec-text":
            assert page["test_spec_text"] == SPEC
            facts = browser.execute_script("return document.getElementById('facts').textContent")
            assert SPEC in facts
        if name == "wrong-spec-text":
            assert page["test_spec_text"] is None
            assert "test_spec_text 'ISO 4409:2007" in page["checks"][1]["detail"]
        if expected:
            assert headline(browser).startswith("Not verified"), name
        else:
            assert headline(browser).startswith("Verified"), name
    # nothing but the RPC was asked for anything (no CDN, no upload): every request the page
    # made since it was opened went to the RPC URL
    requested = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert requested and all(url.startswith(chain.rpc_url) for url in requested), requested
    genuine_page = run_page(browser, report=genuine, bundle=genuine_bundle)
    by_hand = browser.execute_script("return document.getElementById('cast').textContent")
    assert f"sha256sum {genuine.name}" in by_hand and genuine_page["cast_call"] in by_hand
    # the verdict's cast commands are shown, one per line: the stored certificate's fields and
    # that it is a valid Pass
    assert len(genuine_page["cast_calls"]) == 2
    assert all(line in by_hand.splitlines() for line in genuine_page["cast_calls"])
    assert '"verifyCertificateFields(' in by_hand
    assert '"isValidPass(bytes32,uint256,bytes32,bytes32)(bool)"' in by_hand
    # a skipped check is shown as skipped, not as passed
    row = browser.execute_script(
        "const r = document.querySelector('#checks tr[data-check=batch_proof]');"
        "return [r.className, r.dataset.status, r.querySelector('.mark').textContent];"
    )
    assert row == ["skipped", "skipped", "\u2013 skipped"], row
    assert genuine_page["skipped_checks"] == ["batch_proof"]
    assert (
        genuine_page["device"]["serial"] == "HM-W-1" and genuine_page["device"]["model"] == "HM-200"
    )
    facts = browser.execute_script("return document.getElementById('facts').textContent")
    assert "serial HM-W-1, model HM-200" in facts and "not checkedbatch proof" in facts
    assert "CertificateIssued(bytes32 indexed certId, uint256 indexed deviceId" in by_hand
    checks = {c["name"]: c for c in genuine_page["checks"]}
    assert checks["device_signature"]["status"] == "ok"
    assert "2 disclosed reading(s)" in checks["data_root"]["detail"]
    assert genuine_page["cert_id"] == genuine_id
    superseded = run_page(browser, report=old)
    assert (
        f"superseded by certificate {new_id}"
        in {c["name"]: c for c in superseded["checks"]}["not_superseded"]["detail"]
    )


def test_batch_bundles_equal_the_cli(
    browser: Any, built_page: Path, chain: Any, cli: Any, tmp_path: Path, artifacts: Path
) -> None:
    from fabtrust.certificates import BatchCertificate

    lab = Lab(chain, tmp_path)
    device_ids = [
        lab.maker.devices.register(
            serial=f"HM-B-{i}", model="HM-200", key_signer=Signer.generate()
        ).device_id
        for i in (1, 2)
    ]
    reports = []
    for i in (1, 2):
        report = tmp_path / f"HM-B-{i}.pdf"
        report.write_text(f"%PDF-1.7 batch report {i}: PASS\n")
        reports.append(report)
    until = chain.now() + 365 * 86400
    leaves = [
        BatchCertificate.create(
            device_id=d, report=r, test_spec=SPEC, passed=True, valid_until=until
        )
        for d, r in zip(device_ids, reports, strict=True)
    ]
    anchored = lab.lab.certificates.anchor_batch(certificates=leaves)
    presented, _ = anchored.certificates
    lab.maker.certificates.present_batch_certificate(
        lab=Signer.dev(2).address, root=anchored.root, leaf=presented.leaf, proof=presented.proof
    )
    bundles = []
    for proof, report in zip(anchored.certificates, reports, strict=True):
        bundle = lab.lab.certificates.make_bundle(batch=proof, report=report)
        bundles.append(bundle.save(tmp_path / f"{report.stem}.bundle.json"))

    open_page(browser, link(built_page, chain))
    for name, report, bundle in (
        ("batch-presented", reports[0], bundles[0]),
        ("batch-pending", reports[1], bundles[1]),
        ("batch-wrong-report", reports[0], bundles[1]),
    ):
        page = run_page(browser, report=report, bundle=bundle, shot=artifacts / f"{name}.png")
        assert page == cli_verdict(cli, report, bundle), name
    unpresented = run_page(browser, report=reports[1], bundle=bundles[1])
    checks = {c["name"]: c for c in unpresented["checks"]}
    assert checks["batch_proof"]["status"] == "ok"
    assert "not presented yet" in checks["certificate_on_chain"]["detail"]
    # a leaf not on chain is asked of the registry through the lab, the root and its proof
    calls = unpresented["cast_calls"]
    assert len(calls) == 1 and '"verifyBatchCertificate(address,bytes32,' in calls[0], calls
    by_hand = browser.execute_script("return document.getElementById('cast').textContent")
    assert calls[0] in by_hand.splitlines()


def test_revoked_lab_and_suspended_device_equal_the_cli(
    browser: Any, built_page: Path, chain: Any, cli: Any, tmp_path: Path, artifacts: Path
) -> None:
    from fabtrust.certificates import BatchCertificate
    from fabtrust.identity import DeviceStatus

    lab = Lab(chain, tmp_path)
    admin = chain.client(0)
    lab_address = Signer.dev(2).address
    _, kept, kept_bundle, _ = lab.certify("HM-L-1")
    suspended_id, suspended, suspended_bundle, _ = lab.certify("HM-L-2")
    suspended_device = lab.lab.certificates.get(cert_id=suspended_id).device_id
    lab.maker.devices.set_status(device_id=suspended_device, status=DeviceStatus.SUSPENDED)
    # a batch leaf anchored (not presented) before the lab's revocation
    leaf_device = lab.maker.devices.register(
        serial="HM-L-3", model="HM-200", key_signer=Signer.generate()
    ).device_id
    leaf_report = tmp_path / "HM-L-3.pdf"
    leaf_report.write_text("%PDF-1.7 batch report HM-L-3: PASS\n")
    leaf = BatchCertificate.create(
        device_id=leaf_device,
        report=leaf_report,
        test_spec=SPEC,
        passed=True,
        valid_until=chain.now() + 365 * 86400,
    )
    (proof,) = lab.lab.certificates.anchor_batch(certificates=[leaf]).certificates
    leaf_bundle = lab.lab.certificates.make_bundle(batch=proof, report=leaf_report).save(
        tmp_path / "HM-L-3.bundle.json"
    )

    open_page(browser, link(built_page, chain))

    def compare(
        name: str, report: Path, bundle: Path | None, expected: list[str]
    ) -> dict[str, Any]:
        page = run_page(browser, report=report, bundle=bundle, shot=artifacts / f"{name}.png")
        assert "message" not in page, (name, page)
        assert failed(page) == expected, (name, page["checks"])
        assert page == cli_verdict(cli, report, bundle), name
        assert headline(browser).startswith("Not verified" if expected else "Verified"), name
        return {c["name"]: c["detail"] for c in page["checks"]}

    detail = compare("device-suspended", suspended, suspended_bundle, ["device_registered"])
    assert "status Suspended: its certificates are not valid" in detail["device_registered"]
    compare("batch-before-revocation", leaf_report, leaf_bundle, [])

    admin.certificates.revoke_accreditation(lab=lab_address)
    detail = compare("lab-revoked", kept, kept_bundle, ["issuer_accredited"])
    assert "the accreditation was revoked on" in detail["issuer_accredited"]
    compare("lab-revoked-report-alone", kept, None, ["issuer_accredited"])
    compare("lab-revoked-batch-leaf", leaf_report, leaf_bundle, ["issuer_accredited"])
    compare(
        "lab-revoked-device-suspended",
        suspended,
        suspended_bundle,
        ["issuer_accredited", "device_registered"],
    )

    # accredited again for a day: what it issued before the revocation stays invalid; what it
    # issues now verifies, and still does once the accreditation has merely expired
    admin.certificates.accredit_lab(
        lab=lab_address, name="Hydraulics Lab", valid_until=chain.now() + 86400
    )
    compare("lab-reaccredited-old", kept, kept_bundle, ["issuer_accredited"])
    chain.travel(1)  # issued in the second of the revocation would count as revoked (seconds)
    _, fresh, fresh_bundle, _ = lab.certify("HM-L-4")
    compare("lab-reaccredited-new", fresh, fresh_bundle, [])
    chain.travel(2 * 86400)
    detail = compare("lab-expired", fresh, fresh_bundle, [])
    assert "the accreditation expired on" in detail["issuer_accredited"]


def test_bad_inputs_give_one_sentence(
    browser: Any, built_page: Path, chain: Any, tmp_path: Path, artifacts: Path
) -> None:
    lab = Lab(chain, tmp_path)
    _, report, bundle, _ = lab.certify("HM-X-1")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    corrupted = tmp_path / "corrupted.bundle.json"
    corrupted.write_text(bundle.read_text()[:-40])
    not_a_report = tmp_path / "holiday.jpg"
    not_a_report.write_bytes(b"\xff\xd8\xff\xe0 not a test report")

    def sentence(result: dict[str, Any]) -> str:
        assert set(result) == {"message"}, result
        text = str(result["message"])
        assert text.endswith(".") and "\n" not in text and len(text) < 400, text
        return text

    open_page(browser, link(built_page, chain))
    assert "empty.pdf is empty" in sentence(run_page(browser, report=empty))
    assert "corrupted.bundle.json is not a certificate bundle: it is not valid JSON" in sentence(
        run_page(browser, report=report, bundle=corrupted, shot=artifacts / "bad-bundle.png")
    )
    csv = tmp_path / "readings.csv"
    csv.write_text("timestamp,channel,value,unit\n2024-05-01T10:00:00Z,P1,212.37,bar\n")
    assert "readings.csv is a readings CSV: the page checks disclosed reading proofs" in sentence(
        run_page(browser, report=report, readings=csv)
    )
    unknown = run_page(browser, report=not_a_report, shot=artifacts / "not-a-report.png")
    assert failed(unknown) == ["certificate_on_chain"]
    assert headline(browser).startswith(
        "Not verified: no certificate on this chain commits to holiday.jpg"
    )

    down = f"http://127.0.0.1:{free_port()}"
    open_page(browser, link(built_page, chain, rpc=down))
    text = sentence(run_page(browser, report=report, shot=artifacts / "rpc-down.png"))
    assert text.startswith(f"The chain could not be read through {down}"), text

    with LocalAnvil(extra_args=("--chain-id", "1337")) as other:
        open_page(browser, link(built_page, chain, rpc=other.url))
        text = sentence(run_page(browser, report=report, shot=artifacts / "wrong-chain.png"))
    assert "is chain 1337, but the deployment file is for chain 31337" in text


def test_big_report_is_hashed_in_slices(
    browser: Any, built_page: Path, chain: Any, tmp_path: Path
) -> None:
    """A 1 GiB report (sparse: zeros) hashes in 8 MiB slices; the JS heap stays far below it."""
    size = 1 << 30
    big = tmp_path / "big-report.bin"
    with big.open("wb") as file:
        file.truncate(size)
    expected = hashlib.sha256()
    zeros = bytes(1 << 24)
    for _ in range(size // len(zeros)):
        expected.update(zeros)

    open_page(browser, link(built_page, chain))
    page = run_page(browser, report=big)
    assert failed(page) == ["certificate_on_chain"]
    assert f"report digest 0x{expected.hexdigest()}" in page["checks"][0]["detail"]
    stats = browser.execute_script("return window.fabtrustHashStats")
    slice_bytes = 8 << 20
    assert stats == {"slices": size // slice_bytes, "largestSlice": slice_bytes, "bytes": size}
    heap = browser.execute_script("return performance.memory.usedJSHeapSize")
    assert heap < 256 << 20, heap


def test_build_is_reproducible_and_self_contained(
    built_page: Path, page_builder: Any, tmp_path: Path
) -> None:
    again = page_builder(tmp_path / "again.html")
    first = built_page.read_bytes()
    assert first == again.read_bytes()
    html = first.decode()
    assert str(Path(__file__).resolve().parents[2]) not in html  # no absolute path of this checkout
    assert "default-src 'none'" in html  # no script, style, image or frame from anywhere
    assert "<script src" not in html and "<link" not in html


def test_served_page_and_cert_link(
    browser: Any, built_page: Path, chain: Any, cli: Any, tmp_path: Path, artifacts: Path
) -> None:
    lab = Lab(chain, tmp_path)
    cert_id, report, bundle, _ = lab.certify("HM-S-1")

    made = cli.ok(
        "cert",
        "link",
        cert_id,
        "--base",
        built_page.as_uri(),
        "--qr",
        str(tmp_path / "qr.svg"),
        "--qr",
        str(tmp_path / "qr.png"),
    )
    assert made["cert_id"] == cert_id and made["chain_id"] == 31337
    assert (tmp_path / "qr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "qr.svg").read_bytes()[:200]
    from_bundle = cli.ok("cert", "link", "--bundle", str(bundle), "--base", built_page.as_uri())
    assert from_bundle["url"] == made["url"]

    # the link alone opens the page on the certificate and verifies it (also when a GS1 resolver
    # redirecting a nameplate's Digital Link to it passes the link type through)
    open_page(browser, made["url"] + "&linkType=gs1:certificationInfo")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script(
            "return document.getElementById('result').dataset.state === 'done'"
        )
    )
    browser.save_screenshot(str(artifacts / "link.png"))
    shown = json.loads(
        browser.execute_script("return document.getElementById('verdict-json').textContent")
    )
    assert shown["verified"] is True and shown["cert_id"] == cert_id
    assert {c["name"]: c for c in shown["checks"]}["report_digest"]["status"] == "skipped"

    # served: the page, the deployment file and the /rpc proxy, on 127.0.0.1
    with PageServer(
        page=built_page, deployments=chain.deployments, rpc_upstream=chain.rpc_url
    ) as server:
        url = page_link(base=server.url, deployment_url="deployments/31337.json", rpc_url="/rpc")
        open_page(browser, url)
        page = run_page(browser, report=report, bundle=bundle, shot=artifacts / "served.png")
        assert page["verified"] is True
        assert page["cast_call"].endswith(f"--rpc-url {server.url}rpc")
        import urllib.error
        import urllib.request

        try:
            urllib.request.urlopen(server.url + "deployments/5.json", timeout=10)
            raise AssertionError("a missing deployment file was served")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404


def test_fabtrust_serve_command(built_page: Path, chain: Any, tmp_path: Path) -> None:
    """`fabtrust serve` (a real process): the page, deployments/<id>.json and the /rpc proxy on
    127.0.0.1; SIGTERM stops it cleanly. It never imports web3."""
    import signal
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    fabtrust = Path(sys.executable).parent / "fabtrust"
    log = (tmp_path / "serve.err").open("w")  # -v import trace: a file, not a pipe to fill up
    process = subprocess.Popen(
        [str(fabtrust), "--json", "--rpc-url", chain.rpc_url, "--deployments", str(chain.deployments),
         "serve", "--port", "0", "--page", str(built_page)],
        stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, "PYTHONVERBOSE": "1"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        text = ""
        while True:
            line = process.stdout.readline()
            assert line, (tmp_path / "serve.err").read_text()[-2000:]
            text += line
            if line.startswith("}"):
                break
        served = json.loads(text)
        assert served["chain_id"] == 31337 and served["rpc"] == chain.rpc_url
        assert served["url"] == served["page"] + "?deployment=deployments/31337.json&rpc=/rpc"
        with urllib.request.urlopen(served["page"], timeout=10) as response:
            assert response.read() == built_page.read_bytes()
        with urllib.request.urlopen(served["page"] + "deployments/31337.json", timeout=10) as r:
            assert json.loads(r.read())["chain_id"] == 31337
        ask = urllib.request.Request(
            served["page"] + "rpc",
            data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(ask, timeout=10) as r:
            assert json.loads(r.read())["result"] == "0x7a69"
        send = urllib.request.Request(
            served["page"] + "rpc",
            data=b'{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0x00"]}',
            headers={"Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(send, timeout=10)
            raise AssertionError("the proxy forwarded a transaction")
        except urllib.error.HTTPError as exc:
            assert exc.code == 403
            assert "only reads the chain" in json.loads(exc.read())["error"]["message"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
        log.close()
    err = (tmp_path / "serve.err").read_text()
    assert process.returncode == 0, err[-2000:]
    imported = [line for line in err.splitlines() if line.startswith("import ")]
    assert imported and not [line for line in imported if "'web3" in line], "web3 imported"


def test_drop_files_after_picking_the_deployment(
    browser: Any, built_page: Path, chain: Any, cli: Any, tmp_path: Path, artifacts: Path
) -> None:
    """No link at all: the buyer picks deployments/31337.json, sets the RPC and drops the report
    and the bundle together; the page sorts them out and verifies at once."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    lab = Lab(chain, tmp_path)
    _, report, bundle, _ = lab.certify("HM-D-1")
    open_page(browser, built_page.as_uri())
    browser.find_element(By.ID, "deployment-input").send_keys(str(chain.deployments / "31337.json"))
    WebDriverWait(browser, 30).until(
        lambda d: "chain 31337" in d.find_element(By.ID, "deployment-name").text
    )
    rpc = browser.find_element(By.ID, "rpc")
    rpc.clear()
    rpc.send_keys(chain.rpc_url)
    # the files the buyer drags in (Selenium cannot drag from the desktop: a DataTransfer with
    # the same File objects is dropped on the drop zone)
    picker = browser.find_element(By.ID, "any-input")
    picker.send_keys(f"{report}\n{bundle}")
    browser.execute_script(
        "const files = document.getElementById('any-input').files;"
        "const dt = new DataTransfer(); for (const f of files) dt.items.add(f);"
        "document.getElementById('any-input').value = '';"
        "document.getElementById('drop').dispatchEvent("
        "  new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));"
    )
    WebDriverWait(browser, 120).until(
        lambda d: (
            d.execute_script("return document.getElementById('result').dataset.state") == "done"
        )
    )
    browser.save_screenshot(str(artifacts / "dropped.png"))
    page = json.loads(
        browser.execute_script("return document.getElementById('verdict-json').textContent")
    )
    assert page == cli_verdict(cli, report, bundle)
    assert page["verified"] is True
    assert browser.find_element(By.ID, "bundle-name").text == bundle.name


def test_cert_link_errors(cli: Any, chain: Any, tmp_path: Path) -> None:
    from cli_conftest import assert_one_line_error

    assert_one_line_error(cli("cert", "link"), 2, "CERT", "--bundle")
    lab = Lab(chain, tmp_path)
    cert_id, _, bundle, _ = lab.certify("HM-L-1")
    document = json.loads(bundle.read_text())
    document["registry"] = "0x" + "11" * 20
    moved = tmp_path / "moved.bundle.json"
    moved.write_text(json.dumps(document))
    assert_one_line_error(cli("cert", "link", "--bundle", str(moved)), 2, "names registry")
    assert_one_line_error(
        cli("cert", "link", cert_id, "--qr", str(tmp_path / "qr.gif")), 2, ".svg or .png"
    )
    down = f"http://127.0.0.1:{free_port()}"
    run = cli("--rpc-url", down, "cert", "link", cert_id)
    assert_one_line_error(run, 3, down)
