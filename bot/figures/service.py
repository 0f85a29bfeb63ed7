"""The organizers' figures for a range of days (issue 16): aggregates only, never a person.

- questions per day and language, and how they were answered (bot/faq/stats.py counts them): a confident
  answer, the emergency numbers, topics offered to choose from, or nothing close enough;
- per topic: the questions it answered and its 👍 / 👎 (faq_votes; their day is the UTC day);
- questions handed to a person (tickets) per week: how many, how many a person answered, and the time
  until the first answer (median and 90th percentile, minutes); those still waiting, those that ended
  without an answer (withdrawn, or closed unanswered);
- appointments per week (by the day of the appointment): booked, cancelled, and of the booked ones past
  their start: came, did not come (a no-show), nobody said (bookings.attended, set in /agenda);
- broadcasts that began sending in the range: recipients, delivered, blocked, failed, still pending.

Days are calendar days in the configured zone (Europe/Berlin); a week is named by its Monday. A person's
erasure deletes their bookings, so past weeks lose them; every other figure stays (counts and anonymised
tickets, with nothing leading back to them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.booking.schedule import day_bounds
from bot.booking.services import BookingStatus
from bot.broadcast.broadcasts import ref as broadcast_ref
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery.report import delivery_report
from bot.faq.stats import NO_TOPIC, Outcome
from storage.repositories import figures as repo

RANGES = (7, 30, 90)  # the choices the console offers, in days up to today


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @classmethod
    def ending(cls, today: date, days: int) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @property
    def weeks(self) -> list[date]:
        """The Mondays of the weeks the period touches."""
        first = week_of(self.first)
        return [first + timedelta(weeks=i) for i in range((week_of(self.last) - first).days // 7 + 1)]

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants."""
        return day_bounds(self.first, tz)[0], day_bounds(self.last, tz)[1]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class QuestionDay:
    day: date
    by_lang: dict[str, int]  # every language of Figures.languages, 0 included

    @property
    def total(self) -> int:
        return sum(self.by_lang.values())


@dataclass(frozen=True)
class Outcomes:
    counts: dict[Outcome, int]  # every outcome, 0 included

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, outcome: Outcome) -> float | None:
        """The share of all questions, in percent to one decimal; None without questions."""
        return round(100 * self.counts[outcome] / self.total, 1) if self.total else None


@dataclass(frozen=True)
class TopicFigures:
    slug: str
    questions: int  # questions it answered (with confidence, or the emergency numbers)
    up: int
    down: int


@dataclass(frozen=True)
class HandoffWeek:
    week: date
    handed: int
    answered: int  # of those handed over in this week
    waiting: int  # still open, no answer yet
    unanswered: int  # ended without an answer (withdrawn, or closed unanswered)
    median_minutes: int | None  # until a person's first answer
    p90_minutes: int | None


@dataclass(frozen=True)
class BookingWeek:
    week: date
    booked: int  # appointments not cancelled
    cancelled: int
    came: int
    no_show: int
    not_recorded: int  # past appointments nobody marked


@dataclass(frozen=True)
class BroadcastFigures:
    id: int
    day: date  # the day it began sending
    topic_names: dict[str, str]  # language -> name ({} without a topic)
    recipients: int
    delivered: int
    blocked: int
    failed: int
    pending: int  # still to be sent (a broadcast still sending)


@dataclass(frozen=True)
class Figures:
    period: Period
    languages: tuple[str, ...]
    days: list[QuestionDay]
    outcomes: Outcomes
    topics: list[TopicFigures]  # most questions first
    handoffs: list[HandoffWeek]
    handoff_total: HandoffWeek  # the whole period (`week` is its first day)
    bookings: list[BookingWeek]
    booking_total: BookingWeek
    broadcasts: list[BroadcastFigures] = field(default_factory=list)


async def figures(session: AsyncSession, settings: Settings, period: Period, clock: Clock) -> Figures:
    """Every figure for the period (the days in the configured zone)."""
    start, end = period.bounds(settings.tz)
    languages, days, outcomes, answered = await _questions(session, period)
    handoffs, handoff_total = await _handoffs(session, settings, period, start, end)
    bookings, booking_total = await _bookings(session, settings, period, clock, start, end)
    return Figures(
        period=period,
        languages=languages,
        days=days,
        outcomes=outcomes,
        topics=await _topics(session, period, answered),
        handoffs=handoffs,
        handoff_total=handoff_total,
        bookings=bookings,
        booking_total=booking_total,
        broadcasts=await _broadcasts(session, settings, start, end),
    )


async def for_last_days(session: AsyncSession, settings: Settings, clock: Clock, days: int) -> Figures:
    """The figures of the last `days` days up to today (one of RANGES)."""
    if days not in RANGES:
        raise ValueError(f"days must be one of {RANGES}")
    today = clock.now().astimezone(settings.tz).date()
    return await figures(session, settings, Period.ending(today, days), clock)


