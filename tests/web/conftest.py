"""Fixtures for the verification page's tests: the built page, headless Chromium, a test Anvil.

`chain`/`cli` are the CLI tests' fixtures (tests/cli/conftest.py: Anvil with the contracts
deployed, dev:1 a manufacturer, dev:2 an accredited lab), loaded from there rather than copied.
`built_page` builds the page once per session (`node web/build.mjs`, as `make web` does).
`browser` is the Debian Chromium driven by Selenium through /usr/bin/chromedriver (Selenium
Manager is never asked to download anything); without it the browser tests skip, naming the
command that installs it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "reports" / "web"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "apt-get install -y chromium chromium-driver (as root; or run `make web-browser`)"


def _load_cli_fixtures() -> Any:
    spec = importlib.util.spec_from_file_location(
        "cli_conftest", ROOT / "tests" / "cli" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["cli_conftest"] = module
    spec.loader.exec_module(module)
    return module


_cli = _load_cli_fixtures()
cli_chain = _cli.cli_chain
chain = _cli.chain
cli = _cli.cli
ChainFixture = _cli.ChainFixture


def build_page(out: Path) -> Path:
    """Build the page into ``out`` with the pinned esbuild (node web/build.mjs)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node not found: the page is built with Node (run `make web`)")
    subprocess.run(
        [node, str(ROOT / "web" / "build.mjs"), str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def page_builder() -> Any:
    """``page_builder(out)``: build the page into ``out`` (see :func:`build_page`)."""
    return build_page


@pytest.fixture(scope="session")
def built_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_page(tmp_path_factory.mktemp("web") / "index.html")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"headless Chromium is not installed: {INSTALL_HINT}")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager: never download a driver or browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1100,1500",
        "--allow-file-access-from-files",
        "--enable-precise-memory-info",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """reports/web/: screenshots of each verdict (gitignored test artifacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
