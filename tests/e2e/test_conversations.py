"""Conversations with a person through the emulator, on SQLite and PostgreSQL (issue 14): numbers never
reused, follow-ups and replies in one ticket in order and each once, long texts whole in marked parts, one
claim for questions and assignments, and the truth when nobody can be reached."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import tickets
from bot.clock import FrozenClock
from bot.languages import name_in
from bot.text import Translator
from storage.models import OutboxMessage, TicketMessage
from tests.e2e.harness import (
    HELPERS_CHAT_ID,
    ORGANIZER_ID,
    BotHarness,
    button_data,
    running_bot,
    text_of,
)
from tests.e2e.test_assignments import AREA, add_helpers, alert_of, asg, assignment, create
from tests.e2e.test_faq import FIRST, FakeTranslator, labels, make_helper, start, tr

MONDAY = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.pg_e2e  # every test here runs on PostgreSQL too (the acceptance of issue 14)
HELPER, OTHER_HELPER, ASKER = 503, 504, 301


def group(bot: BotHarness) -> list[dict[str, Any]]:
    return bot.emu.bot_messages(HELPERS_CHAT_ID)


def card_of(bot: BotHarness, number: int) -> dict[str, Any]:
    head = tr("de", "❓ <b>Question no. {number}</b> · {language}", number=number, language="")
    cards = [m for m in group(bot) if text_of(m).startswith(head) and m.get("reply_to_message_id") is None]
    assert cards, [text_of(m)[:60] for m in group(bot)]
    return cards[0]


def current(bot: BotHarness, chat_id: int, message_id: int) -> dict[str, Any]:
    return next(m for m in bot.emu.messages(chat_id) if m["message_id"] == message_id)


async def ask(bot: BotHarness, uid: int, question: str) -> dict[str, Any]:
    """ "Ask a person" from the menu, then the question; the bot's confirmation."""
    menu = await bot.say(uid, "/menu", timeout=FIRST)
    prompt = await bot.press(uid, menu, button_data(menu, "💬"))
    assert prompt is not None
    return await bot.say(uid, question)


async def deliver_at_telegrams_pace(bot: BotHarness) -> None:
    """The delivery worker with Telegram's real limits (1 a second per chat, 20 a minute per group),
    until nothing is left to send."""
    for _ in range(40):
        await bot.deliver(limits=True)
        async with bot.app.sessionmaker() as session:
            waiting = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
        if not waiting:
            return
        await asyncio.sleep(0.5)
    raise AssertionError("the outbox did not empty")


async def setting_up(bot: BotHarness) -> None:
    bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID, HELPER, OTHER_HELPER])
    for helper in (HELPER, OTHER_HELPER):
        await make_helper(bot, helper)
        await start(bot, helper, "de")
    await start(bot, ORGANIZER_ID, "de")


async def test_after_deletedata_the_next_question_gets_a_new_number_and_reaches_the_group(
    db_kind: str, tmp_path: Path
) -> None:
    """Found in the demo: after /deletedata (and the retention run that deletes old tickets) the next
    question took number 1 again; its relay collided with the old one's outbox row and never left, while
    the asker was told it was sent."""
    clock = FrozenClock(MONDAY)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID])
        await start(bot, ASKER, "de")
        first = await ask(bot, ASKER, "Erste Frage zum Jobcenter")
        assert "Nr. 1 " in text_of(first)
        await bot.deliver()
        confirm = await bot.say(ASKER, "/deletedata")
        await bot.press(ASKER, confirm, "del:1")
        await bot.deliver()
        clock.advance(timedelta(days=91))
        await bot.run_job("tickets_retention")

        await start(bot, ASKER, "de")
        second = await ask(bot, ASKER, "Zweite Frage zur Wohnung")
        assert "Nr. 2 " in text_of(second), text_of(second)
        await bot.deliver()
        assert "Zweite Frage zur Wohnung" in text_of(card_of(bot, 2))
        assert "Erste Frage" not in " ".join(text_of(m) for m in group(bot))  # withdrawn by the erasure
        assert bot.emu.violations == []


