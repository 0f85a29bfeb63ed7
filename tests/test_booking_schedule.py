"""Slots from the schedule across the daylight-saving changes (last Sundays of March and October 2026),
on SQLite and PostgreSQL: a weekly rule keeps its local time, the stored UTC instant moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.schedule import (
    ScheduleError,
    day_bounds,
    expected_slots,
    local_instant,
    parse_date,
    parse_time,
    parse_weekday,
)
from bot.clock import FrozenClock
from storage.models import ScheduleRule
from tests.test_booking_support import settings, setup, slots

BERLIN = ZoneInfo("Europe/Berlin")
CONF = settings()


def weekly(weekday: int, start: time, end: time, every: int = 30) -> ScheduleRule:
    return ScheduleRule(
        id=1,
        kind="weekly",
        weekday=weekday,
        start_time=start,
        end_time=end,
        slot_minutes=every,
        capacity=1,
        topic_id=1,
        venue_id=1,
    )


@pytest.mark.parametrize(
    ("first", "utc_hours"),
    [
        # Sundays around 29 March 2026 (CET -> CEST): 10:00 local is 09:00 UTC, then 08:00 UTC
        (date(2026, 3, 22), [9, 8, 8]),
        # Sundays around 25 October 2026 (CEST -> CET): 10:00 local is 08:00 UTC, then 09:00 UTC
        (date(2026, 10, 18), [8, 9, 9]),
    ],
)
def test_weekly_rule_keeps_local_time_across_dst(first: date, utc_hours: list[int]) -> None:
    rule = weekly(6, time(10, 0), time(11, 0))
    found = expected_slots(rule, first, first + timedelta(days=14), BERLIN, [])
    starts = [s for s, _e in found if s.astimezone(BERLIN).time() == time(10, 0)]
    assert [s.astimezone(BERLIN).date() for s in starts] == [first + timedelta(days=7 * i) for i in range(3)]
    assert [s.astimezone(UTC).hour for s in starts] == utc_hours
    assert all(s.astimezone(BERLIN).strftime("%H:%M") == "10:00" for s in starts)
    assert all(e - s == timedelta(minutes=30) for s, e in found)


def test_nonexistent_local_time_gives_no_slot_and_ambiguous_takes_the_first() -> None:
    night = weekly(6, time(2, 0), time(3, 0))
    spring = expected_slots(night, date(2026, 3, 29), date(2026, 3, 29), BERLIN, [])
    assert spring == []  # 02:00-03:00 does not exist that night
    autumn = expected_slots(night, date(2026, 10, 25), date(2026, 10, 25), BERLIN, [])
    assert [s.astimezone(UTC).strftime("%H:%M") for s, _e in autumn] == ["00:00", "00:30"]
    assert local_instant(date(2026, 3, 29), time(2, 30), BERLIN) is None
    assert local_instant(date(2026, 3, 29), time(3, 0), BERLIN) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_dst_days_are_23_and_25_hours_long() -> None:
    start, end = day_bounds(date(2026, 3, 29), BERLIN)
    assert end - start == timedelta(hours=23)
    start, end = day_bounds(date(2026, 10, 25), BERLIN)
    assert end - start == timedelta(hours=25)


async def test_stored_slots_keep_local_time_across_march_change(
    session: AsyncSession, clock: FrozenClock
) -> None:
    await setup(session, clock, CONF, weekday="sun", start="10:00", end="10:30")
    found = await slots(session)
    assert [s.starts_at.astimezone(BERLIN).date() for s in found] == [
        date(2026, 3, 29),
        date(2026, 4, 5),
        date(2026, 4, 12),
        date(2026, 4, 19),
    ]
    assert {s.starts_at.astimezone(BERLIN).strftime("%H:%M") for s in found} == {"10:00"}
    assert found[0].starts_at == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


async def test_stored_slots_keep_local_time_across_october_change(session: AsyncSession) -> None:
    clock = FrozenClock(datetime(2026, 10, 19, 9, 0, tzinfo=UTC))
    await setup(session, clock, CONF, weekday="so", start="10:00", end="10:30")
    found = await slots(session)
    assert found[0].starts_at.astimezone(BERLIN).date() == date(2026, 10, 25)
    assert {s.starts_at.astimezone(BERLIN).strftime("%H:%M") for s in found} == {"10:00"}
    assert found[0].starts_at == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    # a week before the change the same rule was at 08:00 UTC
    earlier = FrozenClock(datetime(2026, 10, 12, 9, 0, tzinfo=UTC))
    rule = weekly(6, time(10, 0), time(10, 30))
    before = expected_slots(rule, earlier.now().date(), date(2026, 10, 18), BERLIN, [])
    assert before[0][0] == datetime(2026, 10, 18, 8, 0, tzinfo=UTC)


def test_parsing_what_organizers_type() -> None:
    assert parse_weekday("Di") == parse_weekday("tue") == parse_weekday("2") == 1
    assert parse_time("9.30") == time(9, 30) and parse_time(600) == time(10, 0)
    assert parse_date("06.04.2026") == parse_date("2026-04-06") == date(2026, 4, 6)
    for bad in ("25:00", "10", "x"):
        with pytest.raises(ScheduleError):
            parse_time(bad)
    with pytest.raises(ScheduleError):
        parse_weekday("Funday")
