"""The FAQ chat through the emulator: language of the answer, emergency, greeting, out of scope, browsing,
👍/👎 and /unanswered, and questions handed to a person (helpers' chat, "I'll take it", answers,
"withdraw my question")."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot import users as users_service
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.faq.content import load_content
from bot.faq.service import build_service
from bot.i18n import catalogs
from storage.models import FaqUnanswered, FaqVote, User
from tests.e2e.harness import (
    HELPERS_CHAT_ID,
    ORGANIZER_ID,
    BotHarness,
    button_data,
    buttons,
    running_bot,
    text_of,
)

CONTENT = load_content()
FIRST = 10.0  # generous for the first answer of a bot (machines under load)


@pytest.fixture(scope="module", autouse=True)
def faq_loaded() -> None:
    """Load the FAQ once for the module (as the bot does at start-up), so no answer waits for it."""
    build_service(load_settings(_env_file=None))


TAGS = re.compile(r"<[^>]+>")


def tr(lang: str, msgid: str, **values: Any) -> str:
    """A catalog string as the reader sees it (tags gone, values filled in plainly)."""
    text = TAGS.sub("", catalogs().gettext(lang, msgid))
    return text.format(**values) if values else text


def labels(message: dict[str, Any] | None) -> list[str]:
    return [label for label, _ in buttons(message or {})]


def current(bot: BotHarness, chat_id: int, message_id: int) -> dict[str, Any]:
    return next(m for m in bot.emu.messages(chat_id) if m["message_id"] == message_id)


async def press_in_place(bot: BotHarness, uid: int, message: dict[str, Any], data: str) -> dict[str, Any]:
    """Press a button whose answer edits the same message; the message as it is afterwards."""
    chat, mid = message["chat_id"], message["message_id"]

    def looks() -> tuple[str, Any]:
        now = current(bot, chat, mid)
        return now["text"], now["reply_markup"]

    before = looks()
    bot.emu.user_presses(uid, mid, data, chat_id=chat)
    await bot.emu.wait_until(lambda: looks() != before, what="edit")
    return current(bot, chat, mid)


async def start(bot: BotHarness, uid: int, lang: str) -> None:
    bot.user(uid, language_code=lang)
    await bot.say(uid, f"/start lang-{lang}")
    await bot.settle(0.2)


async def make_helper(bot: BotHarness, uid: int) -> None:
    async with bot.app.sessionmaker() as session:
        await users_service.ensure_user(session, uid, bot.app.clock, [])
        await session.execute(update(User).where(User.id == uid).values(role=users_service.HELPER))
        await session.commit()


class FakeTranslator:
    """Marks what it translated, so the test sees which way each text went."""

    enabled = True

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def translate(self, text: str, source: str, target: str, *, private: bool = False) -> str | None:
        self.calls.append((source, target))
        return f"[{source}→{target}] {text}"


async def test_farsi_question_from_a_german_user_is_answered_in_farsi(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, 201, "de")
        question = "کلاس زبان آلمانی رایگان کجاست؟"
        reply = await bot.say(201, question, timeout=FIRST)
        entry = CONTENT.entries["fa"]["german-courses"]
        text = text_of(reply)
        assert text.startswith(entry.title), text
        assert "(SAMPLE)" in text and "{" not in text  # local facts filled in
        assert labels(reply) == [tr("fa", "🔔 Get news"), "👍", "👎"]
        asked = next(m for m in bot.emu.messages(201) if m["text"] == question)
        assert reply["reply_to_message_id"] == asked["message_id"]
        # the same user asking in German gets German
        reply = await bot.say(201, "Wo gibt es einen Deutschkurs?")
        assert text_of(reply).startswith(CONTENT.entries["de"]["german-courses"].title)
        assert bot.emu.violations == []


HINT = "You help with us: open assignments and questions for helpers are under /assignments."


async def test_a_helper_offering_to_accompany_is_pointed_to_the_assignments(
    db_kind: str, tmp_path: Path
) -> None:
    """The accompaniment answer speaks to those who need someone; a helper who writes about it most likely
    offers it, and gets the way to the open assignments as well (in the answer's language)."""
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, 205, "de")
        await start(bot, 206, "ar")
        await make_helper(bot, 206)
        hint = "/assignments"
        reply = await bot.say(205, "Kann mich jemand zur Ausländerbehörde begleiten?", timeout=FIRST)
        assert text_of(reply).startswith(CONTENT.entries["de"]["accompaniment"].title)
        assert hint not in text_of(reply)  # someone who needs it: the answer alone
        reply = await bot.say(206, "أنا متاح غدًا للمرافقة إلى المواعيد", timeout=FIRST)
        text, accompaniment = text_of(reply), CONTENT.entries["ar"]["accompaniment"].title
        # answered, or (an offer reads unlike a question: doubted) the topic offered first
        assert text.startswith(accompaniment) or labels(reply)[0] == accompaniment, (text, labels(reply))
        assert text.endswith(
            tr("ar", "You help with us: open assignments and questions for helpers are under /assignments.")
        )
        reply = await bot.say(206, "وين في دورة لغة ألمانية؟")  # another topic: no line for helpers
        assert hint not in text_of(reply)
        await start(bot, ORGANIZER_ID, "de")  # organizers may do what helpers may do: the line too
        reply = await bot.say(ORGANIZER_ID, "ich kann morgen begleiten")
        assert text_of(reply).endswith(tr("de", HINT)), text_of(reply)
        assert bot.emu.violations == []


