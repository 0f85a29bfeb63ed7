"""No missed emergency through the emulator (issue 15, point 3): an emergency written in Latin letters gets
the emergency answer, numbers first, with "Ask a person" under it, before any small talk or FAQ answer; the
person button passes it on to the helpers; a cry alone is answered in the reader's language; an ordinary
question with a cry in it is not an emergency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.faq.content import load_content
from bot.faq.emergency import EMERGENCY_SLUG
from bot.faq.service import build_service
from bot.i18n import catalogs
from tests.e2e.harness import HELPERS_CHAT_ID, ORGANIZER_ID, BotHarness, buttons, running_bot, text_of

CONTENT = load_content()
FIRST = 10.0  # generous for the first answer of a bot (machines under load)
NUMBERS = ("112", "110", "116 016", "0800 111 0 111", "0800 111 0 222", "116 111")


@pytest.fixture(scope="module", autouse=True)
def faq_loaded() -> None:
    """Load the FAQ once for the module (as the bot does at start-up), so no answer waits for it."""
    build_service(load_settings(_env_file=None))


def labels(message: dict[str, Any] | None) -> list[str]:
    return [label for label, _ in buttons(message or {})]


def person_label(lang: str) -> str:
    return catalogs().gettext(lang, "💬 Ask a person")


async def start(bot: BotHarness, uid: int, lang: str) -> None:
    bot.user(uid, language_code=lang)
    await bot.say(uid, f"/start lang-{lang}")
    await bot.settle(0.2)


def assert_numbers_first(text: str, lang: str) -> None:
    entry = CONTENT.entries[lang][EMERGENCY_SLUG]
    assert text.startswith(entry.title), text
    body = text[len(entry.title) :].strip()
    assert "112" in body.splitlines()[0], body  # the first line after the title is the emergency number
    for number in NUMBERS:
        assert number in body, number
    assert body.index("112") < body.index("0800 111 0 111")
    assert "{" not in body


async def test_an_arabizi_emergency_gets_the_numbers_first_and_a_person(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        asker = 301
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID])
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, asker, "ar")
        question = "sa3dooni jozi byedrabni"
        reply = await bot.say(asker, question, timeout=FIRST)
        await bot.settle()
        asked = next(m for m in bot.emu.messages(asker) if m.get("text") == question)
        answers = bot.emu.bot_messages(asker, after=asked["message_id"])
        assert len(answers) == 1, answers  # the emergency answer and nothing before or after it
        assert reply["reply_to_message_id"] == asked["message_id"]
        assert_numbers_first(text_of(reply), "ar")
        assert labels(reply)[0] == person_label("ar")  # then a person, right under the numbers

        # "Ask a person" passes the message on to the helpers, without the name
        confirmation = await bot.press(asker, reply, dict(buttons(reply))[person_label("ar")])
        assert confirmation is not None and text_of(confirmation).startswith("✅")
        await bot.deliver()
        relayed = [m for m in bot.emu.bot_messages(HELPERS_CHAT_ID) if question in text_of(m)]
        assert relayed and f"User{asker}" not in text_of(relayed[-1])
        assert bot.emu.violations == []


async def test_a_cry_comes_before_small_talk_in_the_readers_language(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, 302, "uk")
        reply = await bot.say(302, "hilfe!!!", timeout=FIRST)
        assert_numbers_first(text_of(reply), "uk")
        assert person_label("uk") in labels(reply)
        # "ok" alone is small talk, "ok help" is an emergency
        small = await bot.say(302, "ok")
        assert not text_of(small).startswith(CONTENT.entries["uk"][EMERGENCY_SLUG].title)
        reply = await bot.say(302, "ok help")
        assert_numbers_first(text_of(reply), "uk")
        assert bot.emu.violations == []


async def test_an_ordinary_question_with_help_in_it_gets_its_answer(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, 303, "en")
        reply = await bot.say(303, "help me find a flat", timeout=FIRST)
        assert not text_of(reply).startswith(CONTENT.entries["en"][EMERGENCY_SLUG].title), text_of(reply)
        assert "112" not in text_of(reply)
        assert bot.emu.violations == []


async def test_an_emergency_inside_an_open_question_still_gets_the_numbers(
    db_kind: str, tmp_path: Path
) -> None:
    """What someone with an open question writes joins it and goes to the helpers; an emergency gets the
    numbers first as well, since a helper may answer late."""
    async with running_bot(db_kind, tmp_path) as bot:
        asker = 304
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID])
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, asker, "de")
        unknown = await bot.say(asker, "Wer hat die Fußball WM 2014 gewonnen?", timeout=FIRST)
        confirmation = await bot.press(asker, unknown, dict(buttons(unknown))[person_label("de")])
        assert confirmation is not None and text_of(confirmation).startswith("✅")
        sent = bot.emu.user_sends(asker, "er hat mich geschlagen ich hab angst")
        await bot.settle()
        after = bot.emu.bot_messages(asker, after=sent["message_id"])
        assert len(after) == 2, after
        assert_numbers_first(text_of(after[0]), "de")
        assert text_of(after[1]).startswith("✅")  # and it joined the question for the helpers
        assert bot.emu.violations == []
