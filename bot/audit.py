"""The audit log: who changed what about whom, and when (role changes by ORGANIZER_IDS, invitations,
removals) and every change made in the organizers' web console (an answer edited: before and after). Never
what a refugee or helper wrote; the console's audit page shows it (console/pages/audit.py).

A person's erasure unlinks them from it (bot.services.erasure): their id as actor becomes NULL and the
subject "user:<id>" becomes "user:erased"; the line itself (what happened, when) stays.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from storage.models import AuditEntry
from storage.repositories import audit as repo

__all__ = ["AuditEntry"]  # re-exported for readers outside the services

ROLE_CONFIG = "role.config"  # ORGANIZER_IDS promoted or demoted someone
ROLE_INVITE = "role.invite"  # an invitation link was redeemed
ROLE_REMOVED = "role.removed"  # an organizer (or the CLI) removed a helper or organizer
ERASED_SUBJECT = "user:erased"
TEXT_MAX = 64  # of the subject (the column's size)
VALUE_MAX = 10_000  # of before and after: room for a whole answer edited in the console (4,096 in Telegram)


def user_subject(user_id: int) -> str:
    return f"user:{user_id}"


def _short(value: str | None, limit: int = TEXT_MAX) -> str | None:
    return None if value is None else value[:limit]


async def audit(
    session: AsyncSession,
    clock: Clock,
    actor_id: int | None,
    action: str,
    subject: str,
    before: str | None = None,
    after: str | None = None,
) -> AuditEntry:
    """Append one line in the caller's transaction. `actor_id` None: the bot itself (e.g. its settings)."""
    entry = AuditEntry(
        at=clock.now(),
        actor_id=actor_id,
        action=action[:32],
        subject=_short(subject) or "",
        before=_short(before, VALUE_MAX),
        after=_short(after, VALUE_MAX),
    )
    return await repo.add(session, entry)


async def latest(
    session: AsyncSession, limit: int = 50, *, subject: str | None = None, offset: int = 0
) -> Sequence[AuditEntry]:
    """The newest lines first (of one subject, when given), `offset` lines skipped (pages)."""
    return await repo.latest(session, limit, subject=subject, offset=offset)
