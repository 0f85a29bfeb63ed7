"""Reminders with a controllable clock: exactly the due ones, once, in each person's language; none whose
time has passed, none after a cancellation, none doubled when queued again after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking import services
from bot.clock import FrozenClock
from bot.i18n import catalogs
from storage.models import Slot
from tests.test_booking_support import FakeSender, outbox_rows, person, settings, setup, slots

CONF = settings()
REMINDER_TITLE = "⏰ <b>Reminder of your appointment</b>\n\n{details}\n\nWill you come?"


def title(lang: str) -> str:
    return catalogs().gettext(lang, REMINDER_TITLE).split("{details}")[0].strip()


async def _slot_at(session: AsyncSession, moment: datetime) -> Slot:
    return next(s for s in await slots(session) if s.starts_at == moment)


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
        one = await services.book(session, clock, CONF, user_id=1, slot_id=slot.id)
        await services.book(session, clock, CONF, user_id=2, slot_id=second.id)
        await session.commit()
        queued = await outbox_rows(session, kind=services.KIND_REMINDER)
        assert sorted((r.chat_id, r.payload["hours"], r.not_before) for r in queued) == [
            (1, 2, tuesday_31 - timedelta(hours=2)),
            (1, 24, tuesday_31 - timedelta(hours=24)),
            (2, 2, tuesday_31 + timedelta(minutes=30) - timedelta(hours=2)),
            (2, 24, tuesday_31 + timedelta(minutes=30) - timedelta(hours=24)),
        ]
        assert await sender.run(session, clock.now(), CONF) == 2  # only the counsellor's news is due now

    # "restart": a new process queues the same reminders again; the dedupe keys keep them single
    async with sessionmaker() as session:
        booking_info = await services.booking_info(session, one)
        await services.queue_reminders(session, clock, CONF, one, booking_info)
        await session.commit()
        assert len(await outbox_rows(session, kind=services.KIND_REMINDER)) == 4

    clock.set(tuesday_31 - timedelta(hours=24, minutes=1))
    async with sessionmaker() as session:
        assert await sender.run(session, clock.now(), CONF) == 0
    clock.set(tuesday_31 - timedelta(hours=24))
    async with sessionmaker() as session:
        assert await sender.run(session, clock.now(), CONF) == 1
        assert await sender.run(session, clock.now(), CONF) == 0  # sent once
    assert [title("fa") in t for t in sender.texts(1, services.KIND_REMINDER)] == [True]
    assert sender.texts(1, services.KIND_REMINDER)[0].startswith("⏰ ")
    assert "۱۰:۰۰" in sender.texts(1)[-1] or "10:00" in sender.texts(1)[-1]

    clock.set(tuesday_31 - timedelta(hours=2))
    async with sessionmaker() as session:
        assert await sender.run(session, clock.now(), CONF) == 2  # person 1's 2 h, person 2's 24 h
    assert len(sender.texts(1, services.KIND_REMINDER)) == 2
    assert [title("uk") in t for t in sender.texts(2, services.KIND_REMINDER)] == [True]
    markup = next(p for c, k, p in sender.sent if c == 1 and k == services.KIND_REMINDER)["reply_markup"]
    labels = [b["text"] for row in markup["inline_keyboard"] for b in row]
    assert labels == [
        catalogs().gettext("fa", "✅ I'll come"),
        catalogs().gettext("fa", "❌ Cancel the appointment"),
    ]

    # person 2 cancels before their 2 h reminder: it is never sent
    async with sessionmaker() as session:
        booking_id = next(b.id for b, _i in await services.upcoming(session, clock, 2))
        await services.cancel(session, clock, CONF, user_id=2, booking_id=booking_id)
        await session.commit()
    clock.set(tuesday_31 + timedelta(hours=3))
    async with sessionmaker() as session:
        assert await sender.run(session, clock.now(), CONF) == 1  # the counsellor hears of the cancellation
    assert len(sender.texts(2, services.KIND_REMINDER)) == 1
    assert [k for c, k, _p in sender.sent].count(services.KIND_REMINDER) == 3


async def test_no_reminder_whose_time_has_passed(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "ar")
    first = (await slots(session))[0]  # Tuesday 24 March 10:00, 24 hours after "now"
    clock.set(first.starts_at - timedelta(hours=3))
    await services.book(session, clock, CONF, user_id=1, slot_id=first.id)
    await session.commit()
    rows = await outbox_rows(session, kind=services.KIND_REMINDER)
    assert [(r.payload["hours"], r.not_before, r.user_id) for r in rows] == [
        (2, first.starts_at - timedelta(hours=2), 1)
    ]


async def test_configured_offsets(session: AsyncSession, clock: FrozenClock) -> None:
    conf = settings(reminder_offsets_hours="48, 1")
    await setup(session, clock, conf)
    await person(session, clock, 1, "ru")
    late = (await slots(session))[-1]
    booking = await services.book(session, clock, conf, user_id=1, slot_id=late.id)
    await session.commit()
    rows = await outbox_rows(session, kind=services.KIND_REMINDER)
    assert sorted(r.dedupe_key for r in rows) == [
        f"booking:{booking.id}:remind:1",
        f"booking:{booking.id}:remind:48",
    ]


async def test_ill_come_is_recorded(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    booking = await services.book(session, clock, CONF, user_id=1, slot_id=(await slots(session))[0].id)
    assert booking.confirmed_at is None
    await services.confirm_attendance(session, clock, user_id=1, booking_id=booking.id)
    assert booking.confirmed_at == clock.now()
