"""Booking through the real bot and the Bot API emulator: the whole flow with venue and .ics, /mybookings,
cancelling; 20 people on the last place; forged and stale buttons; reminders; waitlist; agenda; /slots."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from bot import users as user_service
from bot.booking import services
from bot.booking.importer import import_schedule
from bot.clock import FrozenClock
from bot.i18n import catalogs
from bot.text import Translator
from handlers.booking.callbacks import BookAction, BookCb, MyAction, MyCb
from handlers.booking.views import ERRORS
from tests.e2e.harness import ORGANIZER_ID, BotHarness, button_data, buttons, running_bot, text_of
from tests.test_booking_support import COUNSELLOR_ID, person, schedule, slots

START = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # a Monday; counselling on Tuesdays 10:00-12:00


def tr(lang: str, msgid: str) -> str:
    return catalogs().gettext(lang, msgid)


def lead(lang: str, msgid: str) -> str:
    """The translation's text before its first placeholder, without HTML tags (as the emulator shows it)."""
    assert msgid in catalogs().translations["en"]._catalog, f"not a message id: {msgid!r}"
    return re.sub(r"<[^>]+>", "", tr(lang, msgid)).split("{")[0].strip()


async def seed(bot: BotHarness, clock: FrozenClock, **kw: Any) -> list[int]:
    """Counsellor 700 (a helper who started the bot), topics, venue, Tuesday hours; the slot ids."""
    bot.emu.add_user(COUNSELLOR_ID, language_code="de", started=True)
    async with bot.app.sessionmaker() as session:
        await person(session, clock, COUNSELLOR_ID, "de", role=user_service.HELPER)
        await import_schedule(session, clock, bot.app.settings, schedule(**kw))
        await session.commit()
        return [s.id for s in await slots(session)]


def message(bot: BotHarness, chat_id: int, message_id: int) -> dict[str, Any]:
    return next(m for m in bot.emu.messages(chat_id) if m["message_id"] == message_id)


async def tap(
    bot: BotHarness, user_id: int, msg: dict[str, Any], data: str, *, check: bool = True
) -> dict[str, Any]:
    """Press a button and wait for the bot's answer to it; returns the callback record."""
    record = bot.emu.user_presses(user_id, msg["message_id"], data, check_button=check)
    await bot.emu.wait_until(lambda: record["answered"], 5.0, "callback answered")
    return record


async def tap_label(bot: BotHarness, user_id: int, msg: dict[str, Any], label: str) -> dict[str, Any]:
    await tap(bot, user_id, msg, button_data(msg, label))
    return message(bot, user_id, msg["message_id"])


