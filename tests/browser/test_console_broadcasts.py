"""The console's broadcasts page in headless Chromium, through the real console and the real bot of
`python -m bot demo` (SQLite and PostgreSQL):

- three readers (Arabic, Farsi, Ukrainian) subscribe to a topic in the bot; an organizer composes a
  broadcast in the console with a text per language. An Arabic text in the Farsi box warns, naming
  Arabic; corrected, the warning goes. The preview shows the three languages with readers. Scheduled a few
  seconds ahead (the date-time field takes seconds), it is delivered at its time by the bot's dispatch
  job and outbox, each reader in their own language (read through the emulator's control API), and its
  delivery report per language shows in the console.

Screenshots of the compose page and the history go into docs/screenshots/console-broadcasts.png and
console-broadcasts-history.png (README).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.demo import REFUGEE_FA_ID, REFUGEE_ID, REFUGEE_UK_ID
from tests.browser.conftest import Demo
from tests.browser.pages import TIMEOUT, console_login

pytestmark = pytest.mark.browser

TOPIC_ROW = 3  # the fourth topic a visitor may subscribe to ("families"): no other browser test uses it
GERMAN = "Liebe Familien, am Samstag um 10 Uhr basteln wir zusammen mit den Kindern."
TEXTS = {
    "ar": "أيتها العائلات العزيزة، يوم السبت في الساعة العاشرة نصنع أشياء جميلة مع الأطفال.",
    "fa": "خانواده‌های عزیز، روز شنبه ساعت ده با بچه‌ها کاردستی درست می‌کنیم.",
    "uk": "Дорогі родини, у суботу о десятій ми разом з дітьми робимо вироби.",
}
READERS = {"ar": REFUGEE_ID, "fa": REFUGEE_FA_ID, "uk": REFUGEE_UK_ID}
BERLIN = ZoneInfo("Europe/Berlin")
DELIVERY_TIMEOUT = 60.0  # the demo's dispatch job wakes every 20 s
WIDE = {"width": 1400, "height": 3000, "deviceScaleFactor": 1, "mobile": False}


def bot_messages(demo: Demo, chat_id: int) -> list[dict[str, Any]]:
    return [m for m in demo.control(f"/_emu/chats/{chat_id}/messages") if m["from_bot"]]


def wait_for(condition: Any, what: str, demo: Demo, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}\n{demo.log_tail(20)}")


def subscribe(demo: Demo, user_id: int, lang: str) -> int:
    """The reader starts the bot in `lang` and switches on the topic in row TOPIC_ROW of /subscribe (unless
    it is on already); the topic's id."""
    seen = len(bot_messages(demo, user_id))
    demo.control("/_emu/message", {"user_id": user_id, "text": f"/start lang-{lang}"})
    wait_for(lambda: len(bot_messages(demo, user_id)) > seen, f"/start in {lang}", demo)
    seen = len(bot_messages(demo, user_id))
    demo.control("/_emu/message", {"user_id": user_id, "text": "/subscribe"})

    def topics() -> dict[str, Any] | None:
        for message in bot_messages(demo, user_id)[seen:]:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            if rows and rows[0][0].get("callback_data", "").startswith("sub:"):
                return message
        return None

    message = wait_for(topics, "the topics of /subscribe", demo)
    button = message["reply_markup"]["inline_keyboard"][TOPIC_ROW][0]
    topic_id = int(button["callback_data"].rsplit(":", 1)[1])
    if not button["text"].startswith("✅"):
        demo.control(
            "/_emu/press",
            {"user_id": user_id, "message_id": message["message_id"], "data": button["callback_data"]},
        )

        def switched_on() -> bool:
            now = next(m for m in bot_messages(demo, user_id) if m["message_id"] == message["message_id"])
            return now["reply_markup"]["inline_keyboard"][TOPIC_ROW][0]["text"].startswith("✅")

        wait_for(switched_on, f"the topic switched on for {lang}", demo)
    return topic_id


@pytest.fixture
def console(driver: Any, any_demo: Demo) -> Iterator[Any]:
    console_login(driver, any_demo)
    yield driver


def type_into(driver: Any, lang: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.ID, f"text-{lang}")
    box.clear()
    box.send_keys(text)


def save(driver: Any) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.ID, "save")
    old.click()

    def left_the_page(_: Any) -> bool:
        """The button's page is gone: the next page, not the one the button was on. Asked while the page
        is replaced, Chromium may answer "Node with given id does not belong to the document" instead of
        "stale element" (selenium's staleness_of lets that through: it failed a local run of the suite)."""
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    wait = WebDriverWait(driver, TIMEOUT, poll_frequency=0.1)
    wait.until(left_the_page)
    wait.until(lambda d: d.find_elements(By.ID, "check"))
    assert not driver.find_elements(By.ID, "problem")


