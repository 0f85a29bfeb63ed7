"""Hostile input through the real bot and the Bot API emulator (issue 13), on SQLite and PostgreSQL:

- visitor buttons forged on the bot's relay in the helpers' group (by a member who is not a helper, and by
  one who never talked to the bot) change nothing and get a short alert;
- numbers outside a column's range, in every field of every callback schema, get the stale-button alert;
- NUL characters in free text (a question, a booking note, a FAQ question, a helper's answer) get the
  normal answer, also on PostgreSQL;
- an update aiogram cannot parse does not stop long polling.

Every test also asserts: no call the emulator refused, no traceback and no ERROR in the log.
"""

from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select

from bot.booking import languages
from bot.i18n import catalogs
from handlers.booking.callbacks import BookAction, BookCb
from storage.models import Booking, FaqUnanswered, Slot, Ticket, User
from tests.e2e.harness import (
    HELPERS_CHAT_ID,
    ORGANIZER_ID,
    BotHarness,
    button_data,
    buttons,
    running_bot,
    text_of,
)
from tests.e2e.hostile_support import (
    HELPER_ID,
    STALE,
    callback_schemas,
    dump_tables,
    int_fields,
    make_helper,
    pack_raw,
    problems,
    relay_of_a_question,
    seed_sample_data,
    start,
    upper_bound,
    valid_defaults,
)

pytestmark = pytest.mark.pg_e2e  # every test here runs on PostgreSQL too (the acceptance of issue 13)

MEMBER, STRANGER, ASKER = 502, 503, 504  # in the helpers' group: a visitor, one who never talked to the bot
FIRST = 10.0
FLOOD_OFF = {"throttle_rate": 10_000.0, "throttle_burst": 10_000}
SOMETHING_WRONG = "Sorry, something went wrong. Please try again in a moment."


def de(msgid: str) -> str:
    return catalogs().gettext("de", msgid)


def message(bot: BotHarness, chat_id: int, message_id: int) -> dict[str, Any]:
    return next(m for m in bot.emu.messages(chat_id) if m["message_id"] == message_id)


def shown(bot: BotHarness, chat_id: int) -> list[tuple[Any, ...]]:
    """What the people in a chat see of the bot's messages: text, buttons, edited or deleted."""
    return [
        (m["message_id"], m["html"], m["reply_markup"], m["edited"], m["deleted"])
        for m in bot.emu.bot_messages(chat_id)
    ]


async def press_all(
    bot: BotHarness, presses: list[tuple[int, dict[str, Any], str]], timeout: float = 30.0
) -> list[dict[str, Any]]:
    """Press (user, bot message, data) all at once, forged (no such button); the callback records once
    every press is answered."""
    records = [
        bot.emu.user_presses(uid, msg["message_id"], data, chat_id=msg["chat_id"], check_button=False)
        for uid, msg, data in presses
    ]
    await bot.emu.wait_until(lambda: all(r["answered"] for r in records), timeout, "every press answered")
    await bot.settle(0.3)
    return records


def visitor_presses() -> list[str]:
    """Every action of every callback schema, with id 1 (real rows of the sample data): a visitor's, an
    organizer's, and the group's own (taking a question), which a member who is no helper may not press."""
    datas: list[str] = []
    for schema in callback_schemas():
        values = valid_defaults(schema) | {name: 1 for name in int_fields(schema)}
        actions = _actions(schema)
        if not actions:
            datas.append(pack_raw(schema, **values))
        for field, member in actions:
            datas.append(pack_raw(schema, **(values | {field: member})))
    datas += [f"menu:{action}" for action in ("main", "events", "book", "faq", "handoff", "subscribe")]
    datas += ["menu:mybookings", "menu:language", "menu:privacy", "lang:de", "lang:ar", "del:1", "del:0"]
    return datas


def _actions(schema: type[CallbackData]) -> list[tuple[str, Enum]]:
    for name, field in schema.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, Enum):
            return [(name, member) for member in kind]
    return []


