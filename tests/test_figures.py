"""The organizers' figures (issue 16), on SQLite and PostgreSQL with real rows: questions counted as the FAQ
answers them (in memory, then written in batches with an atomic upsert, also under concurrency), each figure computed from what is stored, the CSV
equal to the page's tables, retention, and a person's erasure leaving nothing that leads back to them.
"""

from __future__ import annotations

import asyncio
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import tickets, users
from bot.booking import services as booking
from bot.broadcast import sending
from bot.broadcast.broadcasts import ref as broadcast_ref
from bot.clock import FrozenClock
from bot.config import SUPPORTED_LANGUAGES, load_settings
from bot.delivery.outbox import enqueue
from bot.faq import feedback, stats
from bot.faq.service import ANSWER, FaqService, build_service
from bot.faq.stats import Outcome
from bot.figures import charts
from bot.figures.service import BookingWeek, Period, figures, for_last_days, week_of
from bot.figures.tables import cell, from_csv, tables, to_csv
from bot.logs import user_hash
from bot.services import erasure
from storage.db import create_engine, create_sessionmaker
from storage.models import Booking, Broadcast, FaqStat, OutboxMessage, Ticket, Topic
from storage.repositories import figures as repo
from tests.conftest import drop_pg_database, make_engine
from tests.test_booking_support import COUNSELLOR_ID, person, settings, setup, slots

CONF = settings()
ROOT = Path(__file__).resolve().parent.parent
TZ = CONF.tz


@pytest.fixture(scope="module")
def service() -> FaqService:
    return build_service(load_settings(_env_file=None))


def today(clock: FrozenClock) -> date:
    return clock.now().astimezone(TZ).date()


async def stat_rows(session: AsyncSession) -> dict[tuple[date, str, str, str], int]:
    rows = (await session.execute(select(FaqStat))).scalars().all()
    return {(r.day, r.lang, r.slug, r.outcome): r.questions for r in rows}


# --- counting -------------------------------------------------------------------------------------------


QUESTIONS = [
    ("Wo finde ich einen Deutschkurs?", "de"),
    ("کلاس زبان آلمانی رایگان کجاست؟", "de"),
    ("Mein Mann schlägt mich", "de"),
    ("What is the capital of France", "en"),
    ("Wer hat die Fußball WM gewonnen", "uk"),
    ("Hallo", "de"),  # a greeting: no question
    ("danke", "ar"),  # small talk: no question
]


async def test_each_question_is_counted_once_by_day_language_topic_and_outcome(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    service: FaqService,
) -> None:
    counts = stats.QuestionCounts()
    expected: Counter[tuple[date, str, str, str]] = Counter()
    for text, lang in QUESTIONS:
        reply = await service.ask(session, clock, text, lang, counts)
        if reply.kind not in ("answer", "suggest", "unknown"):
            continue
        outcome = "emergency" if reply.emergency else str(reply.kind)
        slug = reply.entry.slug if reply.kind == ANSWER and reply.entry else ""
        lang = reply.question_lang if reply.question_lang in SUPPORTED_LANGUAGES else reply.lang
        expected[(today(clock), str(lang), slug, outcome)] += 1
    await session.commit()
    assert await stat_rows(session) == {}  # counted in memory, not in each question's transaction
    await session.commit()
    assert await counts.flush(sessionmaker) == 5  # two of the seven were a greeting and small talk
    rows = await stat_rows(session)
    assert rows == dict(expected)
    assert {key[3] for key in rows} >= {"answer", "emergency"}
    assert await counts.flush(sessionmaker) == 0  # written once
    # the same question again adds one to its row, no new row
    await service.ask(session, clock, QUESTIONS[0][0], "de", counts)
    await counts.flush(sessionmaker)
    again = await stat_rows(session)
    assert sum(again.values()) == 6 and len(again) == len(rows)