def test_a_broadcast_scheduled_in_the_console_reaches_each_reader_in_their_language(
    console: Any, any_demo: Demo, screenshot_dir: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver, demo = console, any_demo
    topic_ids = {subscribe(demo, uid, lang) for lang, uid in READERS.items()}
    assert len(topic_ids) == 1
    topic_id = topic_ids.pop()
    before = {uid: len(bot_messages(demo, uid)) for uid in READERS.values()}

    driver.get(f"{demo.url}/console/broadcasts/new")
    Select(driver.find_element(By.ID, "topic")).select_by_value(str(topic_id))
    type_into(driver, "de", GERMAN)
    type_into(driver, "ar", TEXTS["ar"])
    type_into(driver, "fa", TEXTS["ar"])  # Arabic in the Farsi box
    type_into(driver, "uk", TEXTS["uk"])
    save(driver)
    warning = driver.find_element(By.CSS_SELECTOR, "#box-fa .bc-warning")
    assert warning.get_attribute("data-looks-like") == "ar"
    assert "العربية" in warning.text  # it names the language the text looks like
    assert not driver.find_elements(By.CSS_SELECTOR, "#box-ar .bc-warning, #box-uk .bc-warning")
    box = driver.find_element(By.ID, "text-fa")
    assert (box.get_attribute("dir"), box.get_attribute("lang")) == ("rtl", "fa")

    type_into(driver, "fa", TEXTS["fa"])  # corrected: the warning goes
    save(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, ".bc-warning")
    previews = {
        p.get_attribute("data-lang"): p for p in driver.find_elements(By.CSS_SELECTOR, "#check .bc-preview")
    }
    assert {"ar", "fa", "uk"} <= set(previews)  # the languages with readers (others have none)
    for lang, text in TEXTS.items():
        bubble = previews[lang].find_element(By.CSS_SELECTOR, ".tg-bubble")
        assert bubble.text.startswith(text) and bubble.get_attribute("dir") == (
            "ltr" if lang == "uk" else "rtl"
        )
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", WIDE)
    try:
        driver.execute_script("window.scrollTo(0, 0)")
        assert driver.save_screenshot(str(screenshot_dir / "console-broadcasts.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # a few seconds ahead: the field takes seconds
    at = (datetime.now(BERLIN) + timedelta(seconds=6)).replace(microsecond=0)
    field = driver.find_element(By.ID, "at")
    driver.execute_script("arguments[0].value = arguments[1]", field, at.strftime("%Y-%m-%dT%H:%M:%S"))
    driver.find_element(By.ID, "schedule").click()
    state = wait_for(lambda: driver.find_elements(By.ID, "state"), "the planned broadcast", demo)[0]
    assert state.get_attribute("data-state") in ("scheduled", "sending")
    detail = driver.current_url.split("#")[0]

    for lang, uid in READERS.items():

        def delivered(uid: int = uid) -> list[dict[str, Any]]:
            return [
                m
                for m in bot_messages(demo, uid)[before[uid] :]
                if GERMAN[:20] in m["text"] or any(t[:20] in m["text"] for t in TEXTS.values())
            ]

        got = wait_for(delivered, f"the broadcast for {lang}", demo, DELIVERY_TIMEOUT)
        assert got[0]["text"].startswith(TEXTS[lang]), (lang, got[0]["text"])  # their own language
        assert got[0]["date"] >= int(at.timestamp())  # not before its time

    def reported() -> bool:
        driver.get(detail)
        rows = {
            r.get_attribute("data-lang"): r
            for r in driver.find_elements(By.CSS_SELECTOR, "table.bc-report tr")
        }
        return all(lang in rows and rows[lang].get_attribute("data-delivered") == "1" for lang in READERS)

    wait_for(reported, "the delivery report per language", demo)
    driver.get(f"{demo.url}/console/broadcasts")
    item = driver.find_element(By.CSS_SELECTOR, f"#broadcast-{detail.rstrip('/').rsplit('/', 1)[1]}")
    assert item.find_element(By.CSS_SELECTOR, 'tr[data-lang="uk"]').get_attribute("data-delivered") == "1"
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**WIDE, "height": 1200})
    try:
        assert driver.save_screenshot(str(screenshot_dir / "console-broadcasts-history.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert demo.control("/_emu/violations") == []