async def test_forged_visitor_buttons_on_the_relay_change_nothing(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path, **FLOOD_OFF) as bot:
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID, HELPER_ID, MEMBER, STRANGER])
        await seed_sample_data(bot)
        await start(bot, MEMBER, "uk")
        await start(bot, ASKER, "ar")
        relay = await relay_of_a_question(bot, ASKER, "Wo finde ich einen Arzt, der Arabisch spricht?")
        group_before = shown(bot, HELPERS_CHAT_ID)
        tables_before = await dump_tables(bot)

        datas = visitor_presses()
        records = await press_all(bot, [(who, relay, d) for who in (MEMBER, STRANGER) for d in datas])

        for record in records:
            assert record["show_alert"] and record["text"], record
            assert len(record["text"]) <= 200
        # the relay keeps its text and its 🙋 button; nothing new in the group
        assert shown(bot, HELPERS_CHAT_ID) == group_before
        now = message(bot, HELPERS_CHAT_ID, relay["message_id"])
        assert (now["text"], now["reply_markup"], now["edited"]) == (
            relay["text"],
            relay["reply_markup"],
            False,
        )
        # nothing changed in the database: no language, subscription, booking, erasure, ...
        assert await dump_tables(bot) == tables_before
        async with bot.app.sessionmaker() as session:
            assert await session.get(User, STRANGER) is None
            assert (await session.get(User, MEMBER)).language == "uk"  # type: ignore[union-attr]
        # the helper can still take it
        take = bot.emu.user_presses(
            HELPER_ID, relay["message_id"], button_data(now, "🙋"), chat_id=HELPERS_CHAT_ID
        )
        await bot.emu.wait_until(lambda: take["answered"], 5, "take")
        await bot.deliver()  # the relay shows it taken (edited now, or through the outbox)
        await bot.settle()
        assert "🙋" not in str(message(bot, HELPERS_CHAT_ID, relay["message_id"])["reply_markup"]), take
        assert bot.emu.violations == []
    assert problems(caplog.records) == []


