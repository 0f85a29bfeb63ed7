"""The console's counselling schedule in headless Chromium, through the real console and the real bot of
`python -m bot demo` (SQLite and PostgreSQL), the chat in one tab and the console in another:

- weekly hours added in the console (Sundays, no sample hours that day) are offered to a refugee in /book
  at once; a closed day for that Sunday takes them away again;
- the same hours added a second time are refused next to the form, and nothing is added.

A screenshot of the week view goes into docs/screenshots/console-schedule.png (README).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.text import Translator
from tests.browser.pages import Tabs, start_in, tr

pytestmark = pytest.mark.browser

TOPIC_KEY, TOPIC = "papers", "Papiere und Behörden"  # the demo's topic (sample_data/schedule.yaml)
WIDE = {"width": 1400, "height": 2000, "deviceScaleFactor": 1, "mobile": False}


def next_sunday() -> date:
    """A Sunday at least a day ahead (the demo runs on the real clock)."""
    today = date.today()
    return today + timedelta(days=(6 - today.weekday()) % 7 or 7)


def offered_days(tabs: Tabs) -> list[str]:
    """/book in the chat, the topic chosen: the day buttons the refugee is offered."""
    chat = tabs.to_chat()
    seen = len(chat.messages("bot"))
    chat.send("/book")
    topics = chat.bot_message(lambda m: any(TOPIC in label for label in chat.labels(m)), "the topics", seen)
    chat.press(topics, TOPIC)
    asked = tr("de", "{topic}: Which day suits you?").split("{topic}")[1]
    return chat.bot_labels(lambda m: asked in chat.text_of(m), "the days of the topic", seen)


def fill(tabs: Tabs, form_id: str, values: dict[str, str]) -> None:
    """Set the form's fields (time and date inputs by value: typing into them depends on the locale)."""
    form = tabs.driver.find_element(tabs.By.ID, form_id)
    for name, value in values.items():
        field = form.find_element(tabs.By.NAME, name)
        if field.tag_name == "select":
            tabs.Select(field).select_by_value(value)
        else:
            tabs.driver.execute_script("arguments[0].value = arguments[1]", field, value)
    form.find_element(tabs.By.CSS_SELECTOR, "button[type=submit]").click()


def weekly_rows(tabs: Tabs) -> list[str]:
    return [
        str(row.get_attribute("data-rule"))
        for row in tabs.driver.find_elements(tabs.By.CSS_SELECTOR, "#weekly-rules tr[data-rule]")
    ]


SUNDAY_HOURS = {
    "weekday": "7",
    "start": "08:00",
    "end": "08:30",
    "topic": TOPIC_KEY,
    "venue": "beratungsraum",
    "counsellor": "beratung-a",
    "every": "30",
    "capacity": "1",
}


def test_weekly_hours_from_the_console_reach_book_and_a_closed_day_removes_them(
    tabs: Tabs, driver: Any, screenshot_dir: Path
) -> None:
    sunday = next_sunday()
    label = Translator("de").date(sunday)
    start_in(tabs, "refugee", "de")
    assert label not in offered_days(tabs)

    tabs.login()
    week = "{}-W{:02d}".format(*sunday.isocalendar()[:2])
    driver.get(f"{tabs.demo.url}/console/schedule?week={week}")
    before = weekly_rows(tabs)
    fill(tabs, "weekly-form", SUNDAY_HOURS)
    tabs.wait.until(lambda d: d.find_elements(tabs.By.CSS_SELECTOR, ".notice[role=status]"))
    added = [rule for rule in weekly_rows(tabs) if rule not in before]
    assert len(added) == 1
    sunday_slots = driver.find_elements(
        tabs.By.CSS_SELECTOR, f'section[data-day="{sunday.isoformat()}"] li[data-slot][data-status="open"]'
    )
    assert len(sunday_slots) == 1

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", WIDE)
    try:
        driver.execute_script("window.scrollTo(0, 0)")
        assert driver.save_screenshot(str(screenshot_dir / "console-schedule.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    assert label in offered_days(tabs)  # the same bot, at once

    # the same hours again: refused next to the form, nothing added
    tabs.to_console()
    driver.get(f"{tabs.demo.url}/console/schedule?week={week}")
    fill(tabs, "weekly-form", SUNDAY_HOURS)
    problem = tabs.wait.until(lambda d: d.find_elements(tabs.By.CSS_SELECTOR, '[data-problem="weekly"]'))
    assert f"#{added[0]}" in problem[0].text and problem[0].get_attribute("role") == "alert"
    assert weekly_rows(tabs) == before + added

    # a closed day for that Sunday (this topic only): the refugee is not offered it any more
    fill(tabs, "closure-form", {"day": sunday.isoformat(), "topic": TOPIC_KEY, "reason": "Test"})
    tabs.wait.until(lambda d: d.find_elements(tabs.By.CSS_SELECTOR, ".notice[role=status]"))
    assert driver.find_elements(tabs.By.CSS_SELECTOR, f'#closures tr[data-day="{sunday.isoformat()}"]')
    assert label not in offered_days(tabs)
    assert tabs.demo.control("/_emu/violations") == []
