"""The demo chat page as a person uses it (ids and classes of emulator/static/chat.html), shared by the
browser tests: write, tap, reply to a message, send a sample photo or voice note, open the command menu.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import ROOT
from bot.demo import ORGANIZER_ID
from bot.i18n import catalogs
from bot.yamlfile import read_yaml
from tests.browser.conftest import Demo

MENU = "What would you like to do?"
FAQ_SLUG = "german-courses"
TIMEOUT = 20.0


def tr(lang: str, msgid: str) -> str:
    return catalogs().gettext(lang, msgid)


def faq_entry(lang: str, slug: str = FAQ_SLUG) -> dict[str, Any]:
    data = read_yaml(ROOT / "locales" / "faq" / f"{lang}.yaml")
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


# The messages and their texts in one WebDriver call: a wait looks every 0.1 s, and asking for each message's
# text in a call of its own cost Chromium, chromedriver and the test about a third of the browser tests' CPU.
MESSAGES_JS = """
return Array.from(document.querySelectorAll(arguments[0]), (m) => {
  const body = m.querySelector('.body');
  return [m, body ? body.textContent : '', m.dataset.id || ''];
});
"""


class ChatPage:
    """The demo page as a person uses it (ids and classes of bot/emulator/static/chat.html)."""

    def __init__(self, driver: Any, demo: Demo) -> None:
        from selenium.common.exceptions import (
            StaleElementReferenceException,
            TimeoutException,
            WebDriverException,
        )
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select, WebDriverWait

        self.driver, self.demo = driver, demo
        self.By, self.Select, self.Wait = By, Select, WebDriverWait
        # the page re-renders a message when it changes: an element found a moment ago may be gone
        self.stale, self.timeout = StaleElementReferenceException, TimeoutException
        self.webdriver_error = WebDriverException
        self.texts: dict[str, str] = {}  # element id → text, of the messages the last messages() found
        self.message_ids: dict[str, str] = {}  # element id → the message's id in the chat (data-id)

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
        wait = self.Wait(self.driver, timeout, poll_frequency=0.1, ignored_exceptions=(self.stale,))

        def attempt(_driver: Any) -> Any:
            try:
                return condition()
            except self.webdriver_error as exc:
                # Chromium's other word for a stale element, while the page re-renders (it failed a local
                # run of the console's broadcast test): look again
                if "does not belong to the document" in (exc.msg or ""):
                    return False
                raise

        try:
            return wait.until(attempt)
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
        found = self.driver.execute_script(MESSAGES_JS, f"#messages .msg{'.' + kind if kind else ''}")
        self.texts = {message.id: str(text) for message, text, _ in found}
        self.message_ids.update({message.id: str(number) for message, _, number in found if number})
        return [message for message, _text, _number in found]

    def text_of(self, message: Any) -> str:
        """The message's text: as messages() read it (a message that changes is rendered anew, as a new
        element), else asked of the page."""
        if message.id in self.texts:
            return self.texts[message.id]
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
        raise AssertionError(f"no button {label!r} in {self.labels(message)}")

    def press(self, message: Any, label: str) -> None:
        """Click the message's button: on the message as the page shows it now, should it have been
        rendered anew since it was found (its buttons' "pending" look, an edit the bot sends in two steps)."""

        def click() -> bool:
            current = self.driver.find_elements(
                self.By.CSS_SELECTOR, f'#messages .msg[data-id="{self.message_ids.get(message.id, "")}"]'
            )
            self.button(current[0] if current else message, label).click()
            return True

        self.wait(click, f"the button {label!r}")

    def labels(self, message: Any) -> list[str]:
        return [
            str(b.get_attribute("textContent"))
            for b in message.find_elements(self.By.CSS_SELECTOR, ".kb button")
        ]

    def bot_labels(self, predicate: Callable[[Any], bool], what: str, after: int = 0) -> list[str]:
        """The button labels of the first bot message after `after` for which `predicate` holds, read while
        waiting: a message that changes is rendered anew, so its element can be gone a moment later."""

        def find() -> tuple[list[str]] | None:
            message = next((m for m in self.messages("bot")[after:] if predicate(m)), None)
            return None if message is None else (self.labels(message),)

        return self.wait(find, what)[0]

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

    def screenshot(self, path: Path, start: Any | None = None, end: Any | None = None) -> None:
        """Save the window; with `start`, that message (and a little before it) is at the top; with `end`,
        that message is at the bottom."""
        self.settle()
        if start is not None:
            self.driver.execute_script(
                "arguments[0].scrollIntoView({block: 'start'}); document.getElementById('scroller').scrollTop -= 48;",
                start,
            )
            time.sleep(0.3)
        elif end is not None:
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'end'});", end)
            time.sleep(0.3)
        assert self.driver.save_screenshot(str(path)), f"no screenshot written to {path}"
        assert path.stat().st_size > 5000


def assert_right_to_left(layout: dict[str, Any]) -> None:
    assert layout["direction"] == "rtl", layout
    assert layout["right"] - layout["first_right"] < 4, f"the first letter is not at the right edge: {layout}"


def assert_left_to_right(layout: dict[str, Any]) -> None:
    assert layout["direction"] == "ltr", layout
    assert layout["first_left"] - layout["left"] < 4, f"the first letter is not at the left edge: {layout}"


