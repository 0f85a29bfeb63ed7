"""A sample letter sent from the demo page is read for a refugee from Ukraine: who sent it, the
appointment with its date and time, what to bring, and the buttons (the appointment as a calendar file).
Its screenshot goes into the README (docs/screenshots/letter-uk.png)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.letters.senders import Sender
from handlers.letters.views import BOOK_LABEL, CALENDAR_LABEL, PERSON_LABEL, SENDERS
from tests.browser.pages import ConversationPage, tr
from tests.test_letters import needs_tesseract

pytestmark = [pytest.mark.browser, needs_tesseract]
TALL_PHONE = {"width": 430, "height": 1400, "deviceScaleFactor": 1, "mobile": True}


def test_a_sample_letter_is_read_in_ukrainian(driver, demo, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    page = ConversationPage(driver, demo)
    page.open("refugee-uk")
    page.send("/start lang-uk")
    page.settle()
    seen = len(page.messages("bot"))
    mine = page.send_sample("letter-jobcenter")
    about = tr("uk", SENDERS[Sender.JOBCENTER][1])
    reading = page.bot_message(lambda m: about in page.text_of(m), "the letter's reading", seen)
    text = page.text_of(reading)
    assert "15.12.2026" in text and "09:30" in text  # the invitation's day and time, as on the letter
    for label in (CALENDAR_LABEL, BOOK_LABEL, PERSON_LABEL):
        assert page.button(reading, tr("uk", label)).is_displayed()
    # a tall phone, so the photo and the whole reading fit in the picture
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", TALL_PHONE)
    try:
        page.screenshot(screenshot_dir / "letter-uk.png", mine)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    seen = len(page.messages("bot"))
    page.press(reading, tr("uk", CALENDAR_LABEL))
    caption = tr("uk", "Here is the appointment for your calendar.")
    page.bot_message(lambda m: caption in page.text_of(m), "the calendar file", seen)