async def test_out_of_range_numbers_in_every_schema_get_the_stale_alert(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`bk:s:0:2147483648:0::`-style: every int field of every schema, beyond the columns' range and
    negative, pressed by the organizer (who may press anything) in a private chat."""
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path, **FLOOD_OFF) as bot:
        await seed_sample_data(bot)
        await start(bot, ORGANIZER_ID, "de")
        menu = await bot.say(ORGANIZER_ID, "/menu")
        datas: list[str] = []
        for schema in callback_schemas():
            values = valid_defaults(schema)
            actions = _actions(schema) or [("", None)]
            for field in int_fields(schema):
                for number in (upper_bound(schema, field) + 1, 2**63, 2**64 + 5, -(2**31) - 1):
                    for action_field, member in actions:
                        action = {action_field: member} if action_field else {}
                        datas.append(pack_raw(schema, **(values | action | {field: number})))
                datas.append(pack_raw(schema, **(values | {field: -1 if field != "minute" else -2})))
        assert "bk:s:0:2147483648:0::" in datas and "mb:x:9223372036854775808" in datas
        records = await press_all(bot, [(ORGANIZER_ID, menu, d) for d in datas], timeout=60)
        wrong = [
            (d, r["text"])
            for d, r in zip(datas, records, strict=True)
            if (r["text"], r["show_alert"]) != (de(STALE), True)
        ]
        assert wrong == []
        assert bot.emu.violations == []
    assert problems(caplog.records) == []


async def test_nul_characters_in_free_text_get_a_clean_answer(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path, **FLOOD_OFF) as bot:
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID, HELPER_ID])
        await seed_sample_data(bot)
        await start(bot, ASKER, "de")

        # a question to a person, relayed to the helpers and answered with a NUL, too
        relay = await relay_of_a_question(bot, ASKER, "Hilfe\x00 beim Antrag\x00?")
        assert "\x00" not in relay["text"] and "Hilfe beim Antrag?" in relay["text"]
        bot.emu.user_sends(
            HELPER_ID, "Ja,\x00 gern.", chat_id=HELPERS_CHAT_ID, reply_to_message_id=relay["message_id"]
        )
        await bot.settle()
        await bot.deliver()
        answers = [text_of(m) for m in bot.emu.bot_messages(ASKER) if "gern" in text_of(m)]
        assert answers and all("Ja, gern." in a and "\x00" not in a for a in answers)

        # a question for the FAQ: an answer, not "something went wrong"
        reply = await bot.say(ASKER, "Wie kann ich einen\x00 Deutschkurs finden?", timeout=FIRST)
        assert text_of(reply) != de(SOMETHING_WRONG) and "\x00" not in text_of(reply)
        unknown = await bot.say(ASKER, "Wer hat\x00 die WM 2014 gewonnen?")
        assert text_of(unknown) != de(SOMETHING_WRONG)

        # a booking note
        async with bot.app.sessionmaker() as session:
            slot = await session.scalar(
                select(Slot.id).where(Slot.status == "open").order_by(Slot.starts_at.desc())
            )
        assert slot is not None
        note_data = BookCb(action=BookAction.NOTE, slot=slot, lang=languages.NOT_NEEDED).pack()
        menu = await bot.say(ASKER, "/menu")
        prompt_at = bot.last_id(ASKER)
        bot.emu.user_presses(ASKER, menu["message_id"], note_data, check_button=False)
        await bot.emu.wait_until(
            lambda: "200" in text_of(message(bot, ASKER, menu["message_id"])), 5, "prompt"
        )
        assert bot.last_id(ASKER) == prompt_at
        review = await bot.say(ASKER, "Brief\x00 vom\x00 Amt")
        assert "Brief vom Amt" in text_of(review) and "\x00" not in text_of(review)
        booked = bot.emu.user_presses(ASKER, review["message_id"], button_data(review, "✅"))
        await bot.emu.wait_until(lambda: booked["answered"], 5, "booked")
        assert booked["text"] == de("Booked!"), booked
        async with bot.app.sessionmaker() as session:
            assert (
                await session.scalar(select(Booking.note).where(Booking.user_id == ASKER)) == "Brief vom Amt"
            )
            texts = (await session.scalars(select(Ticket.text))).all()
            texts += (await session.scalars(select(FaqUnanswered.text))).all()
            assert texts and all("\x00" not in (text or "") for text in texts)
        assert bot.emu.violations == []
    assert problems(caplog.records) == []


async def test_deleting_data_while_asking_a_person_ends_cleanly(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the fuzz test: "ask a person" and "yes, delete my data" pressed at the same moment
    deadlocked on PostgreSQL, or the ticket's insert failed on the deleted person. Either the question is
    withdrawn by the erasure, or the erasure came first and nothing is passed on; no trace is left."""
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path, **FLOOD_OFF) as bot:
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID])
        people = list(range(7001, 7013))
        presses = []
        for uid in people:
            await start(bot, uid, "de")
            unknown = await bot.say(uid, f"Wer hat die WM {uid} gewonnen?", timeout=FIRST)
            prompt = await bot.say(uid, "/deletedata")
            assert "del:1" in [data for _, data in buttons(prompt)]
            presses += [(uid, unknown, button_data(unknown, "💬")), (uid, prompt, "del:1")]
        records = await press_all(bot, presses)
        await bot.deliver()
        await bot.settle()
        assert all(r["text"] != de(SOMETHING_WRONG) for r in records)
        relayed = " ".join(text_of(m) for m in bot.emu.bot_messages(HELPERS_CHAT_ID))
        async with bot.app.sessionmaker() as session:
            assert (await session.scalars(select(FaqUnanswered.text))).all() == []
            for uid in people:
                asked = (await session.scalars(select(Ticket.text).where(Ticket.asker_id == uid))).all()
                if await session.get(User, uid) is None:  # erased, the question withdrawn or never sent
                    assert asked == [] and f"WM {uid}" not in relayed
                else:  # the press came after the erasure: a new person, asking anew
                    assert asked == [f"Wer hat die WM {uid} gewonnen?"] and f"WM {uid}" in relayed
        assert bot.emu.violations == []
    assert problems(caplog.records) == []