async def test_counts_the_database_refuses_wait_for_the_next_flush(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    service: FaqService,
    tmp_path: Path,
) -> None:
    counts = stats.QuestionCounts()
    await service.ask(session, clock, "Wo finde ich einen Deutschkurs?", "de", counts)
    await session.commit()
    nowhere = create_sessionmaker(create_engine(f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/x.sqlite3"))
    with pytest.raises(OperationalError):  # unable to open the database file
        await counts.flush(nowhere)
    await counts.flush_quietly(nowhere)  # the periodic job's way: logged, not raised
    await service.ask(session, clock, "Wo finde ich einen Deutschkurs?", "de", counts)  # counted meanwhile
    assert counts.waiting == 2
    assert await counts.flush(sessionmaker) == 2
    assert sum((await stat_rows(session)).values()) == 2


async def test_the_day_is_the_local_day(
    session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], service: FaqService
) -> None:
    counts = stats.QuestionCounts()
    late = FrozenClock(datetime(2026, 3, 23, 23, 30, tzinfo=TZ))  # 22:30 UTC
    await service.ask(session, late, "Wo finde ich einen Deutschkurs?", "de", counts)
    await session.commit()
    await counts.flush(sessionmaker)
    assert {key[0] for key in await stat_rows(session)} == {date(2026, 3, 23)}
    after_midnight = FrozenClock(datetime(2026, 3, 24, 0, 30, tzinfo=TZ))  # still the 23rd in UTC
    await service.ask(session, after_midnight, "Wo finde ich einen Deutschkurs?", "de", counts)
    await session.commit()
    await counts.flush(sessionmaker)
    assert {key[0] for key in await stat_rows(session)} == {date(2026, 3, 23), date(2026, 3, 24)}


async def test_counting_is_atomic_when_sessions_race(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Forty sessions count the same key at once: no count is lost, no duplicate key is raised."""
    day = date(2026, 3, 23)

    async def one() -> None:
        async with sessionmaker() as session:
            await repo.add_questions(session, {(day, "ar", "kita", "answer"): 1})
            await asyncio.sleep(0)  # let the others run while this transaction is open
            await session.commit()

    await asyncio.gather(*(one() for _ in range(40)))
    async with sessionmaker() as session:
        assert await stat_rows(session) == {(day, "ar", "kita", "answer"): 40}


COUNT_IN_A_PROCESS = """
import asyncio, sys
from datetime import date
from storage.db import create_engine, create_sessionmaker
from storage.repositories import figures

async def main(url: str) -> None:
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    for _ in range(40):
        async with sessionmaker() as session:
            await figures.add_questions(session, {(date(2026, 3, 23), "fa", "", "unknown"): 1})
            await session.commit()
    await engine.dispose()

asyncio.run(main(sys.argv[1]))
"""


async def test_counting_is_atomic_across_processes(db_kind: str, tmp_path: Path) -> None:
    """Three bot processes count the same key at once (SQLite's file lock, PostgreSQL's row lock)."""
    engine, url, database = await make_engine(db_kind, tmp_path)
    try:
        procs = [
            await asyncio.create_subprocess_exec(sys.executable, "-c", COUNT_IN_A_PROCESS, url, cwd=ROOT)
            for _ in range(3)
        ]
        assert [await p.wait() for p in procs] == [0, 0, 0]
        async with create_sessionmaker(engine)() as session:
            assert await stat_rows(session) == {(date(2026, 3, 23), "fa", "", "unknown"): 120}
    finally:
        await engine.dispose()
        if database:
            await drop_pg_database(database)


async def test_counts_and_votes_are_kept_two_years(session: AsyncSession, clock: FrozenClock) -> None:
    now = today(clock)
    keep, drop = now - timedelta(days=stats.RETENTION_DAYS), now - timedelta(days=stats.RETENTION_DAYS + 1)
    for day in (keep, drop):
        await repo.add_questions(session, {(day, "de", "", "unknown"): 1})
        await feedback.vote(
            session,
            FrozenClock(datetime.combine(day, time(12), TZ)),
            slug="kita",
            lang="de",
            helpful=True,
        )
    assert await stats.purge(session, clock, TZ) == (1, 1)
    await session.commit()
    assert {key[0] for key in await stat_rows(session)} == {keep}
    assert await stats.purge(session, clock, TZ) == (0, 0)


# --- the figures ------------------------------------------------------------------------------------------


async def test_questions_outcomes_and_topics(session: AsyncSession, clock: FrozenClock) -> None:
    period = Period.ending(today(clock), 7)
    counts = {
        (period.last, "de", "kita", "answer"): 5,
        (period.last, "ar", "kita", "answer"): 2,
        (period.last, "ar", "emergency", "emergency"): 1,
        (period.first, "fa", "", "suggest"): 3,
        (period.first, "uk", "", "unknown"): 4,
        (period.first - timedelta(days=1), "de", "jobcenter", "answer"): 9,  # before the period
    }
    for (day, lang, slug, outcome), n in counts.items():
        for _ in range(n):
            await repo.add_questions(session, {(day, lang, slug, outcome): 1})
    for helpful in (True, True, False):
        await feedback.vote(session, clock, slug="kita", lang="ar", helpful=helpful)
    await feedback.vote(session, clock, slug="school", lang="de", helpful=False)  # voted, never asked here
    await session.commit()

    found = await figures(session, CONF, period, clock)
    inside = {k: n for k, n in counts.items() if period.first <= k[0] <= period.last}
    assert [d.day for d in found.days] == period.days  # every day, empty ones too
    for day in found.days:
        for lang in found.languages:
            assert day.by_lang[lang] == sum(
                n for (d, x, _s, _o), n in inside.items() if d == day.day and x == lang
            )
    assert found.outcomes.total == sum(inside.values()) == 15
    for outcome in Outcome:
        assert found.outcomes.counts[outcome] == sum(n for k, n in inside.items() if k[3] == outcome)
    assert found.outcomes.percent(Outcome.ANSWER) == round(100 * 7 / 15, 1)
    topics = {t.slug: (t.questions, t.up, t.down) for t in found.topics}
    assert topics == {"kita": (7, 2, 1), "emergency": (1, 0, 0), "school": (0, 0, 1)}
    assert found.topics[0].slug == "kita"  # most asked first


async def test_questions_handed_to_a_person_and_time_to_answer(
    session: AsyncSession, clock: FrozenClock
) -> None:
    now = clock.now()
    minutes = [10, 30, 50, 240]  # answered after …
    rows = [
        *(
            Ticket(
                kind=tickets.QUESTION,
                status=tickets.CLOSED,
                answered_at=now - timedelta(hours=5) + timedelta(minutes=m),
                created_at=now - timedelta(hours=5),
            )
            for m in minutes
        ),
        Ticket(kind=tickets.QUESTION, status=tickets.OPEN, created_at=now - timedelta(hours=1)),  # waiting
        Ticket(kind=tickets.QUESTION, status=tickets.WITHDRAWN, created_at=now - timedelta(days=8)),
        Ticket(kind=tickets.QUESTION, status=tickets.CLOSED, created_at=now - timedelta(days=40)),  # before
    ]
    for number, ticket in enumerate(rows, start=1):
        ticket.id, ticket.lang, ticket.chat_id = number, "ar", -100
        session.add(ticket)
    await session.commit()

    found = await for_last_days(session, CONF, clock, 30)
    total = found.handoff_total
    assert (total.handed, total.answered, total.waiting, total.unanswered) == (6, 4, 1, 1)
    assert total.median_minutes == 30  # nearest rank of 10, 30, 50, 240
    assert total.p90_minutes == 240
    this_week = next(w for w in found.handoffs if w.week == week_of(today(clock)))
    assert (this_week.handed, this_week.answered, this_week.median_minutes) == (5, 4, 30)
    assert sum(w.handed for w in found.handoffs) == total.handed


async def test_appointments_per_week_and_no_shows(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF, weekday="tue", every=30, capacity=2)
    free = await slots(session)
    people = [801, 802, 803, 804, 805]
    for pid in people:
        await person(session, clock, pid, "ar")
    made = [
        await booking.book(session, clock, CONF, user_id=pid, slot_id=free[i // 2].id)
        for i, pid in enumerate(people)
    ]
    await session.commit()
    first_start = free[0].starts_at
    cancelled = made[4]
    info = await booking.slot_info(session, free[2])
    await booking.cancel_booking(session, clock, cancelled, info, by=booking.CancelledBy.PERSON)
    await session.commit()
    later = FrozenClock(free[1].starts_at + timedelta(minutes=5))  # two slots have begun, the third not
    marks = {made[0].id: True, made[1].id: False, made[2].id: False}  # made[3] (slot 2): nobody said
    for booking_id, came in marks.items():
        await session.execute(update(Booking).where(Booking.id == booking_id).values(attended=came))
    await session.commit()

    period = Period(first_start.astimezone(TZ).date() - timedelta(days=6), later.now().astimezone(TZ).date())
    found = await figures(session, CONF, period, later)
    total = found.booking_total
    assert (total.booked, total.cancelled) == (4, 1)
    assert (total.came, total.no_show, total.not_recorded) == (1, 2, 1)
    week = next(w for w in found.bookings if w.week == week_of(first_start.astimezone(TZ).date()))
    assert week == BookingWeek(week.week, booked=4, cancelled=1, came=1, no_show=2, not_recorded=1)


async def test_broadcast_deliveries_survive_the_outbox_retention(
    session: AsyncSession, clock: FrozenClock
) -> None:
    topic = Topic(
        key="news", names={"de": "Neuigkeiten", "en": "News"}, source_lang="de", created_at=clock.now()
    )
    session.add(topic)
    await session.flush()
    done, going = (
        Broadcast(
            state="sending", topic_id=topic.id, created_at=clock.now(), started_at=clock.now(), recipients=5
        ),
        Broadcast(state="sending", created_at=clock.now(), started_at=clock.now(), recipients=2),
    )
    session.add_all([done, going])
    await session.flush()
    statuses = {done.id: ["sent", "sent", "sent", "blocked", "failed"], going.id: ["sent", "pending"]}
    for broadcast_id, found_statuses in statuses.items():
        for i, status in enumerate(found_statuses):
            await enqueue(
                session,
                clock,
                chat_id=1000 + i,
                kind="broadcast",
                data={},
                ref=broadcast_ref(broadcast_id),
                dedupe_key=f"t:{broadcast_id}:{i}",
            )
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.dedupe_key == f"t:{broadcast_id}:{i}")
                .values(status=status)
            )
    await session.commit()
    assert await sending.finish_sent(session, clock, CONF) == [done.id]  # the other still has one pending
    await session.commit()
    await session.execute(OutboxMessage.__table__.delete())  # the outbox retention took the finished rows
    await session.commit()

    found = {b.id: b for b in (await for_last_days(session, CONF, clock, 7)).broadcasts}
    assert (
        found[done.id].delivered,
        found[done.id].blocked,
        found[done.id].failed,
        found[done.id].pending,
    ) == (3, 1, 1, 0)
    assert found[done.id].topic_names["en"] == "News" and found[done.id].recipients == 5
    assert found[going.id].recipients == 2 and found[going.id].topic_names == {}


# --- the CSV and the page's tables --------------------------------------------------------------------------


async def test_the_csv_holds_exactly_the_numbers_of_the_tables(
    session: AsyncSession, clock: FrozenClock
) -> None:
    for i, (lang, slug, outcome) in enumerate(
        [("de", "kita", "answer"), ("fa", "", "unknown"), ("ar", "", "suggest")]
    ):
        for _ in range(i + 1):
            await repo.add_questions(session, {(today(clock) - timedelta(days=i), lang, slug, outcome): 1})
    await feedback.vote(session, clock, slug="kita", lang="de", helpful=False)
    await session.commit()
    found = await for_last_days(session, CONF, clock, 7)
    shown = tables(found)
    parsed = from_csv(to_csv(shown))
    cells = {
        (t.key, row, column): cell(v)
        for t in shown
        for row, values in t.rows
        for column, v in zip(t.columns, values, strict=True)
    }
    assert parsed == cells
    # and the tables say what the figures say
    assert parsed[("questions_per_day", "total", "total")] == "6" == str(found.outcomes.total)
    assert parsed[("questions_per_day", today(clock).isoformat(), "de")] == "1"
    assert parsed[("outcomes", "unknown", "questions")] == "2"
    assert parsed[("outcomes", "suggest", "percent")] == "50.0"
    assert parsed[("topics", "kita", "down")] == "1"


def test_a_typed_name_that_looks_like_a_formula_is_kept_as_text() -> None:
    assert cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert cell(-3) == "-3" and cell(12.25) == "12.2" and cell(None) == ""


def test_charts_are_valid_svg_with_a_title_and_every_value() -> None:
    svg = charts.bars(
        "q", "Questions <per day>", "6 questions", ["2026-03-22", "2026-03-23"],
        [charts.Series("de", [1, 2]), charts.Series("ar & fa", [0, 3])],
    )  # fmt: skip
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text == "Questions <per day>"  # escaped in the markup, intact as text
    bar_titles = [t.text for t in root.iter(f"{ns}title")][1:]
    assert bar_titles == ["2026-03-22 · de: 1", "2026-03-23 · de: 2", "2026-03-23 · ar & fa: 3"]
    h = ET.fromstring(charts.hbars("o", "Outcomes", "shares", ["answer", "unknown"], [62.5, 37.5], unit=" %"))
    assert [t.text for t in h.iter(f"{ns}title")][1:] == ["answer: 62.5 %", "unknown: 37.5 %"]


# --- erasure -----------------------------------------------------------------------------------------------


async def test_erasure_leaves_no_way_back_to_the_person(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: FrozenClock,
    service: FaqService,
) -> None:
    await setup(session, clock, CONF)
    pid = 8123456789011
    await person(session, clock, pid, "fa")
    asked = ["کلاس زبان آلمانی رایگان کجاست؟", "Wer repariert mein Fahrrad in Altwarmbüchen?"]
    counts = stats.QuestionCounts()
    for text in asked:
        await service.ask(session, clock, text, "fa", counts, user_id=pid)
    await feedback.vote(session, clock, slug="german-courses", lang="fa", helpful=True)
    await tickets.open_ticket(
        session,
        clock,
        kind=tickets.QUESTION,
        chat_id=-100,
        lang="fa",
        asker_id=pid,
        text=asked[1],
        relay_lang="de",
    )
    await booking.book(session, clock, CONF, user_id=pid, slot_id=(await slots(session))[0].id)
    await session.commit()
    assert await counts.flush(sessionmaker) == 2
    period = Period(
        today(clock) - timedelta(days=6), today(clock) + timedelta(days=7)
    )  # the booking is ahead
    before = await figures(session, CONF, period, clock)

    await erasure.erase_user(session, pid, clock)
    after = await figures(session, CONF, period, clock)
    # the counts stay (nothing in them is the person's) …
    assert after.outcomes.total == before.outcomes.total == 2
    assert after.outcomes == before.outcomes and after.topics == before.topics
    assert after.handoff_total.handed == before.handoff_total.handed == 1
    # … their appointment goes with them
    assert before.booking_total.booked == 1 and after.booking_total.booked == 0
    # and nothing stored for the figures, nor the CSV, holds their id, hash or words
    needles = [str(pid), user_hash(pid), *asked, "Fahrrad"]
    stored = [str(v) for row in (await session.execute(select(FaqStat.__table__))).all() for v in row]
    exported = to_csv(tables(after))
    for needle in needles:
        assert not [v for v in stored if needle in v]
        assert needle not in exported
    assert erasure.TABLES["faq_stats"].how == erasure.NOT_PERSONAL and not erasure.TABLES["faq_stats"].by


async def test_who_may_say_whether_a_person_came(session: AsyncSession, clock: FrozenClock) -> None:
    await setup(session, clock, CONF)
    await person(session, clock, 801, "ar")
    await person(session, clock, 802, "de", role=users.ORGANIZER)
    await person(session, clock, 803, "de", role=users.HELPER)  # a helper, not this slot's counsellor
    slot = (await slots(session))[0]
    made = await booking.book(session, clock, CONF, user_id=801, slot_id=slot.id)
    await session.commit()
    counsellor, organizer, other = [await users.find_user(session, u) for u in (COUNSELLOR_ID, 802, 803)]

    async def refusal(who: object, at: FrozenClock, booking_id: int = made.id) -> str | None:
        try:
            await booking.record_attendance(session, at, who, booking_id=booking_id, came=False)  # type: ignore[arg-type]
        except booking.BookingError as error:
            return str(error.reason)
        return None

    later = FrozenClock(slot.starts_at + timedelta(minutes=1))
    assert await refusal(counsellor, clock) == "not_yet"  # before it began
    assert await refusal(other, later) == "not_found"  # not theirs
    assert await refusal(counsellor, later, booking_id=2**31 - 1) == "not_found"
    assert await refusal(counsellor, later) is None
    assert await refusal(organizer, later) is None  # organizers may, for every appointment
    await session.commit()
    assert (await session.get(Booking, made.id)).attended is False  # type: ignore[union-attr]


async def test_the_demo_seed_gives_the_page_something_to_show(
    session: AsyncSession, clock: FrozenClock
) -> None:
    from bot.figures import demo
    from bot.sample import DemoPeople

    await demo.seed(session, clock, CONF, DemoPeople(helper_id=1, organizer_id=2))
    await session.commit()
    found = await for_last_days(session, CONF, clock, 30)
    assert found.outcomes.total > 100 and found.topics and found.days[-1].total == 0  # today: real ones only
