"""The day before: a reminder to the assignee and the organizer. After the date: "done?" to the assignee.

A periodic job reads what is due from the database and queues outbox rows with dedupe keys; the
conditional UPDATEs (`mark_reminded`, `mark_followup`) make a second run or a restart harmless. Rows not
sent yet are withdrawn when the assignment is handed back, done or cancelled (`cancel_followups`).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.options import Areas, areas
from bot.assignments.payloads import FollowupPayload, OutboxKind, Recipient, ReminderPayload, Summary, ref
from bot.clock import Clock
from bot.delivery import outbox
from bot.jobs import JobContext
from storage.repositories import assignments as repo


async def send_reminders(session: AsyncSession, clock: Clock, areas: Areas, hours_before: int) -> int:
    """Queue the reminders of assignments starting within `hours_before`; the number of assignments."""
    now = clock.now()
    lead = timedelta(hours=hours_before)
    reminded = 0
    for assignment in await repo.due_reminders(session, now, now + lead):
        helper = assignment.assignee_id
        assert helper is not None and assignment.starts_at is not None
        if not await repo.mark_reminded(session, assignment.id, helper, now):
            continue
        if assignment.claimed_at is not None and assignment.claimed_at >= assignment.starts_at - lead:
            continue  # taken at short notice: both heard about it just now
        summary = Summary.of(assignment, areas)
        recipients = [(helper, Recipient.HELPER)]
        if assignment.created_by is not None and assignment.created_by != helper:
            recipients.append((assignment.created_by, Recipient.ORGANIZER))
        for user_id, role in recipients:
            await outbox.enqueue(
                session,
                clock,
                chat_id=user_id,
                user_id=user_id,
                kind=OutboxKind.REMINDER,
                data=ReminderPayload(assignment=summary, to=role, helper=helper).dump(),
                ref=ref(assignment.id),
                dedupe_key=f"assign:{assignment.id}:remind:{helper}:{role}",
            )
        reminded += 1
    return reminded


async def ask_followups(
    session: AsyncSession, clock: Clock, areas: Areas, hours_after: int, flexible_days: int
) -> int:
    """Ask "done?" once the date is `hours_after` past (flexible: `flexible_days` after the claim)."""
    now = clock.now()
    asked = 0
    due = await repo.due_followups(
        session, now - timedelta(hours=hours_after), now - timedelta(days=flexible_days)
    )
    for assignment in due:
        helper = assignment.assignee_id
        assert helper is not None
        if not await repo.mark_followup(session, assignment.id, helper, now):
            continue
        await outbox.enqueue(
            session,
            clock,
            chat_id=helper,
            user_id=helper,
            kind=OutboxKind.FOLLOWUP,
            data=FollowupPayload(assignment=Summary.of(assignment, areas)).dump(),
            ref=ref(assignment.id),
            dedupe_key=f"assign:{assignment.id}:followup:{helper}",
        )
        asked += 1
    return asked


async def reminder_job(ctx: JobContext) -> None:
    """Every minute (bot/wiring.py): reminders the day before, "done?" after the date."""
    settings = ctx.settings
    known = areas(settings.areas_file)
    async with ctx.sessionmaker() as session:
        await send_reminders(session, ctx.clock, known, settings.assignment_reminder_hours)
        await ask_followups(
            session,
            ctx.clock,
            known,
            settings.assignment_followup_hours,
            settings.assignment_flexible_followup_days,
        )
        await session.commit()
