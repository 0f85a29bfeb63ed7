"""The console's local facts editor in headless Chromium, through the real console and the real bot of
`python -m bot demo`: the organizer logs in with the link /console gives, opens the counselling hours with
the keyboard, is told clearly what is wrong with hours not in the form, saves new hours, and a refugee asking
in Arabic in the bot gets them at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Demo
from tests.browser.pages import ChatPage, console_login

pytestmark = pytest.mark.browser

QUESTION = "متى اوقات الاستشارة عندكم؟"  # "when is your counselling?": the answer names the hours
ORIGINAL = "Di 10:00–12:00; Do 14:00–16:00"  # the demo's sample hours, put back at the end


class FactsPage:
    def __init__(self, driver: Any, demo: Demo) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.demo, self.By, self.Keys = driver, demo, By, Keys
        self.wait = WebDriverWait(driver, 20, poll_frequency=0.1)

    def login(self) -> None:
        console_login(self.driver, self.demo)

    def css(self, selector: str) -> Any:
        return self.driver.find_element(self.By.CSS_SELECTOR, selector)

    def open_facts(self) -> None:
        self.driver.get(f"{self.demo.url}/console/facts")
        self.wait.until(lambda d: d.find_elements(self.By.ID, "fact-counselling_hours"))

    def edit(self, key: str) -> None:
        link = self.css(f'#fact-{key} a[href$="/console/facts/{key}"]')
        link.send_keys(self.Keys.ENTER)  # the keyboard: a link, reached and opened without a mouse
        self.wait.until(lambda d: d.current_url.endswith(f"/console/facts/{key}"))

    def type_and_submit(self, value: str) -> None:
        field = self.css("#v_all")
        field.send_keys(self.Keys.CONTROL, "a")
        field.send_keys(self.Keys.DELETE)
        field.send_keys(value, self.Keys.ENTER)  # Enter in the field submits its form


def test_an_organizer_changes_the_counselling_hours_and_the_bot_answers_with_them(
    driver: Any, demo: Demo
) -> None:
    facts = FactsPage(driver, demo)
    facts.login()
    facts.open_facts()
    assert "Beispieldaten" in facts.css(".sample-banner").text  # the demo says its data is made up
    card = facts.css("#fact-counselling_hours")
    assert "SAMPLE" in card.text and "Di 10:00–12:00; Do 14:00–16:00" in card.text

    facts.edit("counselling_hours")
    label = facts.css('label[for="v_all"]')
    assert label.is_displayed()
    facts.type_and_submit("dienstags vormittags")
    alert = facts.wait.until(lambda d: d.find_elements(facts.By.CSS_SELECTOR, "[role=alert]"))[0]
    assert "Zeiten bitte so schreiben" in alert.text  # the page's language: German
    field = facts.css("#v_all")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("value") == "dienstags vormittags"  # what was typed stays
    error_id = f"{field.get_attribute('id')}-error"
    assert error_id in (field.get_attribute("aria-describedby") or "")
    # the summary's link takes the keyboard to the field
    alert.find_element(facts.By.CSS_SELECTOR, 'a[href="#v_all"]').send_keys(facts.Keys.ENTER)
    facts.wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "v_all")

    facts.type_and_submit("Mi 9-11")
    facts.wait.until(
        lambda d: "/console/facts" in d.current_url and d.find_elements(facts.By.ID, "fact-counselling_hours")
    )
    assert "Gespeichert" in facts.css("[role=status]").text
    card = facts.css("#fact-counselling_hours")
    assert "Mi 9:00–11:00" in card.text and "SAMPLE" not in card.text

    # a refugee asks in Arabic, in the bot: the new hours, in Arabic, at once
    chat = ChatPage(driver, demo)
    chat.open("refugee")
    chat.send(QUESTION)
    answer = chat.bot_message(
        lambda m: "من 9:00 حتى 11:00" in chat.text_of(m), "the answer with the new hours"
    )
    assert "الأربعاء" in chat.text_of(answer) and "الثلاثاء من 10:00" not in chat.text_of(answer)

    # the demo's other tests find the hours as they were (without the SAMPLE mark: a person saved them)
    facts.open_facts()
    facts.edit("counselling_hours")
    facts.type_and_submit(ORIGINAL)
    facts.wait.until(lambda d: d.find_elements(facts.By.CSS_SELECTOR, "[role=status]"))
