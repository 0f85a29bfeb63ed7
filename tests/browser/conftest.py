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
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.config import ROOT
from tests import forkserver
from tests.conftest import BROWSER, free_port, pg_admin, pg_url_for

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
    # One renderer process for the pages of the demo instead of a new one at each page load (site
    # isolation protects sites from each other, and here there is one site): a third less CPU per load.
    "--renderer-process-limit=1",
    "--disable-site-isolation-trials",
    "--disable-features=site-per-process,IsolateOrigins",
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
    process: forkserver.ForkedProcess
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


@contextlib.contextmanager
def _start_demo(folder: Path, database: str) -> Iterator[Demo]:
    """`python -m bot demo` as a subprocess on a free port, on `database` (a SQLite file or a database URL)."""
    port = free_port()
    log = folder / "demo.log"
    env = {**os.environ, "BOT_TOKEN": "", "LOG_LEVEL": "WARNING"}
    with log.open("wb") as out:
        process = forkserver.start_bot_blocking(
            ["demo", "--port", str(port), "--database", database], env, ROOT, out
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
            process.wait_blocking(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait_blocking(5)


@contextlib.contextmanager
def _start_demo_pg(folder: Path) -> Iterator[Demo]:
    """The demo on a fresh PostgreSQL database of its own, dropped afterwards."""
    name = f"browser_demo_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        with _start_demo(folder, pg_url_for(name)) as running:
            yield running
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def _start_chromium(folder: Path) -> Iterator[Any]:
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
    options.add_argument(f"--user-data-dir={folder / 'profile'}")
    service = Service(executable_path=chromedriver, log_output=str(folder / "chromedriver.log"))
    chrome = webdriver.Chrome(service=service, options=options)
    chrome.set_page_load_timeout(30)
    # the page shows times in the browser's locale and zone: as on a phone in Isernhagen
    chrome.execute_cdp_cmd("Emulation.setLocaleOverride", {"locale": "de-DE"})
    chrome.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})
    try:
        yield chrome
    finally:
        chrome.quit()


class Shared:
    """The demos and the browser that a worker's browser tests share (the tests of a module go on from
    each other's state): started when a test first needs them, stopped once the worker's next test is not a
    browser test. Session fixtures would keep them until the worker's very last test, idle but polling,
    about 25 s of CPU per suite run."""

    stack: ClassVar[contextlib.ExitStack] = contextlib.ExitStack()
    started: ClassVar[dict[str, Any]] = {}

    @classmethod
    def get(cls, key: str, start: Callable[[], contextlib.AbstractContextManager[Any]]) -> Any:
        if key not in cls.started:
            cls.started[key] = cls.stack.enter_context(start())
        return cls.started[key]

    @classmethod
    def stop(cls) -> None:
        cls.started.clear()
        cls.stack.close()  # the browser first, then the demos (last started, first stopped)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield  # the test's own fixtures (tabs, pages) are torn down first
    if nextitem is None or not nextitem.nodeid.startswith(BROWSER):
        Shared.stop()


@pytest.fixture
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo on its own SQLite file (as `python -m bot demo` runs for anyone)."""
    _chromium()  # no browser: skip before starting anything

    def start() -> contextlib.AbstractContextManager[Demo]:
        folder = tmp_path_factory.mktemp("demo")
        return _start_demo(folder, str(folder / "demo.sqlite3"))

    return Shared.get("demo", start)  # type: ignore[no-any-return]


@pytest.fixture
def demo_pg(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The same demo on a fresh PostgreSQL database of its own (started when a test first asks for it)."""
    _chromium()
    return Shared.get("demo_pg", lambda: _start_demo_pg(tmp_path_factory.mktemp("demo_pg")))  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def any_demo(request: pytest.FixtureRequest) -> Demo:
    """The demo on SQLite, then on PostgreSQL: for the console tests that must hold on both."""
    return request.getfixturevalue("demo" if request.param == "sqlite" else "demo_pg")  # type: ignore[no-any-return]


@pytest.fixture
def driver(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Headless Chromium, one per worker while its browser tests run."""
    return Shared.get("driver", lambda: _start_chromium(tmp_path_factory.mktemp("chromium")))


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
