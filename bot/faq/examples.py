"""The loop from /unanswered closes (issue 15, point 7).

An organizer says "this belongs to topic X": the kept question becomes an example question of X in its
language (table faq_examples, text only: no user id, no hash, no link to the kept question), and the kept
question is done. "Not a question" deletes the kept question.

Every process uses a new example before its next question, without a restart: adding one advances the
counter `faq_examples` in the same transaction; before each question (`FaqService.ask`) a process reads that
counter (one primary-key read) and, when it differs from the one its matcher was built with, reads the
examples and builds its matcher again with them (in a worker thread: about half a second; the answers, the
content and the language detector stay as they are).

`python -m bot faq match` and the bench know only locales/faq, not the database.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from dataclasses import replace
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.faq import feedback
from bot.faq.content import FaqContent
from bot.faq.matcher import FaqMatcher
from bot.text import clean_text
from storage.db import release
from storage.models.faq_examples import FaqExample
from storage.repositories import faq_examples as repo

log = logging.getLogger(__name__)


class FaqService(Protocol):
    """What a rebuild needs of bot.faq.service.FaqService (which holds a LiveExamples: no import back)."""

    content: FaqContent
    matcher: FaqMatcher
    default_lang: str


class Assigned(StrEnum):
    ADDED = "added"  # a new example question of the topic
    KNOWN = "known"  # the topic had this very example already: the kept question is done all the same
    GONE = "gone"  # the kept question was done, removed or deleted meanwhile
    UNKNOWN_TOPIC = "unknown_topic"  # no such topic (any more)


async def open_question(session: AsyncSession, row_id: int) -> feedback.FaqUnanswered | None:
    """The kept question if it is still open (on the organizers' list)."""
    row = await repo.kept_question(session, row_id)
    return row if row is not None and row.status == feedback.OPEN else None


async def assign_topic(
    session: AsyncSession, clock: Clock, row_id: int, slug: str, content: FaqContent
) -> Assigned:
    """The kept question `row_id` belongs to topic `slug`: store it as an example question in its language
    and mark it done. Two organizers at once: the first one's press counts (the status is claimed first)."""
    if content.topic(slug) is None:
        return Assigned.UNKNOWN_TOPIC
    row = await open_question(session, row_id)
    if row is None or not await feedback.mark_done(session, clock, row_id):
        return Assigned.GONE
    text, lang = clean_text(row.text), row.lang
    if await repo.exists(session, slug, lang, text):
        return Assigned.KNOWN
    await repo.add(session, FaqExample(slug=slug, lang=lang, text=text, created_at=clock.now()))
    await repo.bump_version(session)
    log.info("faq example added to %s (%s)", slug, lang)
    return Assigned.ADDED


async def dismiss(session: AsyncSession, row_id: int) -> bool:
    """Not a question: the kept question leaves the list (deleted); False when it is not open any more."""
    return await repo.delete_kept_question(session, row_id, feedback.OPEN)


def with_examples(content: FaqContent, examples: Iterable[tuple[str, str, str]]) -> FaqContent:
    """A copy of `content` whose entries also have the example questions (lang, slug, text); examples of a
    topic or language the content does not have are left out."""
    extra: dict[tuple[str, str], list[str]] = {}
    for lang, slug, text in examples:
        extra.setdefault((lang, slug), []).append(text)
    entries = {
        lang: {
            slug: replace(entry, questions=entry.questions + tuple(extra[lang, slug]))
            if (lang, slug) in extra
            else entry
            for slug, entry in by_slug.items()
        }
        for lang, by_slug in content.entries.items()
    }
    return FaqContent(topics=content.topics, entries=entries)


Version = tuple[str, int]  # (the database, its counter `faq_examples`)


class LiveExamples:
    """The version of faq_examples one process's matcher was built with (none at first: locales/faq only).

    The version is the database's counter, so a process compares it and never counts itself; it is kept
    with the database's address, so a service shared by tests on fresh databases is never mistaken."""

    def __init__(self) -> None:
        self.version: Version = ("", 0)
        self.count = 0  # examples in the matcher now
        self._lock = threading.Lock()  # one rebuild at a time (they run in worker threads)

    async def refresh(self, session: AsyncSession, service: FaqService) -> bool:
        """Before a question: build the matcher again if the examples changed; True if it was rebuilt."""
        database = session.bind.url.render_as_string(hide_password=True) if session.bind is not None else ""
        version = (database, await repo.version(session))
        if version == self.version or (version[1] == 0 and self.count == 0):
            self.version = version
            return False
        rows = [(e.lang, e.slug, e.text) for e in await repo.all_examples(session)]
        await release(session)  # no connection (or SQLite lock) held while the matcher is built
        return await asyncio.to_thread(self._rebuild, service, version, rows)

    def _rebuild(self, service: FaqService, version: Version, rows: list[tuple[str, str, str]]) -> bool:
        with self._lock:
            if version == self.version:
                return False  # another update of this process rebuilt it meanwhile
            service.matcher = FaqMatcher(
                with_examples(service.content, rows),
                detector=service.matcher.detector,
                default_lang=service.default_lang,
            )
            self.version, self.count = version, len(rows)
        log.info(
            "faq matcher rebuilt with %d example(s) from the database (version %d)", len(rows), version[1]
        )
        return True
