"""The demo chat page in headless Chromium: Arabic laid out right to left, inline buttons, a question and
its answer, switching to the organizer and back; screenshots in Arabic, Ukrainian and German for the README.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import ROOT
from bot.i18n import catalogs
from bot.languages import own_name
from tests.browser.conftest import Demo

pytestmark = pytest.mark.browser

MENU = "What would you like to do?"
FAQ_BUTTON = "❓ Questions and answers"
FLYER_BUTTON = "🖨 QR flyer"
FAQ_SLUG = "german-courses"
TIMEOUT = 20.0


def tr(lang: str, msgid: str) -> str:
    return catalogs().gettext(lang, msgid)


def faq_entry(lang: str, slug: str = FAQ_SLUG) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "locales" / "faq" / f"{lang}.yaml").read_text(encoding="utf-8"))
    return next(entry for entry in data["entries"] if entry["slug"] == slug)


# How a piece of text is laid out: direction, and where its first character stands in its box.
LAYOUT_JS = """
const body = arguments[0];
const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
let node = walker.nextNode();
while (node && !node.textContent.trim()) node = walker.nextNode();
const start = node.textContent.search(/\\S/);
const range = document.createRange();
range.setStart(node, start);
range.setEnd(node, start + 1);
const first = range.getBoundingClientRect();
const box = body.getBoundingClientRect();
return {direction: getComputedStyle(body).direction, first_left: first.left, first_right: first.right,
        left: box.left, right: box.right};
"""


class ChatPage:
    """The demo page as a person uses it (ids and classes of bot/emulator/static/chat.html)."""

    def __init__(self, driver: Any, demo: Demo) -> None:
        from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select, WebDriverWait

        self.driver, self.demo = driver, demo
        self.By, self.Select, self.Wait = By, Select, WebDriverWait
        # the page re-renders a message when it changes: an element found a moment ago may be gone
        self.stale, self.timeout = StaleElementReferenceException, TimeoutException

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
        wait = self.Wait(self.driver, timeout, poll_frequency=0.1, ignored_exceptions=(self.stale,))
        try:
            return wait.until(lambda _d: condition())
        except self.timeout:
            texts = [self.text_of(m) for m in self.messages()][-6:]
            raise AssertionError(
                f"timed out waiting for {what}; last messages: {texts}\n{self.demo.log_tail(15)}"
            ) from None

    def open(self, persona: str = "refugee") -> None:
        """A fresh chat: the emulator forgets earlier messages (the bot's database keeps the people)."""
        self.demo.control("/_emu/reset", {})
        self.driver.get("about:blank")  # a real page load, not just a new #fragment
        self.driver.get(f"{self.demo.url}/#{persona}")
        self.wait(lambda: self.persona() == persona, f"persona {persona}")

    def persona(self) -> str:
        options = self.driver.find_elements(self.By.CSS_SELECTOR, "#persona option")
        return (
            self.Select(self.driver.find_element(self.By.ID, "persona")).first_selected_option.get_attribute(
                "value"
            )
            if options
            else ""
        )

    def choose(self, persona: str) -> None:
        self.Select(self.driver.find_element(self.By.ID, "persona")).select_by_value(persona)
        self.wait(lambda: self.persona() == persona, f"persona {persona}")

    def messages(self, kind: str = "") -> list[Any]:
        return self.driver.find_elements(self.By.CSS_SELECTOR, f"#messages .msg{'.' + kind if kind else ''}")

    @staticmethod
    def text_of(message: Any) -> str:
        bodies = message.find_elements("css selector", ".body")
        return str(bodies[0].get_attribute("textContent")) if bodies else ""

    def send(self, text: str) -> None:
        box = self.driver.find_element(self.By.ID, "text")
        box.clear()
        box.send_keys(text)
        self.driver.find_element(self.By.ID, "send").click()
        self.wait(lambda: any(self.text_of(m) == text for m in self.messages("user")), f"my message {text!r}")

    def bot_message(self, predicate: Callable[[Any], bool], what: str, after: int = 0) -> Any:
        """The first bot message after the first `after` ones for which `predicate` holds."""

        def find() -> Any:
            return next((m for m in self.messages("bot")[after:] if predicate(m)), None)

        return self.wait(find, what)

    def bot_text(self, text: str, what: str, after: int = 0) -> Any:
        return self.bot_message(lambda m: self.text_of(m) == text, what, after)

    def button(self, message: Any, label: str) -> Any:
        for button in message.find_elements(self.By.CSS_SELECTOR, ".kb button"):
            if label in str(button.get_attribute("textContent")):
                return button
        labels = [
            b.get_attribute("textContent") for b in message.find_elements(self.By.CSS_SELECTOR, ".kb button")
        ]
        raise AssertionError(f"no button {label!r} in {labels}")

    def layout(self, message: Any) -> dict[str, float | str]:
        return dict(
            self.driver.execute_script(LAYOUT_JS, message.find_element(self.By.CSS_SELECTOR, ".body"))
        )

    def settle(self, seconds: float = 1.0) -> None:
        """Let the page poll once more and finish (pending buttons, scrolling) before a screenshot."""
        self.wait(
            lambda: not self.driver.find_elements(self.By.CSS_SELECTOR, ".kb button.pending"), "buttons"
        )
        time.sleep(seconds)

    def screenshot(self, path: Path, start: Any | None = None) -> None:
        """Save the window; with `start`, that message (and a little before it) is at the top."""
        self.settle()
        if start is not None:
            self.driver.execute_script(
                "arguments[0].scrollIntoView({block: 'start'}); document.getElementById('scroller').scrollTop -= 48;",
                start,
            )
            time.sleep(0.3)
        assert self.driver.save_screenshot(str(path)), f"no screenshot written to {path}"
        assert path.stat().st_size > 5000


def assert_right_to_left(layout: dict[str, Any]) -> None:
    assert layout["direction"] == "rtl", layout
    assert layout["right"] - layout["first_right"] < 4, f"the first letter is not at the right edge: {layout}"


def assert_left_to_right(layout: dict[str, Any]) -> None:
    assert layout["direction"] == "ltr", layout
    assert layout["first_left"] - layout["left"] < 4, f"the first letter is not at the left edge: {layout}"


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
    page.button(menu, tr("ar", FAQ_BUTTON)).click()  # another inline button: the FAQ topics
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
    page.button(organizer_menu, tr("de", FLYER_BUTTON)).click()
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
