"""One version for all FAQ content (topics, entries, example questions, local facts): whatever changes what
the bot answers from calls `bump_content_version(session)` in the changing transaction, and every bot
process builds its FAQ again before its next question (bot/faq/live.py). The counter `faq_content` lives in
the table `counters`; reading it is one primary-key read, made in the same statement as the update's
person (handlers.middlewares.ContextMiddleware): a round trip fewer per question."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import counters

COUNTER = "faq_content"
CHECKED = "faq_content_checked"  # session.info: this session's unit of work has compared the version
READ = "faq_content_read"  # session.info: the version, read with the update's person (read_with_person)


async def bump_content_version(session: AsyncSession) -> int:
    """Advance the version (the caller commits); the new version."""
    session.info.pop(CHECKED, None)  # a question later in this very session sees the change too
    session.info.pop(READ, None)
    return await counters.next_value(session, COUNTER)


async def content_version(session: AsyncSession) -> int:
    """The version now: the one read with the update's person when there is one (no second read)."""
    read = session.info.get(READ)
    return int(read) if read is not None else await counters.current_value(session, COUNTER)


def version_column() -> ColumnElement[int]:
    """The version as a column, to be read with the update's person (handlers.middlewares, one round trip
    fewer per question); then given to `read_with_person`."""
    return counters.current_value_column(COUNTER)


def read_with_person(session: AsyncSession, version: int) -> None:
    session.info[READ] = version
