"""The console's events page in headless Chromium, through the real console and the real bot of
`python -m bot demo` (SQLite and PostgreSQL), the chat in one tab and the console in another:

- an organizer creates an event in the console with German, Arabic and Ukrainian titles (the other languages
  machine-translated by the demo's stand-in, marked to review); an Arabic and a Ukrainian reader see their
  own titles in the bot's /events;
- the Arabic reader registers a family of 4 in the chat: the console shows 4 registered and 4 places fewer,
  and the attendance list has the registration with its 4 people.

A screenshot of the event's page goes into docs/screenshots/console-events.png (README).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.text import Translator
from tests.browser.pages import Tabs, start_in, tr

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
WIDE = {"width": 1600, "height": 1500, "deviceScaleFactor": 1, "mobile": False}


def set_value(tabs: Tabs, field_id: str, value: str) -> None:
    """A field's value as a person leaves it (date and time inputs take their value in ISO form)."""
    element = tabs.driver.find_element(tabs.By.ID, field_id)
    tabs.driver.execute_script("arguments[0].value = arguments[1]", element, value)


def event_facts(tabs: Tabs) -> dict[str, str]:
    facts = tabs.driver.find_element(tabs.By.ID, "event-facts")
    return {name: str(facts.get_attribute(f"data-{name}")) for name in ("event", "taken", "free")}


def events_in_chat(tabs: Tabs, persona: str, lang: str, title: str) -> Any:
    """The reader's /events in the chat: the card with `title`."""
    start_in(tabs, persona, lang)
    chat = tabs.to_chat()
    seen = len(chat.messages("bot"))
    chat.send("/events")
    return chat.bot_message(lambda m: title in chat.text_of(m), f"the event card in {lang}", seen)


def test_an_event_in_three_languages_and_a_family_of_four(
    tabs: Tabs, driver: Any, screenshot_dir: Path
) -> None:
    token = secrets.token_hex(3)  # this run's event, whatever the demo holds
    titles = {"de": f"Familienfest {token}", "ar": f"حفلة العائلة {token}", "uk": f"Сімейне свято {token}"}
    day = (datetime.now(BERLIN) + timedelta(days=2)).date().isoformat()

    tabs.login()
    driver.get(f"{tabs.demo.url}/console/events")
    driver.find_element(tabs.By.ID, "new-event").click()
    tabs.wait.until(lambda d: d.find_elements(tabs.By.ID, "f-title_ar"))
    title_ar = driver.find_element(tabs.By.ID, "f-title_ar")
    assert (title_ar.get_attribute("dir"), title_ar.get_attribute("lang")) == ("rtl", "ar")
    for field_id, value in (("f-day", day), ("f-start", "16:00"), ("f-end", "18:00")):
        set_value(tabs, field_id, value)
    driver.find_element(tabs.By.ID, "f-venue").send_keys("Gemeindehaus (SAMPLE)")
    driver.find_element(tabs.By.ID, "f-capacity").send_keys("10")
    for lang, title in titles.items():
        driver.find_element(tabs.By.ID, f"f-title_{lang}").send_keys(title)
    driver.find_element(tabs.By.ID, "save-event").click()
    tabs.wait.until(lambda d: d.find_elements(tabs.By.ID, "event-facts"))
    facts = event_facts(tabs)
    assert (facts["taken"], facts["free"]) == ("0", "10")
    event_url = driver.current_url
    # typed titles as typed; a language left empty machine-translated, marked to review
    assert driver.find_element(tabs.By.CSS_SELECTOR, '[data-lang="fa"] .state-review')
    assert not driver.find_elements(tabs.By.CSS_SELECTOR, '[data-lang="ar"] .state-review')

    # the Ukrainian reader sees the Ukrainian title (not the German one)
    card_uk = events_in_chat(tabs, "refugee-uk", "uk", titles["uk"])
    assert titles["de"] not in tabs.chat.text_of(card_uk)

    # the Arabic reader sees the Arabic title and registers a family of 4
    chat = tabs.chat
    card = events_in_chat(tabs, "refugee", "ar", titles["ar"])
    assert titles["de"] not in chat.text_of(card)
    chat.press(card, "✋")
    question = tr("ar", "How many people are coming, you included?")
    card = chat.bot_message(
        lambda m: titles["ar"] in chat.text_of(m) and question in chat.text_of(m), "the question"
    )
    chat.press(card, "4")
    # the card says the registration, with its number (the Arabic form for 4, the number isolated)
    registered = Translator("ar").n_(
        "✅ You are registered: {n} person. We will remind you before it starts.",
        "✅ You are registered: {n} people. We will remind you before it starts.",
        4,
    )
    chat.bot_message(
        lambda m: titles["ar"] in chat.text_of(m) and registered in chat.text_of(m),
        "the card with the registration of 4",
    )

    # the console: 4 registered, 4 places fewer, the registration with its people
    tabs.to_console()
    driver.get(event_url)
    tabs.wait.until(lambda d: event_facts(tabs)["taken"] == "4")
    assert event_facts(tabs)["free"] == "6"
    rows = driver.find_elements(tabs.By.CSS_SELECTOR, "table.events-attendance tbody tr")
    assert [row.get_attribute("data-people") for row in rows] == ["4"]
    assert driver.find_element(tabs.By.ID, "attendance-total").text == "4"
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", WIDE)
    try:
        driver.execute_script("window.scrollTo(0, 0)")
        assert driver.save_screenshot(str(screenshot_dir / "console-events.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get(f"{tabs.demo.url}/console/events")
    row = driver.find_element(tabs.By.ID, f"event-{facts['event']}")
    assert (row.get_attribute("data-taken"), row.get_attribute("data-capacity")) == ("4", "10")
    assert tabs.demo.control("/_emu/violations") == []