async def test_three_followups_and_three_replies_arrive_in_order_each_once(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await setting_up(bot)
        await start(bot, ASKER, "de")
        await ask(bot, ASKER, "Wie melde ich mein Kind in der Kita an?")
        await bot.deliver()
        card = card_of(bot, 1)
        bot.emu.user_presses(HELPER, card["message_id"], button_data(card, "🙋"), chat_id=HELPERS_CHAT_ID)
        await bot.settle()
        await bot.deliver()
        assert tr("de", "✋ A helper has taken this question. Any helper can still answer by replying.") in (
            text_of(current(bot, HELPERS_CHAT_ID, card["message_id"]))
        )
        for n in (1, 2, 3):
            added = await bot.say(ASKER, f"Nachfrage {n}: Welche Unterlagen brauche ich?")
            assert text_of(added) == tr("de", "✅ Added to your question no. {number}.", number=1)
            await bot.deliver()
            followup = group(bot)[-1]
            assert (
                f"Nachfrage {n}" in text_of(followup)
                and followup["reply_to_message_id"] == card["message_id"]
            )
            # the helper answers by replying to the asker's message in the group thread
            bot.emu.user_sends(
                HELPER, f"Antwort {n}: den Ausweis.", chat_id=HELPERS_CHAT_ID,
                reply_to_message_id=followup["message_id"],
            )  # fmt: skip
            await bot.settle()
            await bot.deliver()
            answer = bot.emu.bot_messages(ASKER)[-1]
            assert f"Antwort {n}: den Ausweis." in text_of(answer)
            assert tr("de", "✅ My question is answered: close it") in labels(answer)
        # a burst of three more, delivered at Telegram's real pace: still in order
        for n in (4, 5, 6):
            bot.emu.user_sends(ASKER, f"Nachfrage {n}")
        await bot.settle()
        await deliver_at_telegrams_pace(bot)

        relayed = [text_of(m) for m in group(bot)]
        asked = [int(x) for t in relayed for x in re.findall(r"Nachfrage (\d)", t)]
        assert asked == [1, 2, 3, 4, 5, 6]  # in order, each once
        got = [text_of(m) for m in bot.emu.bot_messages(ASKER)]
        answered = [int(x) for t in got for x in re.findall(r"Antwort (\d)", t)]
        assert answered == [1, 2, 3]
        # the helper stays anonymous, the asker's name never reaches the group
        assert all("User503" not in t and str(HELPER) not in t for t in got)
        assert all(f"User{ASKER}" not in t and str(ASKER) not in t for t in relayed)
        # the card keeps the question and says "answered"
        shown = text_of(current(bot, HELPERS_CHAT_ID, card["message_id"]))
        assert "Kita" in shown and tr("de", "🔒 Close") in labels(
            current(bot, HELPERS_CHAT_ID, card["message_id"])
        )
        async with bot.app.sessionmaker() as session:
            stored = (await session.scalars(select(TicketMessage).order_by(TicketMessage.seq))).all()
            assert [(m.seq, m.sender) for m in stored] == [
                (1, "asker"), (2, "asker"), (3, "helper"), (4, "asker"), (5, "helper"), (6, "asker"),
                (7, "helper"), (8, "asker"), (9, "asker"), (10, "asker"),
            ]  # fmt: skip

        # the asker closes it: the group is told, the card says so, later words go to the FAQ again
        answer = next(m for m in reversed(bot.emu.bot_messages(ASKER)) if "Antwort 3" in text_of(m))
        closed = await bot.press(ASKER, answer, button_data(answer, "✅"))
        assert closed is not None and text_of(closed).startswith("✅")
        await bot.deliver()
        assert tr("de", "🔒 Closed by the person who asked. Replies are no longer passed on.") in text_of(
            current(bot, HELPERS_CHAT_ID, card["message_id"])
        )
        assert labels(current(bot, HELPERS_CHAT_ID, card["message_id"])) == []
        assert "Kita" in text_of(current(bot, HELPERS_CHAT_ID, card["message_id"]))
        assert bot.emu.violations == []


async def test_a_4000_character_question_arrives_whole_in_marked_parts(
    db_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        translator = FakeTranslator()
        monkeypatch.setattr(bot.app.machine_translator, "enabled", True, raising=False)
        monkeypatch.setattr(bot.app.machine_translator, "translate", translator.translate, raising=False)
        await setting_up(bot)
        await start(bot, ASKER, "uk")
        words = [f"слово{n:03d}" for n in range(444)]
        question = " ".join(words)  # 3,995 characters
        assert 3900 < len(question) <= 4000
        confirmation = await ask(bot, ASKER, question)
        assert text_of(confirmation).startswith("✅")
        await bot.deliver()
        parts = [m for m in group(bot) if "слово" in text_of(m)]
        marks = [re.search(r"(\d)/(\d)", text_of(m).split("\n")[0]) for m in parts]
        assert all(marks) and [m.groups() for m in marks if m] == [
            (str(n), str(len(parts))) for n in range(1, len(parts) + 1)
        ]
        relayed = " ".join(text_of(m) for m in parts)
        # every word arrives, in order, in the original and beside it in the machine translation
        found = re.findall(r"слово\d{3}", relayed)
        assert sorted(set(found)) == words and all(found.count(w) == 2 for w in words)
        assert [w for w in found if w in words[:1] or w in words[-1:]] == [
            words[0],
            words[0],
            words[-1],
            words[-1],
        ]
        machine = tr("de", "<i>Machine translation:</i>\n{translation}", translation="").strip()
        assert "[uk→de]" in relayed and relayed.count(machine) == len(parts)
        assert "🙋" in "".join(labels(parts[0]))  # the card is the first part
        assert bot.emu.violations == []


async def test_two_helpers_take_a_question_at_once_and_one_wins_as_with_assignments(
    db_kind: str, tmp_path: Path
) -> None:
    """The same button schema, the same claim, the same answers: for a question in the group and for an
    assignment's alerts."""
    async with running_bot(db_kind, tmp_path, clock=FrozenClock(MONDAY)) as bot:
        await add_helpers(bot, (HELPER, "de", ["fa"], [AREA]), (OTHER_HELPER, "de", ["fa"], [AREA]))
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID, HELPER, OTHER_HELPER])
        await start(bot, ASKER, "de")
        await ask(bot, ASKER, "Wer begleitet mich am Dienstag zum Jobcenter?")
        bot.user(ORGANIZER_ID)
        aid = await create(bot)
        await bot.deliver()
        card = card_of(bot, 1)
        alerts = {uid: alert_of(bot, uid, aid) for uid in (HELPER, OTHER_HELPER)}
        take_question, take_assignment = button_data(card, "🙋"), asg("take", aid)
        assert take_question.startswith("take:q:") and take_assignment.startswith("take:a:")  # one schema
        presses = [
            bot.emu.user_presses(uid, card["message_id"], take_question, chat_id=HELPERS_CHAT_ID)
            for uid in (HELPER, OTHER_HELPER)
        ] + [bot.emu.user_presses(uid, alerts[uid]["message_id"], take_assignment) for uid in alerts]
        await bot.emu.wait_until(lambda: all(p["answered"] for p in presses), 10, "every press")
        await bot.settle()
        # one winner each; the other is told, with an alert, that someone was quicker
        assert sorted(p["text"] for p in presses[:2]) == sorted(
            [
                tr("de", "Thank you! Please answer by replying to the question."),
                tr("de", "Someone else has already taken this question."),
            ]
        )
        assert sorted(bool(p["show_alert"]) for p in presses[2:]) == [False, True]
        async with bot.app.sessionmaker() as session:
            ticket = await tickets.get(session, 1)
            assert ticket is not None and ticket.status == "taken"
            assert ticket.taken_by in (HELPER, OTHER_HELPER)
        found = await assignment(bot, aid)
        assert found.status == "taken" and found.assignee_id in (HELPER, OTHER_HELPER)
        await bot.deliver()  # the card in the group is edited through the outbox: "taken"
        assert "🙋" not in "".join(labels(current(bot, HELPERS_CHAT_ID, card["message_id"])))
        assert bot.emu.violations == []


