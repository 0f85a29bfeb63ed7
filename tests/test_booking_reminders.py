"""Booking reminders with a controllable clock (bot/reminders.py): exactly the due ones, once, in each
person's language; none whose time had passed when the booking was made, none after a cancellation, only
the latest after downtime, none doubled by a second run or a second process; a change of the offsets
reaches bookings made before it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import reminders
from bot.booking import services
from bot.clock import FrozenClock
from bot.config import Settings
from bot.i18n import catalogs
from storage.models import Slot
from tests.test_booking_support import FakeSender, outbox_rows, person, settings, setup, slots

CONF = settings()
REMINDER_TITLE = "⏰ <b>Reminder of your appointment</b>\n\n{details}\n\nWill you come?"


def title(lang: str) -> str:
    return catalogs().gettext(lang, REMINDER_TITLE).split("{details}")[0].strip()


async def _slot_at(session: AsyncSession, moment: datetime) -> Slot:
    return next(s for s in await slots(session) if s.starts_at == moment)


async def remind(session: AsyncSession, clock: FrozenClock, conf: Settings = CONF) -> int:
    """One run of the reminders job in this session; the rows it queued."""
    queued = await reminders.queue_due(session, clock, conf)
    await session.commit()
    return queued


async def reminder_rows(session: AsyncSession) -> list[tuple[int, int, str]]:
    """(person, hours, status) of every booking reminder queued."""
    rows = await outbox_rows(session, kind=services.KIND_REMINDER)
    return [(r.chat_id, r.payload["hours"], r.status) for r in rows]


async def test_due_reminders_once_each_in_the_persons_language(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    sender = FakeSender()
    tuesday_31 = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # 10:00 in Berlin (summer time)
    async with sessionmaker() as session:
        await setup(session, clock, CONF)
        await person(session, clock, 1, "fa")
        await person(session, clock, 2, "uk")
        slot = await _slot_at(session, tuesday_31)
        second = await _slot_at(session, tuesday_31 + timedelta(minutes=30))
        await services.book(session, clock, CONF, user_id=1, slot_id=slot.id)
        await services.book(session, clock, CONF, user_id=2, slot_id=second.id)
        await session.commit()
        assert await remind(session, clock) == 0  # nothing is queued before it is due
        assert await outbox_rows(session, kind=services.KIND_REMINDER) == []
        assert await sender.run(session, clock.now(), CONF) == 2  # only the counsellor's news

    clock.set(tuesday_31 - timedelta(hours=24, minutes=1))
    async with sessionmaker() as session:
        assert await remind(session, clock) == 0
    clock.set(tuesday_31 - timedelta(hours=24))
    async with sessionmaker() as session:
        assert await remind(session, clock) == 1
    # "restart": a new process runs the job again; the dedupe keys keep the reminder single
    async with sessionmaker() as session:
        assert await remind(session, clock) == 0
        (row,) = await outbox_rows(session, kind=services.KIND_REMINDER)
        assert row.dedupe_key == f"remind:booking:{row.payload['booking_id']}:1:24"
        assert (row.chat_id, row.user_id, row.lang) == (1, 1, None)
        assert row.ref == f"booking:{row.payload['booking_id']}"
        assert await sender.run(session, clock.now(), CONF) == 1
        assert await sender.run(session, clock.now(), CONF) == 0  # sent once
    assert [title("fa") in t for t in sender.texts(1, services.KIND_REMINDER)] == [True]
    assert sender.texts(1, services.KIND_REMINDER)[0].startswith("⏰ ")
    assert "۱۰:۰۰" in sender.texts(1)[-1] or "10:00" in sender.texts(1)[-1]

    clock.set(tuesday_31 - timedelta(hours=2))
    async with sessionmaker() as session:
        assert await remind(session, clock) == 2  # person 1's 2 h, person 2's 24 h (late: the job slept)
        assert await sender.run(session, clock.now(), CONF) == 2
    assert len(sender.texts(1, services.KIND_REMINDER)) == 2
    assert [title("uk") in t for t in sender.texts(2, services.KIND_REMINDER)] == [True]
    markup = next(p for c, k, p in sender.sent if c == 1 and k == services.KIND_REMINDER)["reply_markup"]
    labels = [b["text"] for row in markup["inline_keyboard"] for b in row]
    assert labels == [
        catalogs().gettext("fa", "✅ I'll come"),
        catalogs().gettext("fa", "❌ Cancel the appointment"),
    ]

    # person 2's 2 h reminder is queued, then they cancel before it leaves: it is withdrawn, never sent
    clock.set(tuesday_31 + timedelta(minutes=30) - timedelta(hours=2))
    async with sessionmaker() as session:
        assert await remind(session, clock) == 1
        booking_id = next(b.id for b, _i in await services.upcoming(session, clock, 2))
        await services.cancel(session, clock, CONF, user_id=2, booking_id=booking_id)
        await session.commit()
        assert sorted(await reminder_rows(session)) == [
            (1, 2, "sent"),
            (1, 24, "sent"),
            (2, 2, "cancelled"),
            (2, 24, "sent"),
        ]
        assert await remind(session, clock) == 0  # a cancelled booking is no candidate
    clock.set(tuesday_31 + timedelta(hours=3))
    async with sessionmaker() as session:
        assert await remind(session, clock) == 0
        assert await sender.run(session, clock.now(), CONF) == 1  # the counsellor hears of the cancellation
    assert len(sender.texts(2, services.KIND_REMINDER)) == 1
    assert [k for c, k, _p in sender.sent].count(services.KIND_REMINDER) == 3


async def test_no_reminder_whose_time_has_passed(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "ar")
    first = (await slots(session))[0]  # Tuesday 24 March 10:00, 24 hours after "now"
    clock.set(first.starts_at - timedelta(hours=3))
    await services.book(session, clock, CONF, user_id=1, slot_id=first.id)  # at short notice
    await session.commit()
    assert await remind(session, clock) == 0  # the 24 h reminder's time had passed already
    clock.set(first.starts_at - timedelta(hours=2))
    assert await remind(session, clock) == 1
    rows = await outbox_rows(session, kind=services.KIND_REMINDER)
    assert [(r.payload["hours"], r.not_before, r.user_id) for r in rows] == [
        (2, first.starts_at - timedelta(hours=2), 1)
    ]
    clock.set(first.starts_at - timedelta(minutes=20))  # booking closes 30 minutes before: no later one
    assert await remind(session, clock) == 0


async def test_configured_offsets(session: AsyncSession, clock: FrozenClock) -> None:
    conf = settings(reminder_offsets_hours="48, 1")
    await setup(session, clock, conf)
    await person(session, clock, 1, "ru")
    late = (await slots(session))[-1]
    booking = await services.book(session, clock, conf, user_id=1, slot_id=late.id)
    await session.commit()
    for hours in (48, 24, 2, 1):
        clock.set(late.starts_at - timedelta(hours=hours))
        await remind(session, clock, conf)
    rows = await outbox_rows(session, kind=services.KIND_REMINDER)
    assert sorted(r.dedupe_key or "" for r in rows) == [
        f"remind:booking:{booking.id}:1:1",
        f"remind:booking:{booking.id}:1:48",
    ]


async def test_a_change_of_the_offsets_reaches_bookings_made_before_it(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)  # reminders 24 and 2 hours before
    await person(session, clock, 1, "de")
    late = (await slots(session))[-1]
    await services.book(session, clock, CONF, user_id=1, slot_id=late.id)
    await session.commit()
    changed = settings(reminder_offsets_hours="6")  # the deployment now reminds 6 hours before, only
    for hours in (24, 7, 6, 2, 1):
        clock.set(late.starts_at - timedelta(hours=hours))
        await remind(session, clock, changed)
    assert await reminder_rows(session) == [(1, 6, "pending")]


async def test_only_the_latest_reminder_after_downtime(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "de")
    late = (await slots(session))[-1]
    await services.book(session, clock, CONF, user_id=1, slot_id=late.id)
    await session.commit()
    clock.set(late.starts_at - timedelta(minutes=50))  # the job did not run since the booking
    assert await remind(session, clock) == 1
    assert await remind(session, clock) == 0
    assert await reminder_rows(session) == [(1, 2, "pending")]
    clock.set(late.starts_at)  # started: nothing any more
    assert await remind(session, clock) == 0


async def test_two_processes_at_once_queue_each_reminder_once(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        await setup(session, clock, CONF)
        for uid in (1, 2, 3):
            await person(session, clock, uid, "de")
        free = await slots(session)
        for uid, slot in zip((1, 2, 3), free[-3:], strict=True):
            await services.book(session, clock, CONF, user_id=uid, slot_id=slot.id)
        await session.commit()
    clock.set(free[-3].starts_at - timedelta(hours=3))  # each one's 24 h reminder is due, no 2 h one

    async def job() -> int:
        async with sessionmaker() as session:
            return await remind(session, clock)

    assert sum(await asyncio.gather(job(), job())) == 3
    async with sessionmaker() as session:
        assert sorted(await reminder_rows(session)) == [
            (1, 24, "pending"),
            (2, 24, "pending"),
            (3, 24, "pending"),
        ]


async def test_ill_come_is_recorded(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    booking = await services.book(session, clock, CONF, user_id=1, slot_id=(await slots(session))[0].id)
    assert booking.confirmed_at is None
    await services.confirm_attendance(session, clock, user_id=1, booking_id=booking.id)
    assert booking.confirmed_at == clock.now()
