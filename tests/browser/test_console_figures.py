"""The console's figures page in headless Chromium, through the real console and the real bot of
`python -m bot demo`: questions asked in the chat (by the Ukrainian refugee) show on the figures page at once,
in their language, outcome and topic, and the CSV the page offers holds exactly the numbers of its tables.

A screenshot of the figures goes into docs/screenshots/console-figures.png (README).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.figures.tables import from_csv
from tests.browser.conftest import Demo
from tests.browser.pages import Tabs, faq_entry, tr

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1100, "height": 1400, "deviceScaleFactor": 1, "mobile": False}
TOPICS = ("german-courses", "kita")  # two topics, asked with their own example questions
ELSEWHERE = "Хто виграв чемпіонат світу з футболу?"  # "who won the football world cup?": no topic
CELLS_JS = """
return Array.from(document.querySelectorAll('td[data-cell]')).map(td => [td.dataset.cell, td.textContent]);
"""
CSV_JS = """
const done = arguments[arguments.length - 1];
fetch(document.getElementById('figures-csv').href, {credentials: 'same-origin'})
  .then(r => r.text()).then(done, e => done('failed: ' + e));
"""


@pytest.fixture
def console(driver: Any, demo: Demo) -> Iterator[Tabs]:
    """The chat in one tab, the console in another (as in the inbox's test)."""
    opened = Tabs(driver, demo)
    try:
        yield opened
    finally:
        opened.close()


def cells(driver: Any) -> dict[tuple[str, str, str], str]:
    """Every number of the page's tables: (table, row, column) -> as shown (German: 1.234,5)."""
    return {tuple(key.split("|")): text.strip() for key, text in driver.execute_script(CELLS_JS)}


def number(shown: str) -> float:
    return float(shown.replace(".", "").replace(",", ".")) if shown else 0.0


def same(shown: str, exported: str) -> bool:
    """A cell of the page and of the CSV: the same number (German on the page), or the same text."""
    try:
        return number(shown) == float(exported or 0)
    except ValueError:
        return shown == exported


def figures_page(console: Tabs) -> dict[tuple[str, str, str], str]:
    console.to_console()
    console.driver.get(f"{console.demo.url}/console/figures?days=7")
    console.wait.until(lambda d: d.find_elements(console.By.ID, "t-outcomes"))
    return cells(console.driver)


def test_questions_asked_in_the_bot_show_on_the_figures_page_and_in_its_csv(
    console: Tabs, driver: Any, screenshot_dir: Path
) -> None:
    tabs = console
    tabs.login()
    before = figures_page(tabs)

    chat = tabs.to_chat()
    chat.open("refugee-uk")
    seen = len(chat.messages("bot"))
    chat.send("/start lang-uk")
    chat.bot_text(tr("uk", "What would you like to do?"), "the Ukrainian menu", seen)
    for slug in TOPICS:
        question, title = faq_entry("uk", slug)["questions"][0], faq_entry("uk", slug)["title"]
        assert tabs.ask(question).startswith(title)  # answered with confidence
    tabs.ask(ELSEWHERE)

    after = figures_page(tabs)

    def grew(key: tuple[str, str, str]) -> float:
        return number(after.get(key, "")) - number(before.get(key, ""))

    assert grew(("questions_per_day", "total", "uk")) == 3
    assert grew(("questions_per_day", "total", "total")) == 3
    assert grew(("outcomes", "answer", "questions")) == 2
    assert grew(("outcomes", "suggest", "questions")) + grew(("outcomes", "unknown", "questions")) == 1
    for slug in TOPICS:
        assert grew(("topics", slug, "questions")) == 1

    csv_text = driver.execute_async_script(CSV_JS)
    exported = from_csv(csv_text.lstrip("\ufeff"))
    assert after, "no numbers on the page"
    for key, value in after.items():
        assert key in exported, key
        assert same(value, exported[key]), (key, value, exported[key])
    assert set(exported) == set(after)  # nothing only in the CSV

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", LAPTOP)
    try:
        tabs.driver.get(f"{tabs.demo.url}/console/figures?days=30")
        tabs.wait.until(lambda d: d.find_elements(tabs.By.CSS_SELECTOR, "svg.chart title"))
        assert "Zahlen" in driver.title
        driver.execute_script("window.scrollTo(0, 0)")
        assert driver.save_screenshot(str(screenshot_dir / "console-figures.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
