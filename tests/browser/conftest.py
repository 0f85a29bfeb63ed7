"""Headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) against `python -m bot demo`.

Nothing is downloaded: the driver path is given to Selenium, so Selenium Manager is never asked, and
SE_OFFLINE keeps it offline should anything call it. Without Chromium, chromedriver or selenium the
tests are skipped with a message that says what to install (test.sh installs them when it can).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.config import ROOT
from tests.conftest import free_port, pg_admin, pg_url_for

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMEDRIVER_PATHS = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=480,900",
    "--force-device-scale-factor=1",
    "--lang=de-DE",
)
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "docs" / "screenshots")
INSTALL_HINT = "install the Debian packages chromium and chromium-driver (test.sh does when run as root)"


def _chromium() -> tuple[str, str]:
    browser = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    driver = shutil.which("chromedriver") or next((p for p in CHROMEDRIVER_PATHS if Path(p).is_file()), None)
    if browser is None or driver is None:
        missing = " and ".join(n for n, p in (("Chromium", browser), ("chromedriver", driver)) if p is None)
        pytest.skip(f"browser tests skipped: {missing} not found; {INSTALL_HINT}")
    return browser, driver


@dataclass
class Demo:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """The emulator's control API (/_emu/...), as the page uses it."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            headers={"Content-Type": "application/json"},
            method="POST" if data else "GET",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _start_demo(folder: Path, database: str) -> Iterator[Demo]:
    """`python -m bot demo` as a subprocess on a free port, on `database` (a SQLite file or a database URL)."""
    port = free_port()
    log = folder / "demo.log"
    env = {**os.environ, "BOT_TOKEN": "", "LOG_LEVEL": "WARNING"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "demo", "--port", str(port), "--database", database],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Demo(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the demo stopped (exit {process.returncode}):\n{running.log_tail()}")
            with contextlib.suppress(OSError):
                running.control("/_emu/config")
                if b"Demo chat:" in log.read_bytes():  # the bot is wired up and starts polling
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"the demo did not start within 60 s:\n{running.log_tail()}")
            time.sleep(0.2)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo on its own SQLite file (as `python -m bot demo` runs for anyone)."""
    _chromium()  # no browser: skip before starting anything
    folder = tmp_path_factory.mktemp("demo")
    yield from _start_demo(folder, str(folder / "demo.sqlite3"))


@pytest.fixture(scope="session")
def demo_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The same demo on a fresh PostgreSQL database of its own (started when a test first asks for it)."""
    _chromium()
    name = f"browser_demo_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield from _start_demo(tmp_path_factory.mktemp("demo_pg"), pg_url_for(name))
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def any_demo(request: pytest.FixtureRequest) -> Demo:
    """The demo on SQLite, then on PostgreSQL: for the console tests that must hold on both."""
    return request.getfixturevalue("demo" if request.param == "sqlite" else "demo_pg")


@pytest.fixture(scope="session")
def driver(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="browser tests skipped: pip install selenium"
    )
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a browser or driver
    os.environ["SE_AVOID_STATS"] = "true"
    browser, chromedriver = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    service = Service(
        executable_path=chromedriver,
        log_output=str(tmp_path_factory.mktemp("chromedriver") / "log"),
    )
    chrome = webdriver.Chrome(service=service, options=options)
    chrome.set_page_load_timeout(30)
    # the page shows times in the browser's locale and zone: as on a phone in Isernhagen
    chrome.execute_cdp_cmd("Emulation.setLocaleOverride", {"locale": "de-DE"})
    chrome.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})
    try:
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture
def tabs(driver: Any, any_demo: Demo) -> Iterator[Any]:
    """The chat page and the console in two tabs of one browser, on the demo on SQLite and on PostgreSQL."""
    from tests.browser.pages import Tabs  # (pages.py imports this module's Demo)

    opened = Tabs(driver, any_demo)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
