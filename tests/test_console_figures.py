"""The console's figures page (console/pages/figures.py) on SQLite and PostgreSQL: the page shows the
numbers stored for the chosen period, in German and English, with an SVG chart that has a title; the CSV
download holds exactly the numbers of the page's tables; a login is needed for both."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from bot.config import load_settings
from bot.faq import feedback
from bot.faq.service import build_service
from bot.figures.tables import from_csv
from storage.repositories import figures as repo
from tests.console_support import ConsoleTest, console_fixture  # noqa: F401

CELL = re.compile(r'<td data-label="[^"]*" data-cell="([^"|]+)\|([^"|]+)\|([^"|]+)">([^<]*)</td>')


@pytest.fixture(scope="module", autouse=True)
def faq_loaded() -> None:
    build_service(load_settings(_env_file=None))  # topic titles come from the FAQ, built once


async def seed(console: ConsoleTest) -> dict[str, int]:
    """Questions on three days (one before the last 7 days), a vote; what each language got in 7 days."""
    today = console.clock.now().astimezone(console.ctx.settings.tz).date()
    counts = [(today, "ar", "german-courses", "answer", 4), (today, "fa", "", "unknown", 2),
              (today - timedelta(days=3), "de", "german-courses", "answer", 3),
              (today - timedelta(days=10), "uk", "", "suggest", 5)]  # fmt: skip
    async with console.sessionmaker() as session:
        for day, lang, slug, outcome, n in counts:
            for _ in range(n):
                await repo.add_questions(session, {(day, lang, slug, outcome): 1})
        await feedback.vote(session, console.clock, slug="german-courses", lang="ar", helpful=False)
        await session.commit()
    return {"ar": 4, "fa": 2, "de": 3}


def page_cells(page: str) -> dict[tuple[str, str, str], str]:
    return {(t, r, c): html.unescape(v) for t, r, c, v in CELL.findall(page)}


def as_csv_number(shown: str) -> str:
    """A number as the German page shows it (1.234,5) as the CSV writes it (1234.5)."""
    return shown.replace(".", "").replace(",", ".")


async def test_the_page_shows_the_stored_numbers_and_the_csv_the_same(console: ConsoleTest) -> None:
    last_week = await seed(console)
    client = await console.login()
    page = await client.text("/console/figures?days=7")
    assert "Zahlen" in page or "Figures" in page
    cells = page_cells(page)
    for lang, n in last_week.items():
        assert cells[("questions_per_day", "total", lang)] == str(n)
    assert cells[("questions_per_day", "total", "uk")] == "0"  # its questions were 10 days ago
    assert cells[("outcomes", "answer", "questions")] == "7"
    assert cells[("outcomes", "answer", "percent")] == "77,8"  # 7 of 9, as a German reader writes it
    assert cells[("topics", "german-courses", "down")] == "1"
    # the SVG charts are well-formed and named
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(svgs) == 5
    for svg in svgs:
        assert ET.fromstring(svg).find("{http://www.w3.org/2000/svg}title") is not None

    download = await client.get("/console/figures.csv?days=7")
    assert download.status == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in download.headers["Content-Disposition"]
    exported = from_csv((await download.read()).decode("utf-8-sig"))
    assert {key: as_csv_number(v) for key, v in cells.items()} == {
        key: v for key, v in exported.items() if key[0] != "broadcasts"
    }

    wider = page_cells(await client.text("/console/figures?days=30"))
    assert wider[("questions_per_day", "total", "uk")] == "5"


async def test_english_page_and_an_unknown_range(console: ConsoleTest) -> None:
    await seed(console)
    client = await console.login()
    await client.get("/console/language/en?next=/console/figures")
    page = await client.text("/console/figures?days=12345")  # not offered: the default, 30 days
    assert "How questions were answered" in page and "Last 30 days" in page
    assert 'aria-current="page">Last 30 days' in page
    assert page_cells(page)[("outcomes", "answer", "percent")] == "50.0"  # 7 of 14


async def test_figures_need_a_login(console: ConsoleTest) -> None:
    stranger = await console.browser()
    for path in ("/console/figures", "/console/figures.csv"):
        response = await stranger.get(path)
        assert response.status == 401
        assert "text/csv" not in response.headers.get("Content-Type", "")