async def test_emergency_comes_first(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, 202, "de")
        reply = await bot.say(202, "Mein Mann schlägt mich, wo ist der Deutschkurs?", timeout=FIRST)
        text = text_of(reply)
        assert text.startswith(CONTENT.entries["de"]["emergency"].title)
        for number in ("112", "110", "116 016"):
            assert number in text
        assert "💬 Eine Person fragen" in labels(reply)
        assert bot.emu.violations == []


async def test_someone_who_skipped_the_language_choice_goes_on_in_the_language_they_write(
    db_kind: str, tmp_path: Path
) -> None:
    """A phone set to German, a question in Persian: the answer came in Persian, and then its buttons, the menu
    and a booking in German (found in the demo). A question's language the detection is sure of is kept; a
    greeting's is not ("سلام" is Persian and Arabic alike, "hallo" comes from phones set to Ukrainian too)."""
    async with running_bot(db_kind, tmp_path) as bot:
        uid = 231
        bot.user(uid, language_code="de")
        hello = await bot.say(uid, "سلام", timeout=FIRST)
        assert text_of(hello) == tr("fa", "Hello! Please choose your language.")
        answer = await bot.say(uid, "کجا میتونم کار پیدا کنم؟")
        assert text_of(answer).startswith(CONTENT.entries["fa"]["job-search"].title)
        menu = await bot.say(uid, "/menu")
        assert text_of(menu) == tr("fa", "What would you like to do?")
        async with bot.app.sessionmaker() as session:
            person = await session.get(User, uid)
            assert person is not None and (person.language, person.consent_at) == ("fa", None)
        # a language chosen stays, whatever is written next
        await start(bot, uid, "de")
        await bot.say(uid, "Привіт, де знайти лікаря?")
        async with bot.app.sessionmaker() as session:
            person = await session.get(User, uid)
            assert person is not None and person.language == "de"
        assert bot.emu.violations == []


async def test_greeting_gets_the_menu_and_unknown_gets_no_random_answer(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, 203, "uk")
        hello = await bot.say(203, "Привіт", timeout=FIRST)
        assert text_of(hello) == tr(
            "uk", "Hello! 👋 Write your question in your own words, or choose from the menu."
        )
        assert tr("uk", "❓ Questions and answers") in labels(hello)
        assert "💬 Запитати людину" in labels(hello)

        unknown = await bot.say(203, "Хто виграв чемпіонат світу з футболу 2014?")
        assert text_of(unknown) == tr(
            "uk",
            "Sorry, I do not know the answer to this question. You can look through the topics, "
            "or ask a person from our team.",
        )
        assert labels(unknown) == [tr("uk", "📚 All topics"), "💬 Запитати людину"]
        topics = await bot.press(203, unknown, button_data(unknown, tr("uk", "📚 All topics")))
        assert topics is not None and tr("uk", "❓ Questions and answers") not in labels(topics)
        assert tr("uk", "🆘 Emergency numbers") in labels(topics)
        assert bot.emu.violations == []


