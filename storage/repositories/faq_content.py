"""The FAQ content (topics, their text per language): queries and writes, no rules (bot/faq/store.py and
bot/faq/editing.py have them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.faq_content import FaqEntryRow, FaqTopicRow


async def has_topics(session: AsyncSession) -> bool:
    return await session.scalar(select(FaqTopicRow.slug).limit(1)) is not None


async def topics(session: AsyncSession) -> Sequence[FaqTopicRow]:
    return (await session.scalars(select(FaqTopicRow).order_by(FaqTopicRow.position, FaqTopicRow.slug))).all()


async def entries(session: AsyncSession) -> Sequence[FaqEntryRow]:
    return (await session.scalars(select(FaqEntryRow))).all()


async def topic(session: AsyncSession, slug: str) -> FaqTopicRow | None:
    return await session.get(FaqTopicRow, slug)


async def topic_entries(session: AsyncSession, slug: str) -> Sequence[FaqEntryRow]:
    return (await session.scalars(select(FaqEntryRow).where(FaqEntryRow.slug == slug))).all()


async def entry(
    session: AsyncSession, slug: str, lang: str, *, for_update: bool = False
) -> FaqEntryRow | None:
    return await session.get(FaqEntryRow, (slug, lang), with_for_update=for_update, populate_existing=True)


async def next_position(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(FaqTopicRow.position), -1))) or 0) + 1


async def add(session: AsyncSession, row: FaqTopicRow | FaqEntryRow) -> None:
    session.add(row)
    await session.flush()


async def add_all(session: AsyncSession, rows: Iterable[FaqTopicRow | FaqEntryRow]) -> None:
    """In the given order (a topic before its entries: no relationship tells the flush)."""
    for row in rows:
        session.add(row)
        await session.flush()
