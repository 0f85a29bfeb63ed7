"""Rules that used to sit in the handlers and now live once, in the booking services: the limit before
choosing, the note's length, who sees the whole agenda, the language a booking remembers, ids a person
could forge, and the waitlist offers after an organizer cancels a slot. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as user_service
from bot.booking import admin, services
from bot.booking.schedule import ScheduleError
from bot.booking.services import BookingError, Refusal, WaitlistEntry
from bot.clock import FrozenClock
from tests.test_booking_support import person, settings, setup, slots

CONF = settings()
BEYOND = 2**31  # one more than an Integer column holds


async def reason(coro: object) -> str:
    with pytest.raises(BookingError) as refused:
        await coro  # type: ignore[misc]
    return refused.value.reason


async def test_the_limit_is_said_before_choosing(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    all_slots = await slots(session)
    assert [t.key for t in await services.topics_to_book(session, clock, CONF, 1)] == ["work", "housing"]
    first = await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[0].id)
    await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[1].id)
    with pytest.raises(BookingError) as refused:
        await services.topics_to_book(session, clock, CONF, 1)
    assert refused.value.reason == Refusal.LIMIT and refused.value.info == {"limit": 2}
    await services.cancel(session, clock, CONF, user_id=1, booking_id=first.id)
    assert len(await services.topics_to_book(session, clock, CONF, 1)) == 2


def test_a_note_is_tidied_and_at_most_200_characters() -> None:
    assert services.typed_note("  Brief \n vom   Amt ") == "Brief vom Amt"
    assert services.typed_note("   ") is None
    assert services.typed_note("x" * 200) == "x" * 200
    with pytest.raises(BookingError) as refused:
        services.typed_note(" " + "x" * 201)
    assert refused.value.reason == Refusal.TOO_LONG
    assert refused.value.info == {"length": 201, "limit": services.NOTE_MAX}


async def test_booking_keeps_the_language_in_use_only_when_it_succeeds(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    for uid in (1, 2):
        await user_service.ensure_user(session, uid, clock, [])  # no language chosen yet
    slot_id = (await slots(session))[0].id
    await services.book(session, clock, CONF, user_id=1, slot_id=slot_id, language="fa")
    assert (
        await reason(services.book(session, clock, CONF, user_id=2, slot_id=slot_id, language="uk"))
        == "taken"
    )
    assert (await user_service.find_user(session, 1)).language == "fa"  # type: ignore[union-attr]
    assert (await user_service.find_user(session, 2)).language is None  # type: ignore[union-attr]


async def test_the_role_decides_who_sees_the_whole_agenda(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    await person(session, clock, 4, role=user_service.ORGANIZER)
    await person(session, clock, 5, role=user_service.HELPER)
    booked = await services.book(session, clock, CONF, user_id=1, slot_id=(await slots(session))[0].id)
    organizer = await user_service.find_user(session, 4)
    helper = await user_service.find_user(session, 5)
    assert organizer is not None and helper is not None
    items, counsels = await services.agenda(session, clock, CONF, organizer)
    assert counsels and [i.booking.id for i in items] == [booked.id]
    assert await services.agenda(session, clock, CONF, helper) == ([], False)


async def test_ids_outside_the_columns_range_name_nothing(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    assert await reason(services.book(session, clock, CONF, user_id=1, slot_id=BEYOND)) == "gone"
    assert await reason(services.check_slot(session, clock, BEYOND)) == "gone"
    assert await reason(services.get_topic(session, BEYOND)) == "no_topic"
    assert await reason(services.booking_details(session, clock, 1, BEYOND)) == "not_found"
    assert await reason(services.cancel(session, clock, CONF, user_id=1, booking_id=-1)) == "not_found"
    assert (
        await reason(services.confirm_attendance(session, clock, user_id=1, booking_id=BEYOND)) == "not_found"
    )
    take = services.take_offer(session, clock, CONF, user_id=1, entry_id=BEYOND, slot_id=1)
    assert await reason(take) == "not_found"
    assert (
        await reason(services.leave_waitlist(session, clock, CONF, user_id=1, entry_id=BEYOND)) == "not_found"
    )
    assert await services.slot_topic_day(session, CONF, BEYOND) is None
    with pytest.raises(ScheduleError):
        await admin.cancel_slot(session, clock, CONF, BEYOND)
    with pytest.raises(ScheduleError):
        await admin.set_rule_active(session, clock, CONF, BEYOND, False)


async def test_a_cancelled_slot_passes_its_held_offer_on_at_once(
    session: AsyncSession, clock: FrozenClock
) -> None:
    """The organizer cancels the slot held for a person: they get the next free place (one rule, in
    admin.cancel_slot, for the bot and the command line alike)."""
    week = settings(slot_weeks_ahead=1)
    await setup(session, clock, week, start="10:00", end="11:00")
    first_slot, second_slot = await slots(session)
    for uid in (101, 102, 1):
        await person(session, clock, uid)
    one = await services.book(session, clock, week, user_id=101, slot_id=first_slot.id)
    two = await services.book(session, clock, week, user_id=102, slot_id=second_slot.id)
    entry = await services.join_waitlist(session, clock, week, user_id=1, topic_id=first_slot.topic_id)
    await services.cancel(session, clock, week, user_id=102, booking_id=two.id)
    assert (entry.status, entry.offered_slot_id) == ("offered", second_slot.id)
    await services.cancel(session, clock, week, user_id=101, booking_id=one.id)  # free, nobody else waits
    await admin.cancel_slot(session, clock, week, second_slot.id)
    again = await session.get(WaitlistEntry, entry.id, populate_existing=True)
    assert again is not None and (again.status, again.offered_slot_id) == ("offered", first_slot.id)
