"""A conversation with a person through the demo page, on a phone-width screen: a refugee writing in Arabic
asks a person (opening the bot's menu from the "/" command menu), a helper takes the question in the helpers'
group and answers by replying to it; follow-ups go both ways: a text, a photo of a letter and a voice note
(each sent after "Send it? Yes") reach the group, and the helper replies to the voice note. The translation
is the demo's stand-in, plainly marked. Screenshots of both sides go into the README
(docs/screenshots/conversation-*.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.translation.demo import DEMO_MARKER, PHRASES
from tests.browser.conftest import Demo
from tests.browser.pages import LAYOUT_JS, MENU, ConversationPage, assert_right_to_left, tr

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 1040, "deviceScaleFactor": 1, "mobile": True}  # a tall phone: more fits
QUESTION, ANSWER, FOLLOW_UP, SECOND_ANSWER = PHRASES  # the demo translator knows these four


def before_placeholder(lang: str, msgid: str) -> str:
    """The translated message up to its first placeholder: enough to recognise it."""
    return tr(lang, msgid).split("{")[0].strip()


@pytest.fixture
def phone(driver: Any, demo: Demo) -> Iterator[ConversationPage]:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        yield ConversationPage(driver, demo)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_refugee_and_helper_hold_a_conversation(phone: ConversationPage, screenshot_dir: Path) -> None:
    page = phone
    page.open("refugee")
    page.send("/start lang-ar")
    page.bot_text(tr("ar", MENU), "the Arabic menu")

    # the "/" menu lists the commands the bot set for Arabic, and sends the one chosen
    commands = dict(page.open_commands())
    assert commands["ask"] == tr("ar", "Ask a person from our team")
    assert commands["menu"] == tr("ar", "Main menu")
    seen = len(page.messages("bot"))
    page.choose_command("menu")
    menu = page.bot_text(tr("ar", MENU), "the menu from the command menu", seen)
    assert page.driver.find_element(page.By.ID, "commands").is_displayed() is False

    seen = len(page.messages("bot"))
    page.press(menu, tr("ar", "💬 Ask a person"))
    prompt = before_placeholder(
        "ar",
        "What would you like to ask? Please write your question in one message. It goes to our "
        "volunteers without your name. To stop: /cancel",
    )
    page.bot_message(lambda m: prompt[:25] in page.text_of(m), "what would you like to ask", seen)
    seen = len(page.messages("bot"))
    page.send(QUESTION["ar"])
    sent = before_placeholder(
        "ar",
        "✅ Your question was passed on to our volunteers as no. {number}, without your name. The "
        "answer will come here, as soon as someone is free.",
    )
    page.bot_message(lambda m: page.text_of(m).startswith(sent), "question sent", seen)

    # the helpers' group: the card with the question and the demo's marked translation
    page.choose("staff-group")
    card = page.bot_message(lambda m: QUESTION["ar"] in page.text_of(m), "the question's card")
    assert tr("de", DEMO_MARKER) in page.text_of(card)
    assert QUESTION["de"] in page.text_of(card)
    page.press(card, tr("de", "🙋 I'll take it"))
    taken = tr("de", "✋ A helper has taken this question. Any helper can still answer by replying.")
    card = page.bot_message(lambda m: taken in page.text_of(m), "the card says: taken")
    page.reply_to(card)
    assert page.quoted().startswith(page.text_of(card)[:20])
    seen = len(page.messages("bot"))
    page.send(ANSWER["de"])
    mine = page.messages("user")[-1]
    assert mine.find_elements(page.By.CSS_SELECTOR, ".reply-ref"), "sent as a reply to the card"
    passed = before_placeholder("de", "✅ Passed on to the person who asked (no. {number}).")
    page.bot_message(lambda m: page.text_of(m).startswith(passed), "passed on", seen)
    assert not page.driver.find_element(page.By.ID, "replying").is_displayed()

    # the refugee: the answer in Arabic (the demo's stand-in, marked), then a follow-up
    page.choose("refugee")
    answer = page.bot_message(lambda m: ANSWER["ar"] in page.text_of(m), "the answer in Arabic")
    assert tr("ar", DEMO_MARKER) in page.text_of(answer)
    assert ANSWER["de"] in page.text_of(answer)  # the original beside it
    assert_right_to_left(page.layout(answer))
    seen = len(page.messages("bot"))
    page.send(FOLLOW_UP["ar"])
    added = before_placeholder("ar", "✅ Added to your question no. {number}.")
    page.bot_message(lambda m: page.text_of(m).startswith(added), "added to the question", seen)

    # a photo of the letter and a voice note: asked first, sent after "yes"
    listen = tr("ar", "A helper who speaks your language will listen to your voice message.")
    look = tr("ar", "A helper who speaks your language will look at your photo.")
    for kind, asked in (("photo", look), ("voice", listen)):
        seen = len(page.messages("bot"))
        page.send_sample(kind)
        consent = page.bot_message(lambda m, asked=asked: asked in page.text_of(m), f"send the {kind}?", seen)
        page.press(consent, tr("ar", "✅ Yes, send it"))
        page.bot_message(lambda m: page.text_of(m).startswith(added), f"{kind} added to the question", seen)

    # the helpers' group: the follow-up with its translation, the photo and the voice note as sent
    page.choose("staff-group")
    follow_up = page.bot_message(lambda m: FOLLOW_UP["ar"] in page.text_of(m), "the follow-up")
    assert FOLLOW_UP["de"] in page.text_of(follow_up)
    photo = page.bot_message(lambda m: bool(m.find_elements(page.By.CSS_SELECTOR, "img.photo")), "the photo")
    voice = page.bot_message(
        lambda m: bool(m.find_elements(page.By.CSS_SELECTOR, ".voice")), "the voice note"
    )
    page.wait(
        lambda: (
            page.driver.execute_script(
                "return arguments[0].complete && arguments[0].naturalWidth",
                photo.find_element("css selector", "img"),
            )
            == 360
        ),
        "the letter shown as a picture",
    )
    assert voice.find_element(page.By.CSS_SELECTOR, ".length").get_attribute("textContent") == "0:03"
    # the helper answers by replying to the voice note
    page.reply_to(voice)
    seen = len(page.messages("bot"))
    page.send(SECOND_ANSWER["de"])
    done = page.bot_message(lambda m: page.text_of(m).startswith(passed), "the second answer passed on", seen)
    assert page.messages("user")[-1].find_elements(page.By.CSS_SELECTOR, ".reply-ref")
    assert page.fits_width()
    page.screenshot(screenshot_dir / "conversation-helper.png", end=done)

    page.choose("refugee")
    second = page.bot_message(lambda m: SECOND_ANSWER["ar"] in page.text_of(m), "the second answer")
    assert_right_to_left(page.layout(second))
    assert page.fits_width()
    page.screenshot(screenshot_dir / "conversation-ar-refugee.png", end=second)

    # the refugee closes the question, so the demo's other tests start without an open one
    seen = len(page.messages("bot"))
    page.press(second, tr("ar", "✅ My question is answered: close it"))
    closed = before_placeholder(
        "ar",
        "✅ Your question no. {number} is closed. Thank you! If you have another question, just write it.",
    )
    page.bot_message(lambda m: page.text_of(m).startswith(closed), "closed", seen)
    # The group learns it through the outbox, after the refugee: the card's edit, then the notice (one
    # ticket's messages leave in order). Waited for here, or the next test's /_emu/reset would come first
    # and the late edit would target a card the emulator has forgotten ("message to edit not found").
    page.choose("staff-group")
    by_asker = tr("de", "🔒 Closed by the person who asked. Replies are no longer passed on.")
    page.bot_message(lambda m: by_asker in page.text_of(m), "the card says: closed by the person who asked")
    notice = before_placeholder("de", "🔒 The person closed question no. {number}. Thank you!")
    page.bot_message(lambda m: page.text_of(m).startswith(notice), "the group is told it was closed")
    assert page.demo.control("/_emu/violations") == []


def test_farsi_on_a_phone_with_the_keyboard(phone: ConversationPage) -> None:
    """Farsi, right to left: the command menu is worked with the keyboard, a quote is dropped again, and a
    voice note is not sent when the person says no."""
    from selenium.webdriver.common.keys import Keys

    page = phone
    page.open("refugee-fa")
    page.send("/start lang-fa")
    menu = page.bot_text(tr("fa", MENU), "the Farsi menu")
    assert_right_to_left(page.layout(menu))

    opener = page.by_id("open-commands")
    opener.send_keys(Keys.ENTER)  # a keyboard opens it: the first command has the focus
    commands = page.wait(
        lambda: page.driver.find_elements(page.By.CSS_SELECTOR, "#commands button[data-command]"), "commands"
    )
    assert page.driver.switch_to.active_element == commands[0]
    description = commands[0].find_element(page.By.CSS_SELECTOR, ".desc")
    assert description.get_attribute("textContent") == tr("fa", "Start and choose your language")
    assert_right_to_left(dict(page.driver.execute_script(LAYOUT_JS, description)))
    page.driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert page.driver.switch_to.active_element == commands[1]
    page.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    page.wait(lambda: not page.by_id("commands").is_displayed(), "the command menu closed")
    assert page.driver.switch_to.active_element == opener  # the focus goes back where it was

    page.reply_to(menu)  # a quote above the input, then dropped with ✖: the next message is no reply
    assert page.quoted() == tr("fa", MENU)
    page.by_id("replying-drop").click()
    assert not page.by_id("replying").is_displayed()

    # the sample voice note is real Ogg Opus the browser can play: about 3 s, as the page says
    page.driver.set_script_timeout(10)
    length = page.driver.execute_async_script(
        "const done = arguments[0], audio = new Audio('/static/samples/voice.ogg');"
        "audio.onloadedmetadata = () => done(audio.duration); audio.onerror = () => done(-1);"
    )
    assert 2.5 < length < 3.5, length
    seen = len(page.messages("bot"))
    mine = page.send_sample("voice")
    assert not mine.find_elements(page.By.CSS_SELECTOR, ".reply-ref")
    asked = tr("fa", "A helper who speaks your language will listen to your voice message.")
    consent = page.bot_message(lambda m: asked in page.text_of(m), "send the voice note?", seen)
    assert_right_to_left(page.layout(consent))
    page.press(consent, tr("fa", "✖ No, do not send it"))
    page.bot_message(lambda m: tr("fa", "OK, nothing was sent.") in page.text_of(m), "nothing was sent")
    assert page.fits_width()
    assert page.demo.control("/_emu/violations") == []
