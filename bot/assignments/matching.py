"""Who gets an alert, and queueing the alerts.

A helper matches when they speak the language asked for, cover the area, and are not paused. "Wide"
offers (nobody matched, or nobody claimed in time) drop the language and the area, never the pause.
The organizer who created the assignment and a helper who just handed it back are not alerted.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.options import ANY, Areas
from bot.assignments.payloads import AlertPayload, OutboxKind, Summary, alert_key, ref
from bot.assignments.profiles import is_paused
from bot.clock import Clock
from bot.delivery import outbox
from bot.users import HELPER, ORGANIZER
from storage.models.assignments import Assignment
from storage.repositories import assignments as repo


def matches(
    language: str, area: str, speaks: Iterable[str], covers: Iterable[str], *, wide: bool = False
) -> bool:
    if wide:
        return True
    return (language == ANY or language in set(speaks)) and (area == ANY or area in set(covers))


async def recipients(session: AsyncSession, clock: Clock, assignment: Assignment, *, wide: bool) -> list[int]:
    """User ids of the helpers to alert about `assignment`."""
    now = clock.now()
    chosen = []
    for user, profile in await repo.helpers_with_profiles(session, HELPER, ORGANIZER):
        if user.id in (assignment.created_by, assignment.returned_by) or is_paused(profile, now):
            continue
        speaks = profile.languages if profile else []
        covers = profile.areas if profile else []
        if matches(assignment.language, assignment.area, speaks, covers, wide=wide):
            chosen.append(user.id)
    return chosen


async def offer(
    session: AsyncSession, clock: Clock, assignment: Assignment, areas: Areas, *, wide: bool = False
) -> int:
    """Queue an alert for every recipient of this round who has none yet; the number queued."""
    data = AlertPayload(assignment=Summary.of(assignment, areas), wide=wide).dump()
    queued = 0
    for user_id in await recipients(session, clock, assignment, wide=wide):
        queued += await outbox.enqueue(
            session,
            clock,
            chat_id=user_id,
            user_id=user_id,
            kind=OutboxKind.ALERT,
            data=data,
            ref=ref(assignment.id),
            dedupe_key=alert_key(assignment.id, user_id, assignment.round),
        )
    return queued


async def offer_round(
    session: AsyncSession, clock: Clock, assignment: Assignment, areas: Areas
) -> tuple[int, bool]:
    """Alert the matching helpers; when nobody matches, widen at once. (number alerted, widened?)"""
    queued = await offer(session, clock, assignment, areas)
    if queued:
        return queued, False
    await repo.mark_escalated(session, assignment.id, assignment.round, clock.now())
    return await offer(session, clock, assignment, areas, wide=True), True


async def speakers(session: AsyncSession, clock: Clock, language: str) -> list[int]:
    """User ids of the helpers (and organizers) who speak `language` and are not paused: who hears first
    of a question in that language when no machine translation is available (bot.faq.handoff)."""
    now = clock.now()
    return [
        user.id
        for user, profile in await repo.helpers_with_profiles(session, HELPER, ORGANIZER)
        if profile is not None
        and not is_paused(profile, now)
        and matches(language, ANY, profile.languages, [])
    ]
