"""Login links and sessions of the organizers' web console (queries and writes, no rules)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsoleLogin, ConsoleSession


async def add_login(session: AsyncSession, login: ConsoleLogin) -> None:
    session.add(login)
    await session.flush()


async def claim_login(session: AsyncSession, token_hash: str, now: datetime) -> int | None:
    """Mark an unused, unexpired link used; whose it was, or None. One UPDATE: two tabs opening the same
    link at once cannot both get it."""
    result = await session.execute(
        update(ConsoleLogin)
        .where(
            ConsoleLogin.token_hash == token_hash,
            ConsoleLogin.used_at.is_(None),
            ConsoleLogin.expires_at > now,
        )
        .values(used_at=now)
        .returning(ConsoleLogin.user_id)
    )
    row = result.first()
    return None if row is None else int(row[0])


async def add_session(session: AsyncSession, row: ConsoleSession) -> None:
    session.add(row)
    await session.flush()


async def get_session(session: AsyncSession, id_hash: str) -> ConsoleSession | None:
    return await session.get(ConsoleSession, id_hash)


async def touch_session(session: AsyncSession, id_hash: str, now: datetime) -> None:
    await session.execute(
        update(ConsoleSession).where(ConsoleSession.id_hash == id_hash).values(last_seen_at=now)
    )


async def delete_session(session: AsyncSession, id_hash: str) -> None:
    await session.execute(delete(ConsoleSession).where(ConsoleSession.id_hash == id_hash))


async def delete_sessions_of(session: AsyncSession, user_id: int) -> int:
    result = await session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
    return int(result.rowcount or 0)


async def delete_stale(session: AsyncSession, *, logins_before: datetime, seen_before: datetime) -> int:
    """Links expired before `logins_before` (used or not) and sessions idle since before `seen_before`."""
    logins = await session.execute(delete(ConsoleLogin).where(ConsoleLogin.expires_at < logins_before))
    sessions = await session.execute(delete(ConsoleSession).where(ConsoleSession.last_seen_at < seen_before))
    return int(logins.rowcount or 0) + int(sessions.rowcount or 0)
