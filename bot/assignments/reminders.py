"""The day before: a reminder to the assignee and the organizer. After the date: "done?" to the assignee.

Reminders: `due_reminders` is the assignments' source for the one reminder mechanism (bot/reminders.py,
its timing `ASSIGNMENT_REMINDER_HOURS`): taken assignments with a date starting soon. Taken at short
notice, there is no reminder (both heard about it just now); each round (a hand-back starts a new one) is
reminded on its own. "Done?": `followup_job` reads what is due and queues it with a dedupe key; the
conditional UPDATE `mark_followup` makes a second run or a restart harmless. Rows not sent yet are withdrawn
when the assignment is handed back, done or cancelled (`claiming.cancel_followups`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments.options import Areas, areas
from bot.assignments.payloads import FollowupPayload, OutboxKind, Recipient, ReminderPayload, Summary, ref
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.reminders import Due, PayloadFor, ReminderKind
from bot.delivery.reminders import Recipient as Reminded
from bot.jobs import JobContext
from storage.repositories import assignments as repo


def reminder_id(assignment_id: int, round_: int) -> str:
    """One candidate per round: taken again after a hand-back, it is reminded again."""
    return f"{assignment_id}.{round_}"


async def due_reminders(
    session: AsyncSession, settings: Settings, now: datetime, until: datetime
) -> list[Due]:
    """Taken assignments whose date is in (now, until]: to the assignee, and to the organizer (when that
    is someone else)."""
    known = areas(settings.areas_file)
    due = []
    for assignment in await repo.taken_starting(session, now, until):
        helper = assignment.assignee_id
        assert helper is not None and assignment.starts_at is not None
        recipients = [Reminded(helper)]
        if assignment.created_by is not None and assignment.created_by != helper:
            recipients.append(Reminded(assignment.created_by))
        due.append(
            Due(
                kind=ReminderKind.ASSIGNMENT,
                id=reminder_id(assignment.id, assignment.round),
                starts_at=assignment.starts_at,
                since=assignment.claimed_at or assignment.created_at,
                recipients=tuple(recipients),
                outbox_kind=OutboxKind.REMINDER,
                ref=ref(assignment.id),
                payload=_payload(Summary.of(assignment, known), helper),
            )
        )
    return due


def _payload(summary: Summary, helper: int) -> PayloadFor:
    def build(to: Reminded, _hours: float) -> dict[str, Any]:
        role = Recipient.HELPER if to.user_id == helper else Recipient.ORGANIZER
        return ReminderPayload(assignment=summary, to=role, helper=helper).dump()

    return build


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


async def followup_job(ctx: JobContext) -> None:
    """Every minute (bot/wiring.py): "done?" after the date."""
    settings = ctx.settings
    async with ctx.sessionmaker() as session:
        await ask_followups(
            session,
            ctx.clock,
            areas(settings.areas_file),
            settings.assignment_followup_hours,
            settings.assignment_flexible_followup_days,
        )
        await session.commit()
