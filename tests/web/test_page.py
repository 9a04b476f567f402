"""The buyer's verification page in a real browser (headless Chromium) against a test Anvil.

Certificates are issued through the SDK; the page is opened from file:// with a certificate link
(`fabtrust.page.page_link`, as `fabtrust cert link` prints it); files are given to its file inputs
as a buyer would drop them. Every verdict is compared with `fabtrust cert verify --json` for the
same files: the page and the CLI must agree check for check, detail for detail.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fabtrust.accounts import Signer
from fabtrust.evidence import ReadingsTree, generate_bench_readings
from fabtrust.evidence.readings import parse_readings_csv
from fabtrust.page import PageTarget, page_link

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
        signature = self.maker.devices.sign_data_root(
            key_signer=key, device_id=device_id, data_root=tree.root
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
    return [c["name"] for c in verdict["checks"] if not c["ok"]]


# ---- tests ------------------------------------------------------------------------------------


def test_page_verdicts_equal_the_cli(
    browser: Any, built_page: Path, chain: Any, cli: Any, tmp_path: Path, artifacts: Path
) -> None:
    lab = Lab(chain, tmp_path)
    genuine_id, genuine, genuine_bundle, tree = lab.certify("HM-W-1", disclose=(0, 7))
    revoked_id, revoked, revoked_bundle, _ = lab.certify("HM-W-2")
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
        if expected:
            assert headline(browser).startswith("Not verified"), name
        else:
            assert headline(browser).startswith("Verified"), name
    genuine_page = run_page(browser, report=genuine, bundle=genuine_bundle)
    checks = {c["name"]: c for c in genuine_page["checks"]}
    assert not checks["device_signature"]["skipped"] and checks["device_signature"]["ok"]
    assert "2 disclosed reading(s)" in checks["data_root"]["detail"]
    assert genuine_page["cert_id"] == genuine_id
    superseded = run_page(browser, report=old)
    assert (
        f"superseded by certificate {new_id}"
        in {c["name"]: c for c in superseded["checks"]}["not_superseded"]["detail"]
    )
