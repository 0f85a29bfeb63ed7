"""Users, roles, languages, helper invites and erasure."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import ROLE_CONFIG, ROLE_INVITE, audit, user_subject
from bot.clock import Clock
from storage.models import Invite, User
from storage.person_cache import CachedPerson, PersonCache
from storage.repositories import users as repo

VISITOR, HELPER, ORGANIZER = "visitor", "helper", "organizer"
ROLES = (VISITOR, HELPER, ORGANIZER)
ROLE_RANK = {VISITOR: 0, HELPER: 1, ORGANIZER: 2}
INVITE_PREFIX = "inv-"
# Why someone has their role (users.role_source): ORGANIZER_IDS gives and takes back what it gave;
# an invitation link's role stays until an organizer removes it.
CONFIG, INVITE = "config", "invite"

# The person as handlers see it: the row the middleware loaded for this update. Handlers read it and
# change it only through the functions here.
Person = User


def has_role(user: User, role: str) -> bool:
    """Organizers may do what helpers may do; helpers what visitors may do."""
    return ROLE_RANK.get(user.role, 0) >= ROLE_RANK[role]


async def find_user(session: AsyncSession, user_id: int) -> User | None:
    return await repo.get_user(session, user_id)


async def ensure_user(session: AsyncSession, user_id: int, clock: Clock, organizer_ids: list[int]) -> User:
    user, _ = await ensure_user_and(session, user_id, clock, organizer_ids, ())
    return user


async def ensure_user_and(
    session: AsyncSession,
    user_id: int,
    clock: Clock,
    organizer_ids: list[int],
    columns: Sequence[ColumnElement[Any]],
    people: PersonCache | None = None,
) -> tuple[User, tuple[Any, ...] | None]:
    """ensure_user, and more values read with the person's row in the same statement (columns a repository
    builds, e.g. a subquery on `users.id`): a database round trip fewer for each. None for a person new
    here (nothing read). `people`: kept between updates for these columns (always the same ones), so a
    person known and unchanged is served with no statement."""
    cached = people.get(user_id) if people is not None else None
    if cached is not None:  # (kept only as the code below left it: active, organizer ids followed)
        return repo.attach_user(session, cached.columns), cached.values
    generation = people.generation if people is not None else 0
    user, values = await repo.get_user_with(session, user_id, columns)
    if user is None:
        user, values = await repo.add_user_if_missing(session, user_id, VISITOR, clock.now()), None
    await follow_organizer_ids(session, clock, user, organizer_ids)
    if not user.is_active:  # they wrote to us again, so they unblocked the bot
        user.is_active = True
    if people is not None and values is not None and not session.is_modified(user):
        people.put(user_id, generation, CachedPerson(repo.user_columns(user), values))
    return user, values


async def follow_organizer_ids(
    session: AsyncSession, clock: Clock, user: User, organizer_ids: list[int]
) -> bool:
    """Apply ORGANIZER_IDS to one person: listed means organizer; someone the list made an organizer and
    who is no longer on it is a visitor again. Organizers by invitation are left alone. True when the role
    changed (then one audit line says so). What they had taken as a helper is handed back by
    bot.services.roles, which calls this at start for everyone the list concerns."""
    listed = user.id in organizer_ids
    if listed and user.role != ORGANIZER:
        to_role, to_source = ORGANIZER, CONFIG
    elif listed and user.role_source is None:
        to_role, to_source = ORGANIZER, CONFIG  # an organizer with no known reason: the list is it now
    elif not listed and user.role_source == CONFIG:
        to_role, to_source = VISITOR, None
    else:
        return False
    before = user.role
    changed = await repo.change_role(
        session,
        user.id,
        from_role=user.role,
        from_source=user.role_source,
        to_role=to_role,
        to_source=to_source,
    )
    if not changed or before == to_role:
        return False
    await audit(session, clock, None, ROLE_CONFIG, user_subject(user.id), before, to_role)
    return True


def choose_language(user: User, lang: str, clock: Clock) -> None:
    user.language = lang
    if user.consent_at is None:
        user.consent_at = clock.now()


async def adopt_language(session: AsyncSession, user_id: int, lang: str) -> None:
    """Someone who has not chosen a language writes in this one, surely: the bot goes on in it (menus,
    booking, a voice message's question) until they choose another with /language. Not a choice: no consent
    is recorded, and a language chosen meanwhile stays."""
    await repo.set_language_if_unset(session, user_id, lang)


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


def invite_link(bot_username: str, code: str) -> str:
    """The deep link of an invite, as /invite gives it (aiogram's create_start_link: t.me/<bot>?start=<code>)."""
    return f"https://t.me/{bot_username}?start={code}"


class InviteState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


def invite_state(invite: Invite, now: datetime) -> InviteState:
    """A revoked invite expired at its own creation time (`revoke_invite`): no real one is made that way."""
    if invite.used_at is not None:
        return InviteState.USED
    if invite.expires_at <= invite.created_at:
        return InviteState.REVOKED
    if invite.expires_at <= now:
        return InviteState.EXPIRED
    return InviteState.VALID


INVITES_PER_PAGE = 50


async def invites_page(session: AsyncSession, page: int) -> tuple[list[Invite], bool]:
    """Invites, newest first, one page (1-based) at a time; and whether there is a next page."""
    offset = (max(page, 1) - 1) * INVITES_PER_PAGE
    rows = list(await repo.invites_newest_first(session, INVITES_PER_PAGE + 1, offset))
    return rows[:INVITES_PER_PAGE], len(rows) > INVITES_PER_PAGE


async def revoke_invite(session: AsyncSession, code: str, clock: Clock) -> bool:
    """An unused, unexpired invite stops working at once: the bot then refuses it exactly like an expired
    one (redeem_invite finds it expired). False when it was used, expired or revoked already, or unknown."""
    return await repo.expire_invite_now(session, code, clock.now())


async def redeem_invite(session: AsyncSession, user: User, code: str, clock: Clock) -> str | None:
    """Give the invite's role to the user; None when the code is unknown, used or expired. From now on the
    invitation is why they have that role (ORGANIZER_IDS no longer decides about them). One audit line."""
    claimed = await repo.claim_invite_from(session, code, user.id, clock.now())
    if claimed is None:
        return None
    role, creator = claimed
    before = user.role
    if ROLE_RANK[role] >= ROLE_RANK.get(user.role, 0):  # an invite never demotes
        user.role, user.role_source = role, INVITE
    await audit(session, clock, creator, ROLE_INVITE, user_subject(user.id), before, user.role)
    return role


async def mark_blocked(session: AsyncSession, user_id: int) -> None:
    await repo.set_active(session, user_id, False)
