"""Users, invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import Base
from storage.models import Invite, User


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def add_user_if_missing(session: AsyncSession, user_id: int, role: str, now: datetime) -> User:
    """Create the user row unless it exists; safe when two first updates of a person race."""
    insert = (
        pg_insert if session.bind is not None and session.bind.dialect.name == "postgresql" else sqlite_insert
    )
    stmt = insert(User).values(id=user_id, role=role, created_at=now, is_active=True)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    return user


async def users_with_role(session: AsyncSession, role: str) -> Sequence[User]:
    result = await session.scalars(select(User).where(User.role == role, User.is_active.is_(True)))
    return result.all()


async def set_active(session: AsyncSession, user_id: int, active: bool) -> None:
    await session.execute(update(User).where(User.id == user_id).values(is_active=active))


async def add_invite(session: AsyncSession, invite: Invite) -> Invite:
    session.add(invite)
    await session.flush()
    return invite


async def claim_invite(session: AsyncSession, code: str, user_id: int, now: datetime) -> str | None:
    """Mark an unused, unexpired invite as used by `user_id` in one statement (no double use); its role."""
    result = await session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by=user_id)
        .returning(Invite.role)
    )
    row = result.first()
    return None if row is None else str(row[0])


async def delete_user(session: AsyncSession, user_id: int) -> None:
    """Erase the user row; foreign keys cascade (or null out) every row that references it."""
    await session.execute(delete(User).where(User.id == user_id))


def tables_referencing_users() -> list[tuple[str, str]]:
    """(table, column) pairs that hold a user id, for the privacy check of /deletedata."""
    pairs = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                pairs.append((table.name, column.name))
    return pairs
