"""Small talk and /cancel through the emulator (issue 14, points 5 and 6).

- Thanks, ok, goodbyes, yes / no and emoji in six languages and in Latin letters get a short word back in
  the reader's language (nothing for 👍): never an FAQ answer, never kept for /unanswered.
- "Ask a person" under such a word asks what to ask; the next message is the question.
- /cancel ends only the dialog in progress and says which one; an open question to a person stays open
  (it has its own "withdraw" button); with nothing in progress it says so and shows the menu.

All of them run on SQLite and PostgreSQL (the acceptance of issue 14 asks for both).
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import tickets
from bot import users as user_service
from bot.booking.importer import import_schedule
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.faq.service import build_service
from bot.i18n import catalogs
from storage.models import FaqUnanswered
from tests.e2e.harness import (
    HELPERS_CHAT_ID,
    ORGANIZER_ID,
    BotHarness,
    button_data,
    buttons,
    running_bot,
    text_of,
)
from tests.test_booking_support import COUNSELLOR_ID, person, schedule

pytestmark = pytest.mark.pg_e2e

FIRST = 10.0  # generous for the first answer of a bot (machines under load)
TAGS = re.compile(r"<[^>]+>")

THANKS = "You're welcome! Write any time."
BYE = "Goodbye! 👋 Write any time you have a question."
OK = "Alright. Write your question any time, or open the menu: /menu"
HELLO = "Hello! 👋 Write your question in your own words, or choose from the menu."
SILENT = ""  # 👍: no answer at all
ASK_LABEL = "💬 Ask a person"
WHAT = (
    "What would you like to ask? Please write your question in one message. It goes to our volunteers "
    "without your name. To stop: /cancel"
)
WITHDRAW = "↩️ Withdraw my question"

# (the reader's language, what they write, what comes back): 40 messages, the six languages and Latin letters
SMALL_TALK: list[tuple[str, str, str]] = [
    ("de", "danke", THANKS),
    ("de", "Dankeschön!", THANKS),
    ("de", "Vielen Dank für die Hilfe", THANKS),
    ("de", "ok", OK),
    ("de", "ja", OK),
    ("de", "tschüss", BYE),
    ("de", "👍", SILENT),
    ("en", "thanks", THANKS),
    ("en", "thank you so much", THANKS),
    ("en", "okay", OK),
    ("en", "no", OK),
    ("en", "bye", BYE),
    ("en", "🙏", THANKS),
    ("ar", "شكرا", THANKS),
    ("ar", "شكرا كتير", THANKS),
    ("ar", "shukran", THANKS),
    ("ar", "❤️", THANKS),
    ("ar", "تمام", OK),
    ("ar", "mashi", OK),
    ("ar", "مع السلامة", BYE),
    ("ar", "yalla bye", BYE),
    ("fa", "ممنون از کمکتون", THANKS),
    ("fa", "مرسی", THANKS),
    ("fa", "دمت گرم", THANKS),
    ("fa", "تشکر", THANKS),
    ("fa", "merci", THANKS),
    ("fa", "mamnoon", THANKS),
    ("fa", "kheili mamnoon", THANKS),
    ("fa", "باشه", OK),
    ("fa", "خداحافظ", BYE),
    ("uk", "дякую", THANKS),
    ("uk", "спасибі", THANKS),
    ("uk", "dyakuyu", THANKS),
    ("uk", "добре", OK),
    ("uk", "до побачення", BYE),
    ("ru", "спасибо", THANKS),
    ("ru", "spasibo", THANKS),
    ("ru", "хорошо", OK),
    ("ru", "пока", BYE),
    ("ru", "👌", SILENT),
]


@pytest.fixture(scope="module", autouse=True)
def faq_loaded() -> None:
    """Load the FAQ once for the module (as the bot does at start-up), so no answer waits for it."""
    build_service(load_settings(_env_file=None))


def tr(lang: str, msgid: str, **values: Any) -> str:
    text = TAGS.sub("", catalogs().gettext(lang, msgid))
    return text.format(**values) if values else text


def labels(message: dict[str, Any] | None) -> list[str]:
    return [label for label, _ in buttons(message or {})]


def current(bot: BotHarness, chat_id: int, message_id: int) -> dict[str, Any]:
    return next(m for m in bot.emu.messages(chat_id) if m["message_id"] == message_id)


async def start(bot: BotHarness, uid: int, lang: str) -> None:
    bot.user(uid, language_code=lang)
    await bot.say(uid, f"/start lang-{lang}")
    await bot.settle(0.2)


async def press_in_place(bot: BotHarness, uid: int, message: dict[str, Any], data: str) -> dict[str, Any]:
    """Press a button whose answer edits the same message; the message as it is afterwards."""
    chat, mid = message["chat_id"], message["message_id"]
    record = bot.emu.user_presses(uid, mid, data, chat_id=chat)
    await bot.emu.wait_until(lambda: record["answered"], 5.0, "press answered")
    await bot.settle(0.1)
    return current(bot, chat, mid)


async def unanswered(bot: BotHarness) -> int:
    async with bot.app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(FaqUnanswered)) or 0)


async def relay_of(bot: BotHarness, question: str) -> dict[str, Any]:
    await bot.deliver()
    relays = [m for m in bot.emu.bot_messages(HELPERS_CHAT_ID) if question in text_of(m)]
    assert relays, bot.emu.bot_messages(HELPERS_CHAT_ID)
    return relays[-1]


async def test_small_talk_gets_a_short_word_back_and_is_no_question(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        users = {lang: 800 + n for n, lang in enumerate(("de", "en", "ar", "fa", "uk", "ru"))}
        for lang, uid in users.items():
            await start(bot, uid, lang)
        assert len(SMALL_TALK) == 40
        for lang, text, expected in SMALL_TALK:
            uid = users[lang]
            sent = bot.emu.user_sends(uid, text)
            if expected:
                reply = await bot.emu.wait_for(uid, timeout=FIRST, after=sent["message_id"])
                assert text_of(reply) == tr(lang, expected), (lang, text)
                assert labels(reply) == ([] if expected == BYE else [tr(lang, ASK_LABEL)]), (lang, text)
            await bot.settle(0.2)
            replies = bot.emu.bot_messages(uid, after=sent["message_id"])
            assert len(replies) == (1 if expected else 0), (lang, text, [text_of(m) for m in replies])

        assert await unanswered(bot) == 0  # nothing for /unanswered
        # ... and no FAQ answer, no "I do not know", no topics offered
        greeting = await bot.say(users["uk"], "Привіт")
        assert text_of(greeting) == tr("uk", HELLO)  # greetings keep the menu
        organizer_list = await _unanswered_list(bot)
        assert text_of(organizer_list) == tr("de", "No open questions. 🎉")
        assert bot.emu.violations == []


async def _unanswered_list(bot: BotHarness) -> dict[str, Any]:
    await start(bot, ORGANIZER_ID, "de")
    return await bot.say(ORGANIZER_ID, "/unanswered")


async def test_ask_a_person_after_thanks_asks_for_the_question(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID])
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, 811, "ar")
        thanks = await bot.say(811, "شكرا", timeout=FIRST)
        assert text_of(thanks) == tr("ar", THANKS)

        prompt = await bot.press(811, thanks, button_data(thanks, tr("ar", ASK_LABEL)))
        assert prompt is not None and text_of(prompt) == tr("ar", WHAT)
        assert labels(prompt) == [tr("ar", "✖ Cancel")]
        # ✖ ends the dialog in place; the thank-you went nowhere
        stopped = await press_in_place(bot, 811, prompt, button_data(prompt, tr("ar", "✖ Cancel")))
        assert text_of(stopped) == tr("ar", "Your question was not sent.")
        await bot.deliver()
        assert bot.emu.bot_messages(HELPERS_CHAT_ID) == []

        prompt = await bot.press(811, thanks, button_data(thanks, tr("ar", ASK_LABEL)))
        assert prompt is not None and text_of(prompt) == tr("ar", WHAT)
        question = "وين فيني لاقي محامي ببلاش؟"
        confirmation = await bot.say(811, question)
        assert text_of(confirmation).startswith("✅")
        assert labels(confirmation) == [tr("ar", WITHDRAW)]
        relay = await relay_of(bot, question)
        assert "شكرا" not in text_of(relay)
        assert len([m for m in bot.emu.bot_messages(HELPERS_CHAT_ID) if "شكرا" in text_of(m)]) == 0
        assert await unanswered(bot) == 0
        assert bot.emu.violations == []


async def test_cancel_ends_the_booking_and_leaves_the_question_open(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))  # a Monday; counselling on Tuesdays
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        bot.emu.add_user(COUNSELLOR_ID, language_code="de", started=True)
        async with bot.app.sessionmaker() as session:
            await person(session, clock, COUNSELLOR_ID, "de", role=user_service.HELPER)
            await import_schedule(session, clock, bot.app.settings, schedule())
            await session.commit()
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID])
        await start(bot, ORGANIZER_ID, "de")
        uid, lang = 821, "uk"
        await start(bot, uid, lang)

        nothing = await bot.say(uid, "/cancel", timeout=FIRST)
        assert text_of(nothing) == tr(lang, "There is nothing to cancel.")
        assert tr(lang, "❓ Questions and answers") in labels(nothing)  # the menu

        # an open question to a person ...
        await bot.say(uid, "/ask")
        question = "Де можна безкоштовно отримати юридичну консультацію щодо притулку?"
        confirmation = await bot.say(uid, question)
        relay = copy.deepcopy(await relay_of(bot, question))
        async with bot.app.sessionmaker() as session:
            ticket = await tickets.active_ticket(session, uid)
            assert ticket is not None
            number = ticket.id

        # ... and /book in the middle: /cancel ends the booking, nothing else
        topics = await bot.say(uid, "/book")
        assert tr(lang, "✖ Cancel") in labels(topics)
        topic = next(data for _, data in buttons(topics) if data.startswith("bk:t:"))
        days = await press_in_place(bot, uid, topics, topic)
        assert days["edited"] and tr(lang, "✖ Cancel") in labels(days)
        cancelled = await bot.say(uid, "/cancel")
        assert text_of(cancelled) == tr(lang, "OK, nothing was booked.")
        assert labels(current(bot, uid, topics["message_id"])) == []  # its buttons are gone

        await bot.deliver()
        assert current(bot, HELPERS_CHAT_ID, relay["message_id"]) == relay  # the relay is untouched
        async with bot.app.sessionmaker() as session:
            still = await tickets.active_ticket(session, uid)
            assert still is not None and still.id == number
        assert text_of(await bot.say(uid, "/cancel")) == tr(lang, "There is nothing to cancel.")

        # the question is withdrawn with its own button, after a "sure?"
        sure = await press_in_place(bot, uid, confirmation, button_data(confirmation, tr(lang, WITHDRAW)))
        assert labels(sure) == [tr(lang, "↩️ Yes, withdraw it"), tr(lang, "⬅️ No, keep it")]
        kept = await press_in_place(bot, uid, sure, button_data(sure, tr(lang, "⬅️ No, keep it")))
        assert labels(kept) == [tr(lang, WITHDRAW)]
        sure = await press_in_place(bot, uid, kept, button_data(kept, tr(lang, WITHDRAW)))
        done = await bot.press(uid, sure, button_data(sure, tr(lang, "↩️ Yes, withdraw it")))
        assert done is not None
        assert text_of(done) == tr(lang, "↩️ Your question no. {number} was withdrawn.", number=number)
        assert labels(current(bot, uid, confirmation["message_id"])) == []
        await bot.deliver()
        assert question not in text_of(current(bot, HELPERS_CHAT_ID, relay["message_id"]))
        async with bot.app.sessionmaker() as session:
            assert await tickets.active_ticket(session, uid) is None
        assert bot.emu.violations == []


async def test_cancel_says_which_dialog_it_ended(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, ORGANIZER_ID, "de")
        await bot.say(ORGANIZER_ID, "/newevent", timeout=FIRST)
        ended = await bot.say(ORGANIZER_ID, "/cancel")
        assert text_of(ended) == tr("de", "The event was discarded.")
        await bot.say(ORGANIZER_ID, "/ask")
        ended = await bot.say(ORGANIZER_ID, "/cancel")
        assert text_of(ended) == tr("de", "Your question was not sent.")
        # the text after /cancel is a question for the FAQ again, not the end of a dialog
        answer = await bot.say(ORGANIZER_ID, "danke")
        assert text_of(answer) == tr("de", THANKS)
        assert bot.emu.violations == []
