"""Who is a helper or an organizer, and taking it back.

- `apply_at_start` (bot/app.py): ORGANIZER_IDS as configured now, for everyone it concerns. It promotes the
  listed and demotes those it had made organizers and no longer lists; organizers by invitation are not
  touched (the rule is `bot.users.follow_organizer_ids`, also applied whenever someone writes).
- `staff` lists the helpers and organizers for /helpers; `remove` makes one of them a visitor again.
  Nobody removes themself, and nobody removes an organizer listed in ORGANIZER_IDS (the list would make
  them one again): that is changed in the settings.
- Whoever stops being a helper gives everything back at once (`step_down`): alerts still queued for them
  are cancelled, assignments they had taken are offered again, questions they had taken are open again in
  the helpers' chat, and their helper profile is deleted.
Every change of a role writes an audit line (bot.audit).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.assignments import claiming, profiles
from bot.assignments.options import Areas, areas
from bot.assignments.payloads import OutboxKind
from bot.audit import ROLE_REMOVED, audit, user_subject
from bot.clock import Clock
from bot.delivery import outbox
from bot.jobs import JobContext
from bot.users import CONFIG, HELPER, ORGANIZER, VISITOR, follow_organizer_ids
from storage.models.core import User
from storage.repositories import users as repo

log = logging.getLogger(__name__)

STAFF = (ORGANIZER, HELPER)


class Refusal(StrEnum):
    """Why someone cannot be removed."""

    SELF = "self"  # an organizer removing themself (nobody would be left to undo it)
    CONFIGURED = "configured"  # listed in ORGANIZER_IDS: the list would make them an organizer again
    NOT_STAFF = "not_staff"  # not (or no longer) a helper or organizer


@dataclass(frozen=True)
class StaffMember:
    """What the bot knows of a helper or organizer (no name: the bot never stores one)."""

    user_id: int
    role: str
    since: datetime  # when they first wrote to the bot
    languages: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    paused: bool = False
    refusal: Refusal | None = None  # why the viewer cannot remove them; None: they can


@dataclass(frozen=True)
class Handover:
    """What someone who stopped being a helper gave back."""

    alerts: int = 0  # alerts to them that had not left yet, cancelled
    assignments: tuple[int, ...] = ()  # open again and offered to the others
    questions: tuple[int, ...] = ()  # open again in the helpers' chat


@dataclass(frozen=True)
class Removal:
    refusal: Refusal | None
    role: str | None = None  # what they were
    handover: Handover = Handover()


def why_not(actor_id: int | None, user: User | None, organizer_ids: Sequence[int]) -> Refusal | None:
    """None when `actor_id` (None: the command line) may remove `user`; otherwise why not."""
    if user is None or user.role not in STAFF:
        return Refusal.NOT_STAFF
    if actor_id is not None and user.id == actor_id:
        return Refusal.SELF
    if user.id in organizer_ids:
        return Refusal.CONFIGURED
    return None


async def staff(
    session: AsyncSession, clock: Clock, viewer_id: int | None, organizer_ids: Sequence[int]
) -> list[StaffMember]:
    """Organizers first, then helpers; each oldest first."""
    now = clock.now()
    found = [
        StaffMember(
            user_id=user.id,
            role=user.role,
            since=user.created_at,
            languages=tuple(profile.languages or ()) if profile else (),
            areas=tuple(profile.areas or ()) if profile else (),
            paused=profiles.is_paused(profile, now),
            refusal=why_not(viewer_id, user, organizer_ids),
        )
        for user, profile in await repo.staff(session, STAFF)
    ]
    return sorted(found, key=lambda m: STAFF.index(m.role))


async def member(
    session: AsyncSession, clock: Clock, user_id: int, viewer_id: int | None, organizer_ids: Sequence[int]
) -> StaffMember | None:
    """One helper or organizer as `staff` shows them; None when they are neither (any more)."""
    return next(
        (m for m in await staff(session, clock, viewer_id, organizer_ids) if m.user_id == user_id), None
    )


async def remove(
    session: AsyncSession,
    clock: Clock,
    actor_id: int | None,
    user_id: int,
    organizer_ids: Sequence[int],
    known_areas: Areas,
) -> Removal:
    """Make a helper or organizer a visitor, and hand back what they had (`step_down`). `actor_id`: the
    organizer who does it (None: the command line). Refused (nothing written) when `why_not` says so."""
    user = await repo.get_user(session, user_id)
    refusal = why_not(actor_id, user, organizer_ids)
    if refusal is not None or user is None:
        return Removal(refusal or Refusal.NOT_STAFF)
    before = user.role
    changed = await repo.change_role(
        session, user.id, from_role=before, from_source=user.role_source, to_role=VISITOR, to_source=None
    )
    if not changed:  # someone else removed them (or changed their role) a moment ago
        return Removal(Refusal.NOT_STAFF)
    handover = await step_down(session, clock, user.id, known_areas)
    await audit(session, clock, actor_id, ROLE_REMOVED, user_subject(user.id), before, VISITOR)
    return Removal(None, before, handover)


async def step_down(session: AsyncSession, clock: Clock, user_id: int, known_areas: Areas) -> Handover:
    """Someone who is no longer a helper gives everything back at once, so nothing waits for them."""
    alerts = await outbox.cancel(session, user_id=user_id, kind=OutboxKind.ALERT)
    assignments = await claiming.release_all(session, clock, user_id, known_areas)
    questions = await tickets.release(session, clock, user_id)
    await profiles.forget(session, user_id)
    return Handover(alerts, tuple(assignments), tuple(questions))


async def apply_organizer_ids(
    session: AsyncSession, clock: Clock, organizer_ids: Sequence[int], known_areas: Areas
) -> list[int]:
    """ORGANIZER_IDS for everyone it concerns (those on it who wrote to the bot before, and those it made
    organizers); the ids of the people it demoted, who have handed everything back."""
    listed = list(organizer_ids)
    demoted = []
    for user in await repo.users_to_check(session, listed, role_source=CONFIG):
        if await follow_organizer_ids(session, clock, user, listed) and user.role == VISITOR:
            await step_down(session, clock, user.id, known_areas)
            demoted.append(user.id)
    return demoted


async def apply_at_start(ctx: JobContext) -> None:
    """Start-up (bot/app.py): apply ORGANIZER_IDS as configured now, in one transaction."""
    settings = ctx.settings
    async with ctx.sessionmaker() as session:
        demoted = await apply_organizer_ids(
            session, ctx.clock, settings.organizer_ids, areas(settings.areas_file)
        )
        await session.commit()
    if demoted:
        log.info("ORGANIZER_IDS: %d organizer(s) no longer listed are visitors again", len(demoted))
