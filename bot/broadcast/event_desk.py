"""Events as the organizers' console shows them: the lists (upcoming and past, a page at a time, with people
registered and places free, aggregated in SQL) and one event's attendance list with each registration's
reminder (sent, queued, or when it is due by the plan of bot/reminders.py, which the caller passes in:
bot/reminders.py imports this capability's reminder source, so this capability does not import it back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import payloads as kinds
from bot.broadcast.events import free_places, localized, reminder_id
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.reminders import ReminderKind, key_prefix
from storage.models import Attendance, Event
from storage.repositories import broadcast as repo
from storage.repositories import outbox as outbox_repo

PAGE_SIZE = 20

# The events' reminder plan (bot.reminders.plans(settings)[EVENT].offsets_for): (start, registered at) →
# the hours before the start at which this registration is reminded.
OffsetsFor = Callable[[datetime, datetime], list[float]]


@dataclass(frozen=True)
class EventRow:
    event: Event
    title: str  # in the language asked for, else the original
    taken: int  # people registered
    registrations: int

    @property
    def id(self) -> int:
        return self.event.id

    @property
    def free(self) -> int | None:
        return free_places(self.event, self.taken)


@dataclass(frozen=True)
class EventList:
    rows: list[EventRow]
    page: int  # from 0, clamped to the last page
    pages: int
    total: int


async def event_list(
    session: AsyncSession, clock: Clock, lang: str, *, past: bool, page: int = 0, size: int = PAGE_SIZE
) -> EventList:
    """One page of the events not over yet (soonest first, cancelled ones included) or over (latest first),
    titled in `lang` where there is a text for it."""
    now = clock.now()
    total = await repo.count_events(session, now, past=past)
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    events = await repo.events_page(session, now, past=past, limit=size, offset=page * size)
    ids = [e.id for e in events]
    taken = await repo.attendee_counts(session, ids)
    registrations = await repo.registration_counts(session, ids)
    texts = await repo.texts_of_events(session, ids, lang)
    rows = []
    for event in events:
        title = localized(event, {lang: texts[event.id]} if event.id in texts else {}, lang)[0]
        rows.append(EventRow(event, title, taken.get(event.id, 0), registrations.get(event.id, 0)))
    return EventList(rows, page, pages, total)


class Reminder(StrEnum):
    SENT = "sent"
    QUEUED = "queued"  # in the outbox, on its way
    DUE = "due"  # not queued yet: the reminder job queues it at `at`
    FAILED = "failed"  # blocked, failed
    WITHDRAWN = "withdrawn"  # cancelled (the event was cancelled or moved)
    NONE = "none"  # none will come (registered too late, the event is over or cancelled)


@dataclass(frozen=True)
class Registration:
    user_id: int
    lang: str
    people: int
    registered_at: datetime
    reminder: Reminder
    reminder_at: datetime | None  # sent at, queued for, or due at


@dataclass(frozen=True)
class Attendees:
    registrations: list[Registration]

    @property
    def people(self) -> int:
        return sum(r.people for r in self.registrations)


async def attendees(
    session: AsyncSession, clock: Clock, settings: Settings, event: Event, offsets_for: OffsetsFor
) -> Attendees:
    """Who registered for the event (in the order they came), how many they are, and their reminder."""
    now = clock.now()
    rows = await outbox_repo.rows_of(session, f"event:{event.id}", kinds.EVENT_REMINDER)
    registrations = []
    for attendance, lang in await repo.attendance_list(session, event.id):
        prefix = key_prefix(ReminderKind.EVENT, reminder_id(attendance))
        mine = [row for row in rows if (row.dedupe_key or "").startswith(prefix)]
        if mine:
            state, at = _outbox_state(mine[-1].status, mine[-1].sent_at, mine[-1].not_before)
        else:
            state, at = _planned(offsets_for, event, attendance, now)
        registrations.append(
            Registration(
                user_id=attendance.user_id,
                lang=lang or settings.default_language,
                people=attendance.people,
                registered_at=attendance.created_at,
                reminder=state,
                reminder_at=at,
            )
        )
    return Attendees(registrations)


def _outbox_state(
    status: str, sent_at: datetime | None, not_before: datetime
) -> tuple[Reminder, datetime | None]:
    if status == "sent":
        return Reminder.SENT, sent_at
    if status in ("pending", "claimed", "sending"):
        return Reminder.QUEUED, not_before
    if status == "cancelled":
        return Reminder.WITHDRAWN, None
    return Reminder.FAILED, None


def _planned(
    offsets_for: OffsetsFor, event: Event, attendance: Attendance, now: datetime
) -> tuple[Reminder, datetime | None]:
    """When the reminder job will queue this registration's reminder (its first offset still ahead)."""
    if event.cancelled_at is not None or event.starts_at <= now:
        return Reminder.NONE, None
    offsets = offsets_for(event.starts_at, attendance.created_at)
    if not offsets:
        return Reminder.NONE, None
    return Reminder.DUE, max(now, event.starts_at - timedelta(hours=max(offsets)))
