"""Feedback on the FAQ: 👍/👎 votes and the questions kept for the organizers (/unanswered).

Privacy: a vote is (answer, language, vote, day), nothing about who voted. A kept question is (text,
language, reason, time) without the user id; it is linked to a ticket only when the person asked for a
person. Kept questions are deleted RETENTION_DAYS after they were asked, whether done or not.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.jobs import JobContext, periodic
from storage.models import FaqUnanswered
from storage.repositories import faq as repo

log = logging.getLogger(__name__)

NO_MATCH, DOWNVOTE = "no_match", "downvote"
OPEN, DONE = "open", "done"
RETENTION_DAYS = 90
PAGE_SIZE = 5


async def vote(session: AsyncSession, clock: Clock, *, slug: str, lang: str, helpful: bool) -> None:
    day = clock.now().date()  # UTC day: precise enough, and says nothing about the hour
    await repo.add_vote(session, slug, lang, 1 if helpful else -1, day)


async def keep_unanswered(
    session: AsyncSession, clock: Clock, *, text: str, lang: str, reason: str, slug: str | None = None
) -> FaqUnanswered:
    return await repo.add_unanswered(
        session,
        FaqUnanswered(text=text, lang=lang, reason=reason, slug=slug, status=OPEN, created_at=clock.now()),
    )


async def link_to_ticket(session: AsyncSession, unanswered_id: int, ticket_id: int, text: str) -> bool:
    """The person asked a person about a kept question: note the ticket (only if the text is the same)."""
    return await repo.link_unanswered(session, unanswered_id, ticket_id, text)


@dataclass(frozen=True)
class Page:
    rows: Sequence[FaqUnanswered]
    total: int
    page: int
    pages: int


async def unanswered_page(session: AsyncSession, page: int = 0) -> Page:
    """Open kept questions, newest first, PAGE_SIZE a page (a page past the end shows the last one)."""
    rows, total = await repo.list_unanswered(session, OPEN, PAGE_SIZE, max(page, 0) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page >= pages and total:
        page = pages - 1
        rows, total = await repo.list_unanswered(session, OPEN, PAGE_SIZE, page * PAGE_SIZE)
    return Page(rows, total, max(page, 0), pages)


async def mark_done(session: AsyncSession, clock: Clock, row_id: int) -> bool:
    return await repo.set_unanswered_status(
        session, row_id, from_status=OPEN, to_status=DONE, now=clock.now()
    )


async def vote_totals(session: AsyncSession) -> dict[tuple[str, str], tuple[int, int]]:
    return await repo.vote_totals(session)


async def purge(session: AsyncSession, clock: Clock) -> int:
    return await repo.delete_unanswered_before(session, clock.now() - timedelta(days=RETENTION_DAYS))


@periodic("faq_retention", 3600)
async def retention_job(ctx: JobContext) -> None:
    async with ctx.sessionmaker() as session:
        deleted = await purge(session, ctx.clock)
        await session.commit()
    if deleted:
        log.info("faq retention: %d kept questions deleted", deleted)
