"""Example questions from /unanswered, and what becomes of the kept question they came from: queries and
writes, no rules (bot/faq/examples.py has them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FaqUnanswered
from storage.models.faq_examples import FaqExample


async def all_examples(session: AsyncSession) -> Sequence[FaqExample]:
    return (await session.scalars(select(FaqExample).order_by(FaqExample.id))).all()


async def exists(session: AsyncSession, slug: str, lang: str, text: str) -> bool:
    found = await session.scalar(
        select(FaqExample.id).where(FaqExample.lang == lang, FaqExample.slug == slug, FaqExample.text == text)
    )
    return found is not None


async def add(session: AsyncSession, example: FaqExample) -> FaqExample:
    session.add(example)
    await session.flush()
    return example


async def kept_question(session: AsyncSession, row_id: int) -> FaqUnanswered | None:
    return await session.get(FaqUnanswered, row_id, populate_existing=True)


async def delete_kept_question(session: AsyncSession, row_id: int, status: str) -> bool:
    """Delete a kept question if it still has `status`; False when it is gone or changed meanwhile."""
    result = await session.execute(
        delete(FaqUnanswered)
        .where(FaqUnanswered.id == row_id, FaqUnanswered.status == status)
        .returning(FaqUnanswered.id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar() is not None
