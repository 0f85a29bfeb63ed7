"""The console's FAQ editor in headless Chromium, through the real console and the real bot of
`python -m bot demo`, the chat in one tab and the console in another:

- an organizer logs in with the link from /console, edits the Arabic answer of a topic (with Telegram's
  bold), and a refugee asking in Arabic in the chat gets the new text at once (the same process: no
  restart; a second process: tests/e2e/test_multiprocess_faq.py);
- an answer with `<script>` and broken HTML is refused with the reason, shown as harmless text (nothing
  runs, the page has no script), and the bot keeps answering with the saved text.

A screenshot of the editor with the Arabic answer goes into docs/screenshots/console-faq-ar.png (README).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import Tabs, faq_entry, start_in

pytestmark = pytest.mark.browser

TOPIC = "sewing-group"  # no other browser test asks about it
NEW_ANSWER = "مجموعة الخياطة تلتقي الآن كل يوم سبت. <b>الماكينات والقماش مجانية.</b> تعالوا متى شئتم."
SHOWN = "مجموعة الخياطة تلتقي الآن كل يوم سبت. الماكينات والقماش مجانية. تعالوا متى شئتم."
EVIL = "مرحبا <script>window.pwned = 1</script> <b>مفتوح"
WIDE = {"width": 1600, "height": 1900, "deviceScaleFactor": 1, "mobile": False}


def start_in_arabic(tabs: Tabs) -> None:
    start_in(tabs, "refugee", "ar")


def arabic_card(tabs: Tabs) -> Any:
    return tabs.driver.find_element(tabs.By.ID, "lang-ar")


def save_arabic(tabs: Tabs, answer: str) -> None:
    """Type the answer into the Arabic card and press its Save button."""
    card = arabic_card(tabs)
    box = card.find_element(tabs.By.NAME, "answer")
    box.clear()
    box.send_keys(answer)
    card.find_element(tabs.By.CSS_SELECTOR, "form.faq-form button.primary").click()


def test_the_arabic_answer_edited_in_the_console_reaches_the_refugee_at_once(
    tabs: Tabs, driver: Any, screenshot_dir: Path
) -> None:
    entry = faq_entry("ar", TOPIC)
    question, title = entry["questions"][0], entry["title"]
    start_in_arabic(tabs)
    before = tabs.ask(question)
    assert before.startswith(title) and SHOWN not in before

    tabs.login()
    driver.get(f"{tabs.demo.url}/console/faq")
    row = driver.find_element(tabs.By.CSS_SELECTOR, f'a[href="/console/faq/{TOPIC}"]')
    row.click()
    tabs.wait.until(lambda d: d.find_elements(tabs.By.ID, "lang-ar"))
    box = arabic_card(tabs).find_element(tabs.By.NAME, "answer")
    assert (box.get_attribute("dir"), box.get_attribute("lang")) == ("rtl", "ar")
    assert driver.execute_script("return getComputedStyle(arguments[0]).direction", box) == "rtl"

    save_arabic(tabs, NEW_ANSWER)
    notice = tabs.wait.until(lambda d: d.find_elements(tabs.By.CSS_SELECTOR, ".notice[role=status]"))
    assert "Gespeichert" in notice[0].text
    bubble = arabic_card(tabs).find_element(tabs.By.CSS_SELECTOR, ".tg-bubble")
    bold = [b.text for b in bubble.find_elements(tabs.By.TAG_NAME, "b")]
    assert bold == [title, "الماكينات والقماش مجانية."]  # the title and the answer's bold, as Telegram

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", WIDE)
    try:
        driver.execute_script("window.scrollTo(0, 0)")  # the notice, the languages, then the cards
        assert driver.save_screenshot(str(screenshot_dir / "console-faq-ar.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    after = tabs.ask(question)  # the same bot, no restart
    assert after.startswith(title) and SHOWN in after, after

    # <script> and broken HTML: refused with the reason, shown as text, nothing runs, nothing saved
    tabs.to_console()
    save_arabic(tabs, EVIL)
    alert = tabs.wait.until(lambda d: d.find_elements(tabs.By.CSS_SELECTOR, "#lang-ar [role=alert]"))
    assert "<script>" in alert[0].text  # the reason names the tag (as text)
    assert driver.execute_script("return window.pwned") is None
    assert driver.execute_script("return document.scripts.length") == 0
    box = arabic_card(tabs).find_element(tabs.By.NAME, "answer")
    assert box.get_attribute("value") == EVIL  # what was typed stays, to be corrected
    assert box.get_attribute("aria-invalid") == "true"
    bubble = arabic_card(tabs).find_element(tabs.By.CSS_SELECTOR, ".tg-bubble")
    assert "<script>" in bubble.text and not bubble.find_elements(tabs.By.TAG_NAME, "b")  # all as text
    assert SHOWN in tabs.ask(question)  # the bot still answers with what was saved
    assert tabs.demo.control("/_emu/violations") == []
