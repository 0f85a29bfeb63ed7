"""Waitlist: joining only when a topic is full, one-tap offers that hold the place, passing an unclaimed
offer on to the next person, forged and stale offers refused. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import services
from bot.booking.services import BookingError
from bot.clock import FrozenClock
from storage.models import WaitlistEntry
from tests.test_booking_support import FakeSender, outbox_rows, person, settings, setup, slots

CONF = settings(slot_weeks_ahead=1)


async def _full_topic(session: AsyncSession, clock: FrozenClock) -> tuple[int, list[int]]:
    """Tuesday 24 March (the one Tuesday in a one-week window), two 30-minute slots, both booked."""
    await setup(session, clock, CONF, start="10:00", end="11:00")
    all_slots = await slots(session)
    assert len(all_slots) == 2
    topic_id = all_slots[0].topic_id
    booking_ids = []
    for uid, slot in zip((101, 102), all_slots, strict=True):
        await person(session, clock, uid)
        booking_ids.append((await services.book(session, clock, CONF, user_id=uid, slot_id=slot.id)).id)
    for uid in (1, 2, 3):
        await person(session, clock, uid, "ar")
    await session.commit()
    return topic_id, booking_ids


async def _entry(session: AsyncSession, entry_id: int) -> WaitlistEntry:
    entry = await session.get(WaitlistEntry, entry_id, populate_existing=True)
    assert entry is not None
    return entry


async def test_only_a_full_topic_has_a_waitlist(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    topic_id = (await slots(session))[0].topic_id
    with pytest.raises(BookingError) as refused:
        await services.join_waitlist(session, clock, CONF, user_id=1, topic_id=topic_id)
    assert refused.value.reason == "has_free"


async def test_unclaimed_offer_passes_to_the_next_person(session: AsyncSession, clock: FrozenClock) -> None:
    sender = FakeSender()
    topic_id, booking_ids = await _full_topic(session, clock)
    first = await services.join_waitlist(session, clock, CONF, user_id=1, topic_id=topic_id, interpreter="ar")
    clock.advance(timedelta(minutes=1))
    second = await services.join_waitlist(session, clock, CONF, user_id=2, topic_id=topic_id)
    await session.commit()
    assert await services.offer_free_places(session, clock, CONF) == []  # nothing free yet

    # a place frees up: the first in line gets it held, at once
    first_id, second_id = first.id, second.id
    freed = await services.cancel(session, clock, CONF, user_id=102, booking_id=booking_ids[1])
    freed_slot = freed.slot.id
    await session.commit()
    first, second = await _entry(session, first_id), await _entry(session, second_id)
    assert (first.status, first.offered_slot_id) == ("offered", freed_slot)
    assert second.status == "waiting"
    assert first.offer_expires_at == clock.now() + timedelta(hours=CONF.waitlist_hold_hours)
    # the hold counts as taken: nobody else can book it, and it is not shown as free
    with pytest.raises(BookingError) as refused:
        await services.book(session, clock, CONF, user_id=3, slot_id=freed_slot)
    assert refused.value.reason == "taken"
    assert await services.free_days(session, clock, CONF, topic_id) == []
    await session.rollback()
    await sender.run(session, clock.now(), CONF)
    offers = [p for c, k, p in sender.sent if k == services.KIND_OFFER]
    assert len(offers) == 1 and sender.sent[-1][0] == 1 and offers[0]["lang"] == "ar"

    # another person cannot take the offer with a forged button
    with pytest.raises(BookingError) as refused:
        await services.take_offer(session, clock, CONF, user_id=2, entry_id=first_id, slot_id=freed_slot)
    assert refused.value.reason == "not_found"
    await session.rollback()

    # nobody answers: after the hold time the periodic job passes the place on
    clock.advance(timedelta(hours=CONF.waitlist_hold_hours, minutes=1))
    made = await services.offer_free_places(session, clock, CONF)
    await session.commit()
    assert [e.id for e in made] == [second_id]
    first, second = await _entry(session, first_id), await _entry(session, second_id)
    assert first.status == "lapsed" and second.status == "offered"
    await sender.run(session, clock.now(), CONF)
    assert [c for c, k, _p in sender.sent if k == services.KIND_LAPSED] == [1]
    assert [c for c, k, _p in sender.sent if k == services.KIND_OFFER] == [1, 2]
    # the first person's old button is refused now
    with pytest.raises(BookingError) as refused:
        await services.take_offer(session, clock, CONF, user_id=1, entry_id=first_id, slot_id=freed_slot)
    assert refused.value.reason == "expired"
    await session.rollback()

    # the second person takes it with one tap
    booking = await services.take_offer(
        session, clock, CONF, user_id=2, entry_id=second_id, slot_id=freed_slot
    )
    await session.commit()
    assert booking.slot_id == freed_slot and booking.status == "booked"
    assert (await _entry(session, second_id)).status == "booked"
    with pytest.raises(BookingError) as refused:
        await services.take_offer(session, clock, CONF, user_id=2, entry_id=second_id, slot_id=freed_slot)
    assert refused.value.reason == "expired"


async def test_declining_passes_the_place_on_at_once(session: AsyncSession, clock: FrozenClock) -> None:
    topic_id, booking_ids = await _full_topic(session, clock)
    first = await services.join_waitlist(session, clock, CONF, user_id=1, topic_id=topic_id)
    clock.advance(timedelta(minutes=1))
    second = await services.join_waitlist(session, clock, CONF, user_id=2, topic_id=topic_id)
    await services.cancel(session, clock, CONF, user_id=101, booking_id=booking_ids[0])
    await session.commit()
    assert (await _entry(session, first.id)).status == "offered"
    await services.leave_waitlist(session, clock, CONF, user_id=1, entry_id=first.id)
    await session.commit()
    assert (await _entry(session, first.id)).status == "left"
    assert (await _entry(session, second.id)).status == "offered"
    offers = await outbox_rows(session, kind=services.KIND_OFFER)
    assert [r.chat_id for r in offers] == [1, 2]


async def test_offers_skip_people_at_their_limit_and_too_short_notice(
    session: AsyncSession, clock: FrozenClock
) -> None:
    topic_id, booking_ids = await _full_topic(session, clock)
    first = await services.join_waitlist(session, clock, CONF, user_id=1, topic_id=topic_id)
    # a slot that starts within the hold time is not offered (nobody could count on it)
    all_slots = await slots(session)
    clock.set(all_slots[0].starts_at - timedelta(hours=2, minutes=30))
    await services.cancel(session, clock, CONF, user_id=101, booking_id=booking_ids[0])
    await session.commit()
    assert (await _entry(session, first.id)).status == "waiting"
    # an offer for a slot the organizers cancel goes back to waiting, keeping the place in line
    await services.cancel(session, clock, CONF, user_id=102, booking_id=booking_ids[1])
    await session.commit()
    entry = await _entry(session, first.id)
    assert entry.status == "offered" and entry.offered_slot_id == all_slots[1].id
    await services.cancel_bookings_of_slots(session, clock, [all_slots[1].id])
    entry = await _entry(session, first.id)
    assert entry.status == "waiting" and entry.offered_slot_id is None
