"""/unanswered closes the loop, through the emulator: an organizer gives a kept question its topic (paging
through the topics), and the same question asked again gets that topic's answer at once; "Not a question"
takes a kept question off the list. Only organizers have the buttons."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.faq.content import load_content
from bot.faq.service import build_service
from bot.i18n import catalogs
from tests.e2e.harness import ORGANIZER_ID, BotHarness, button_data, buttons, running_bot, text_of

CONTENT = load_content()
# A question that waits for the matcher to be built again (1.5 s of CPU, far more on a busy machine): after
# an example is added, and the first one of a test (the shared service knew another test's example).
REBUILD = 30.0
QUESTION = "wo kann man hier schildkröten füttern"  # no topic knows it: only its new example can answer it
TOPIC = "events"  # the 17th topic: on the third page of topics
ASKER = 311


@pytest.fixture(scope="module", autouse=True)
def faq_loaded() -> None:
    build_service(load_settings(_env_file=None))


def tr(lang: str, msgid: str, **values: Any) -> str:
    text = re.sub(r"<[^>]+>", "", catalogs().gettext(lang, msgid))
    return text.format(**values) if values else text


def current(bot: BotHarness, chat_id: int, message_id: int) -> dict[str, Any]:
    return next(m for m in bot.emu.messages(chat_id) if m["message_id"] == message_id)


async def press_in_place(bot: BotHarness, uid: int, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Press the button whose label contains `label` on a message the bot edits; the message afterwards."""
    chat, mid = message["chat_id"], message["message_id"]

    def looks() -> tuple[str, Any]:
        now = current(bot, chat, mid)
        return now["text"], now.get("reply_markup")

    before = looks()
    bot.emu.user_presses(uid, mid, button_data(message, label), chat_id=chat)
    await bot.emu.wait_until(lambda: looks() != before, what="edit")
    return current(bot, chat, mid)


async def start(bot: BotHarness, uid: int, lang: str) -> None:
    bot.user(uid, language_code=lang)
    await bot.say(uid, f"/start lang-{lang}")
    await bot.settle(0.2)


async def test_an_organizer_gives_a_question_its_topic_and_the_bot_answers_it(tmp_path: Path) -> None:
    title = CONTENT.entries["de"][TOPIC].title
    async with running_bot("sqlite", tmp_path) as bot:
        await start(bot, ASKER, "de")
        await start(bot, ORGANIZER_ID, "de")
        first = await bot.say(ASKER, QUESTION, timeout=REBUILD)
        assert not text_of(first).startswith(title)

        listing = await bot.say(ORGANIZER_ID, "/unanswered")
        assert QUESTION in text_of(listing)
        picker = await press_in_place(bot, ORGANIZER_ID, listing, "🏷")
        assert QUESTION in text_of(picker)
        assert tr("de", "🚫 Not a question") in [label for label, _ in buttons(picker)]
        for _ in range(2):  # to the third page of topics
            assert title not in [label for label, _ in buttons(picker)]
            picker = await press_in_place(bot, ORGANIZER_ID, picker, "▶")
        after = await press_in_place(bot, ORGANIZER_ID, picker, title)
        assert text_of(after) == tr("de", "No open questions. 🎉")

        again = await bot.say(ASKER, QUESTION, timeout=REBUILD)  # the same bot, no restart
        assert text_of(again).startswith(title), text_of(again)
        assert bot.emu.violations == []


async def test_not_a_question_leaves_the_list_and_only_organizers_may(tmp_path: Path) -> None:
    async with running_bot("sqlite", tmp_path) as bot:
        await start(bot, ASKER, "de")
        await start(bot, ORGANIZER_ID, "de")
        await bot.say(ASKER, "qwertz uiopü yxcvbnm", timeout=REBUILD)
        listing = await bot.say(ORGANIZER_ID, "/unanswered")
        assert "qwertz" in text_of(listing)
        picker = await press_in_place(bot, ORGANIZER_ID, listing, "🏷")

        # the asker forging the organizer's button (same data, their own chat) is refused
        data = button_data(picker, "🚫")
        own = await bot.say(ASKER, "/menu")
        bot.emu.user_presses(ASKER, own["message_id"], data, check_button=False)
        await bot.settle()
        assert "qwertz" in text_of(await bot.say(ORGANIZER_ID, "/unanswered"))

        after = await press_in_place(bot, ORGANIZER_ID, picker, "🚫")
        assert text_of(after) == tr("de", "No open questions. 🎉")
        assert bot.emu.violations == []


# Answered with the sewing group (which mends clothes) until an organizer says that no topic answers it. (A
# laptop, the question here before, is declined since the 28th blind set's out-of-scope rows were filed; a
# watch since the doubt of bot/faq/doubt.py was fitted on the 31st.)
NOT_OURS_QUESTION = "Wer kann meinen Kinderwagen reparieren?"


async def test_a_thumbs_down_question_no_topic_answers_is_offered_the_topics_from_then_on(
    tmp_path: Path,
) -> None:
    title = CONTENT.entries["de"]["sewing-group"].title
    async with running_bot("sqlite", tmp_path) as bot:
        await start(bot, ASKER, "de")
        await start(bot, ORGANIZER_ID, "de")
        answer = await bot.say(ASKER, NOT_OURS_QUESTION, timeout=REBUILD)
        assert text_of(answer).startswith(title), text_of(answer)
        assert await bot.press(ASKER, answer, button_data(answer, "👎")) is not None

        listing = await bot.say(ORGANIZER_ID, "/unanswered")
        assert NOT_OURS_QUESTION in text_of(listing)
        picker = await press_in_place(bot, ORGANIZER_ID, listing, "🏷")
        after = await press_in_place(bot, ORGANIZER_ID, picker, tr("de", "🙅 No topic answers this"))
        assert text_of(after) == tr("de", "No open questions. 🎉")
        noted = tr(
            "de",
            "Noted: the bot no longer answers questions like this one with a topic, it offers the closest.",
        )
        assert noted in [
            params.get("text") for method, params, _ in bot.emu.calls if method == "answerCallbackQuery"
        ]

        again = await bot.say(ASKER, NOT_OURS_QUESTION, timeout=REBUILD)  # the same bot, no restart
        assert not text_of(again).startswith(title), text_of(again)
        assert title in [label for label, _ in buttons(again)]  # offered, not answered
        assert bot.emu.violations == []