async def _questions(
    session: AsyncSession, period: Period
) -> tuple[tuple[str, ...], list[QuestionDay], Outcomes, Counter[str]]:
    per_day: dict[date, Counter[str]] = {day: Counter() for day in period.days}
    for day, lang, n in await repo.question_counts(session, period.first, period.last, "day", "lang"):
        per_day.setdefault(day, Counter())[lang] += int(n)
    known = {o.value: o for o in Outcome}
    outcomes: Counter[Outcome] = Counter()
    answered: Counter[str] = Counter()
    for outcome, slug, n in await repo.question_counts(session, period.first, period.last, "outcome", "slug"):
        if outcome in known:  # (an outcome a later version stored is left out, not guessed)
            outcomes[known[outcome]] += int(n)
        if slug != NO_TOPIC:
            answered[slug] += int(n)
    # the supported languages in their order, then any other a count was stored with (an old setting)
    seen = {lang for counts in per_day.values() for lang in counts}
    languages = (*SUPPORTED_LANGUAGES, *sorted(seen - set(SUPPORTED_LANGUAGES)))
    days = [
        QuestionDay(day, {lang: counts[lang] for lang in languages})
        for day, counts in sorted(per_day.items())
    ]
    return languages, days, Outcomes({o: outcomes[o] for o in Outcome}), answered


async def _topics(session: AsyncSession, period: Period, answered: Counter[str]) -> list[TopicFigures]:
    votes = {
        slug: (int(up or 0), int(down or 0))
        for slug, up, down in await repo.vote_counts(session, period.first, period.last)
    }
    slugs = set(answered) | set(votes)
    found = [TopicFigures(s, answered.get(s, 0), *votes.get(s, (0, 0))) for s in slugs]
    return sorted(found, key=lambda t: (-t.questions, -(t.up + t.down), t.slug))


def _percentile(values: Sequence[float], share: float) -> int | None:
    """The nearest-rank percentile, in whole minutes; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil(n × share), at least the first
    return round(ordered[int(rank) - 1])


def _handoff(week: date, rows: Iterable[tuple[datetime, datetime | None, str]]) -> HandoffWeek:
    rows = list(rows)
    minutes = [(answered - created).total_seconds() / 60 for created, answered, _ in rows if answered]
    return HandoffWeek(
        week=week,
        handed=len(rows),
        answered=len(minutes),
        waiting=sum(1 for _, answered, status in rows if answered is None and status in tickets.ACTIVE),
        unanswered=sum(
            1 for _, answered, status in rows if answered is None and status not in tickets.ACTIVE
        ),
        median_minutes=_percentile(minutes, 0.5),
        p90_minutes=_percentile(minutes, 0.9),
    )


async def _handoffs(
    session: AsyncSession, settings: Settings, period: Period, start: datetime, end: datetime
) -> tuple[list[HandoffWeek], HandoffWeek]:
    rows: list[tuple[datetime, datetime | None, str]] = [
        (created, answered, status)
        for created, answered, status in await repo.ticket_times(session, tickets.TICKET_KINDS, start, end)
    ]
    by_week: dict[date, list[tuple[datetime, datetime | None, str]]] = {w: [] for w in period.weeks}
    for row in rows:
        by_week.setdefault(week_of(row[0].astimezone(settings.tz).date()), []).append(row)
    weeks = [_handoff(week, found) for week, found in sorted(by_week.items())]
    return weeks, _handoff(period.first, rows)


async def _bookings(
    session: AsyncSession, settings: Settings, period: Period, clock: Clock, start: datetime, end: datetime
) -> tuple[list[BookingWeek], BookingWeek]:
    now = clock.now()
    counts: dict[date, Counter[str]] = {week: Counter() for week in period.weeks}
    for starts_at, status, attended in await repo.booking_times(session, start, end):
        week = counts.setdefault(week_of(starts_at.astimezone(settings.tz).date()), Counter())
        if status != BookingStatus.BOOKED:
            week["cancelled"] += 1
            continue
        week["booked"] += 1
        if starts_at <= now:
            week["came" if attended else "no_show" if attended is False else "not_recorded"] += 1
    weeks = [BookingWeek(week, **_booking_counts(c)) for week, c in sorted(counts.items())]
    return weeks, BookingWeek(period.first, **_booking_counts(sum(counts.values(), Counter())))


def _booking_counts(counts: Counter[str]) -> dict[str, int]:
    return {key: counts[key] for key in ("booked", "cancelled", "came", "no_show", "not_recorded")}


async def _broadcasts(
    session: AsyncSession, settings: Settings, start: datetime, end: datetime
) -> list[BroadcastFigures]:
    found = []
    for broadcast, topic in await repo.broadcasts_started(session, start, end):
        assert broadcast.started_at is not None
        if broadcast.delivered is None:  # still sending (or finished before totals were kept): count now
            live = await delivery_report(session, broadcast_ref(broadcast.id))
            totals = {k: int(live[k]) for k in ("delivered", "blocked", "failed", "pending")}
        else:
            totals = {
                "delivered": broadcast.delivered,
                "blocked": broadcast.blocked or 0,
                "failed": broadcast.failed or 0,
                "pending": 0,
            }
        found.append(
            BroadcastFigures(
                id=broadcast.id,
                day=broadcast.started_at.astimezone(settings.tz).date(),
                topic_names=dict(topic or {}),
                recipients=broadcast.recipients or 0,
                **totals,
            )
        )
    return found
