"""One version for all FAQ content (topics, entries, example questions, local facts): whatever changes what
the bot answers from calls `bump_content_version(session)` in the changing transaction, and every bot
process builds its FAQ again before its next question (bot/faq/live.py). The counter `faq_content` lives in
the table `counters`; reading it is one primary-key read."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import counters

COUNTER = "faq_content"
CHECKED = "faq_content_checked"  # session.info: this session's unit of work has compared the version


async def bump_content_version(session: AsyncSession) -> int:
    """Advance the version (the caller commits); the new version."""
    session.info.pop(CHECKED, None)  # a question later in this very session sees the change too
    return await counters.next_value(session, COUNTER)


async def content_version(session: AsyncSession) -> int:
    return await counters.current_value(session, COUNTER)
