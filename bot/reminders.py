"""One reminder mechanism for bookings, events and assignments, with the timing in one place.

`plans(settings)` says how many hours before the start each kind of appointment is reminded (the
settings keep their names: BOOKING `REMINDER_OFFSETS_HOURS`, EVENT `EVENT_REMINDER_HOURS`, ASSIGNMENT
`ASSIGNMENT_REMINDER_HOURS`). Nothing is queued when something is booked: `reminders_job` (every minute,
bot/wiring.py `JOBS`) asks each capability's source (`SOURCES`) for what starts soon and queues what is
due now, so a change of the settings reaches existing bookings too.

For each candidate (`bot.delivery.reminders.Due`) the due offset is the smallest one whose time has come
(`now >= start - h`, before the start) among those the candidate existed for (made before `start - h`:
something booked at short notice is not reminded of an offset already past). Only that latest offset is
queued when several are due at once (after downtime). Each reminder has the dedupe key
`remind:<kind>:<id>:<recipient>:<h>`, so a second run or a second process queues nothing twice. A
cancelled candidate is no longer listed; reminders queued but not sent are withdrawn by the capability's
cancel path.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import reminders as assignment_reminders
from bot.booking import reminders as booking_reminders
from bot.broadcast import event_reminders
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.reminders import Due, Recipient, ReminderKind, Source, key
from bot.jobs import JobContext
from storage.repositories import outbox as outbox_repo

log = logging.getLogger(__name__)

# An event someone says they will come to after its usual reminder time still gets one, this long before
# the start (if that is still ahead).
EVENT_SHORT_NOTICE_HOURS = 1.0


@dataclass(frozen=True)
class Plan:
    """The hours before the start at which one kind of appointment is reminded."""

    offsets: tuple[float, ...]
    # Made too late for every offset: remind this long before the start instead (None: not at all).
    short_notice: float | None = None

    def offsets_for(self, starts_at: datetime, since: datetime) -> list[float]:
        """The offsets a candidate made at `since` is reminded of: those whose time was still ahead."""
        ahead = [h for h in self.offsets if since < starts_at - timedelta(hours=h)]
        if not ahead and self.short_notice is not None:
            ahead = [h for h in (self.short_notice,) if since < starts_at - timedelta(hours=h)]
        return ahead

    @property
    def horizon(self) -> float:
        """How far ahead a source must look (hours)."""
        return max((*self.offsets, self.short_notice or 0.0))


def plans(settings: Settings) -> dict[ReminderKind, Plan]:
    """The timing of every reminder, read from the settings."""
    return {
        ReminderKind.BOOKING: Plan(tuple(float(h) for h in settings.reminder_offsets_hours)),
        ReminderKind.EVENT: Plan((settings.event_reminder_hours,), short_notice=EVENT_SHORT_NOTICE_HOURS),
        ReminderKind.ASSIGNMENT: Plan((float(settings.assignment_reminder_hours),)),
    }


SOURCES: dict[ReminderKind, Source] = {
    ReminderKind.BOOKING: booking_reminders.due_reminders,
    ReminderKind.EVENT: event_reminders.due_reminders,
    ReminderKind.ASSIGNMENT: assignment_reminders.due_reminders,
}


def due_offset(plan: Plan, starts_at: datetime, since: datetime, now: datetime) -> float | None:
    """The offset to remind of now (the latest one due), or None."""
    if now >= starts_at:
        return None
    due = [h for h in plan.offsets_for(starts_at, since) if now >= starts_at - timedelta(hours=h)]
    return min(due) if due else None


async def queue_due(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    sources: Mapping[ReminderKind, Source] = SOURCES,
) -> int:
    """Queue every reminder due now, once; how many rows were queued."""
    now = clock.now()
    queued = 0
    for kind, plan in plans(settings).items():
        source = sources.get(kind)
        if source is None or not plan.offsets:
            continue
        wanted: list[tuple[str, Due, Recipient, float]] = []
        for candidate in await source(session, settings, now, now + timedelta(hours=plan.horizon)):
            hours = due_offset(plan, candidate.starts_at, candidate.since, now)
            if hours is None:
                continue
            for recipient in candidate.recipients:
                wanted.append(
                    (key(kind, candidate.id, recipient.user_id, hours), candidate, recipient, hours)
                )
        # Most runs find everything queued already: look the keys up once instead of inserting each.
        queued_before = await outbox_repo.existing_keys(session, [w[0] for w in wanted])
        for dedupe_key, candidate, recipient, hours in wanted:
            if dedupe_key in queued_before:
                continue
            if await outbox.enqueue(
                session,
                clock,
                chat_id=recipient.user_id,
                user_id=recipient.user_id,
                kind=candidate.outbox_kind,
                data=candidate.payload(recipient, hours),
                lang=recipient.lang,
                ref=candidate.ref,
                dedupe_key=dedupe_key,
            ):
                queued += 1
    return queued


async def reminders_job(ctx: JobContext) -> None:
    """Every minute (bot/wiring.py `JOBS`): queue the reminders due now."""
    async with ctx.sessionmaker() as session:
        queued = await queue_due(session, ctx.clock, ctx.settings)
        await session.commit()
    if queued:
        log.info("reminders: %d queued", queued)
