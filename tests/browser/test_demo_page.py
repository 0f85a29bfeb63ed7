"""The demo chat page in headless Chromium: Arabic laid out right to left, inline buttons, a question and
its answer, switching to the organizer and back; screenshots in Arabic, Ukrainian and German for the README.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.languages import own_name
from tests.browser.conftest import Demo
from tests.browser.pages import (
    MENU,
    ChatPage,
    assert_left_to_right,
    assert_right_to_left,
    faq_entry,
    tr,
)

pytestmark = pytest.mark.browser

FAQ_BUTTON = "❓ Questions and answers"
FLYER_BUTTON = "🖨 QR flyer"


@pytest.fixture
def page(driver: Any, demo: Demo) -> ChatPage:
    return ChatPage(driver, demo)


def test_arabic_conversation_organizer_and_back(page: ChatPage, screenshot_dir: Path) -> None:
    page.open("refugee")
    page.send("/start")
    question = page.bot_text(tr("ar", "Hello! Please choose your language."), "the language question")
    arabic = page.button(question, own_name("ar"))
    assert arabic.get_attribute("textContent").startswith("✅")  # suggested from the phone's language
    arabic.click()  # an inline button

    menu = page.bot_text(tr("ar", MENU), "the menu in Arabic")
    assert_right_to_left(page.layout(menu))
    for message in page.messages("bot"):
        if page.text_of(message).strip():
            assert_right_to_left(page.layout(message))  # every bot message of this chat is Arabic now

    seen = len(page.messages("bot"))
    page.press(menu, tr("ar", FAQ_BUTTON))  # another inline button: the FAQ topics
    topics = page.bot_message(
        lambda m: bool(m.find_elements("css selector", ".kb button")), "FAQ topics", seen
    )
    assert_right_to_left(page.layout(topics))

    entry = faq_entry("ar")
    asked = entry["questions"][0]
    seen = len(page.messages("bot"))
    page.send(asked)
    mine = page.messages("user")[-1]
    answer = page.bot_message(lambda m: entry["title"] in page.text_of(m), "the answer to the question", seen)
    opening = entry["answer"].split("{")[0].split("\n")[0].strip()
    assert opening[:30] in page.text_of(answer)
    assert_right_to_left(page.layout(answer))
    page.screenshot(screenshot_dir / "demo-ar.png", start=mine)

    # the organizer: German, with the organizers' menu (the QR flyer among it)
    page.choose("organizer")
    page.wait(
        lambda: not any(asked == page.text_of(m) for m in page.messages("user")), "the organizer's chat"
    )
    seen = len(page.messages("bot"))
    page.send("/menu")
    organizer_menu = page.bot_text(tr("de", MENU), "the organizer's menu", seen)
    assert_left_to_right(page.layout(organizer_menu))
    seen = len(page.messages("bot"))
    page.press(organizer_menu, tr("de", FLYER_BUTTON))
    document = page.bot_message(
        lambda m: bool(m.find_elements("css selector", "a.doc")), "the flyer PDF", seen
    )
    assert "qr-flyer-" in document.find_element("css selector", "a.doc").get_attribute("textContent")

    # and back: the refugee's conversation is still there and goes on in Arabic
    page.choose("refugee")
    page.wait(lambda: any(asked == page.text_of(m) for m in page.messages("user")), "the refugee's history")
    assert page.messages("bot") and any(entry["title"] in page.text_of(m) for m in page.messages("bot"))
    seen = len(page.messages("bot"))
    page.send("/menu")
    again = page.bot_text(tr("ar", MENU), "the Arabic menu again", seen)
    assert_right_to_left(page.layout(again))
    assert page.demo.control("/_emu/violations") == []


@pytest.mark.parametrize("lang", ["uk", "de"])
def test_screenshot_in_language(page: ChatPage, screenshot_dir: Path, lang: str) -> None:
    page.open("refugee")
    page.send(f"/start lang-{lang}")  # as from the flyer's code for this language
    menu = page.bot_text(tr(lang, MENU), f"the menu in {lang}")
    assert_left_to_right(page.layout(menu))
    entry = faq_entry(lang)
    seen = len(page.messages("bot"))
    page.send(entry["questions"][0])
    mine = page.messages("user")[-1]
    answer = page.bot_message(lambda m: entry["title"] in page.text_of(m), "the answer", seen)
    assert_left_to_right(page.layout(answer))
    page.screenshot(screenshot_dir / f"demo-{lang}.png", start=mine)
    assert page.demo.control("/_emu/violations") == []
