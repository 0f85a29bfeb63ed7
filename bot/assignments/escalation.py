"""Nobody took it in time: widen the alert to every available helper and tell the organizer.

Also re-offers taken assignments whose helper erased their data. A periodic job reads what is due from the
database; the conditional UPDATEs (`mark_escalated`, `reopen_orphan`) and the outbox dedupe keys make a
second run, a second process or a restart harmless.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.claiming import cancel_followups
from bot.assignments.matching import offer, offer_round
from bot.assignments.options import Areas, areas
from bot.assignments.payloads import NoticeEvent, notify
from bot.clock import Clock
from bot.jobs import JobContext
from storage.repositories import assignments as repo


async def escalate_due(session: AsyncSession, clock: Clock, areas: Areas, after_minutes: int) -> int:
    """Widen every open assignment offered more than `after_minutes` ago; the number widened."""
    now = clock.now()
    widened = 0
    for assignment in await repo.due_for_escalation(session, now - timedelta(minutes=after_minutes)):
        if not await repo.mark_escalated(session, assignment.id, assignment.round, now):
            continue  # another run got there first
        if assignment.starts_at is not None and assignment.starts_at <= now:
            continue  # its time has passed: the organizer sees it as open in the overview
        count = await offer(session, clock, assignment, areas, wide=True)
        await notify(
            session,
            clock,
            assignment.created_by,
            NoticeEvent.WIDENED if count else NoticeEvent.NOBODY,
            assignment,
            areas,
            key=f"widened:{assignment.round}",
            count=count,
            minutes=after_minutes,
        )
        widened += 1
    return widened


async def reopen_orphans(session: AsyncSession, clock: Clock, areas: Areas) -> int:
    """Taken assignments whose helper deleted their data are offered again."""
    reopened = 0
    for orphan in await repo.orphaned(session):
        if not await repo.reopen_orphan(session, orphan.id, clock.now()):
            continue
        assignment = await repo.get_assignment(session, orphan.id)
        assert assignment is not None
        await cancel_followups(session, assignment.id)
        count, wide = 0, False
        if assignment.starts_at is None or assignment.starts_at > clock.now():
            count, wide = await offer_round(session, clock, assignment, areas)
        await notify(
            session,
            clock,
            assignment.created_by,
            NoticeEvent.REOPENED,
            assignment,
            areas,
            key=f"reopened:{assignment.round}",
            count=count,
            wide=wide,
        )
        reopened += 1
    return reopened


async def escalation_job(ctx: JobContext) -> None:
    """Every minute (bot/wiring.py): widen what nobody took in time, re-offer what lost its helper."""
    known = areas(ctx.settings.areas_file)
    async with ctx.sessionmaker() as session:
        await escalate_due(session, ctx.clock, known, ctx.settings.escalate_after_minutes)
        await reopen_orphans(session, ctx.clock, known)
        await session.commit()
