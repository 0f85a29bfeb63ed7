"""The console's inbox in headless Chromium, through the real console and the real bot of `python -m bot demo`,
the chat in one tab and the console in another:

- a Farsi question the bot could not answer is in the inbox (its text right to left); the organizer adds it
  as an example question of a topic, and the same question asked again in the bot gets that topic at once;
- the organizer answers another question from the inbox, and the asker receives the answer in the chat,
  in Farsi (the demo's stand-in translation, plainly marked) with the organizer's German original.

A screenshot of the inbox goes into docs/screenshots/console-inbox.png (README).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.pages import Tabs, faq_entry, start_in, tr

pytestmark = pytest.mark.browser

FIRST = "کجا می‌توانم لاک‌پشت غذا بدهم؟"  # "where can I feed turtles?": no topic knows it
ALIKE = "کجا می‌توانم لاک‌پشت‌ها را غذا بدهم"  # the same in the plural: one group with it
SECOND = "کجا میتوانم ماهیگیری کنم"  # "where can I go fishing?": nor this one
TOPIC = "events"
ANSWER = "Angeln ist am Altwarmbüchener See mit Angelschein erlaubt. Fragen Sie uns gern nach dem Schein."
LAPTOP = {"width": 1100, "height": 1000, "deviceScaleFactor": 1, "mobile": False}


class InboxTabs(Tabs):
    """The two tabs, with the inbox's own steps."""

    def inbox_group(self, question: str) -> Any:
        """The inbox, freshly loaded: the group that holds `question`."""
        self.to_console()
        self.driver.get(f"{self.demo.url}/console/inbox")

        def group() -> Any:
            for section in self.driver.find_elements(self.By.CSS_SELECTOR, "section.inbox-group"):
                found = section.find_elements(self.By.CSS_SELECTOR, ".question-text")
                texts = [t.get_attribute("textContent") for t in found]  # also those behind "show more"
                if question in texts:
                    return section
            return None

        return self.wait.until(lambda _d: group())

    def act(self, section: Any, action: str, fill: dict[str, str], select: dict[str, str]) -> str:
        """Open an action of a group, fill it in, press its button; the notice on the page it leads to."""
        details = section.find_element(self.By.CSS_SELECTOR, f'details[data-action="{action}"]')
        details.find_element(self.By.TAG_NAME, "summary").click()
        for name, value in fill.items():
            details.find_element(self.By.NAME, name).send_keys(value)
        for name, value in select.items():
            self.Select(details.find_element(self.By.NAME, name)).select_by_value(value)
        details.find_element(self.By.CSS_SELECTOR, f'button[value="{action}"]').click()
        notice = self.wait.until(lambda d: d.find_elements(self.By.CSS_SELECTOR, ".notice[role=status]"))
        return str(notice[0].text)


@pytest.fixture
def tabs(driver: Any, demo: Demo) -> Iterator[InboxTabs]:
    opened = InboxTabs(driver, demo)
    try:
        yield opened
    finally:
        opened.close()


def start_in_farsi(tabs: Tabs) -> None:
    start_in(tabs, "refugee-fa", "fa")


def test_a_farsi_question_becomes_an_example_and_the_bot_answers_it(
    tabs: InboxTabs, driver: Any, screenshot_dir: Path
) -> None:
    title = faq_entry("fa", TOPIC)["title"]
    start_in_farsi(tabs)
    assert not tabs.ask(FIRST).startswith(title)
    tabs.ask(SECOND)
    tabs.ask(ALIKE)

    tabs.login()
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", LAPTOP)
    try:
        group = tabs.inbox_group(FIRST)
        text = group.find_element(tabs.By.XPATH, f'.//span[@class="question-text" and text()="{FIRST}"]')
        assert (text.get_attribute("dir"), text.get_attribute("lang")) == ("rtl", "fa")
        assert driver.execute_script("return getComputedStyle(arguments[0]).direction", text) == "rtl"
        heading = group.find_element(tabs.By.TAG_NAME, "h2").text
        assert "2 Fragen" in heading and "Farsi / Dari" in heading  # the two ways of typing it: one group
        driver.execute_script("window.scrollTo(0, 0)")
        assert driver.save_screenshot(str(screenshot_dir / "console-inbox.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    notice = tabs.act(group, "example", {}, {"topic": TOPIC})
    assert "Hinzugefügt" in notice
    assert FIRST not in driver.page_source  # no longer waiting in the inbox

    again = tabs.ask(FIRST)  # the same bot, no restart: the topic's answer now
    assert again.startswith(title), again


def test_an_organizer_answers_from_the_inbox_and_the_asker_reads_it_in_farsi(tabs: InboxTabs) -> None:
    start_in_farsi(tabs)
    question = "برای ماهیگیری مجوز لازم است؟"  # "is a permit needed for fishing?": no topic knows it
    tabs.ask(question)
    tabs.login()
    group = tabs.inbox_group(question)
    # only this question: untick the others of its group (e.g. the fishing question of the first test)
    for box in group.find_elements(tabs.By.CSS_SELECTOR, 'input[name="q"]'):
        label = group.find_element(tabs.By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]')
        if label.get_attribute("textContent") != question and box.is_selected():
            box.click()
    notice = tabs.act(group, "answer", {"answer": ANSWER}, {"written_in": "de"})
    assert "Gesendet" in notice

    chat = tabs.to_chat()
    header = re.sub(r"<[^>]+>", "", tr("fa", "💬 <b>An answer to your question</b>"))
    received = chat.bot_message(lambda m: chat.text_of(m).startswith(header), "the answer from the inbox")
    body = chat.text_of(received)
    assert tr("fa", "[DEMO — not a real translation]") in body  # the demo's stand-in, plainly marked
    machine = tr("fa", "<i>Translated by machine from {language}. The original:</i>\n{original}")
    assert re.sub(r"<[^>]+>", "", machine).split("{")[0] in body and ANSWER in body
    assert question in body  # their question is quoted above the answer
