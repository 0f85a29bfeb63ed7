"""The loop from /unanswered closes (issue 15, point 7).

An organizer says "this belongs to topic X": the kept question becomes an example question of X in its
language (table faq_examples, text only: no user id, no hash, no link to the kept question), and the kept
question is done. "No topic answers this" (a 👎 on an answer to a question that is not ours, a phone's
repair answered with the sewing group) files it the same way under NOT_OURS: the matcher then declines
such questions instead of answering them with a topic (bot/faq/index.py `declines`). "Not a question"
deletes the kept question.

Every process uses a new example before its next question, without a restart: adding one advances the
FAQ content's version in the same transaction (bot/faq/version.py), and every process builds its matcher
again before its next question (bot/faq/live.py).

`python -m bot faq match` and the bench know only locales/faq, not the database.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.faq import feedback
from bot.faq.content import NOT_OURS, FaqContent
from bot.faq.version import bump_content_version
from bot.text import clean_text
from storage.models.faq_examples import FaqExample
from storage.repositories import faq_examples as repo

log = logging.getLogger(__name__)


class Assigned(StrEnum):
    ADDED = "added"  # a new example question of the topic
    KNOWN = "known"  # the topic had this very example already: the kept question is done all the same
    GONE = "gone"  # the kept question was done, removed or deleted meanwhile
    UNKNOWN_TOPIC = "unknown_topic"  # no such topic (any more)


async def open_question(session: AsyncSession, row_id: int) -> feedback.FaqUnanswered | None:
    """The kept question if it is still open (on the organizers' list)."""
    row = await repo.kept_question(session, row_id)
    return row if row is not None and row.status == feedback.OPEN else None


def may_file_under(content: FaqContent, slug: str) -> bool:
    """A topic of the content, or NOT_OURS (no topic answers the question)."""
    return slug == NOT_OURS or content.topic(slug) is not None


async def assign_topic(
    session: AsyncSession, clock: Clock, row_id: int, slug: str, content: FaqContent
) -> Assigned:
    """The kept question `row_id` belongs to topic `slug` (or to none: NOT_OURS): store it as an example
    question in its language and mark it done. Two organizers at once: the first one's press counts (the
    status is claimed first)."""
    if not may_file_under(content, slug):
        return Assigned.UNKNOWN_TOPIC
    row = await open_question(session, row_id)
    if row is None or not await feedback.mark_done(session, clock, row_id):
        return Assigned.GONE
    text, lang = clean_text(row.text), row.lang
    if await repo.exists(session, slug, lang, text):
        return Assigned.KNOWN
    await repo.add(session, FaqExample(slug=slug, lang=lang, text=text, created_at=clock.now()))
    await bump_content_version(session)
    log.info("faq example added to %s (%s)", slug, lang)
    return Assigned.ADDED


async def dismiss(session: AsyncSession, row_id: int) -> bool:
    """Not a question: the kept question leaves the list (deleted); False when it is not open any more."""
    return await repo.delete_kept_question(session, row_id, feedback.OPEN)
