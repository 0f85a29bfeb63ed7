"""Feedback on the FAQ: 👍/👎 votes and the questions kept for the organizers (/unanswered).

Privacy: a vote is (answer, language, vote, day), nothing about who voted. A kept question is (text,
language, reason, time) and, while it is open, its asker's id, so that an organizer can answer them
through the bot (the console's inbox, bot/faq/inbox.py); the id is cleared as soon as the question is
answered, given a topic or done. It is linked to a ticket only when the person asked for a person. Kept
questions are deleted RETENTION_DAYS after they were asked, whether done or not, and at once when their
asker erases their data: for that a kept question also carries the asker's keyed hash (the one log lines
carry, bot.logs.user_hash), which finds rows kept without an id (a 👎 on an old answer, rows from before).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.jobs import JobContext
from bot.logs import current_user_hash, user_hash
from bot.text import clean_text
from storage.models import FaqUnanswered
from storage.repositories import faq as repo

log = logging.getLogger(__name__)

__all__ = ["FaqUnanswered"]  # re-exported for the handlers, which never import storage models


class Reason(StrEnum):
    """Why a question was kept for the organizers."""

    NO_MATCH = "no_match"  # no confident answer
    DOWNVOTE = "downvote"  # 👎 on the answer given


class Status(StrEnum):
    OPEN = "open"
    DONE = "done"  # an organizer marked it as done (or gave it a topic)
    ANSWERED = "answered"  # an organizer answered its asker through the bot (bot/faq/inbox.py)


NO_MATCH, DOWNVOTE = Reason.NO_MATCH, Reason.DOWNVOTE
OPEN, DONE, ANSWERED = Status.OPEN, Status.DONE, Status.ANSWERED
RETENTION_DAYS = 90
PAGE_SIZE = 5


async def vote(session: AsyncSession, clock: Clock, *, slug: str, lang: str, helpful: bool) -> None:
    day = clock.now().date()  # UTC day: precise enough, and says nothing about the hour
    await repo.add_vote(session, slug, lang, 1 if helpful else -1, day)


async def keep_unanswered(
    session: AsyncSession,
    clock: Clock,
    *,
    text: str,
    lang: str,
    reason: Reason,
    slug: str | None = None,
    user_id: int | None = None,
) -> int:
    """Keep a question for the organizers; its row's id. `user_id`: its asker (kept with the open question, so
    they can be answered); without it only the keyed hash of the sender of the update being handled
    (questions are only ever kept while handling the asker's own message or 👎)."""
    asker = user_hash(user_id) if user_id is not None else current_user_hash()
    return await repo.add_unanswered(
        session,
        text=clean_text(text),
        lang=lang,
        reason=reason,
        slug=slug,
        status=OPEN,
        created_at=clock.now(),
        asker_hash=asker,
        asker_id=user_id,
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


async def retention_job(ctx: JobContext) -> None:
    """Hourly (bot/wiring.py: faq_retention)."""
    async with ctx.sessionmaker() as session:
        deleted = await purge(session, ctx.clock)
        await session.commit()
    if deleted:
        log.info("faq retention: %d kept questions deleted", deleted)