@pytest.mark.pg_e2e
async def test_book_confirm_venue_ics_mybookings_cancel(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await seed(bot, clock)
        uid, lang = 11, "ar"
        bot.user(uid, language_code=lang)
        ar = Translator(lang)

        topics = await bot.say(uid, "/book")
        assert text_of(topics) == tr(lang, "What is your question about? Please choose a topic.")
        assert [label for label, _ in buttons(topics)] == ["💼 العمل", "💼 السكن", tr(lang, "✖ Cancel")]
        days = await tap_label(bot, uid, topics, "العمل")
        tuesday = ar.date(date(2026, 3, 24))
        assert [label for label, _ in buttons(days)][:2] == [tuesday, ar.date(date(2026, 3, 31))]
        times = await tap_label(bot, uid, days, tuesday)
        assert [label for label, _ in buttons(times)][:4] == ["10:00", "10:30", "11:00", "11:30"]
        interpreter = await tap_label(bot, uid, times, "10:30")
        assert "Kurdî / کوردی" in [label for label, _ in buttons(interpreter)]
        note_question = await tap_label(bot, uid, interpreter, "العربية")
        prompt = await tap_label(bot, uid, note_question, tr(lang, "✏️ Write a note"))
        assert text_of(prompt) == ar._(
            "Please write your note in one short message (at most {limit} characters). "
            "Please do not write passport or ID numbers.\n\n/cancel stops.",
            limit=200,
        )
        too_long = await bot.say(uid, "  " + "ا" * 201 + "  ")  # spaces are tidied first: 201 characters
        assert text_of(too_long) == ar._(
            "This is too long ({length} characters). Please write it shorter, in at most {limit} characters.",
            length=201,
            limit=200,
        )
        review = await bot.say(uid, "رسالة من مكتب العمل <b>")  # still in the note step
        assert "رسالة من مكتب العمل <b>" in text_of(review)  # escaped, shown as typed
        assert "العربية" in text_of(review)
        await tap(bot, uid, review, button_data(review, tr(lang, "✅ Yes, book it")))
        document = await bot.emu.wait_for(uid, lambda m: m["kind"] == "document", timeout=5)

        confirmation = message(bot, uid, review["message_id"])
        assert lead(lang, "✅ <b>Your appointment is booked.</b>") in text_of(confirmation)
        assert "Musterstraße 1" in text_of(confirmation) and ar.time(
            datetime(2026, 3, 24, 9, 30, tzinfo=UTC)
        ) in (text_of(confirmation))
        venue = next(m for m in bot.emu.bot_messages(uid) if m.get("venue"))
        assert venue["venue"]["title"] == "Beratungsraum (SAMPLE)"
        assert (venue["venue"]["latitude"], venue["venue"]["longitude"]) == (52.4739, 9.8539)
        assert document["document"]["file_name"] == "appointment.ics"
        event = Calendar.from_ical(bot.emu.file_bytes(document["document"]["file_id"])).walk("VEVENT")[0]
        assert event.decoded("dtstart") == datetime(2026, 3, 24, 9, 30, tzinfo=UTC)  # 10:30 in Berlin
        assert "العمل" in str(event["summary"])

        # the counsellor hears of it (through the delivery engine), without the note
        await bot.deliver()
        news = await bot.emu.wait_for(COUNSELLOR_ID, timeout=5)
        assert text_of(news).startswith(lead("de", "🆕 <b>New counselling appointment</b>"))
        assert "Arabisch" in text_of(news) and "مكتب" not in text_of(news)

        # move it to 11:00: the same interpreter and note go along, a new calendar file comes
        mine = await bot.say(uid, "/mybookings")
        assert text_of(mine).startswith(lead(lang, "<b>Your appointments:</b>"))
        days = await tap_label(bot, uid, mine, lead(lang, "🔁 Change time: {when}"))
        times = await tap_label(bot, uid, days, tuesday)
        assert [label for label, _ in buttons(times)][:3] == ["10:00", "11:00", "11:30"]
        move = await tap_label(bot, uid, times, "11:00")
        assert text_of(move).startswith(lead(lang, "Move your appointment?\n\nFrom: {old}\nTo: {new}"))
        await tap(bot, uid, move, button_data(move, tr(lang, "✅ Yes, move it")))
        moved_ics = await bot.emu.wait_for(uid, lambda m: m["kind"] == "document", timeout=5)
        assert lead(lang, "✅ <b>Your appointment was moved.</b>") in text_of(
            message(bot, uid, move["message_id"])
        )
        event = Calendar.from_ical(bot.emu.file_bytes(moved_ics["document"]["file_id"])).walk("VEVENT")[0]
        assert event.decoded("dtstart") == datetime(2026, 3, 24, 10, 0, tzinfo=UTC)
        async with bot.app.sessionmaker() as session:
            ((moved, _info),) = await services.upcoming(session, clock, uid)
            assert (moved.interpreter, moved.note) == ("ar", "رسالة من مكتب العمل <b>")
        # the counsellor hears of the move as one notice, with the note (issue 17)
        await bot.deliver()
        moved_news = await bot.emu.wait_for(COUNSELLOR_ID, timeout=5)
        moved_title = "🔁 <b>Counselling appointment moved</b>\nfrom {old}\nto {new}"
        assert text_of(moved_news).startswith(lead("de", moved_title))
        assert "مكتب" in text_of(moved_news)

        mine = await bot.say(uid, "/mybookings")
        ask = await tap_label(bot, uid, mine, lead(lang, "❌ Cancel: {when}"))
        assert lead(lang, "Do you really want to cancel this appointment?\n\n{details}") in text_of(ask)
        done = await tap_label(bot, uid, ask, tr(lang, "Yes, cancel the appointment"))
        assert text_of(done).startswith(
            lead(lang, "Your appointment on {when} is cancelled. The time is free again for someone else.")
        )

        async with bot.app.sessionmaker() as session:
            free = await services.free_times(session, clock, bot.app.settings, 1, date(2026, 3, 24))
            assert [bot_time(s.slot.starts_at) for s in free] == ["10:00", "10:30", "11:00", "11:30"]
            assert await services.upcoming(session, clock, uid) == []
        empty = await bot.say(uid, "/mybookings")
        assert text_of(empty) == tr(lang, "You have no upcoming appointments.")
        await bot.deliver()
        cancelled_news = await bot.emu.wait_for(COUNSELLOR_ID, timeout=5)
        assert "abgesagt" in text_of(cancelled_news)
        assert bot.emu.violations == []


def bot_time(moment: datetime) -> str:
    return Translator("de").time(moment)


@pytest.mark.pg_e2e
async def test_an_interpreter_for_another_language_is_asked_which_one(tmp_path: Path) -> None:
    """ "Another language" is no language: the next step asks which one (the note says it), instead of "Would
    you like to write a note?", where a person who typed the language got an FAQ answer (found in the demo)."""
    clock = FrozenClock(START)
    async with running_bot("sqlite", tmp_path, clock=clock) as bot:
        await seed(bot, clock)
        uid, lang = 12, "uk"
        bot.user(uid, language_code=lang)
        topics = await bot.say(uid, "/book")
        days = await tap_label(bot, uid, topics, topics["reply_markup"]["inline_keyboard"][0][0]["text"])
        times = await tap_label(bot, uid, days, Translator(lang).date(date(2026, 3, 24)))
        interpreter = await tap_label(bot, uid, times, "10:30")
        prompt = await tap_label(bot, uid, interpreter, tr(lang, "Another language"))
        assert text_of(prompt) == tr(
            lang,
            "Which language should the interpreter speak? Please write it in one short message, for example: "
            "Tigrinya.\n\n/cancel stops.",
        )
        review = await bot.say(uid, "суахілі")
        check = "<b>Please check your appointment:</b>\n\n{details}\n\nIs everything right?"
        assert text_of(review).startswith(lead(lang, check))
        assert "суахілі" in text_of(review) and tr(lang, "Another language") in text_of(review)
        assert bot.emu.violations == []


async def test_twenty_people_press_for_the_last_place_at_once(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        slot_id = (await seed(bot, clock))[0]
        people = list(range(201, 221))
        for uid in people:
            bot.user(uid, language_code="de")
            bot.emu.user_sends(uid, "/book")
        await bot.emu.wait_until(lambda: all(bot.emu.bot_messages(u) for u in people), 20, "20 topic lists")
        data = BookCb(action=BookAction.CONFIRM, slot=slot_id, lang="-").pack()
        records = [
            bot.emu.user_presses(uid, bot.emu.bot_messages(uid)[0]["message_id"], data, check_button=False)
            for uid in people
        ]
        await bot.emu.wait_until(lambda: all(r["answered"] for r in records), 30, "20 answers")
        answers = [r["text"] for r in records]
        assert answers.count(tr("de", "Booked!")) == 1
        assert answers.count(tr("de", ERRORS["taken"])) == 19
        assert all(r["show_alert"] for r in records if r["text"] != tr("de", "Booked!"))
        async with bot.app.sessionmaker() as session:
            upcoming = [await services.upcoming(session, clock, uid) for uid in people]
            assert sum(len(u) for u in upcoming) == 1
        assert bot.emu.violations == []


STALE = "This button is no longer valid. Please open the menu again: /menu"


def confirm(slot_id: int) -> str:
    """The "Yes, book it" button of a slot, as a forged or stale press would send it."""
    return BookCb(action=BookAction.CONFIRM, slot=slot_id, lang="-").pack()


async def test_forged_and_stale_buttons_are_refused(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        slot_ids = await seed(bot, clock)
        owner, intruder = 31, 32
        async with bot.app.sessionmaker() as session:
            await person(session, clock, owner, "uk")
            booking = await services.book(
                session, clock, bot.app.settings, user_id=owner, slot_id=slot_ids[0]
            )
            await session.commit()
        bot.user(intruder, language_code="fa")
        menu = await bot.say(intruder, "/mybookings")

        for action in (MyAction.CANCEL, MyAction.WILL_COME, MyAction.ASK_CANCEL):
            data = MyCb(action=action, booking=booking.id)
            record = await tap(bot, intruder, menu, data.pack(), check=False)
            assert record["text"] == tr("fa", ERRORS["not_found"]) and record["show_alert"]
        record = await tap(
            bot,
            intruder,
            menu,
            BookCb(action=BookAction.MOVE, slot=slot_ids[1], booking=booking.id).pack(),
            check=False,
        )
        assert record["text"] == tr("fa", ERRORS["not_found"])
        record = await tap(bot, intruder, menu, confirm(999_999), check=False)
        assert record["text"] == tr("fa", ERRORS["gone"])
        record = await tap(bot, intruder, menu, confirm(slot_ids[0]), check=False)
        assert record["text"] == tr("fa", ERRORS["taken"])
        # ids outside the database column's range, or negative: a clean refusal, no query, no traceback
        for forged in ("bk:c:0:2147483648:0::-", "mb:xx:2147483648", "mb:y:-1", "wl:take:0:9999999999:1:"):
            record = await tap(bot, intruder, menu, forged, check=False)
            assert record["text"] == tr("fa", STALE) and record["show_alert"], forged
        clock.set(START + timedelta(days=1, minutes=45))  # Tuesday 10:45: 10:00 and 10:30 are past
        record = await tap(bot, intruder, menu, confirm(slot_ids[1]), check=False)
        assert record["text"] == tr("fa", ERRORS["too_late"])

        async with bot.app.sessionmaker() as session:
            kept = await services.get_own_booking(session, owner, booking.id)
            assert kept.status == "booked" and kept.confirmed_at is None
        assert bot.emu.violations == []


REMINDER = "⏰ <b>Reminder of your appointment</b>\n\n{details}\n\nWill you come?"


def reminders(bot: BotHarness, uid: int, lang: str) -> list[dict[str, Any]]:
    return [m for m in bot.emu.bot_messages(uid) if text_of(m).startswith(lead(lang, REMINDER))]


async def test_reminders_once_in_the_persons_language_and_none_after_cancelling(
    db_kind: str, tmp_path: Path
) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        await seed(bot, clock)
        for uid, lang in ((41, "ru"), (42, "fa")):
            bot.user(uid, language_code="de")
            await bot.say(uid, f"/start lang-{lang}")  # the person chose their language
        async with bot.app.sessionmaker() as session:
            later = [s for s in await slots(session) if s.starts_at.date() == date(2026, 3, 31)]
            one = await services.book(session, clock, bot.app.settings, user_id=41, slot_id=later[0].id)
            two = await services.book(session, clock, bot.app.settings, user_id=42, slot_id=later[1].id)
            await session.commit()
        await bot.run_job("reminders")
        await bot.deliver()  # the counsellor's news; no reminder is due yet
        assert reminders(bot, 41, "ru") == [] and reminders(bot, 42, "fa") == []

        clock.set(later[0].starts_at - timedelta(hours=24))
        await bot.run_job("reminders")
        await bot.deliver()
        assert len(reminders(bot, 41, "ru")) == 1
        assert reminders(bot, 42, "fa") == []  # person 42's is 30 minutes later
        await bot.run_job("reminders")
        assert await bot.deliver() == 0  # nothing twice

        # "I'll come" is recorded; person 42 cancels from the reminder
        reminder = reminders(bot, 41, "ru")[0]
        await tap(bot, 41, reminder, button_data(reminder, tr("ru", "✅ I'll come")))
        clock.set(later[1].starts_at - timedelta(hours=24))
        await bot.run_job("reminders")
        await bot.deliver()
        (reminder_two,) = reminders(bot, 42, "fa")
        ask = await tap_label(bot, 42, reminder_two, tr("fa", "❌ Cancel the appointment"))
        await tap_label(bot, 42, ask, tr("fa", "Yes, cancel the appointment"))

        sent_to_42 = len(bot.emu.bot_messages(42))
        clock.set(later[1].starts_at - timedelta(hours=1))
        await bot.run_job("reminders")
        await bot.deliver()
        assert len(reminders(bot, 41, "ru")) == 2  # the 2 h reminder
        assert len(bot.emu.bot_messages(42)) == sent_to_42  # cancelled: no 2 h reminder
        await bot.run_job("reminders")
        assert await bot.deliver() == 0
        async with bot.app.sessionmaker() as session:
            confirmed = await services.get_own_booking(session, 41, one.id)
            assert confirmed.confirmed_at is not None
            gone = await services.get_own_booking(session, 42, two.id)
            assert gone.status == "cancelled"
        assert bot.emu.violations == []


async def test_unclaimed_waitlist_offer_passes_to_the_next_person(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot(db_kind, tmp_path, clock=clock, slot_weeks_ahead=1) as bot:
        slot_ids = await seed(bot, clock, end="10:30")  # one slot on Tuesday 24 March
        assert len(slot_ids) == 1
        async with bot.app.sessionmaker() as session:
            await person(session, clock, 50, "de")
            holder = await services.book(session, clock, bot.app.settings, user_id=50, slot_id=slot_ids[0])
            await session.commit()
        for uid in (51, 52):
            bot.user(uid, language_code="uk")
            topics = await bot.say(uid, "/book")
            full = await tap_label(bot, uid, topics, "Робота")
            assert lead("uk", "There is no free time for {topic} in the next weeks.") in text_of(full)
            ask = await tap_label(bot, uid, full, "🔔")
            joined = await tap_label(bot, uid, ask, tr("uk", "No, not needed"))
            assert "🔔" in text_of(joined)
            clock.advance(timedelta(minutes=1))

        async with bot.app.sessionmaker() as session:
            await services.cancel(session, clock, bot.app.settings, user_id=50, booking_id=holder.id)
            await session.commit()
        await bot.deliver()
        offer = await bot.emu.wait_for(51, lambda m: "🔔" in text_of(m) and bool(buttons(m)), timeout=5)
        assert not [m for m in bot.emu.bot_messages(52) if "✅" in str(buttons(m))]

        clock.advance(timedelta(hours=2, minutes=1))
        await bot.run_job("booking_waitlist")
        await bot.deliver()
        second = await bot.emu.wait_for(
            52, lambda m: bool(buttons(m)) and "wl:take" in str(buttons(m)), timeout=5
        )
        lapsed = await bot.emu.wait_for(51, lambda m: "wl:ask" in str(buttons(m)), timeout=5)
        assert text_of(lapsed).startswith(
            lead(
                "uk",
                "The free time was kept for you, but there was no answer, so it went to the next person. "
                "If you still need an appointment for {topic}, you can join the waiting list again.",
            )
        )
        stale = await tap(bot, 51, offer, button_data(offer, tr("uk", "✅ Yes, book it")))
        assert stale["text"] == tr("uk", ERRORS["expired"])

        await tap(bot, 52, second, button_data(second, tr("uk", "✅ Yes, book it")))
        await bot.emu.wait_for(52, lambda m: m["kind"] == "document", timeout=5)
        async with bot.app.sessionmaker() as session:
            assert [info.slot.id for _b, info in await services.upcoming(session, clock, 52)] == slot_ids
            assert await services.upcoming(session, clock, 51) == []
        assert bot.emu.violations == []


async def test_agenda_for_counsellors_and_schedule_for_organizers(tmp_path: Path) -> None:
    clock = FrozenClock(START)
    async with running_bot("sqlite", tmp_path, clock=clock) as bot:
        slot_ids = await seed(bot, clock)
        bot.emu.add_user(60, language_code="ar", started=True)
        async with bot.app.sessionmaker() as session:
            await person(session, clock, 60, "ar")
            await services.book(
                session,
                clock,
                bot.app.settings,
                user_id=60,
                slot_id=slot_ids[0],
                interpreter="ar",
                note="Jobcenter",
            )
            await session.commit()
        agenda = await bot.say(COUNSELLOR_ID, "/agenda")
        assert "10:00" in text_of(agenda) and "Arabisch" in text_of(agenda) and "Jobcenter" in text_of(agenda)
        bot.user(61, language_code="de")
        refused = await bot.say(61, "/agenda")
        assert text_of(refused) == tr(
            "de", "Sorry, this is only for helpers and organizers of the association."
        )

        bot.user(62, language_code="de")  # a deep link from a flyer: t.me/<bot>?start=book-housing
        deep = await bot.say(62, "/start book-housing")
        assert text_of(deep).startswith("Für 💼 Wohnen gibt es in den nächsten Wochen keine freie Zeit.")
        assert any(data.startswith("wl:ask:") for _label, data in buttons(deep))

        bot.user(ORGANIZER_ID, language_code="de")
        overview = await bot.say(ORGANIZER_ID, "/slots")
        assert "Beratungsraum (SAMPLE)" in text_of(overview) and "1 von 4 Plätzen belegt" in text_of(overview)
        added = await bot.say(ORGANIZER_ID, "/slots weekly thu 14:00-15:00 housing")
        assert text_of(added).startswith("Hinzugefügt")
        closed = await bot.say(ORGANIZER_ID, "/slots close 2026-03-24 Feiertag")
        assert text_of(closed).endswith("Abgesagte Buchungen: 1 (die Personen bekommen Bescheid).")
        wrong = await bot.say(ORGANIZER_ID, "/slots weekly someday 10:00-11:00 work")
        assert text_of(wrong).startswith("Das hat nicht geklappt: Unbekannter Wochentag „someday“")
        again = await bot.say(ORGANIZER_ID, "/slots weekly Do 14:30-15:30 Wohnen")  # the topic's German name
        assert "überschneidet sich mit Regel #" in text_of(again), text_of(again)  # not a second 14:30
        await bot.deliver()
        told = await bot.emu.wait_for(60, timeout=5)
        assert text_of(told).startswith("😔")
        assert bot.emu.violations == []


async def test_schedule_buttons_for_organizers(tmp_path: Path) -> None:
    """/slots by buttons: pause and resume a rule, a day's slots, cancel one (after "are you sure?"): the
    person booked on it is told; pressing "cancel" once more cancels nothing more."""
    clock = FrozenClock(START)
    async with running_bot("sqlite", tmp_path, clock=clock) as bot:
        slot_ids = await seed(bot, clock)
        bot.emu.add_user(70, language_code="uk", started=True)
        async with bot.app.sessionmaker() as session:
            await person(session, clock, 70, "uk")
            await services.book(session, clock, bot.app.settings, user_id=70, slot_id=slot_ids[0])
            await session.commit()
        bot.user(ORGANIZER_ID, language_code="de")
        de = Translator("de")
        home = await bot.say(ORGANIZER_ID, "/slots")
        paused = await tap(bot, ORGANIZER_ID, home, button_data(home, "⏸ #"))
        assert paused["text"] == de._("Rule #{number} is paused. Booked appointments stay.", number=1)
        home = message(bot, ORGANIZER_ID, home["message_id"])
        assert de._("(paused)") in text_of(home)
        resumed = await tap(bot, ORGANIZER_ID, home, button_data(home, "▶ #"))
        assert resumed["text"] == de._("Rule #{number} runs again.", number=1)

        home = message(bot, ORGANIZER_ID, home["message_id"])
        day = await tap_label(bot, ORGANIZER_ID, home, de.date(date(2026, 3, 24)))
        assert text_of(day).startswith(lead("de", "<b>Slots on {day}</b>"))
        ask = await tap_label(bot, ORGANIZER_ID, day, lead("de", "✖ Cancel slot #{number}"))
        assert text_of(ask) == de._(
            "Cancel slot #{number}? Bookings on it are cancelled and the people get a message.",
            number=slot_ids[0],
        )
        yes = button_data(ask, tr("de", "Yes, cancel the slot"))
        done = await tap(bot, ORGANIZER_ID, ask, yes)
        assert done["text"] == de._(
            "Slot #{number} cancelled. Bookings cancelled: {n}.", number=slot_ids[0], n=1
        )
        assert done["show_alert"]
        again = await tap(bot, ORGANIZER_ID, ask, yes, check=False)  # the same button once more
        assert again["text"] == de._(
            "Slot #{number} cancelled. Bookings cancelled: {n}.", number=slot_ids[0], n=0
        )
        await bot.deliver()
        told = await bot.emu.wait_for(70, timeout=5)
        assert text_of(told).startswith("😔")
        assert bot.emu.violations == []
