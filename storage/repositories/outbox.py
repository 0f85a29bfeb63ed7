"""Outbox rows: queue a message once (dedupe key), cancel pending ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage


async def insert_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert an outbox row unless one with the same dedupe key exists; True when inserted."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(stmt)
    return bool(result.rowcount)


async def cancel_pending(
    session: AsyncSession, *, ref: str | None = None, key_prefix: str | None = None
) -> int:
    """Cancel messages not yet sent, by reference or by dedupe-key prefix (e.g. a booking's reminders)."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == "pending")
    if ref is not None:
        stmt = stmt.where(OutboxMessage.ref == ref)
    if key_prefix is not None:
        stmt = stmt.where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True))
    if ref is None and key_prefix is None:
        raise ValueError("cancel_pending needs ref or key_prefix")
    result = await session.execute(stmt.values(status="cancelled"))
    return int(result.rowcount or 0)
