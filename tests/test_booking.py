"""Booking services on SQLite and PostgreSQL: schedule import, booking, limits, refusals, cancelling,
rescheduling, closures, erasure, the counsellors' agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import reminders
from bot import users as user_service
from bot.booking import admin, services
from bot.booking.importer import import_schedule, load_yaml
from bot.booking.schedule import ScheduleError, parse_rule_spec, sync_slots
from bot.booking.services import BookingError
from bot.clock import FrozenClock
from bot.config import ROOT
from bot.services import erasure
from storage.models import Booking, Slot, Venue
from storage.repositories.users import tables_referencing_users
from tests.test_booking_support import COUNSELLOR_ID, outbox_rows, person, schedule, settings, setup, slots

CONF = settings()


async def test_import_creates_topics_slots_and_is_idempotent(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    first = await slots(session)
    # Tuesdays 24 and 31 March, 7 and 14 April, 10:00-12:00 in 30-minute slots
    assert len(first) == 16
    assert {s.starts_at.astimezone(CONF.tz).strftime("%a %H:%M") for s in first} == {
        "Tue 10:00",
        "Tue 10:30",
        "Tue 11:00",
        "Tue 11:30",
    }
    assert all(s.ends_at - s.starts_at == timedelta(minutes=30) for s in first)
    report = await import_schedule(session, clock, CONF, schedule())
    await session.commit()
    assert report.sync.created == 0
    assert [s.id for s in await slots(session)] == [s.id for s in first]
    topics = await services.bookable_topics(session)
    assert [t.key for t in topics] == ["work", "housing"]
    assert topics[0].names["fa"] == "کار"


async def test_sample_schedule_file_imports_marked_sample(session: AsyncSession, clock: FrozenClock) -> None:
    report = await import_schedule(session, clock, CONF, load_yaml(ROOT / "sample_data" / "schedule.yaml"))
    await session.commit()
    assert report.sample and report.topics == 5 and report.venues == 2
    assert {"work", "training", "housing", "papers", "general"} == {
        t.key for t in await services.bookable_topics(session)
    }
    venues = (await session.scalars(select(Venue))).all()
    assert all(v.is_sample and "SAMPLE" in v.name and "SAMPLE" in v.address for v in venues)
    # counsellor ids that are no helpers of the bot are not linked, and the organizer is told
    assert any("not a helper" in w for w in report.warnings)
    assert report.closures >= 1  # the holidays after 23 March 2026
    assert len(await slots(session)) > 40
    for topic in await services.bookable_topics(session):
        assert set(topic.names) == {"de", "ar", "fa", "uk", "en", "ru"}


async def test_book_cancel_frees_the_slot_and_tells_the_counsellor(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "ar")
    topic = (await services.bookable_topics(session))[0]
    days = await services.free_days(session, clock, CONF, topic.id)
    assert days[0] == date(2026, 3, 24)
    times = await services.free_times(session, clock, CONF, topic.id, days[0])
    slot_id = times[0].slot.id
    booking = await services.book(
        session, clock, CONF, user_id=1, slot_id=slot_id, interpreter="ar", note="  Brief   vom Amt "
    )
    await session.commit()
    assert booking.note == "Brief vom Amt" and booking.interpreter == "ar"
    after = await services.free_times(session, clock, CONF, topic.id, days[0])
    assert slot_id not in [s.slot.id for s in after]
    news = await outbox_rows(session, kind=services.KIND_COUNSELLOR)
    assert [(r.chat_id, r.payload["event"]) for r in news] == [(COUNSELLOR_ID, "new")]
    assert "note" not in news[0].payload and "Brief" not in str(news[0].payload)  # the note stays private

    mine = await services.upcoming(session, clock, 1)
    assert [b.id for b, _info in mine] == [booking.id]
    await services.cancel(session, clock, CONF, user_id=1, booking_id=booking.id)
    await session.commit()
    again = await services.free_times(session, clock, CONF, topic.id, days[0])
    assert slot_id in [s.slot.id for s in again]
    assert await services.upcoming(session, clock, 1) == []
    # the "new" news was still queued: it is withdrawn, and no "cancelled" news is needed
    news = await outbox_rows(session, kind=services.KIND_COUNSELLOR)
    assert [r.status for r in news] == ["cancelled"]
    # the same person can book the same time again after cancelling
    rebooked = await services.book(session, clock, CONF, user_id=1, slot_id=slot_id)
    assert rebooked.id != booking.id


async def test_counsellor_hears_of_a_cancellation_after_the_news_went_out(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    slot = (await slots(session))[0]
    booking = await services.book(session, clock, CONF, user_id=1, slot_id=slot.id)
    await session.commit()
    for row in await outbox_rows(session, kind=services.KIND_COUNSELLOR):
        row.status = "sent"
    await services.cancel(session, clock, CONF, user_id=1, booking_id=booking.id)
    await session.commit()
    news = await outbox_rows(session, kind=services.KIND_COUNSELLOR)
    assert [(r.payload["event"], r.status) for r in news] == [("new", "sent"), ("cancelled", "pending")]


async def test_upcoming_limit(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    all_slots = await slots(session)
    first = await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[0].id)
    await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[1].id)
    with pytest.raises(BookingError) as refused:
        await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[2].id)
    assert refused.value.reason == "limit" and refused.value.info["limit"] == 2
    await services.cancel(session, clock, CONF, user_id=1, booking_id=first.id)
    await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[2].id)
    # a past appointment does not count
    clock.set(all_slots[2].ends_at + timedelta(minutes=1))
    await sync_slots(session, clock, CONF)
    later = [s for s in await slots(session) if s.starts_at > clock.now() + timedelta(hours=1)]
    await services.book(session, clock, CONF, user_id=1, slot_id=later[0].id)
    configured = settings(booking_max_upcoming=1)
    with pytest.raises(BookingError):
        await services.book(session, clock, configured, user_id=1, slot_id=later[1].id)


async def test_refusals(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    await person(session, clock, 2)
    all_slots = await slots(session)

    async def reason(coro: object) -> str:
        with pytest.raises(BookingError) as refused:
            await coro  # type: ignore[misc]
        return refused.value.reason

    assert await reason(services.book(session, clock, CONF, user_id=1, slot_id=999_999)) == "gone"
    mine = await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[0].id)
    assert await reason(services.book(session, clock, CONF, user_id=1, slot_id=all_slots[0].id)) == "already"
    assert await reason(services.book(session, clock, CONF, user_id=2, slot_id=all_slots[0].id)) == "taken"
    # another person's booking: as if it did not exist
    assert await reason(services.cancel(session, clock, CONF, user_id=2, booking_id=mine.id)) == "not_found"
    assert (
        await reason(services.confirm_attendance(session, clock, user_id=2, booking_id=mine.id))
        == "not_found"
    )
    assert (
        await reason(
            services.reschedule(session, clock, CONF, user_id=2, booking_id=mine.id, slot_id=all_slots[1].id)
        )
        == "not_found"
    )
    # a slot an organizer cancelled
    await admin.cancel_slot(session, clock, CONF, all_slots[3].id)
    assert await reason(services.book(session, clock, CONF, user_id=2, slot_id=all_slots[3].id)) == "gone"
    # too close to the start, and past
    clock.set(all_slots[1].starts_at - timedelta(minutes=10))
    assert await reason(services.book(session, clock, CONF, user_id=2, slot_id=all_slots[1].id)) == "too_late"
    clock.set(all_slots[0].starts_at + timedelta(minutes=5))
    assert await reason(services.cancel(session, clock, CONF, user_id=1, booking_id=mine.id)) == "started"
    assert await reason(services.book(session, clock, CONF, user_id=2, slot_id=all_slots[0].id)) == "too_late"


async def test_cancel_twice_is_refused(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    booking = await services.book(session, clock, CONF, user_id=1, slot_id=(await slots(session))[0].id)
    await services.cancel(session, clock, CONF, user_id=1, booking_id=booking.id)
    with pytest.raises(BookingError) as refused:
        await services.cancel(session, clock, CONF, user_id=1, booking_id=booking.id)
    assert refused.value.reason == "cancelled"


async def test_reschedule_moves_interpreter_note_and_reminders(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "uk")
    all_slots = await slots(session)
    old = await services.book(
        session, clock, CONF, user_id=1, slot_id=all_slots[4].id, interpreter="uk", note="Mietvertrag"
    )
    await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[0].id)  # at the limit now
    # the reminders job ran when the old booking's 24 h reminder was due (it is not sent yet)
    await reminders.queue_due(session, FrozenClock(all_slots[4].starts_at - timedelta(hours=24)), CONF)
    new = await services.reschedule(
        session, clock, CONF, user_id=1, booking_id=old.id, slot_id=all_slots[8].id
    )
    await session.commit()
    assert (new.interpreter, new.note, new.slot_id) == ("uk", "Mietvertrag", all_slots[8].id)
    assert old.status == "cancelled"
    for hours in (24, 2):  # the job runs again at each reminder time of the old and the new booking
        for moved in (all_slots[4], all_slots[8]):
            await reminders.queue_due(session, FrozenClock(moved.starts_at - timedelta(hours=hours)), CONF)
    queued = await outbox_rows(session, kind=services.KIND_REMINDER)
    by_key = {r.dedupe_key: r.status for r in queued}
    assert by_key == {
        f"remind:booking:{old.id}:1:24": "cancelled",
        f"remind:booking:{new.id}:1:24": "pending",
        f"remind:booking:{new.id}:1:2": "pending",
    }
    with pytest.raises(BookingError) as refused:
        await services.reschedule(session, clock, CONF, user_id=1, booking_id=new.id, slot_id=all_slots[0].id)
    assert refused.value.reason == "already"


async def test_erasing_a_person_frees_their_place(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FrozenClock
) -> None:
    async with sessionmaker() as session:
        await setup(session, clock, CONF)
        await person(session, clock, 42, "fa")
        await person(session, clock, 43, "de")
        slot_id = (await slots(session))[0].id
        await services.book(session, clock, CONF, user_id=42, slot_id=slot_id, note="x")
        await session.commit()
        with pytest.raises(BookingError):
            await services.book(session, clock, CONF, user_id=43, slot_id=slot_id)
        await session.rollback()
    async with sessionmaker() as session:
        await erasure.erase_user(session, 42)
    async with sessionmaker() as session:
        for table, column in tables_referencing_users():
            q = text(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = 42')
            assert (await session.execute(q)).scalar() == 0, f"{table}.{column}"
        await services.book(session, clock, CONF, user_id=43, slot_id=slot_id)
        await session.commit()


async def test_closure_cancels_bookings_and_tells_the_people(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1, "ar")
    march_31 = [
        s for s in await slots(session) if s.starts_at.astimezone(CONF.tz).date() == date(2026, 3, 31)
    ]
    booking = await services.book(session, clock, CONF, user_id=1, slot_id=march_31[0].id)
    # its 24 h reminder is queued (not sent yet) when the closure comes
    await reminders.queue_due(session, FrozenClock(march_31[0].starts_at - timedelta(hours=24)), CONF)
    await session.commit()
    _closure, cancelled = await admin.add_closure(session, clock, CONF, date(2026, 3, 31), reason="Feiertag")
    await session.commit()
    assert cancelled == 1 and booking.status == "cancelled" and booking.cancelled_by == "organizer"
    told = await outbox_rows(session, kind=services.KIND_CANCELLED)
    assert [(r.chat_id, r.user_id, r.payload["topic"]["ar"]) for r in told] == [(1, 1, "العمل")]
    queued = await outbox_rows(session, kind=services.KIND_REMINDER)
    assert [r.status for r in queued] == ["cancelled"]
    assert (
        await reminders.queue_due(session, FrozenClock(march_31[0].starts_at - timedelta(hours=2)), CONF) == 0
    )
    topic = (await services.bookable_topics(session))[0]
    assert date(2026, 3, 31) not in await services.free_days(session, clock, CONF, topic.id)
    # the booked slot stays (closed), the others are gone
    left = [s for s in await slots(session) if s.starts_at.astimezone(CONF.tz).date() == date(2026, 3, 31)]
    assert [(s.id, s.status) for s in left] == [(march_31[0].id, "closed")]
    await admin.remove_closures(session, clock, CONF, date(2026, 3, 31))
    await session.commit()
    assert date(2026, 3, 31) in await services.free_days(session, clock, CONF, topic.id)
    assert len(await services.free_times(session, clock, CONF, topic.id, date(2026, 3, 31))) == 4
    with pytest.raises(ScheduleError):
        await admin.add_closure(session, clock, CONF, date(2026, 3, 1))


async def test_paused_rule_keeps_bookings_and_takes_no_new_ones(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    await person(session, clock, 2)
    all_slots = await slots(session)
    booking = await services.book(session, clock, CONF, user_id=1, slot_id=all_slots[0].id)
    rule_id = all_slots[0].rule_id
    assert rule_id is not None
    await admin.set_rule_active(session, clock, CONF, rule_id, False)
    await session.commit()
    topic = (await services.bookable_topics(session))[0]
    assert await services.free_days(session, clock, CONF, topic.id) == []
    assert booking.status == "booked"
    with pytest.raises(BookingError) as refused:
        await services.book(session, clock, CONF, user_id=2, slot_id=all_slots[1].id)
    assert refused.value.reason == "gone"
    await admin.set_rule_active(session, clock, CONF, rule_id, True)
    await session.commit()
    assert len(await services.free_days(session, clock, CONF, topic.id)) == 4


async def test_rules_typed_by_organizers(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    spec = parse_rule_spec("weekly Do 14:00-16:00 housing every=60 capacity=2".split())
    rule, result = await admin.add_rule(session, clock, CONF, spec)
    await session.commit()
    assert (rule.weekday, rule.slot_minutes, rule.capacity, result.created) == (3, 60, 2, 8)
    once = parse_rule_spec(["date", "2026-04-01", "09:00-10:00", "housing"])
    _rule, result = await admin.add_rule(session, clock, CONF, once)
    assert result.created == 2
    for bad in (
        "weekly xx 10:00-12:00 work",
        "weekly tue 12:00-10:00 work",
        "weekly tue 10:00-12:00 work colour=red",
        "weekly tue 10:00-12:00 work every=0",
        "date 2026-02-30 10:00-12:00 work",
    ):
        with pytest.raises(ScheduleError):
            parse_rule_spec(bad.split())
    with pytest.raises(ScheduleError, match="Unknown topic") as unknown:
        await admin.add_rule(session, clock, CONF, parse_rule_spec("weekly tue 10:00-11:00 dancing".split()))
    assert (
        unknown.value.values["value"] == "dancing"
    )  # for the organizer's language (tr._(message, **values))
    with pytest.raises(ScheduleError, match="past"):
        await admin.add_rule(
            session, clock, CONF, parse_rule_spec("date 2026-03-01 10:00-11:00 work".split())
        )


async def test_overlapping_rules_are_refused(session: AsyncSession, clock: FrozenClock) -> None:
    """/slots date for a date a weekly rule already covers gave "10:00 10:00 10:30 10:30" (issue 17)."""
    await setup(session, clock, CONF)
    weekly, _ = await admin.add_rule(
        session, clock, CONF, parse_rule_spec("weekly Do 14:00-16:00 housing".split())
    )
    weekly_id = weekly.id
    await session.commit()
    thursday = "2026-04-02"  # a Thursday after the frozen clock's today
    for clash in (
        f"date {thursday} 15:00-17:00 housing",  # the same offer again, half an hour overlapping
        "weekly Do 13:00-14:30 housing",
    ):
        with pytest.raises(ScheduleError, match=f"rule #{weekly_id}"):
            await admin.add_rule(session, clock, CONF, parse_rule_spec(clash.split()))
        await session.rollback()
    # next to it, or another topic at the same time, is fine
    await admin.add_rule(session, clock, CONF, parse_rule_spec("weekly Do 16:00-17:00 housing".split()))
    await admin.add_rule(session, clock, CONF, parse_rule_spec(f"date {thursday} 14:00-15:00 work".split()))
    await session.commit()
    # a paused rule does not clash, but it cannot be resumed into a clash
    await admin.set_rule_active(session, clock, CONF, weekly_id, False)
    second, _ = await admin.add_rule(
        session, clock, CONF, parse_rule_spec("weekly Do 14:00-15:00 housing".split())
    )
    second_id = second.id
    await session.commit()
    with pytest.raises(ScheduleError, match=f"rule #{second_id}"):
        await admin.set_rule_active(session, clock, CONF, weekly_id, True)


async def test_a_topic_can_be_named_in_any_language(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    topics = {t.key: t for t in await services.bookable_topics(session)}
    german_name = topics["housing"].names["de"]
    spec = parse_rule_spec(["weekly", "Mo", "10:00-11:00", german_name.lower()])
    rule, _ = await admin.add_rule(session, clock, CONF, spec)
    assert rule.topic_id == topics["housing"].id


async def test_changed_rule_moves_empty_slots_and_keeps_booked_ones(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 1)
    booked = (await slots(session))[0]
    await services.book(session, clock, CONF, user_id=1, slot_id=booked.id)
    await session.commit()
    await import_schedule(session, clock, CONF, schedule(start="14:00", end="15:00"))
    await session.commit()
    found = await slots(session)
    open_times = {s.starts_at.astimezone(CONF.tz).strftime("%H:%M") for s in found if s.status == "open"}
    assert open_times == {"14:00", "14:30"}
    assert [s.id for s in found if s.status == "closed"] == [booked.id]
    count = await session.scalar(select(func.count()).select_from(Booking).where(Booking.status == "booked"))
    assert count == 1


async def test_agenda_shows_own_slots_to_counsellors_and_all_to_organizers(
    session: AsyncSession, clock: FrozenClock
) -> None:
    extra = {
        "key": "rule-2",
        "weekday": "tue",
        "from": "14:00",
        "to": "15:00",
        "every": 30,
        "capacity": 1,
        "topic": "housing",
        "venue": "room",
    }
    await setup(session, clock, CONF, extra_rules=[extra])
    await person(session, clock, 1)
    await person(session, clock, 2)
    await person(session, clock, 3, role=user_service.HELPER)
    await person(session, clock, 4, role=user_service.ORGANIZER)
    tuesday = [
        s for s in await slots(session) if s.starts_at.date() == datetime(2026, 3, 24, tzinfo=UTC).date()
    ]
    work = next(s for s in tuesday if s.counsellor_id is not None)
    housing = next(s for s in tuesday if s.counsellor_id is None)
    await services.book(session, clock, CONF, user_id=1, slot_id=work.id, interpreter="fa", note="Bewerbung")
    await services.book(session, clock, CONF, user_id=2, slot_id=housing.id)
    # a booking next month is not in this week's agenda
    later = [s for s in await slots(session) if s.starts_at > clock.now() + timedelta(days=10)]
    await services.book(session, clock, CONF, user_id=2, slot_id=later[0].id)
    await session.commit()
    counsellor = await user_service.ensure_user(session, COUNSELLOR_ID, clock, [])
    items, counsels = await services.agenda(session, clock, CONF, counsellor, everything=False)
    assert counsels and [(i.info.slot.id, i.booking.interpreter, i.booking.note) for i in items] == [
        (work.id, "fa", "Bewerbung")
    ]
    helper = await user_service.ensure_user(session, 3, clock, [])
    assert await services.agenda(session, clock, CONF, helper, everything=False) == ([], False)
    organizer = await user_service.ensure_user(session, 4, clock, [])
    items, _ = await services.agenda(session, clock, CONF, organizer, everything=True)
    assert [i.info.slot.id for i in items] == [work.id, housing.id]


async def test_slot_counter_is_derived_from_bookings(session: AsyncSession, clock: FrozenClock) -> None:
    """Capacity 2: two people fit, the third is refused; the schedule overview counts the same."""
    await setup(session, clock, CONF, capacity=2)
    for uid in (1, 2, 3):
        await person(session, clock, uid)
    slot = (await slots(session))[0]
    await services.book(session, clock, CONF, user_id=1, slot_id=slot.id)
    await services.book(session, clock, CONF, user_id=2, slot_id=slot.id)
    with pytest.raises(BookingError) as refused:
        await services.book(session, clock, CONF, user_id=3, slot_id=slot.id)
    assert refused.value.reason == "taken"
    overview = await admin.overview(session, clock, CONF)
    assert (overview[0].day, overview[0].taken, overview[0].places) == (date(2026, 3, 24), 2, 8)
    stored = await session.get(Slot, slot.id)
    assert stored is not None and stored.capacity == 2
