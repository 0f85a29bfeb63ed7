"""Capacity counted in people (issue 17): a registration says how many come, a family of four takes four
places, a registration that does not fit is refused (none free, or fewer free than asked), the lists and the
attendance list count people; editing an event keeps the rules; translations typed in a form. SQLite and
PostgreSQL (the `session` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import reminders
from bot.broadcast import event_desk
from bot.broadcast import event_edit as editing
from bot.broadcast import events as ev
from bot.broadcast import payloads as kinds
from bot.broadcast.payloads import EventChangedPayload
from bot.clock import FrozenClock
from bot.config import SUPPORTED_LANGUAGES
from bot.delivery.reminders import ReminderKind
from bot.text import Translator
from emulator.html_entities import parse_html
from handlers.broadcast import RENDERERS
from storage.models import Attendance, User
from storage.repositories import broadcast as repo
from tests.test_broadcast_service import SETTINGS, add_user, make_event, outbox_rows, remind

OFFSETS = reminders.plans(SETTINGS)[ReminderKind.EVENT].offsets_for


async def test_a_family_takes_as_many_places_as_it_has_people(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    family, single, late = [await add_user(session, clock, uid) for uid in (11, 12, 13)]
    event = await make_event(session, clock, organizer, capacity=6)
    result, _ = await ev.attend(session, clock, SETTINGS, event.id, family, people=4)
    assert result is ev.Attend.OK
    row = await session.get(Attendance, (event.id, 11))
    assert row is not None and row.people == 4
    assert await ev.places_free(session, event) == 2
    # three do not fit into two: refused, nothing stored; two do
    assert (await ev.attend(session, clock, SETTINGS, event.id, single, people=3))[0] is ev.Attend.TOO_MANY
    assert await session.get(Attendance, (event.id, 12)) is None
    assert (await ev.attend(session, clock, SETTINGS, event.id, single, people=2))[0] is ev.Attend.OK
    assert (await ev.attend(session, clock, SETTINGS, event.id, late))[0] is ev.Attend.FULL
    # what readers see: 6 taken, none free; each one's own number
    view = await ev.view(session, event, "de", family.id)
    assert (view.taken, view.free, view.attending, view.people) == (6, 0, True, 4)
    listing = await ev.upcoming(session, clock, "de", single.id)
    assert [(v.taken, v.people) for v in listing.views] == [(6, 2)]
    mine = await ev.registered_events(session, clock, "de", family.id)
    assert [(v.id, v.people, v.taken) for v in mine] == [(event.id, 4, 6)]
    assert await ev.registered_events(session, clock, "de", organizer.id) == []
    # "I can't come" frees all four places
    assert await ev.unattend(session, event.id, family)
    assert await ev.places_free(session, event) == 4


async def test_the_number_of_people_is_checked(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    user = await add_user(session, clock, 11)
    event = await make_event(session, clock, organizer)
    for wrong in (0, -1, ev.MAX_PARTY + 1):
        with pytest.raises(ev.EventError) as info:
            await ev.attend(session, clock, SETTINGS, event.id, user, people=wrong)
        assert info.value.code is ev.Problem.PEOPLE
    # no limit: up to MAX_PARTY
    assert (await ev.attend(session, clock, SETTINGS, event.id, user, people=ev.MAX_PARTY))[0] is ev.Attend.OK
    assert await ev.places_free(session, event) is None


def test_the_choices_offered_fit_the_places_free() -> None:
    assert list(ev.party_choices(None)) == [1, 2, 3, 4, 5, 6]
    assert list(ev.party_choices(4)) == [1, 2, 3, 4]
    assert list(ev.party_choices(1)) == [1]
    assert list(ev.party_choices(0)) == []


async def test_two_families_cannot_both_take_the_last_places(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        organizer = await add_user(session, clock, 1, role="organizer")
        for uid in range(11, 17):
            await add_user(session, clock, uid)
        event = await make_event(session, clock, organizer, capacity=5)
        event_id = event.id

    async def one(uid: int) -> ev.Attend:
        async with sessionmaker() as session:
            user = await session.get(User, uid)
            assert user is not None
            result, _ = await ev.attend(session, clock, SETTINGS, event_id, user, people=3)
            await asyncio.sleep(0.01)  # hold the transaction a little, as a handler does
            await session.commit()
            return result

    results = await asyncio.gather(*(one(uid) for uid in range(11, 17)))
    assert results.count(ev.Attend.OK) == 1 and results.count(ev.Attend.TOO_MANY) == 5
    async with sessionmaker() as session:
        assert await repo.attendee_count(session, event_id) == 3


async def test_the_console_lists_count_people_and_reminders(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    family, single = await add_user(session, clock, 11, "ar"), await add_user(session, clock, 12, "uk")
    event = await make_event(session, clock, organizer, capacity=10)
    over = await make_event(session, clock, organizer, starts_in=timedelta(hours=1))
    await ev.set_text(session, event.id, "en", "Summer party", "")
    await ev.attend(session, clock, SETTINGS, event.id, family, people=4)
    await ev.attend(session, clock, SETTINGS, event.id, single)
    clock.advance(timedelta(hours=5))  # `over` is over
    upcoming = await event_desk.event_list(session, clock, "en", past=False)
    assert [(r.id, r.title, r.taken, r.registrations, r.free) for r in upcoming.rows] == [
        (event.id, "Summer party", 5, 2, 5)
    ]
    past = await event_desk.event_list(session, clock, "de", past=True)
    assert [r.id for r in past.rows] == [over.id] and past.total == 1
    found = await event_desk.attendees(session, clock, SETTINGS, event, OFFSETS)
    assert found.people == 5
    assert [(r.user_id, r.lang, r.people) for r in found.registrations] == [(11, "ar", 4), (12, "uk", 1)]
    due = event.starts_at - timedelta(hours=24)
    assert {(r.reminder, r.reminder_at) for r in found.registrations} == {(event_desk.Reminder.DUE, due)}
    clock.set(due)
    assert await remind(session, clock) == 2
    found = await event_desk.attendees(session, clock, SETTINGS, event, OFFSETS)
    assert {r.reminder for r in found.registrations} == {event_desk.Reminder.QUEUED}


async def test_an_edit_keeps_the_rules_and_moves_the_reminders(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    family = await add_user(session, clock, 11)
    event = await make_event(session, clock, organizer, capacity=10)
    await ev.attend(session, clock, SETTINGS, event.id, family, people=4)
    details = {
        "title": "Sommerfest",
        "body": "",
        "venue": "Saal",
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
    }
    with pytest.raises(ev.EventError) as info:
        await editing.update_event(session, clock, SETTINGS, event.id, **details, capacity=3)
    assert info.value.code is ev.Problem.BELOW_TAKEN
    clock.set(event.starts_at - timedelta(hours=24))
    assert await remind(session, clock) == 1
    later = event.starts_at + timedelta(days=2)
    updated = await editing.update_event(
        session,
        clock,
        SETTINGS,
        event.id,
        **{**details, "starts_at": later, "ends_at": later + timedelta(hours=2)},
        capacity=4,
    )
    changed = updated.event
    assert changed.capacity == 4 and updated.before["capacity"] == "10" and changed.venue == "Saal"
    found = await event_desk.attendees(session, clock, SETTINGS, changed, OFFSETS)
    # the reminder for the old time is withdrawn; a new one is due before the new time
    assert [(r.reminder, r.reminder_at) for r in found.registrations] == [
        (event_desk.Reminder.DUE, later - timedelta(hours=24))
    ]
    # the person registered is told the new date, in their language; a change of the capacity alone is not told
    assert updated.told == 1
    [notice] = await outbox_rows(session, kind="event_changed")
    assert (notice.user_id, notice.lang, notice.payload["venue"]) == (11, "de", "Saal")
    again = await editing.update_event(
        session,
        clock,
        SETTINGS,
        event.id,
        **{**details, "starts_at": later, "ends_at": later + timedelta(hours=2)},
        capacity=5,
    )
    assert again.told == 0 and len(await outbox_rows(session, kind="event_changed")) == 1
    clock.set(later + timedelta(minutes=1))
    with pytest.raises(ev.EventError) as info:
        await editing.update_event(session, clock, SETTINGS, event.id, **details, capacity=None)
    assert info.value.code in (ev.Problem.PAST, ev.Problem.CLOSED)


async def test_translations_typed_in_a_form(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    event = await make_event(session, clock, organizer)
    await repo.put_event_text(session, event.id, "fa", "[fa] Sommerfest", "", machine=True)
    # unchanged and not confirmed: still a machine translation to review
    assert await editing.save_translation(session, event, "fa", "[fa] Sommerfest", "") is None
    assert (await ev.texts(session, event.id))["fa"].machine
    assert (
        await editing.save_translation(session, event, "fa", "[fa] Sommerfest", "", reviewed=True)
        == "reviewed"
    )
    assert not (await ev.texts(session, event.id))["fa"].machine
    assert await editing.save_translation(session, event, "uk", "Літнє  свято", "З музикою") == "typed"
    assert (await ev.texts(session, event.id))["uk"].title == "Літнє свято"
    assert await editing.save_translation(session, event, "uk", "", "") == "removed"
    assert "uk" not in await ev.texts(session, event.id)
    for lang, title, body in (("uk", "", "Текст без назви"), ("de", "Fest", ""), ("xx", "Fest", "")):
        with pytest.raises(ev.EventError):
            await editing.save_translation(session, event, lang, title, body)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_change_notice_is_valid_html_in_every_language(lang: str) -> None:
    starts = datetime(2026, 3, 28, 14, 0, tzinfo=UTC)
    notice = EventChangedPayload(
        event_id=3,
        title="Fest <&>",
        machine=True,
        venue="Saal",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    rendered = RENDERERS[kinds.EVENT_CHANGED](notice.data(), Translator(lang))
    parse_html(rendered.params["text"])
    assert "Fest &lt;&amp;&gt;" in rendered.params["text"] and "Saal" in rendered.params["text"]
    rows = rendered.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows] == ["ev:bno:3:"]  # "I can't come"