async def test_deleting_data_while_subscribing_or_taking_a_question_ends_cleanly(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the fuzz test on PostgreSQL: a subscription switched on, or a question taken by a helper,
    at the moment the same person's /deletedata commits failed on the missing person (a traceback and
    "something went wrong"). The erasure wins; the other press ends quietly, or comes after it."""
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path, **FLOOD_OFF) as bot:
        helpers = list(range(7101, 7107))
        bot.emu.add_group(HELPERS_CHAT_ID, "Helfer", [ORGANIZER_ID, *helpers])
        await seed_sample_data(bot)
        presses = []
        for n, uid in enumerate(helpers):
            await make_helper(bot, uid)
            await start(bot, uid, "de")
            await start(bot, 7200 + n, "de")
            relay = await relay_of_a_question(bot, 7200 + n, f"Frage {n}: wer begleitet mich zum Amt?")
            prompt = await bot.say(uid, "/deletedata")
            presses += [(uid, relay, button_data(relay, "🙋")), (uid, prompt, "del:1")]
        visitors = list(range(7301, 7309))
        for uid in visitors:
            await start(bot, uid, "de")
            topics = await bot.say(uid, "/subscribe")
            switch_on = next(data for _, data in buttons(topics) if data.startswith("sub:t:"))
            prompt = await bot.say(uid, "/deletedata")
            presses += [(uid, topics, switch_on), (uid, prompt, "del:1")]
        records = await press_all(bot, presses)
        assert all(r["text"] != de(SOMETHING_WRONG) for r in records)
        async with bot.app.sessionmaker() as session:
            for uid in helpers:
                assert await session.get(User, uid) is None  # in the group, a later press registers nobody
                assert (await session.scalars(select(Ticket.id).where(Ticket.taken_by == uid))).all() == []
        assert bot.emu.violations == []
    assert problems(caplog.records) == []


async def walk_to_confirm(bot: BotHarness, uid: int, n: int) -> dict[str, Any]:
    """/book, the first topic, a day and a time (the n-th combination, so people get different slots), no
    interpreter, no note: the review with its "Yes, book it" button."""
    screen = await bot.say(uid, "/book")
    steps = [BookAction.TOPIC, BookAction.DAY, BookAction.SLOT, BookAction.INTERPRETER, BookAction.REVIEW]
    for step in steps:
        choices = [data for _, data in buttons(screen) if data.startswith(f"bk:{step.value}:")]
        assert choices, (step, buttons(screen))
        pick = {BookAction.DAY: n % len(choices), BookAction.SLOT: n // 3 % len(choices)}.get(step, 0)
        if step is BookAction.INTERPRETER:
            pick = next(i for i, data in enumerate(choices) if data.endswith(f":{languages.NOT_NEEDED}"))
        pressed = bot.emu.user_presses(uid, screen["message_id"], choices[pick])
        await bot.emu.wait_until(lambda pressed=pressed: pressed["answered"], 5.0, "step answered")
        screen = message(bot, uid, screen["message_id"])
    assert any(data.startswith(f"bk:{BookAction.CONFIRM.value}:") for _, data in buttons(screen))
    return screen


async def test_deleting_data_while_booking_ends_cleanly(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Pressing "Yes, book it" and "yes, delete my data" at the same moment: either the booking was stored
    first and the erasure removes it with the person (the place is free again), or the erasure came first
    and the press books for a new person; no traceback, no "something went wrong"."""
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path, **FLOOD_OFF) as bot:
        await seed_sample_data(bot)
        people = list(range(7401, 7413))
        presses = []
        for n, uid in enumerate(people):
            await start(bot, uid, "de")
            review = await walk_to_confirm(bot, uid, n)
            prompt = await bot.say(uid, "/deletedata")
            book_it, erase = (uid, review, button_data(review, "✅")), (uid, prompt, "del:1")
            presses += [book_it, erase] if n % 2 else [erase, book_it]  # either one reaches the bot first
        slot_of = {uid: BookCb.unpack(data).slot for uid, _, data in presses if data.startswith("bk:")}
        assert len(set(slot_of.values())) == len(people)  # every person on a slot of their own
        records = await press_all(bot, presses)
        await bot.deliver()
        await bot.settle()
        assert all(r["text"] != de(SOMETHING_WRONG) for r in records)
        async with bot.app.sessionmaker() as session:
            for uid, slot in slot_of.items():
                on_slot = select(Booking.user_id).where(Booking.slot_id == slot, Booking.status == "booked")
                holders = (await session.scalars(on_slot)).all()
                mine = (await session.scalars(select(Booking.id).where(Booking.user_id == uid))).all()
                if await session.get(User, uid) is None:  # erased, with a booking stored just before
                    assert mine == [] and holders == []  # the place is free again
                else:  # the press came after the erasure: a new person, booking anew
                    assert len(mine) == 1 and holders == [uid]
        assert bot.emu.violations == []
    assert problems(caplog.records) == []


