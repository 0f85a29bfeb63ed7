"""Figures for the organizers (issue 16): the question counts (`faq_stats`) and the reads the figures need
from votes, tickets, bookings and broadcasts. Counts and times only: no query here returns a user id or a
text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Row, bindparam, case, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Booking, Broadcast, FaqStat, FaqVote, Slot, Ticket, Topic

# One statement, the same on SQLite (3.24+) and PostgreSQL: atomic across processes (a row locked on
# PostgreSQL, the database on SQLite), never a lost count or a duplicate-key error when two processes add
# to the same row at once. Plain SQL: nothing to compile.
_ADD_QUESTIONS = text(
    "INSERT INTO faq_stats (day, lang, slug, outcome, questions) VALUES (:day, :lang, :slug, :outcome, :n) "
    "ON CONFLICT (day, lang, slug, outcome) DO UPDATE SET questions = faq_stats.questions + :n"
).bindparams(bindparam("day", type_=Date()))


async def add_questions(session: AsyncSession, counts: Mapping[tuple[date, str, str, str], int]) -> None:
    """Add to the counts ((day, lang, slug, outcome) -> questions), creating the rows that are missing."""
    if counts:
        await session.execute(
            _ADD_QUESTIONS,
            [{"day": d, "lang": x, "slug": s, "outcome": o, "n": n} for (d, x, s, o), n in counts.items()],
        )


async def add_counts(
    session: AsyncSession,
    counts: Mapping[tuple[date, str, str, str], int],
    votes: Sequence[tuple[str, str, int, date]] = (),
) -> None:
    """Bulk rows of counts ((day, lang, slug, outcome) -> questions) and votes (slug, lang, ±1, day) into an
    empty period (the demo's sample figures, benchmarks)."""
    if counts:
        await session.execute(
            insert(FaqStat),
            [
                {"day": d, "lang": x, "slug": s, "outcome": o, "questions": n}
                for (d, x, s, o), n in counts.items()
            ],
        )
    if votes:
        await session.execute(
            insert(FaqVote), [{"slug": s, "lang": x, "vote": v, "day": d} for s, x, v, d in votes]
        )


async def question_counts(session: AsyncSession, first: date, last: date, *by: str) -> Sequence[Row[Any]]:
    """(*by, questions) summed over the days first … last, grouped by the columns `by` ("day", "lang",
    "slug", "outcome"): the database adds up, a few hundred rows come back even for 90 busy days."""
    columns = [getattr(FaqStat, name) for name in by]
    result = await session.execute(
        select(*columns, func.sum(FaqStat.questions))
        .where(FaqStat.day.between(first, last))
        .group_by(*columns)
    )
    return result.all()


async def delete_stats_before(session: AsyncSession, day: date) -> int:
    result = await session.execute(delete(FaqStat).where(FaqStat.day < day))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete_votes_before(session: AsyncSession, day: date) -> int:
    result = await session.execute(delete(FaqVote).where(FaqVote.day < day))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def vote_counts(session: AsyncSession, first: date, last: date) -> Sequence[Row[Any]]:
    """(slug, 👍, 👎) per topic for votes of the days first … last."""
    result = await session.execute(
        select(
            FaqVote.slug,
            func.sum(case((FaqVote.vote > 0, 1), else_=0)),
            func.sum(case((FaqVote.vote < 0, 1), else_=0)),
        )
        .where(FaqVote.day.between(first, last))
        .group_by(FaqVote.slug)
    )
    return result.all()


async def ticket_times(
    session: AsyncSession, kinds: Sequence[str], start: datetime, end: datetime
) -> Sequence[Row[Any]]:
    """(created_at, answered_at, status) of the tickets of `kinds` handed over in [start, end)."""
    result = await session.execute(
        select(Ticket.created_at, Ticket.answered_at, Ticket.status).where(
            Ticket.kind.in_(list(kinds)), Ticket.created_at >= start, Ticket.created_at < end
        )
    )
    return result.all()


async def booking_times(session: AsyncSession, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    """(slot start, status, attended) of the bookings whose appointment begins in [start, end)."""
    result = await session.execute(
        select(Slot.starts_at, Booking.status, Booking.attended)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Slot.starts_at >= start, Slot.starts_at < end)
    )
    return result.all()


async def broadcasts_started(session: AsyncSession, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    """(broadcast, its topic's names or None) of the broadcasts that began sending in [start, end), oldest
    first."""
    result = await session.execute(
        select(Broadcast, Topic.names)
        .outerjoin(Topic, Topic.id == Broadcast.topic_id)
        .where(Broadcast.started_at >= start, Broadcast.started_at < end)
        .order_by(Broadcast.started_at, Broadcast.id)
    )
    return result.all()
