"""The console's counselling schedule (console/pages/schedule.py) on SQLite and PostgreSQL: the week view
with rules, closed days and the week's slots with their taken places; weekly hours and a one-off date added
through the same service as /slots (a duplicate or an unknown venue is refused next to its form, in the
page's language, and leaves nothing behind); pausing and resuming a rule; a closed day added and removed.
Every change writes one audit line."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from bot import audit
from bot.booking import listing, services
from bot.text import Translator
from storage.models import Booking, Closure, ScheduleRule
from storage.repositories import booking as booking_repo
from tests.console_support import ORGANIZER_ID, ConsoleClient, ConsoleTest, console_fixture  # noqa: F401
from tests.test_booking_support import person, setup, slots

TUESDAY = date(2026, 3, 24)  # the clock: Monday 23 March 2026, 10:00 in Berlin


async def scheduled(console: ConsoleTest) -> ConsoleClient:
    """The test schedule (Tuesdays 10:00-12:00, topic work, venue room, counsellor c1) and a login."""
    async with console.sessionmaker() as session:
        await setup(session, console.clock, console.ctx.settings)
    return await console.login()


async def rules(console: ConsoleTest) -> list[ScheduleRule]:
    async with console.sessionmaker() as session:
        return list(await booking_repo.rules(session))


async def audit_lines(console: ConsoleTest, subject: str) -> list[tuple[str, int | None]]:
    async with console.sessionmaker() as session:
        return [(line.action, line.actor_id) for line in await audit.latest(session, subject=subject)]


def slot_rows(page: str) -> list[tuple[str, str, str]]:
    """(day, taken, capacity) of every slot the week view lists."""
    found = []
    for day, body in re.findall(r'data-day="([\d-]+)">(.*?)</section>', page, re.S):
        found += [(day, t, c) for t, c in re.findall(r'data-taken="(\d+)" data-capacity="(\d+)"', body)]
    return found


WEEKLY_FORM = {
    "kind": "weekly",
    "week": "2026-W13",
    "weekday": "4",  # Thursday (1 is Monday)
    "start": "14:00",
    "end": "15:00",
    "topic": "housing",
    "venue": "room",
    "counsellor": "",
    "every": "30",
    "capacity": "2",
}


async def test_the_week_shows_rules_and_slots_with_their_bookings(console: ConsoleTest) -> None:
    client = await scheduled(console)
    async with console.sessionmaker() as session:
        await person(session, console.clock, 1, "ar")
        first = (await slots(session))[0]
        await services.book(session, console.clock, console.ctx.settings, user_id=1, slot_id=first.id)
        await session.commit()
    page = html.unescape(await client.text("/console/schedule"))
    assert 'data-week="2026-W13"' in page and "?week=2026-W12" in page and "?week=2026-W14" in page
    assert slot_rows(page) == [("2026-03-24", "1", "1")] + [("2026-03-24", "0", "1")] * 3
    assert "Beraterin (SAMPLE)" in page and "Beratungsraum (SAMPLE)" in page and "Arbeit" in page
    [rule] = await rules(console)
    assert f'id="rule-{rule.id}"' in page and 'data-active="1"' in page
    later = html.unescape(await client.text("/console/schedule?week=2026-W15"))
    assert 'data-week="2026-W15"' in later and [d for d, _t, _c in slot_rows(later)] == ["2026-04-07"] * 4
    wrong = html.unescape(await client.text("/console/schedule?week=soon"))
    assert 'data-week="2026-W13"' in wrong


async def test_weekly_hours_added_in_the_console_can_be_booked(console: ConsoleTest) -> None:
    client = await scheduled(console)
    answer = await client.post_form("/console/schedule/rules", WEEKLY_FORM)
    assert answer.status == 303, await answer.text()
    added = [r for r in await rules(console) if r.weekday == 3]
    assert [(r.capacity, r.counsellor_id, r.slot_minutes) for r in added] == [(2, None, 30)]
    assert answer.headers["Location"] == f"/console/schedule?week=2026-W13#rule-{added[0].id}"
    assert await audit_lines(console, f"rule:{added[0].id}") == [("schedule.rule_added", ORGANIZER_ID)]
    page = html.unescape(await client.text("/console/schedule"))
    assert ("2026-03-26", "0", "2") in slot_rows(page) and "Wohnen" in page
    async with console.sessionmaker() as session:
        topic = await services.topic_by_key(session, "housing")
        assert topic is not None
        days = await services.free_days(session, console.clock, console.ctx.settings, topic.id)
    assert days[0] == date(2026, 3, 26)


async def test_a_duplicate_is_refused_next_to_its_form_in_the_page_language(console: ConsoleTest) -> None:
    client = await scheduled(console)
    [existing] = await rules(console)
    again = {**WEEKLY_FORM, "weekday": "2", "start": "10:00", "end": "12:00", "topic": "work"}
    answer = await client.post_form("/console/schedule/rules", again)
    assert answer.status == 422
    page = await answer.text()
    expected = Translator("de")._(
        "This overlaps rule #{number} ({start}–{end}). Pause or change that rule first.",
        number=existing.id,
        start="10:00",
        end="12:00",
    )
    problem = re.search(r'data-problem="weekly">(.*?)</p>', page, re.S)
    assert problem and problem.group(1) == expected, page
    assert 'value="10:00"' in page  # what was typed stays in the form
    assert len(await rules(console)) == 1
    assert await audit_lines(console, f"rule:{existing.id + 1}") == []
    # in English, the same refusal in English; an unknown venue is named
    await client.get("/console/language/en?next=/console/schedule")
    unknown = await client.post_form("/console/schedule/rules", {**WEEKLY_FORM, "venue": "nowhere"})
    assert unknown.status == 422
    assert "Unknown venue “nowhere”. Known: room." in html.unescape(await unknown.text())


async def test_a_one_off_date_and_its_refusal_in_the_past(console: ConsoleTest) -> None:
    client = await scheduled(console)
    once = {**WEEKLY_FORM, "kind": "once", "day": "2026-04-02", "weekday": ""}
    answer = await client.post_form("/console/schedule/rules", once)
    assert answer.status == 303
    [added] = [r for r in await rules(console) if r.kind == "once"]
    assert added.on_date == date(2026, 4, 2)
    assert answer.headers["Location"].startswith("/console/schedule?week=2026-W14#")
    page = html.unescape(await client.text("/console/schedule?week=2026-W14"))
    assert ("2026-04-02", "0", "2") in slot_rows(page)
    past = await client.post_form("/console/schedule/rules", {**once, "day": "2026-03-01"})
    assert past.status == 422 and 'data-problem="once"' in await past.text()


async def test_pause_and_resume_a_rule(console: ConsoleTest) -> None:
    client = await scheduled(console)
    [rule] = await rules(console)
    path = f"/console/schedule/rules/{rule.id}/active"
    assert (await client.post_form(path, {"active": "0", "week": "2026-W13"})).status == 303
    assert [r.active for r in await rules(console)] == [False]
    page = html.unescape(await client.text("/console/schedule"))
    assert 'data-active="0"' in page and slot_rows(page) == []
    assert (await client.post_form(path, {"active": "1", "week": "2026-W13"})).status == 303
    assert [r.active for r in await rules(console)] == [True]
    assert await audit_lines(console, f"rule:{rule.id}") == [
        ("schedule.rule_resumed", ORGANIZER_ID),
        ("schedule.rule_paused", ORGANIZER_ID),
    ]
    assert (await client.post_form("/console/schedule/rules/999/active", {"active": "0"})).status == 422


async def test_a_closed_day_cancels_its_bookings_and_opens_again(console: ConsoleTest) -> None:
    client = await scheduled(console)
    async with console.sessionmaker() as session:
        await person(session, console.clock, 1, "uk")
        first = (await slots(session))[0]
        booking = await services.book(
            session, console.clock, console.ctx.settings, user_id=1, slot_id=first.id
        )
        await session.commit()
    form = {"day": TUESDAY.isoformat(), "topic": "", "venue": "", "reason": "Ostern", "week": "2026-W13"}
    answer = await client.post_form("/console/schedule/closures", form)
    assert answer.status == 303
    async with console.sessionmaker() as session:
        cancelled = await session.get(Booking, booking.id)
        assert cancelled is not None and cancelled.status == "cancelled"
        [closure] = list(await booking_repo.closures(session, TUESDAY, TUESDAY))
    page = html.unescape(await client.text("/console/schedule"))
    assert f'data-closure="{closure.id}"' in page and "Ostern" in page
    # the free times are gone; the one that was booked stays, closed (its booking history is kept)
    assert [s for s in slot_rows(page) if s[0] == "2026-03-24"] == [("2026-03-24", "0", "1")]
    assert 'data-status="closed"' in page
    remove = await client.post_form(f"/console/schedule/closures/{closure.id}/remove", {"week": "2026-W13"})
    assert remove.status == 303
    async with console.sessionmaker() as session:
        assert await session.get(Closure, closure.id) is None
    page = html.unescape(await client.text("/console/schedule"))
    assert len([s for s in slot_rows(page) if s[0] == "2026-03-24"]) == 4
    assert await audit_lines(console, f"closure:{closure.id}") == [
        ("schedule.closure_removed", ORGANIZER_ID),
        ("schedule.closure_added", ORGANIZER_ID),
    ]
    gone = await client.post_form(f"/console/schedule/closures/{closure.id}/remove", {"week": "2026-W13"})
    assert gone.status == 422 and 'data-problem="closures"' in await gone.text()


# --- the bookings list ------------------------------------------------------------------------------------


async def booked(console: ConsoleTest) -> tuple[int, int, int]:
    """Person 1 (Arabic) books Tuesday 10:00 with a note, person 2 books 10:30 and cancels, person 3 books
    the Tuesday after; the ids of the three bookings."""
    conf = console.ctx.settings
    async with console.sessionmaker() as session:
        await setup(session, console.clock, conf)
        all_slots = await slots(session)
        ids = []
        for user_id, lang, slot in (
            (1, "ar", all_slots[0]),
            (2, "uk", all_slots[1]),
            (3, "fa", all_slots[4]),
        ):
            await person(session, console.clock, user_id, lang)
            booking = await services.book(
                session, console.clock, conf, user_id=user_id, slot_id=slot.id, note="Brief vom Jobcenter"
            )
            ids.append(booking.id)
        await services.cancel(session, console.clock, conf, user_id=2, booking_id=ids[1])
        await session.commit()
    return ids[0], ids[1], ids[2]


def listed(page: str) -> list[tuple[str, str]]:
    return re.findall(r'data-booking="(\d+)" data-status="(\w+)"', page)


async def test_the_bookings_list_filters_and_exports_without_notes(console: ConsoleTest) -> None:
    first, cancelled, later = await booked(console)
    client = await console.login()
    page = html.unescape(await client.text("/console/schedule/bookings"))
    assert listed(page) == [(str(first), "booked"), (str(cancelled), "cancelled"), (str(later), "booked")]
    assert "Jobcenter" not in page and "Arabisch" in page and 'data-total="3"' in page
    only = await client.text("/console/schedule/bookings?status=cancelled")
    assert listed(only) == [(str(cancelled), "cancelled")]
    assert listed(await client.text("/console/schedule/bookings?topic=housing")) == []
    assert listed(await client.text("/console/schedule/bookings?when=past")) == []

    answer = await client.get("/console/schedule/bookings.csv?when=upcoming&status=booked")
    assert answer.status == 200 and answer.content_type == "text/csv"
    text = (await answer.read()).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 3 and lines[1].startswith(f"{first},2026-03-24,10:00,10:30,Arbeit,")
    assert "Jobcenter" not in text and ",ar," in lines[1]

    calendar = await client.get("/console/schedule/bookings.ics")
    assert calendar.status == 200 and calendar.content_type == "text/calendar"
    ics = (await calendar.read()).decode()
    assert ics.count("BEGIN:VEVENT") == 2 and f"UID:booking-{later}@helfernetz" in ics
    assert "Jobcenter" not in ics and "DTSTART:20260324T090000Z" in ics


async def test_a_past_booking_is_marked_as_a_no_show(console: ConsoleTest) -> None:
    first, _cancelled, later = await booked(console)
    console.clock.advance(timedelta(days=2))  # Wednesday: Tuesday's appointment has passed
    client = await console.login()
    page = await client.text("/console/schedule/bookings?when=past")
    assert listed(page) == [(str(_cancelled), "cancelled"), (str(first), "booked")]  # latest first
    assert f'action="/console/schedule/bookings/{first}/attended"' in page
    assert f"/console/schedule/bookings/{later}/attended" not in page  # not yet begun: no buttons
    form = {"came": "0", "back": "/schedule/bookings?when=past"}
    answer = await client.post_form(f"/console/schedule/bookings/{first}/attended", form)
    assert answer.status == 303
    assert answer.headers["Location"] == f"/console/schedule/bookings?when=past#booking-{first}"
    async with console.sessionmaker() as session:
        row = await session.get(Booking, first)
        assert row is not None and row.attended is False
        [line] = await audit.latest(session, subject=f"booking:{first}")
    assert (line.action, line.before, line.after) == ("booking.attendance", None, "no-show")
    no_shows = await client.text("/console/schedule/bookings?when=past&status=no_show")
    assert listed(no_shows) == [(str(first), "no_show")]
    # an appointment that has not begun is refused (and nothing is recorded)
    early = await client.post_form(f"/console/schedule/bookings/{later}/attended", {"came": "1"})
    assert early.status == 303
    async with console.sessionmaker() as session:
        row = await session.get(Booking, later)
        assert row is not None and row.attended is None
    assert (await client.post_form("/console/schedule/bookings/99999/attended", {"came": "1"})).status == 404


async def test_the_list_comes_a_page_at_a_time(console: ConsoleTest) -> None:
    first, cancelled, later = await booked(console)
    async with console.sessionmaker() as session:
        pages = [await listing.bookings_page(session, console.clock, page=n, per_page=2) for n in (1, 2)]
    assert [[r.booking.id for r in p.rows] for p in pages] == [[first, cancelled], [later]]
    assert [(p.total, p.pages) for p in pages] == [(3, 2), (3, 2)]
