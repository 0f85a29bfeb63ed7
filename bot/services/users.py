"""Users, roles, languages, helper invites and erasure."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage.models import Invite, User
from storage.repositories import users as repo

VISITOR, HELPER, ORGANIZER = "visitor", "helper", "organizer"
ROLES = (VISITOR, HELPER, ORGANIZER)
ROLE_RANK = {VISITOR: 0, HELPER: 1, ORGANIZER: 2}
INVITE_PREFIX = "inv-"


def has_role(user: User, role: str) -> bool:
    """Organizers may do what helpers may do; helpers what visitors may do."""
    return ROLE_RANK.get(user.role, 0) >= ROLE_RANK[role]


async def find_user(session: AsyncSession, user_id: int) -> User | None:
    return await repo.get_user(session, user_id)


async def ensure_user(session: AsyncSession, user_id: int, clock: Clock, organizer_ids: list[int]) -> User:
    user = await repo.get_user(session, user_id)
    if user is None:
        user = await repo.add_user_if_missing(session, user_id, VISITOR, clock.now())
    if user_id in organizer_ids and user.role != ORGANIZER:
        user.role = ORGANIZER
    if not user.is_active:  # they wrote to us again, so they unblocked the bot
        user.is_active = True
    return user


def choose_language(user: User, lang: str, clock: Clock) -> None:
    user.language = lang
    if user.consent_at is None:
        user.consent_at = clock.now()


async def create_invite(
    session: AsyncSession, creator: User, role: str, clock: Clock, ttl_hours: int
) -> Invite:
    if role not in (HELPER, ORGANIZER):
        raise ValueError(f"no invites for role {role!r}")
    now = clock.now()
    invite = Invite(
        code=INVITE_PREFIX + secrets.token_urlsafe(12),
        role=role,
        created_by=creator.id,
        created_at=now,
        expires_at=now + timedelta(hours=ttl_hours),
    )
    return await repo.add_invite(session, invite)


async def redeem_invite(session: AsyncSession, user: User, code: str, clock: Clock) -> str | None:
    """Give the invite's role to the user; None when the code is unknown, used or expired."""
    role = await repo.claim_invite(session, code, user.id, clock.now())
    if role is None:
        return None
    if ROLE_RANK[role] > ROLE_RANK.get(user.role, 0):  # an invite never demotes
        user.role = role
    return role


async def mark_blocked(session: AsyncSession, user_id: int) -> None:
    await repo.set_active(session, user_id, False)


async def erase_user(session: AsyncSession, user_id: int) -> None:
    """Delete every row about the user, at once, in one transaction."""
    await repo.delete_user(session, user_id)
    await session.commit()
