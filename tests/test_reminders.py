"""The one reminder mechanism (bot/reminders.py) on SQLite and PostgreSQL: which offset is due, and for events
and assignments (bookings: tests/test_booking_reminders.py) a reminder once, none when made at short notice,
none after a cancellation, only the latest after downtime, one row however often the job runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import reminders
from bot.assignments import claiming, service
from bot.assignments.payloads import OutboxKind
from bot.assignments.status import Outcome
from bot.booking import services
from bot.broadcast import events as ev
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.delivery import outbox
from bot.delivery.reminders import ReminderKind
from storage.migrate import downgrade, upgrade
from storage.models import Attendance, OutboxMessage, User
from storage.models.assignments import Assignment
from tests.test_assignments import AREAS, ORG, _taken, outbox_rows
from tests.test_booking_support import person, setup, slots
from tests.test_broadcast_service import add_user, make_event

SETTINGS = load_settings(
    _env_file=None, reminder_offsets_hours="24,2", event_reminder_hours=24, assignment_reminder_hours=24
)
START = datetime(2026, 3, 26, 8, 0, tzinfo=UTC)


async def remind(session: AsyncSession, clock: FrozenClock) -> int:
    """One run of the reminders job (every source) in this session; the rows it queued."""
    queued = await reminders.queue_due(session, clock, SETTINGS)
    await session.commit()
    return queued


# --- the rule ---------------------------------------------------------------------------------------------
def test_the_plan_comes_from_the_settings() -> None:
    plans = reminders.plans(
        load_settings(
            _env_file=None,
            reminder_offsets_hours="2,48",
            event_reminder_hours=3.5,
            assignment_reminder_hours=12,
        )
    )
    assert plans[ReminderKind.BOOKING].offsets == (48.0, 2.0)
    assert plans[ReminderKind.EVENT] == reminders.Plan((3.5,), short_notice=1.0)
    assert plans[ReminderKind.ASSIGNMENT] == reminders.Plan((12.0,))
    assert plans[ReminderKind.BOOKING].horizon == 48


def test_the_due_offset() -> None:
    plan = reminders.Plan((24.0, 2.0))
    made = START - timedelta(days=3)

    def due(before: timedelta, since: datetime = made) -> float | None:
        return reminders.due_offset(plan, START, since, START - before)

    assert due(timedelta(hours=24, seconds=1)) is None
    assert due(timedelta(hours=24)) == 24
    assert due(timedelta(hours=2, seconds=1)) == 24
    assert due(timedelta(hours=2)) == 2  # both have come: only the latest
    assert due(timedelta(minutes=1)) == 2
    assert due(timedelta(0)) is None  # started
    assert due(timedelta(hours=1), since=START - timedelta(hours=3)) == 2  # made too late for 24 h
    assert due(timedelta(hours=1), since=START - timedelta(hours=2)) is None  # too late for both
    short = reminders.Plan((24.0,), short_notice=1.0)
    assert reminders.due_offset(short, START, START - timedelta(hours=5), START - timedelta(hours=2)) is None
    assert reminders.due_offset(short, START, START - timedelta(hours=5), START - timedelta(hours=1)) == 1
    assert reminders.due_offset(short, START, made, START - timedelta(hours=1)) == 24  # had its own already


# --- events -----------------------------------------------------------------------------------------------
async def _event_rows(session: AsyncSession) -> list[OutboxMessage]:
    return await outbox_rows(session, "event_reminder")


async def test_event_reminder_once_in_the_persons_language(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        organizer = await add_user(session, clock, 1, role="organizer")
        person = await add_user(session, clock, 11, "fa")
        event = await make_event(session, clock, organizer)  # in three days
        assert (await ev.attend(session, clock, SETTINGS, event.id, person))[0] is ev.Attend.OK
        await session.commit()
        attendance = await session.get(Attendance, (event.id, 11))
        assert attendance is not None
        reminder_id = ev.reminder_id(attendance)
        clock.set(event.starts_at - timedelta(hours=24, minutes=1))
        assert await remind(session, clock) == 0
        clock.set(event.starts_at - timedelta(hours=24))
        assert await remind(session, clock) == 1
    async with sessionmaker() as session:  # a second process, a later run: nothing twice
        assert await remind(session, clock) == 0
        clock.set(event.starts_at - timedelta(minutes=5))
        assert await remind(session, clock) == 0
        (row,) = await _event_rows(session)
        assert (row.user_id, row.lang, row.ref) == (11, "fa", f"event:{event.id}")
        assert row.dedupe_key == f"remind:event:{reminder_id}:11:24"
        assert row.payload["title"] == "Sommerfest" and row.payload["venue"] == "Gemeindehaus (SAMPLE)"


async def test_event_at_short_notice_gets_no_reminder(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    person = await add_user(session, clock, 11, "uk")
    event = await make_event(session, clock, organizer, starts_in=timedelta(minutes=50))
    await ev.attend(session, clock, SETTINGS, event.id, person)
    await session.commit()
    for minutes in (50, 30, 1):
        clock.set(event.starts_at - timedelta(minutes=minutes))
        assert await remind(session, clock) == 0
    assert await _event_rows(session) == []


async def test_no_event_reminder_after_cancelling(session: AsyncSession, clock: FrozenClock) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    one, two = await add_user(session, clock, 11, "de"), await add_user(session, clock, 12, "ar")
    taken_back = await make_event(session, clock, organizer)
    cancelled = await make_event(session, clock, organizer, starts_in=timedelta(days=4))
    await ev.attend(session, clock, SETTINGS, taken_back.id, one)
    await ev.attend(session, clock, SETTINGS, cancelled.id, two)
    assert await ev.unattend(session, taken_back.id, one)  # "I can't come"
    assert await ev.cancel_event(session, clock, SETTINGS, cancelled.id) == 1
    await session.commit()
    for start in (taken_back.starts_at, cancelled.starts_at):
        for hours in (24, 1):
            clock.set(start - timedelta(hours=hours))
            assert await remind(session, clock) == 0
    assert await _event_rows(session) == []


async def test_only_the_latest_event_reminder_after_downtime(
    session: AsyncSession, clock: FrozenClock
) -> None:
    organizer = await add_user(session, clock, 1, role="organizer")
    person = await add_user(session, clock, 11, "de")
    event = await make_event(session, clock, organizer)
    await ev.attend(session, clock, SETTINGS, event.id, person)
    await session.commit()
    clock.set(event.starts_at - timedelta(minutes=30))  # the job did not run for days
    assert await remind(session, clock) == 1
    clock.set(event.starts_at - timedelta(minutes=10))
    assert await remind(session, clock) == 0  # no short-notice one on top
    (row,) = await _event_rows(session)
    assert row.dedupe_key and row.dedupe_key.endswith(":11:24")


# --- assignments ------------------------------------------------------------------------------------------
async def _assignment_rows(session: AsyncSession) -> list[tuple[int, str, str]]:
    rows = await outbox_rows(session, OutboxKind.REMINDER)
    return sorted((r.chat_id, r.payload["to"], r.status) for r in rows)


async def test_assignment_reminder_once_to_assignee_and_organizer(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        _org, _helper, aid = await _taken(session, clock)  # Thursday 08:00 UTC, claimed Monday

    async def job() -> int:
        async with sessionmaker() as session:
            return await remind(session, clock)

    clock.set(START - timedelta(hours=24, minutes=1))
    assert await job() == 0
    clock.set(START - timedelta(hours=24))
    assert sum(await asyncio.gather(job(), job())) == 2  # two processes at once: each row once
    assert await job() == 0
    async with sessionmaker() as session:
        assert await _assignment_rows(session) == [(ORG, "organizer", "pending"), (10, "helper", "pending")]
        keys = {r.dedupe_key for r in await outbox_rows(session, OutboxKind.REMINDER)}
        assert keys == {f"remind:assignment:{aid}.1:{ORG}:24", f"remind:assignment:{aid}.1:10:24"}


async def test_assignment_taken_at_short_notice_gets_no_reminder(
    session: AsyncSession, clock: FrozenClock
) -> None:
    clock.set(START - timedelta(hours=23))
    await _taken(session, clock)  # created and taken 23 hours before: both know it just now
    for hours in (23, 2, 0.1):
        clock.set(START - timedelta(hours=hours))
        assert await remind(session, clock) == 0
    assert await _assignment_rows(session) == []


async def _taken_again(session: AsyncSession, clock: FrozenClock, aid: int) -> None:
    """Handed back by helper 10 and taken by helper 11 now: a new round."""
    first, second = await session.get(User, 10), await session.get(User, 11)
    assert first and second
    assert await claiming.hand_back(session, clock, aid, first, AREAS) == Outcome.OK
    assert (await claiming.claim(session, clock, aid, second, AREAS)).outcome == Outcome.WON
    await session.commit()


async def test_no_assignment_reminder_after_cancelling(session: AsyncSession, clock: FrozenClock) -> None:
    organizer, _helper, aid = await _taken(session, clock)
    clock.set(START - timedelta(hours=24))
    assert await remind(session, clock) == 2  # queued, not sent yet
    assert await service.cancel(session, clock, aid, organizer, AREAS)
    await session.commit()
    assert await _assignment_rows(session) == [(ORG, "organizer", "cancelled"), (10, "helper", "cancelled")]
    clock.set(START - timedelta(hours=1))
    assert await remind(session, clock) == 0


async def test_a_new_round_is_reminded_again_and_only_the_latest_after_downtime(
    session: AsyncSession, clock: FrozenClock
) -> None:
    _org, _helper, aid = await _taken(session, clock)
    clock.set(START - timedelta(hours=48))
    await _taken_again(session, clock, aid)  # the first round's helper gave it back in time
    clock.set(START - timedelta(minutes=30))  # the job did not run for two days
    assert await remind(session, clock) == 2
    assert await remind(session, clock) == 0
    assert await _assignment_rows(session) == [(ORG, "organizer", "pending"), (11, "helper", "pending")]
    keys = {r.dedupe_key for r in await outbox_rows(session, OutboxKind.REMINDER)}
    assert keys == {f"remind:assignment:{aid}.2:{ORG}:24", f"remind:assignment:{aid}.2:11:24"}
    clock.set(START)
    assert await remind(session, clock) == 0


# --- the upgrade from the old mechanisms -----------------------------------------------------------------
async def test_reminders_queued_before_the_upgrade_are_not_sent_twice(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        organizer, _helper, aid = await _taken(session, clock)  # Thursday 08:00 UTC, helper 10
        await setup(session, clock, SETTINGS)
        await person(session, clock, 20, "uk")
        slot = (await slots(session))[4]  # Tuesday 31 March 08:00 UTC
        booking = await services.book(session, clock, SETTINGS, user_id=20, slot_id=slot.id)
        event = await make_event(session, clock, organizer)  # Thursday 09:00 UTC
        attendee = await session.get(User, 11)
        assert attendee is not None
        await ev.attend(session, clock, SETTINGS, event.id, attendee)
        attendance = await session.get(Attendance, (event.id, 11))
        assert attendance is not None
        # what the old mechanisms had queued: some sent already, one still waiting
        attendance.reminder_key = f"event:{event.id}:11:abcd1234"
        old = [
            (20, "booking_reminder", f"booking:{booking.id}:remind:24", slot.starts_at, 24, "sent"),
            (20, "booking_reminder", f"booking:{booking.id}:remind:2", slot.starts_at, 2, "pending"),
            (11, "event_reminder", f"{attendance.reminder_key}", event.starts_at, 24, "sent"),
            (10, "assignment_reminder", f"assign:{aid}:remind:10:helper", START, 24, "sent"),
            (ORG, "assignment_reminder", f"assign:{aid}:remind:10:organizer", START, 24, "sent"),
        ]
        for uid, kind, key, start, hours, _status in old:
            await outbox.enqueue(
                session, clock, chat_id=uid, user_id=uid, kind=kind, data={}, dedupe_key=key,
                not_before=start - timedelta(hours=hours),
            )  # fmt: skip
        taken = await session.get(Assignment, aid)
        assert taken is not None
        taken.reminded_at = START - timedelta(hours=23, minutes=59)  # when the old job queued them
        await session.flush()
        status = {key: status for _uid, _kind, key, _start, _hours, status in old}
        for row in await outbox_rows(session):
            row.status = status.get(row.dedupe_key or "", row.status)
        await session.commit()

    await downgrade(engine, "0004_booking")
    await upgrade(engine)

    async with sessionmaker() as session:
        kept = await session.get(Attendance, (event.id, 11))
        assert kept is not None and kept.reminder_key == "abcd1234"
        # an hour after the usual reminders went out: nothing is queued again
        clock.set(START - timedelta(hours=23))
        assert await remind(session, clock) == 0
        clock.set(slot.starts_at - timedelta(hours=23))
        assert await remind(session, clock) == 0
        # the booking's 2 h reminder, waiting before the upgrade, comes when due (with today's offsets)
        clock.set(slot.starts_at - timedelta(hours=2))
        assert await remind(session, clock) == 1
        rows = await outbox_rows(session)
        keys = {r.dedupe_key: r.status for r in rows if r.kind.endswith("_reminder")}
        assert keys == {
            f"remind:booking:{booking.id}:20:24": "sent",
            f"remind:booking:{booking.id}:20:2": "pending",
            f"remind:event:{event.id}.abcd1234:11:24": "sent",
            f"remind:assignment:{aid}.1:10:24": "sent",
            f"remind:assignment:{aid}.1:{ORG}:24": "sent",
        }