async def test_a_press_from_someone_who_blocked_the_bot_is_no_error(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the fuzz test: a booking confirmed by someone the bot cannot write to (blocked meanwhile,
    or never opened the chat) ended in a traceback on Telegram's 403 after the booking was stored."""
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path, **FLOOD_OFF) as bot:
        await seed_sample_data(bot)
        await start(bot, ASKER, "de")
        menu = await bot.say(ASKER, "/menu")
        async with bot.app.sessionmaker() as session:
            slot = await session.scalar(
                select(Slot.id).where(Slot.status == "open").order_by(Slot.starts_at.desc())
            )
        assert slot is not None
        bot.emu.block(ASKER)
        data = BookCb(action=BookAction.CONFIRM, slot=slot, lang=languages.NOT_NEEDED).pack()
        bot.emu.user_presses(ASKER, menu["message_id"], data, check_button=False)
        await bot.settle(0.5)
        async with bot.app.sessionmaker() as session:
            assert await session.scalar(select(Booking.slot_id).where(Booking.user_id == ASKER)) == slot
        assert bot.emu.violations == []
    assert problems(caplog.records) == []


async def test_not_this_time_on_an_assignment_alert(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the fuzz test: "Not this time" under an assignment alert raised AttributeError."""
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path, **FLOOD_OFF) as bot:
        await seed_sample_data(bot)
        await start(bot, HELPER_ID, "de")
        await bot.deliver()
        alerts = [
            m
            for m in bot.emu.bot_messages(HELPER_ID)
            if any(d.startswith("asg:skip:") for _, d in buttons(m))
        ]
        assert alerts, [text_of(m) for m in bot.emu.bot_messages(HELPER_ID)]
        skip = next(d for _, d in buttons(alerts[0]) if d.startswith("asg:skip:"))
        records = await press_all(bot, [(HELPER_ID, alerts[0], skip), (HELPER_ID, alerts[0], "asg:skip:0")])
        assert all(r["text"] != de(SOMETHING_WRONG) for r in records)
        assert bot.emu.violations == []
    assert problems(caplog.records) == []


async def test_an_unparsable_update_does_not_stop_polling(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Meine Adresse ist Musterweg 1"
    caplog.set_level(logging.WARNING)
    async with running_bot(db_kind, tmp_path) as bot:
        await start(bot, ASKER, "de")
        bad = bot.emu.push_update(
            {
                "message": {
                    "message_id": 99,
                    "date": 1_700_000_000,
                    "chat": {"id": "not a number", "type": "private"},
                    "from": {"id": ASKER, "is_bot": False, "first_name": "A"},
                    "text": secret,
                }
            }
        )
        reply = await bot.say(ASKER, "Wie kann ich einen Deutschkurs finden?", timeout=FIRST)
        assert "Deutsch" in text_of(reply)
        assert f"unparsable update {bad} skipped" in caplog.text
        assert secret not in caplog.text
        assert bot._polling is not None and not bot._polling.done()
        assert bot.emu.violations == []
    assert problems(caplog.records) == []