async def test_browsing_categories_topics_answer_and_back(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, 204, "ar")
        home = await bot.say(204, "/faq", timeout=FIRST)
        assert tr("ar", "🩺 Health") in labels(home)
        health = await press_in_place(bot, 204, home, button_data(home, tr("ar", "🩺 Health")))
        assert health["edited"]  # in place: no new message
        doctor = CONTENT.entries["ar"]["doctor"]
        assert doctor.title in labels(health)
        answer = await press_in_place(bot, 204, health, button_data(health, doctor.title))
        assert text_of(answer).startswith(doctor.title)
        assert labels(answer) == ["💬 اسأل شخصًا", "👍", "👎", tr("ar", "⬅️ Back")]
        back = await press_in_place(bot, 204, answer, button_data(answer, tr("ar", "⬅️ Back")))
        assert doctor.title in labels(back)
        assert len(bot.emu.bot_messages(204, after=home["message_id"])) == 0

        menu = await bot.say(204, "/menu")
        await bot.press(204, menu, button_data(menu, tr("ar", "❓ Questions and answers")))
        assert tr("ar", "🩺 Health") in labels(bot.emu.bot_messages(204)[-1])
        assert bot.emu.violations == []


async def test_thumbs_down_shows_up_in_unanswered(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, 205, "de")
        await start(bot, ORGANIZER_ID, "de")
        question = "Ich habe einen Brief vom Amt bekommen"
        answer = await bot.say(205, question, timeout=FIRST)
        assert text_of(answer).startswith(CONTENT.entries["de"]["letters-from-authorities"].title)
        down = button_data(answer, "👎")
        sorry = await bot.press(205, answer, down)
        assert sorry is not None
        assert text_of(sorry) == tr(
            "de", "Sorry that this did not help. A person from our team can answer your question."
        )
        assert labels(sorry) == ["💬 Eine Person fragen"]
        answered = current(bot, 205, answer["message_id"])
        assert "👎" not in labels(answered) and "👍" not in labels(answered)  # one vote per answer
        bot.emu.user_presses(205, answer["message_id"], down, check_button=False)  # a replayed press
        await bot.settle()

        listing = await bot.say(ORGANIZER_ID, "/unanswered")
        text = text_of(listing)
        assert question in text and "👎" in text
        async with bot.app.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(FaqVote)) == 1
            kept = (await session.scalars(select(FaqUnanswered))).all()
            assert [(r.reason, r.asker_id) for r in kept] == [("downvote", 205)]  # answerable from the inbox

        refused = await bot.say(205, "/unanswered")
        assert question not in text_of(refused)

        after = await press_in_place(bot, ORGANIZER_ID, listing, button_data(listing, "✅"))
        assert question not in text_of(after)
        assert text_of(after) == tr("de", "No open questions. 🎉")
        assert bot.emu.violations == []


async def test_kept_questions_go_after_90_days(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, 206, "fa")
        question = "کی جام جهانی فوتبال ۲۰۱۴ را برد؟"
        await bot.say(206, question, timeout=FIRST)
        assert question in text_of(await bot.say(ORGANIZER_ID, "/unanswered"))
        clock.advance(timedelta(days=89))
        await bot.run_job("faq_retention")
        assert question in text_of(await bot.say(ORGANIZER_ID, "/unanswered"))
        clock.advance(timedelta(days=1, seconds=1))
        await bot.run_job("faq_retention")
        await bot.run_job("tickets_retention")
        assert text_of(await bot.say(ORGANIZER_ID, "/unanswered")) == tr("de", "No open questions. 🎉")
        assert bot.emu.violations == []


async def _relay(bot: BotHarness) -> dict[str, Any]:
    await bot.deliver()
    relays = [m for m in bot.emu.bot_messages(HELPERS_CHAT_ID) if "🙋" in "".join(labels(m))]
    assert relays, bot.emu.bot_messages(HELPERS_CHAT_ID)
    return relays[-1]


