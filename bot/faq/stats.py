"""How many questions the FAQ was asked, and how it answered them: counts for the organizers' figures.

The counts are per local day, language, topic and outcome: a count and nothing else. No text, no user id, no
hash and no time of day is kept, so the counts lead back to nobody and a person's erasure has nothing to
delete here. Greetings and small talk are no questions and are not counted.

Each process counts its questions in memory (`QuestionCounts`) and adds them to the table `faq_stats` in one
transaction every FLUSH_SECONDS, at shutdown, and before this process shows the figures. Measured under
load, writing the count in each question's own transaction cost about 0.4 ms of CPU per question on
PostgreSQL and made every question a write (bench/bench_load.py). What a crash can lose: the last seconds
of counts, never an answer. The counts are deleted after RETENTION_DAYS (`faq_stats_retention`, hourly),
and so are the 👍/👎 votes (faq_votes), the other figures the FAQ keeps per day.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from bot.jobs import JobContext
from storage.db import release
from storage.repositories import figures as repo

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0  # counts wait at most this long in memory
RETENTION_DAYS = 730  # two years: enough to compare a month with the same month a year before
NO_TOPIC = ""  # the topic of a question that got no answer


class Outcome(StrEnum):
    """What a question got."""

    ANSWER = "answer"  # a confident answer
    EMERGENCY = "emergency"  # the emergency numbers
    SUGGEST = "suggest"  # close topics to choose from
    UNKNOWN = "unknown"  # nothing close enough


Key = tuple[date, str, str, str]  # (local day, language, topic or NO_TOPIC, outcome)


class QuestionCounts:
    """The questions this process counted and has not written yet (one per bot: its database)."""

    def __init__(self) -> None:
        self.pending: Counter[Key] = Counter()

    def count(
        self,
        clock: Clock,
        tz: tzinfo,
        *,
        lang: str | None,
        fallback_lang: str,
        outcome: Outcome,
        slug: str | None = None,
    ) -> None:
        """Count one question: in its language when that is a supported one, else `fallback_lang` (the
        language the bot replied in), so the rows stay few and known."""
        day = clock.now().astimezone(tz).date()
        language = lang if lang in SUPPORTED_LANGUAGES else fallback_lang
        self.pending[(day, str(language), slug or NO_TOPIC, str(outcome))] += 1

    async def flush(self, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
        """Write what was counted (one transaction); the questions written. Kept for the next time when the
        database refuses them."""
        taken, self.pending = self.pending, Counter()
        if not taken:
            return 0
        try:
            async with sessionmaker() as session:
                await repo.add_questions(session, taken)
                await session.commit()
        except BaseException:
            self.pending.update(taken)  # counted again meanwhile: both are kept
            raise
        return sum(taken.values())

    async def flush_quietly(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        """flush() for the periodic job and shutdown: a failure is logged (the counts wait for the next)."""
        try:
            await self.flush(sessionmaker)
        except Exception as exc:
            log.warning("faq counts not written yet (%s); %d waiting", type(exc).__name__, self.waiting)

    async def flush_before_reading(
        self, session: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """Before `session` reads the figures: what this process counted is written first. The session
        gives its connection back first (on SQLite its transaction holds the lock the flush needs)."""
        await release(session)
        await self.flush_quietly(sessionmaker)

    @property
    def waiting(self) -> int:
        return sum(self.pending.values())


async def purge(session: AsyncSession, clock: Clock, tz: tzinfo) -> tuple[int, int]:
    """Delete counts and votes older than RETENTION_DAYS: (count rows, votes)."""
    cutoff = clock.now().astimezone(tz).date() - timedelta(days=RETENTION_DAYS)
    return await repo.delete_stats_before(session, cutoff), await repo.delete_votes_before(session, cutoff)


async def retention_job(ctx: JobContext) -> None:
    """Hourly (bot/wiring.py: faq_stats_retention): a range delete on the primary key, cheap."""
    async with ctx.sessionmaker() as session:
        counts, votes = await purge(session, ctx.clock, ctx.settings.tz)
        await session.commit()
    if counts or votes:
        log.info("faq stats retention: %d count rows and %d votes deleted", counts, votes)
