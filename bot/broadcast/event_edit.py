"""Changing an event after it was created (the organizers' console): its details within the same rules as a
new one, and its texts in further languages as an organizer leaves them in a form (typed, removed, or a
machine translation confirmed). The people registered are told a new date, time or place
(`EventChangedPayload`, rendered by handlers/broadcast/renderers.py), and their reminders follow a new
start time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import events
from bot.broadcast import payloads as kinds
from bot.broadcast.events import EventError, Problem
from bot.broadcast.payloads import EventChangedPayload
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.reminders import ReminderKind, parent_prefix
from bot.text import clean_text
from storage.models import Event
from storage.repositories import broadcast as repo


@dataclass(frozen=True)
class Updated:
    event: Event
    before: dict[str, str]  # its details as they were (`summary`, for the audit line)
    told: int  # people told of a new date, time or place


async def update_event(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    event_id: int,
    *,
    title: str,
    body: str,
    venue: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
) -> Updated:
    """Change an event that has not started (the same checks as a new one; the capacity not below the
    people registered). A new start time gives every registration a fresh reminder (the ones queued for
    the old time are withdrawn); a new date, time or place is told to everybody registered."""
    now = clock.now()
    title, body, venue = clean_text(title), clean_text(body), clean_text(venue)
    events.check_details(
        title=title, body=body, venue=venue, starts_at=starts_at, ends_at=ends_at, capacity=capacity, now=now
    )
    event = await repo.get_event(session, event_id, for_update=True)
    if event is None or not events.is_open(event, now):
        raise EventError(Problem.CLOSED)
    if capacity is not None and capacity < await repo.attendee_count(session, event_id):
        raise EventError(Problem.BELOW_TAKEN)
    before = summary(event)
    moved = (starts_at, ends_at, venue) != (event.starts_at, event.ends_at, event.venue)
    if starts_at != event.starts_at:
        await outbox.cancel(session, key_prefix=parent_prefix(ReminderKind.EVENT, event_id))
        for attendance, _lang in await repo.attendance_list(session, event_id):
            attendance.reminder_key = secrets.token_hex(4)
    event.title, event.body, event.venue = title, body, venue
    event.starts_at, event.ends_at, event.capacity = starts_at, ends_at, capacity
    await session.flush()
    told = 0
    if moved:  # the new date, time and place, to everybody registered; each change told once
        told = await events.tell_attendees(
            session,
            clock,
            settings,
            event,
            kind=kinds.EVENT_CHANGED,
            key=f"event-changed:{event.id}:{secrets.token_hex(4)}",
            payload=lambda title, machine: EventChangedPayload(
                event_id=event.id,
                title=title,
                machine=machine,
                venue=event.venue,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
            ),
        )
    return Updated(event, before, told)


def summary(event: Event) -> dict[str, str]:
    """The event's details as text (audit lines)."""
    return {
        "title": event.title,
        "venue": event.venue,
        "starts_at": event.starts_at.astimezone(UTC).isoformat(),
        "ends_at": event.ends_at.astimezone(UTC).isoformat(),
        "capacity": "" if event.capacity is None else str(event.capacity),
    }


async def save_translation(
    session: AsyncSession, event: Event, lang: str, title: str, body: str, *, reviewed: bool = False
) -> str | None:
    """Title and text in a further language as an organizer left them in a form: empty removes the
    language (readers get the original); a machine translation stays marked "to review" while it is
    unchanged and not `reviewed`; anything a person changed or confirmed is theirs. Returns what changed:
    "removed", "typed", "reviewed" or None (nothing)."""
    events.check_language(lang)
    if lang == event.lang:
        raise EventError(Problem.LANGUAGE)
    title, body = clean_text(" ".join(title.split())), clean_text(body)
    stored = (await repo.event_texts(session, event.id)).get(lang)
    if not title:
        if body:
            raise EventError(Problem.TITLE)
        if stored is None:
            return None
        await repo.delete_event_text(session, event.id, lang)
        return "removed"
    unchanged = stored is not None and (stored.title, stored.body) == (title, body)
    if unchanged and stored is not None and (not stored.machine or not reviewed):
        return None
    events.check_text(title, body)
    await repo.put_event_text(session, event.id, lang, title, body, machine=False)
    return "reviewed" if unchanged else "typed"