@pytest.mark.pg_e2e
async def test_handoff_reaches_the_helpers_and_the_reply_reaches_the_asker(
    db_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        translator = FakeTranslator()
        # the app's one translator (TRANSLATOR=none here), handed to the handlers by the dispatcher
        monkeypatch.setattr(bot.app.machine_translator, "enabled", True, raising=False)
        monkeypatch.setattr(bot.app.machine_translator, "translate", translator.translate, raising=False)
        asker = 777_123
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID, 502])
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, asker, "uk")
        question = "Хто виграв чемпіонат світу з футболу 2014?"
        unknown = await bot.say(asker, question, timeout=FIRST)
        confirmation = await bot.press(asker, unknown, button_data(unknown, "Запитати людину"))
        assert confirmation is not None and text_of(confirmation).startswith("✅")
        assert "1" in text_of(confirmation)

        relay = await _relay(bot)
        text = text_of(relay)
        assert (
            tr("de", "❓ <b>Question no. {number}</b> · {language}", number=1, language=tr("de", "Ukrainian"))
            in text
        )
        assert question in text and f"[uk→de] {question}" in text
        assert str(asker) not in text and f"User{asker}" not in text
        assert bot.emu.violations == []

        # a helper answers by replying to the relay
        answer = "Deutschland hat 2014 gewonnen, im Finale gegen Argentinien."
        bot.emu.user_sends(
            ORGANIZER_ID, answer, chat_id=HELPERS_CHAT_ID, reply_to_message_id=relay["message_id"]
        )
        await bot.settle()
        await bot.deliver()  # what goes to the group and to the asker goes through the outbox
        ack = await bot.emu.wait_for(HELPERS_CHAT_ID, lambda m: "✅" in text_of(m), timeout=5)
        assert ack["reply_to_message_id"] != relay["message_id"]
        ukrainian = tr("de", "Ukrainian")
        assert text_of(ack) == "\n".join(  # whose text was translated, and into which language
            [
                tr("de", "✅ Passed on to the person who asked (no. {number}).", number=1),
                tr("de", "Your answer was machine-translated into {language}.", language=ukrainian),
            ]
        )
        edited = current(bot, HELPERS_CHAT_ID, relay["message_id"])  # the question stays, "answered"
        assert question in text_of(edited) and labels(edited) == [
            tr("de", "👤 Show my first name"),
            tr("de", "🔒 Close"),
        ]

        received = bot.emu.bot_messages(asker)[-1]
        got = text_of(received)
        assert f"[de→uk] {answer}" in got and got.rstrip().count(answer) == 2  # translation and original
        machine = "<i>Translated by machine from {language}. The original:</i>\n{original}"
        assert tr("uk", machine, language=tr("uk", "German"), original="").strip() in got
        assert ("uk", "de") in translator.calls and ("de", "uk") in translator.calls
        assert ORGANIZER_ID not in [m["from"]["id"] for m in bot.emu.messages(asker) if m["from_bot"]]
        assert "User9001" not in got

        # a follow-up still reaches the asker; chatter in the group is ignored
        before = len(bot.emu.bot_messages(HELPERS_CHAT_ID))
        bot.emu.user_sends(ORGANIZER_ID, "Wer übernimmt morgen?", chat_id=HELPERS_CHAT_ID)
        bot.emu.user_sends(502, "Ich!", chat_id=HELPERS_CHAT_ID, reply_to_message_id=ack["message_id"])
        await bot.settle(0.5)
        assert len(bot.emu.bot_messages(HELPERS_CHAT_ID)) == before
        assert bot.emu.violations == []


@pytest.mark.pg_e2e
async def test_take_it_first_helper_wins(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID, 502, 503])
        await make_helper(bot, 503)
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, 301, "de")
        prompt = await bot.say(301, "/ask", timeout=FIRST)
        assert text_of(prompt) == tr(
            "de",
            "What would you like to ask? Please write your question in one message. It goes to our volunteers "
            "without your name. To stop: /cancel",
        )
        confirmation = await bot.say(301, "Kann mich jemand am Dienstag zum Jobcenter begleiten?")
        assert text_of(confirmation).startswith("✅")
        relay = await _relay(bot)
        take = button_data(relay, "🙋")

        stranger = bot.emu.user_presses(502, relay["message_id"], take, chat_id=HELPERS_CHAT_ID)
        await bot.emu.wait_until(lambda: stranger["answered"], what="refusal")
        assert stranger["show_alert"] and stranger["text"] == tr(
            "de", "Sorry, this is only for helpers and organizers of the association."
        )
        first = bot.emu.user_presses(503, relay["message_id"], take, chat_id=HELPERS_CHAT_ID)
        await bot.emu.wait_until(lambda: first["answered"], what="claim")
        await bot.deliver()  # the card is edited through the outbox
        taken = current(bot, HELPERS_CHAT_ID, relay["message_id"])
        assert tr(
            "de", "✋ A helper has taken this question. Any helper can still answer by replying."
        ) in text_of(taken)
        assert "🙋" not in "".join(labels(taken)) and "503" not in text_of(taken)
        late = bot.emu.user_presses(
            ORGANIZER_ID, relay["message_id"], take, chat_id=HELPERS_CHAT_ID, check_button=False
        )
        await bot.emu.wait_until(lambda: late["answered"], what="late claim")
        assert late["text"] == tr("de", "Someone else has already taken this question.")

        # someone else may still answer; the German answer needs no translation for a German asker
        bot.emu.user_sends(
            ORGANIZER_ID,
            "Ja, Frau K. kommt mit.",
            chat_id=HELPERS_CHAT_ID,
            reply_to_message_id=relay["message_id"],
        )
        await bot.settle()
        await bot.deliver()
        await bot.emu.wait_for(HELPERS_CHAT_ID, lambda m: "✅" in text_of(m))
        got = text_of(bot.emu.bot_messages(301)[-1])
        assert "Ja, Frau K. kommt mit." in got and "[" not in got
        assert bot.emu.violations == []