async def test_with_no_helpers_chat_the_asker_is_told_and_the_organizers_alerted(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path, helpers_chat_id=None) as bot:
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, ASKER, "fa")
        menu = await bot.say(ASKER, "/menu", timeout=FIRST)
        told = await bot.press(ASKER, menu, button_data(menu, "💬"))
        assert told is not None
        sorry = tr(
            "fa", "Sorry, at the moment nobody can be reached through the bot. Please call us: {phone}"
        )
        assert text_of(told).startswith(sorry.split("{phone}")[0].strip())
        await bot.deliver()
        alarm = text_of(bot.emu.bot_messages(ORGANIZER_ID)[-1])
        assert alarm.startswith("⚠️") and "HELPERS_CHAT_ID" in alarm
        assert name_in("fa", lambda m: tr("de", m)) in alarm
        assert bot.emu.violations == []


async def test_a_relay_that_fails_for_good_is_told_to_the_asker_and_the_organizers(
    db_kind: str, tmp_path: Path
) -> None:
    """A wrong HELPERS_CHAT_ID (the bot is in no such group): the question cannot be relayed."""
    async with running_bot(db_kind, tmp_path) as bot:  # no group added: "chat not found"
        await start(bot, ORGANIZER_ID, "de")
        await start(bot, ASKER, "ar")
        confirmation = await ask(bot, ASKER, "أين أجد طبيب أطفال؟")
        assert text_of(confirmation).startswith("✅")
        await bot.deliver()
        await bot.deliver()  # what the failure queued
        told = text_of(bot.emu.bot_messages(ASKER)[-1])
        failed = (
            "Sorry, your question no. {number} could not be passed on to our volunteers. Please try again "
        )
        assert told.startswith(tr("ar", failed + "later with /ask.").split("{number}")[0].strip())
        alarm = text_of(bot.emu.bot_messages(ORGANIZER_ID)[-1])
        assert alarm.startswith("⚠️") and "chat not found" in alarm
        async with bot.app.sessionmaker() as session:
            ticket = await tickets.get(session, 1)
            assert ticket is not None and ticket.status == "withdrawn"
        assert [v["description"] for v in bot.emu.violations] == ["Bad Request: chat not found"]