class ConversationPage(ChatPage):
    """ChatPage with what a conversation needs: reply to a message, send a sample file, the command menu."""

    def by_id(self, element_id: str) -> Any:
        return self.driver.find_element(self.By.ID, element_id)

    def reply_to(self, message: Any) -> None:
        """ "↩︎ Reply" under a message: the quote stands above the input until sent or dropped."""
        message.find_element(self.By.CSS_SELECTOR, ".reply-btn").click()
        self.wait(lambda: self.by_id("replying").is_displayed(), "the quote above the input")

    def quoted(self) -> str:
        return str(self.by_id("replying-text").get_attribute("textContent"))

    def send_sample(self, kind: str) -> Any:
        """📎 → the sample photo of a letter (`photo`), a sample letter for the letter reader
        (`letter-jobcenter`, ...) or the voice note (`voice`); returns my message."""
        selector = ".voice" if kind == "voice" else "img.photo"  # a sample letter is a photo too
        before = len(self.messages("user"))
        self.by_id("open-attach").click()
        self.wait(lambda: self.by_id("attach").is_displayed(), "the attachments")
        self.by_id(f"send-{kind}").click()

        def mine() -> Any:
            sent = self.messages("user")[before:]
            return next((m for m in sent if m.find_elements(self.By.CSS_SELECTOR, selector)), None)

        return self.wait(mine, f"my {kind}")

    def open_commands(self) -> list[tuple[str, str]]:
        """The "/" menu: (command, description) as the page lists them, once loaded."""
        self.by_id("open-commands").click()

        def items() -> list[tuple[str, str]]:
            found = self.driver.find_elements(self.By.CSS_SELECTOR, "#commands button[data-command]")
            return [
                (
                    str(b.get_attribute("data-command")),
                    str(b.find_element(self.By.CSS_SELECTOR, ".desc").get_attribute("textContent")),
                )
                for b in found
            ]

        return list(self.wait(items, "the command menu"))

    def choose_command(self, command: str) -> None:
        self.driver.find_element(self.By.CSS_SELECTOR, f'#commands button[data-command="{command}"]').click()
        self.wait(lambda: any(self.text_of(m) == f"/{command}" for m in self.messages("user")), f"/{command}")

    def fits_width(self) -> bool:
        """Nothing sticks out sideways (a phone-width screen scrolls only up and down)."""
        return bool(
            self.driver.execute_script(
                "const d = document.documentElement; return d.scrollWidth <= d.clientWidth + 1;"
            )
        )


CONSOLE_LINK = re.compile(r"https?://[^\s\"\\]+/console/login\?t=[\w-]+")


def link_from_the_bot(demo: Demo, command: str, link: re.Pattern[str]) -> str:
    """`command` from the organizer in the demo chat: the first link matching `link` the bot answers with."""
    chat = f"/_emu/chats/{ORGANIZER_ID}/messages"
    seen = len(demo.control(chat))
    demo.control("/_emu/message", {"user_id": ORGANIZER_ID, "text": command})
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for message in demo.control(chat)[seen:]:
            found = link.search(json.dumps(message, ensure_ascii=False))
            if found:
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no link from {command}:\n{demo.log_tail(15)}")


def login_link(demo: Demo) -> str:
    """/console from the organizer in the demo chat: the one-time link the bot answers with."""
    return link_from_the_bot(demo, "/console", CONSOLE_LINK)


def console_login(driver: Any, demo: Demo) -> None:
    """The organizer logged in to the console in this tab, as a person does: /console in the bot, the link,
    the "Log in" button. Nothing to do when the browser's session cookie (kept between tests) still holds."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{demo.url}/console")
    if driver.find_elements(By.CSS_SELECTOR, "form.logout"):
        return
    driver.get(login_link(demo))
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").send_keys(Keys.ENTER)
    WebDriverWait(driver, TIMEOUT, poll_frequency=0.1).until(
        lambda d: d.current_url.rstrip("/").endswith("/console")
    )


class Tabs:
    """The chat page in one tab, the console in another: each keeps its state while the other is used."""

    def __init__(self, driver: Any, demo: Demo) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select, WebDriverWait

        self.driver, self.demo, self.By, self.Select = driver, demo, By, Select
        self.wait = WebDriverWait(driver, 20, poll_frequency=0.1)
        self.chat = ChatPage(driver, demo)
        self.chat_tab = driver.current_window_handle
        driver.switch_to.new_window("tab")
        self.console_tab = driver.current_window_handle

    def to_chat(self) -> ChatPage:
        self.driver.switch_to.window(self.chat_tab)
        return self.chat

    def to_console(self) -> None:
        self.driver.switch_to.window(self.console_tab)

    def close(self) -> None:
        self.driver.switch_to.window(self.console_tab)
        self.driver.close()
        self.driver.switch_to.window(self.chat_tab)

    def ask(self, text: str) -> str:
        """The refugee of the open chat asks in the chat; the bot's reply."""
        chat = self.to_chat()
        seen = len(chat.messages("bot"))
        chat.send(text)
        return chat.text_of(chat.bot_message(lambda m: True, f"the reply to {text!r}", seen))

    def login(self) -> None:
        self.to_console()
        console_login(self.driver, self.demo)


def start_in(tabs: Tabs, persona: str, lang: str) -> None:
    """The chat of `persona`, started in `lang`: the bot's menu shown."""
    chat = tabs.to_chat()
    chat.open(persona)
    seen = len(chat.messages("bot"))
    chat.send(f"/start lang-{lang}")
    chat.bot_text(tr(lang, "What would you like to do?"), f"the menu in {lang}", seen)
    chat.settle(0.5)