async def withdraw(bot: BotHarness, uid: int, lang: str, message: dict[str, Any]) -> dict[str, Any] | None:
    """ "Withdraw my question" under `message`, then "yes"; the bot's answer."""
    sure = await press_in_place(bot, uid, message, button_data(message, tr(lang, "↩️ Withdraw my question")))
    return await bot.press(uid, sure, button_data(sure, tr(lang, "↩️ Yes, withdraw it")))


async def test_withdraw_button_withdraws_the_question(db_kind: str, tmp_path: Path) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID])
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, 401, "ru")
        menu = await bot.say(401, "/menu", timeout=FIRST)
        prompt = await bot.press(401, menu, button_data(menu, "Спросить человека"))
        assert prompt is not None
        await bot.say(401, "Где можно бесплатно получить юридическую консультацию по убежищу?")
        again = await bot.say(401, "/ask")
        assert "1" in text_of(again)  # one open question at a time
        assert labels(again) == [tr("ru", "↩️ Withdraw my question")]
        relay = await _relay(bot)
        assert "юридическую" in text_of(relay)

        withdrawn = await withdraw(bot, 401, "ru", again)
        assert withdrawn is not None
        assert text_of(withdrawn) == tr("ru", "↩️ Your question no. {number} was withdrawn.", number=1)
        await bot.deliver()
        edited = current(bot, HELPERS_CHAT_ID, relay["message_id"])
        assert "юридическую" not in text_of(edited) and labels(edited) == []
        assert text_of(edited) == tr(
            "de",
            "↩️ Question no. {number} ({language}) was withdrawn by the person who asked.",
            number=1,
            language=tr("de", "Russian"),
        )

        before = len(bot.emu.bot_messages(401))
        bot.emu.user_sends(
            ORGANIZER_ID,
            "Beim Migrationsdienst.",
            chat_id=HELPERS_CHAT_ID,
            reply_to_message_id=relay["message_id"],
        )
        await bot.settle()
        await bot.deliver()  # told through the outbox, like every message to the group
        refusal = await bot.emu.wait_for(HELPERS_CHAT_ID, lambda m: m.get("reply_to_message_id") is not None)
        assert text_of(refusal) == tr(
            "de", "This question was withdrawn by the person who asked. Your answer was not passed on."
        )
        await bot.deliver()
        assert len(bot.emu.bot_messages(401)) == before

        # withdrawn before it left: nothing reaches the helpers at all
        await bot.say(401, "/ask")
        confirmation = await bot.say(401, "Noch eine Frage zur Wohnung")
        count = len(bot.emu.bot_messages(HELPERS_CHAT_ID))
        await withdraw(bot, 401, "de", confirmation)  # a German question: answered in German
        await bot.deliver()
        assert len(bot.emu.bot_messages(HELPERS_CHAT_ID)) == count
        assert bot.emu.violations == []


async def test_forged_numbers_in_buttons_get_a_clean_refusal(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Ids from the client are untrusted: beyond the database's range, or negative, they are refused like
    any stale button, never a query and never a traceback."""
    caplog.set_level(logging.ERROR)
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, 601, "de")
        unknown = await bot.say(601, "Wer hat die Fußball WM 2014 gewonnen?", timeout=FIRST)
        listing = await bot.say(ORGANIZER_ID, "/unanswered")
        too_big = 2**31
        forged = [
            (601, unknown, f"faq:ask::de:{too_big}"),
            (601, unknown, "faq:ask::de:-1"),
            (601, unknown, f"tk:take:{too_big}"),
            (601, unknown, f"qtk:{too_big}"),
            (ORGANIZER_ID, listing, f"fqu:done:{too_big}:0"),
            (ORGANIZER_ID, listing, "fqu:page:0:-7"),
        ]
        stale = tr("de", "This button is no longer valid. Please open the menu again: /menu")
        for uid, message, data in forged:
            press = bot.emu.user_presses(uid, message["message_id"], data, check_button=False)
            await bot.emu.wait_until(lambda press=press: press["answered"], what=data)
            assert (press["text"], press["show_alert"]) == (stale, True), data
        await bot.settle()
        assert bot.emu.violations == []
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
