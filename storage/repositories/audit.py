"""The audit log: append a line, read the latest (no rules here)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


async def add(session: AsyncSession, entry: AuditEntry) -> AuditEntry:
    session.add(entry)
    await session.flush()
    return entry


async def latest(
    session: AsyncSession, limit: int, *, subject: str | None = None, offset: int = 0
) -> Sequence[AuditEntry]:
    """The newest lines first (of one subject, when given)."""
    stmt = select(AuditEntry)
    if subject is not None:
        stmt = stmt.where(AuditEntry.subject == subject)
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit)
    result = await session.scalars(stmt)
    return result.all()
