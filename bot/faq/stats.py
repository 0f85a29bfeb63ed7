"""How many questions the FAQ was asked, and how it answered them: counts for the organizers' figures.

Per question one atomic upsert into `faq_stats` (local day, language, topic, outcome) in the update's own
transaction: a count + 1, nothing else. No text, no user id, no hash and no time of day is kept, so the
counts lead back to nobody and a person's erasure has nothing to delete here. Greetings and small talk are
no questions and are not counted. The counts are deleted after RETENTION_DAYS (`faq_stats_retention`, hourly),
and so are the 👍/👎 votes (faq_votes), the other figures the FAQ keeps per day.
"""

from __future__ import annotations

import logging
from datetime import timedelta, tzinfo
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES
from bot.jobs import JobContext
from storage.repositories import figures as repo

log = logging.getLogger(__name__)

RETENTION_DAYS = 730  # two years: enough to compare a month with the same month a year before
NO_TOPIC = ""  # the topic of a question that got no answer


class Outcome(StrEnum):
    """What a question got."""

    ANSWER = "answer"  # a confident answer
    EMERGENCY = "emergency"  # the emergency numbers
    SUGGEST = "suggest"  # close topics to choose from
    UNKNOWN = "unknown"  # nothing close enough


async def count(
    session: AsyncSession,
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
    await repo.count_question(session, day, str(language), slug or NO_TOPIC, outcome)


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
