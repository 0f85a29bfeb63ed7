"""The organizers' inbox of kept FAQ questions (bot/faq/inbox.py has the rules): queries and writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FaqUnanswered


class OpenRow(NamedTuple):
    id: int
    text: str
    lang: str
    reason: str
    slug: str | None
    created_at: datetime
    reachable: bool  # the asker's id is known (the id itself is not read for a listing)


_OPEN_ROW = (
    FaqUnanswered.id,
    FaqUnanswered.text,
    FaqUnanswered.lang,
    FaqUnanswered.reason,
    FaqUnanswered.slug,
    FaqUnanswered.created_at,
    FaqUnanswered.asker_id.is_not(None),
)
_NEWEST_FIRST = (FaqUnanswered.created_at.desc(), FaqUnanswered.id.desc())


async def open_rows(session: AsyncSession, status: str, limit: int) -> list[OpenRow]:
    """Kept questions with `status`, newest first (at most `limit`)."""
    rows = await session.execute(
        select(*_OPEN_ROW).where(FaqUnanswered.status == status).order_by(*_NEWEST_FIRST).limit(limit)
    )
    return [OpenRow(*row) for row in rows.all()]


async def open_rows_by_id(session: AsyncSession, ids: Sequence[int], status: str) -> list[OpenRow]:
    """These kept questions, those still with `status`, newest first."""
    rows = await session.execute(
        select(*_OPEN_ROW)
        .where(FaqUnanswered.id.in_(list(ids)), FaqUnanswered.status == status)
        .order_by(*_NEWEST_FIRST)
    )
    return [OpenRow(*row) for row in rows.all()]


async def open_keys(session: AsyncSession, status: str, limit: int) -> set[tuple[int, datetime]]:
    """(id, created_at) of the kept questions with `status` (no texts read)."""
    rows = await session.execute(
        select(FaqUnanswered.id, FaqUnanswered.created_at)
        .where(FaqUnanswered.status == status)
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
    )
    return {(int(row_id), created) for row_id, created in rows.all()}


class Fingerprint(NamedTuple):
    """What changes whenever the kept questions with a status change (one aggregate row, no texts read)."""

    count: int
    id_sum: int | None
    max_id: int | None
    newest: datetime | None
    text_length: int | None
    first_text: str | None
    last_text: str | None


async def fingerprint(session: AsyncSession, status: str) -> Fingerprint:
    row = (
        await session.execute(
            select(
                func.count(),
                func.sum(FaqUnanswered.id),
                func.max(FaqUnanswered.id),
                func.max(FaqUnanswered.created_at),
                func.sum(func.length(FaqUnanswered.text)),
                func.min(FaqUnanswered.text),
                func.max(FaqUnanswered.text),
            ).where(FaqUnanswered.status == status)
        )
    ).one()
    count, id_sum, *rest = row
    return Fingerprint(int(count), None if id_sum is None else int(id_sum), *rest)


async def open_rows_since(
    session: AsyncSession, since: datetime | None, status: str, limit: int
) -> list[OpenRow]:
    """Kept questions with `status` from `since` on (all without it), newest first, at most `limit`."""
    query = select(*_OPEN_ROW).where(FaqUnanswered.status == status)
    if since is not None:
        query = query.where(FaqUnanswered.created_at >= since)
    rows = await session.execute(query.order_by(*_NEWEST_FIRST).limit(limit))
    return [OpenRow(*row) for row in rows.all()]


async def rows_with_status(session: AsyncSession, ids: Sequence[int], status: str) -> Sequence[FaqUnanswered]:
    if not ids:
        return []
    result = await session.scalars(
        select(FaqUnanswered)
        .where(FaqUnanswered.id.in_(list(ids)), FaqUnanswered.status == status)
        .order_by(FaqUnanswered.created_at.desc(), FaqUnanswered.id.desc())
        .execution_options(populate_existing=True)
    )
    return result.all()


async def claim(
    session: AsyncSession, ids: Sequence[int], *, from_status: str, to_status: str, now: datetime
) -> set[int]:
    """Move these rows from `from_status` to `to_status` and forget their asker's id, in one statement;
    the ids this call moved (a row done by someone else meanwhile, or deleted, is not among them)."""
    if not ids:
        return set()
    result = await session.execute(
        update(FaqUnanswered)
        .where(FaqUnanswered.id.in_(list(ids)), FaqUnanswered.status == from_status)
        .values(status=to_status, done_at=now, asker_id=None)
        .returning(FaqUnanswered.id)
        .execution_options(synchronize_session=False)
    )
    return {int(row_id) for row_id in result.scalars().all()}
