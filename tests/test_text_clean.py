"""Free text is cleaned before it is stored (issue 13): no NUL (PostgreSQL refuses it), no other control
characters Telegram refuses, no lone surrogates (not encodable as UTF-8). One function, bot.text.clean_text,
called by the services on every free-text field they store; checked here on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot import users as users_service
from bot.assignments import profiles
from bot.assignments import service as assignment_service
from bot.booking import services as booking
from bot.broadcast import broadcasts, events
from bot.clock import FrozenClock
from bot.faq import feedback
from bot.text import clean_text
from storage.models import Booking, BroadcastText, Event, FaqUnanswered, HelperProfile, Ticket
from tests.test_booking_support import person, settings, setup, slots

CONF = settings()
DIRTY = "Brief\x00 vom\x07 Amt\x1b \ud800bitte\x7f"
CLEAN = "Brief vom Amt bitte"


def test_clean_text_drops_what_postgres_and_telegram_refuse() -> None:
    assert clean_text("a\x00b\ud800c\x07d\n\te\r\nf\x1f  ") == "abcd\n\te\nf"
    assert clean_text("  \x00 ") == ""
    assert clean_text("سلام \u2068Jobcenter\u2069 👋🏽 ä") == "سلام \u2068Jobcenter\u2069 👋🏽 ä"
    assert clean_text("x" * 50, limit=10) == "x" * 10
    assert clean_text("\x00" * 20 + "abc", limit=3) == "abc"  # the limit counts what is kept
    assert clean_text(DIRTY).encode("utf-8")  # encodable


def test_pure_cleaners_of_the_services_drop_nul() -> None:
    assert booking.clean_note("a\x00b") == "ab"
    assert assignment_service.clean_description("Begleitung\x00 zum Arzt") == "Begleitung zum Arzt"
    assert assignment_service.clean_details("Hauptstr.\x00 1\ud800") == "Hauptstr. 1"


async def test_services_store_free_text_cleaned(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "de", role=users_service.ORGANIZER)
    user = await users_service.find_user(session, 1)
    assert user is not None
    free = await slots(session)
    made = await booking.book(session, clock, CONF, user_id=1, slot_id=free[0].id, note=DIRTY)
    await session.commit()
    ticket = await tickets.open_ticket(
        session, clock, kind=tickets.QUESTION, chat_id=-1, lang="de", asker_id=1, text=DIRTY,
        relay_lang="de", translation=DIRTY,
    )  # fmt: skip
    kept_id = await feedback.keep_unanswered(session, clock, text=DIRTY, lang="de", reason=feedback.NO_MATCH)
    await profiles.set_note(session, clock, user, DIRTY)
    event = await events.create_event(
        session, clock, user, lang="de", title=DIRTY, body=DIRTY, venue=DIRTY,
        starts_at=clock.now() + timedelta(days=2), ends_at=clock.now() + timedelta(days=2, hours=1),
        topic_id=None, capacity=None,
    )  # fmt: skip
    draft = await broadcasts.create_draft(session, clock, user)
    await broadcasts.set_original(session, draft, "<b>Hallo</b>\x00 ihr\x07", "de")
    await session.commit()
    session.expunge_all()

    stored = await session.get(Booking, made.id)
    assert stored is not None and stored.note == CLEAN
    row = await session.get(Ticket, ticket.id)
    assert row is not None and (row.text, row.translation) == (CLEAN, CLEAN)
    unanswered = await session.get(FaqUnanswered, kept_id)
    assert unanswered is not None and unanswered.text == CLEAN
    profile = await session.get(HelperProfile, 1)
    assert profile is not None and profile.note == CLEAN
    stored_event = await session.get(Event, event.id)
    assert stored_event is not None
    assert (stored_event.title, stored_event.body, stored_event.venue) == (CLEAN, CLEAN, CLEAN)
    texts = (await session.scalars(select(BroadcastText.text))).all()
    assert texts == ["<b>Hallo</b> ihr"]


@pytest.mark.pg
async def test_a_booking_note_with_nul_is_stored_on_postgres(
    session: AsyncSession, clock: FrozenClock
) -> None:
    if session.bind.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL case (SQLite stores NUL silently)")
    await setup(session, clock, CONF)
    await person(session, clock, 2, "fa")
    made = await booking.book(
        session, clock, CONF, user_id=2, slot_id=(await slots(session))[0].id, note="Zimmer\x00 12"
    )
    await session.commit()
    session.expunge_all()
    stored = await session.get(Booking, made.id)
    assert stored is not None and stored.note == "Zimmer 12"