async def test_without_translation_helpers_who_speak_the_language_hear_first(
    db_kind: str, tmp_path: Path
) -> None:
    async with running_bot(db_kind, tmp_path) as bot:
        await setting_up(bot)
        async with bot.app.sessionmaker() as session:
            from bot import users as users_service
            from bot.assignments import profiles

            speaker = await users_service.find_user(session, OTHER_HELPER)
            assert speaker is not None
            await profiles.toggle_language(session, bot.app.clock, speaker, "fa")
            await session.commit()
        await start(bot, ASKER, "fa")
        await ask(bot, ASKER, "کجا می‌توانم کلاس زبان آلمانی رایگان پیدا کنم؟")
        await bot.deliver()
        card = card_of(bot, 1)
        persian = name_in("fa", lambda m: tr("de", m))
        assert tr("de", "⚠️ No machine translation available: this is in {language}.", language=persian) in (
            text_of(card)
        )
        alert = bot.emu.bot_messages(OTHER_HELPER)[-1]
        assert "1" in text_of(alert) and button_data(alert, "🙋").startswith("take:q:1:")
        assert bot.emu.bot_messages(HELPER) == [] or "1" not in text_of(bot.emu.bot_messages(HELPER)[-1])
        await bot.press(OTHER_HELPER, alert, button_data(alert, "🙋"))
        await bot.deliver()
        assert "🙋" not in "".join(labels(current(bot, HELPERS_CHAT_ID, card["message_id"])))
        # the pressed alert says "yours" (edited through the outbox), without its button
        yours = current(bot, OTHER_HELPER, alert["message_id"])
        assert yours["edited"] and text_of(yours).startswith("🙋") and not labels(yours)
        # the answer typed in the private chat by mistake: the helper is told where answers go, no FAQ
        # answer, and nothing reaches the asker
        asker_had = len(bot.emu.bot_messages(ASKER))
        hint = await bot.say(OTHER_HELPER, "Die VHS hat kostenlose Deutschkurse, fragen Sie dort nach.")
        assert text_of(hint) == Translator("de").n_(
            "⚠️ This message was not sent to anyone. To answer the question you took (no. {numbers}), "
            "reply to it in the helpers' group: the person gets only those replies.",
            "⚠️ This message was not sent to anyone. To answer the questions you took (no. {numbers}), "
            "reply to each of them in the helpers' group: the people get only those replies.",
            1,
            numbers="1",
        )
        assert text_of(hint).startswith("⚠️ Diese Nachricht ging an niemanden. Die Frage, die Sie")
        await bot.settle()
        await bot.deliver()
        assert len(bot.emu.bot_messages(ASKER)) == asker_had
        assert text_of(bot.emu.bot_messages(OTHER_HELPER)[-1]) == text_of(hint)
        # a German reply: the asker is told it is in German (no translation available)
        bot.emu.user_sends(
            OTHER_HELPER, "Die Volkshochschule bietet kostenlose Kurse an.", chat_id=HELPERS_CHAT_ID,
            reply_to_message_id=card["message_id"],
        )  # fmt: skip
        await bot.settle()
        await bot.deliver()
        got = text_of(bot.emu.bot_messages(ASKER)[-1])
        assert "Volkshochschule" in got and "ℹ️" in got
        ack = text_of(group(bot)[-1])
        assert ack.startswith("✅") and "⚠️" in ack
        # once the asker has closed the question, the helper's private chat is the FAQ's again
        answer = bot.emu.bot_messages(ASKER)[-1]
        await bot.press(ASKER, answer, button_data(answer, "✅"))
        await bot.deliver()
        after_close = await bot.say(OTHER_HELPER, "Wo finde ich einen Deutschkurs?")
        assert "⚠️" not in text_of(after_close)
        assert bot.emu.violations == []
