"""Local facts: queries and writes, no rules (bot/local_facts/store.py has them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.local_facts import LocalFactRow


async def has_any(session: AsyncSession) -> bool:
    return await session.scalar(select(LocalFactRow.key).limit(1)) is not None


async def all_rows(session: AsyncSession) -> Sequence[LocalFactRow]:
    """Every row, in the order of the facts file (then by name and language)."""
    stmt = select(LocalFactRow).order_by(LocalFactRow.position, LocalFactRow.key, LocalFactRow.lang)
    return (await session.scalars(stmt)).all()


async def rows_of(session: AsyncSession, key: str, *, for_update: bool = False) -> Sequence[LocalFactRow]:
    """The rows of one fact; `for_update` locks them (PostgreSQL) until the transaction ends."""
    stmt = select(LocalFactRow).where(LocalFactRow.key == key).order_by(LocalFactRow.lang)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt.execution_options(populate_existing=True))).all()


async def add(session: AsyncSession, row: LocalFactRow) -> None:
    session.add(row)
    await session.flush()


async def remove(session: AsyncSession, row: LocalFactRow) -> None:
    await session.delete(row)
    await session.flush()
