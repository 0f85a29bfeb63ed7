"""Events' source for the reminder mechanism (bot/reminders.py): the attendances of events starting soon.

Each reminder goes to the person who said "I'll come", in their language (or the default), with the
event's title in it (`EventReminderPayload`) and "I can't come". An attendance taken back, or an event
cancelled, is no longer listed; reminders not sent yet are withdrawn by `events.unattend` and
`events.cancel_event`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import payloads as kinds
from bot.broadcast.events import localized, reminder_id
from bot.broadcast.payloads import EventReminderPayload
from bot.config import Settings
from bot.delivery.reminders import Due, PayloadFor, Recipient, ReminderKind
from storage.models import Event, EventText
from storage.repositories import broadcast as repo


async def due_reminders(
    session: AsyncSession, settings: Settings, now: datetime, until: datetime
) -> list[Due]:
    """Attendances of events (not cancelled) that start in (now, until]."""
    texts: dict[int, dict[str, EventText]] = {}
    due = []
    for attendance, event, lang in await repo.attendances_starting(session, now, until):
        if event.id not in texts:
            texts[event.id] = await repo.event_texts(session, event.id)
        due.append(
            Due(
                kind=ReminderKind.EVENT,
                id=reminder_id(attendance),
                starts_at=event.starts_at,
                since=attendance.created_at,
                recipients=(Recipient(attendance.user_id, lang or settings.default_language),),
                outbox_kind=kinds.EVENT_REMINDER,
                ref=f"event:{event.id}",
                payload=_payload(event, texts[event.id]),
            )
        )
    return due


def _payload(event: Event, texts: dict[str, EventText]) -> PayloadFor:
    def build(to: Recipient, _hours: float) -> dict[str, Any]:
        title, _body, machine = localized(event, texts, to.lang or event.lang)
        return EventReminderPayload(
            event_id=event.id,
            title=title,
            machine=machine,
            venue=event.venue,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
        ).data()

    return build
