"""Events: created by organizers, listed for everybody in their language, attended within capacity.

"I'll come" records attendance and queues a reminder in the outbox (before the start, see
`reminder_time`); "I can't come" withdraws both. Cancelling an event withdraws every reminder and tells the
people who said they would come.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import topics as topic_service
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery import outbox
from bot.translation.service import MachineTranslator
from storage.models import Attendance, Event, EventText, User
from storage.repositories import broadcast as repo

MAX_TITLE = 120
MAX_BODY = 2000
MAX_VENUE = 200
MAX_CAPACITY = 10_000
LIST_LIMIT = 8
# When the usual lead time has already passed, remind this long before the start (if still ahead).
SHORT_LEAD = timedelta(hours=1)


class EventError(Exception):
    """A rule was broken; `code` names it for the handler's message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Attend(Enum):
    OK = "ok"
    ALREADY = "already"
    FULL = "full"
    CLOSED = "closed"  # cancelled, started or gone


@dataclass(frozen=True)
class EventView:
    """An event as one reader sees it: texts in their language (or the original), places, their answer."""

    event: Event
    title: str
    body: str
    machine: bool
    taken: int
    attending: bool

    @property
    def id(self) -> int:
        return self.event.id

    @property
    def free(self) -> int | None:
        cap = self.event.capacity
        return None if cap is None else max(cap - self.taken, 0)


def localized(event: Event, texts: dict[str, EventText], lang: str) -> tuple[str, str, bool]:
    """(title, body, machine) in `lang` when there is a text for it, else the original."""
    if lang != event.lang and lang in texts:
        row = texts[lang]
        return row.title, row.body, row.machine
    return event.title, event.body, False


def check_details(
    *,
    title: str,
    body: str,
    venue: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None,
    now: datetime,
) -> None:
    if not title.strip() or len(title) > MAX_TITLE:
        raise EventError("title")
    if len(body) > MAX_BODY:
        raise EventError("body")
    if not venue.strip() or len(venue) > MAX_VENUE:
        raise EventError("venue")
    if starts_at <= now:
        raise EventError("past")
    if ends_at <= starts_at:
        raise EventError("end_before_start")
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise EventError("capacity")


async def create_event(
    session: AsyncSession,
    clock: Clock,
    creator: User,
    *,
    lang: str,
    title: str,
    body: str,
    venue: str,
    starts_at: datetime,
    ends_at: datetime,
    topic_id: int | None,
    capacity: int | None,
) -> Event:
    now = clock.now()
    check_details(
        title=title, body=body, venue=venue, starts_at=starts_at, ends_at=ends_at, capacity=capacity, now=now
    )
    if topic_id is not None and await topic_service.get_topic(session, topic_id) is None:
        raise EventError("topic")
    event = Event(
        topic_id=topic_id,
        lang=lang,
        title=title.strip(),
        body=body.strip(),
        venue=venue.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=creator.id,
        created_at=now,
    )
    return await repo.add_event(session, event)


async def translate_event(
    sessionmaker: async_sessionmaker[AsyncSession], translator: MachineTranslator, event_id: int
) -> list[str]:
    """Machine-translate title and text into every other language (those not typed by hand yet).

    Uses its own sessions: on SQLite the caller must have committed its own transaction first, because
    the translator's cache needs the write lock while we wait for the network. Returns the languages that
    still have no text afterwards.
    """
    async with sessionmaker() as session:
        event = await repo.get_event(session, event_id)
        if event is None:
            return []
        texts = await repo.event_texts(session, event_id)
        source, title, body = event.lang, event.title, event.body
    targets = [lang for lang in SUPPORTED_LANGUAGES if lang != source and lang not in texts]
    if not translator.enabled or not targets:
        return [lang for lang in SUPPORTED_LANGUAGES if lang != source and lang not in texts]

    async def one(lang: str) -> tuple[str, str | None, str | None]:
        new_title = await translator.translate(title, source, lang)
        new_body = await translator.translate(body, source, lang) if body else ""
        return lang, new_title, new_body

    results = await asyncio.gather(*(one(lang) for lang in targets))
    missing = []
    async with sessionmaker() as session:
        for lang, new_title, new_body in results:
            if new_title is None or new_body is None:
                missing.append(lang)
                continue
            await repo.put_event_text(session, event_id, lang, new_title[:400], new_body, machine=True)
        await session.commit()
    return missing


async def get_event(session: AsyncSession, event_id: int) -> Event | None:
    return await repo.get_event(session, event_id)


async def texts(session: AsyncSession, event_id: int) -> dict[str, EventText]:
    """The event's texts in further languages (not the original)."""
    return await repo.event_texts(session, event_id)


async def view(session: AsyncSession, event: Event, lang: str, user_id: int | None) -> EventView:
    texts = await repo.event_texts(session, event.id)
    title, body, machine = localized(event, texts, lang)
    taken = await repo.attendee_count(session, event.id)
    attending = user_id is not None and await repo.get_attendance(session, event.id, user_id) is not None
    return EventView(event, title, body, machine, taken, attending)


async def upcoming(
    session: AsyncSession, clock: Clock, lang: str, user_id: int | None, limit: int = LIST_LIMIT
) -> tuple[list[EventView], int]:
    """The next events (not cancelled, not over) as the reader sees them, and how many there are in all."""
    now = clock.now()
    events = await repo.upcoming_events(session, now, limit)
    total = await repo.count_upcoming_events(session, now)
    ids = [e.id for e in events]
    taken = await repo.attendee_counts(session, ids)
    mine = await repo.attending_event_ids(session, user_id, ids) if user_id is not None else set()
    views = []
    for event in events:
        texts = await repo.event_texts(session, event.id)
        title, body, machine = localized(event, texts, lang)
        views.append(EventView(event, title, body, machine, taken.get(event.id, 0), event.id in mine))
    return views, total


def is_open(event: Event, now: datetime) -> bool:
    return event.cancelled_at is None and event.starts_at > now


def reminder_time(starts_at: datetime, now: datetime, lead_hours: float) -> datetime | None:
    at = starts_at - timedelta(hours=lead_hours)
    if at > now:
        return at
    short = starts_at - SHORT_LEAD
    return short if short > now else None


def reminder_key_prefix(event_id: int) -> str:
    return f"event:{event_id}:"


async def attend(
    session: AsyncSession, clock: Clock, settings: Settings, event_id: int, user: User
) -> tuple[Attend, Event | None]:
    """Record that the user comes, within capacity (the event row is locked, so two last places cannot
    both be taken), and queue the reminder."""
    now = clock.now()
    event = await repo.get_event(session, event_id, for_update=True)
    if event is None or not is_open(event, now):
        return Attend.CLOSED, event
    if await repo.get_attendance(session, event_id, user.id) is not None:
        return Attend.ALREADY, event
    if event.capacity is not None and await repo.attendee_count(session, event_id) >= event.capacity:
        return Attend.FULL, event
    lang = user.language or settings.default_language
    key = None
    remind_at = reminder_time(event.starts_at, now, settings.event_reminder_hours)
    if remind_at is not None:
        texts = await repo.event_texts(session, event_id)
        title, _body, machine = localized(event, texts, lang)
        # A fresh token per attendance: after "I can't come" and "I'll come" again, a new reminder.
        key = f"{reminder_key_prefix(event_id)}{user.id}:{secrets.token_hex(4)}"
        await outbox.enqueue(
            session,
            clock,
            chat_id=user.id,
            user_id=user.id,
            kind="event_reminder",
            lang=lang,
            ref=f"event:{event_id}",
            dedupe_key=key,
            not_before=remind_at,
            data={
                "event": event_id,
                "title": title,
                "machine": machine,
                "venue": event.venue,
                "starts": event.starts_at.isoformat(),
                "ends": event.ends_at.isoformat(),
            },
        )
    await repo.add_attendance(
        session, Attendance(event_id=event_id, user_id=user.id, created_at=now, reminder_key=key)
    )
    return Attend.OK, event


async def unattend(session: AsyncSession, event_id: int, user: User) -> bool:
    attendance = await repo.get_attendance(session, event_id, user.id)
    if attendance is None:
        return False
    if attendance.reminder_key:
        await outbox.cancel(session, key_prefix=attendance.reminder_key)
    await repo.delete_attendance(session, attendance)
    return True


async def cancel_event(session: AsyncSession, clock: Clock, settings: Settings, event_id: int) -> int | None:
    """Cancel an event: withdraw the reminders and tell every attendee. None when there was nothing to
    cancel; else the number of people told."""
    now = clock.now()
    event = await repo.get_event(session, event_id, for_update=True)
    if event is None or event.cancelled_at is not None or event.ends_at <= now:
        return None
    event.cancelled_at = now
    await outbox.cancel(session, key_prefix=reminder_key_prefix(event_id))
    texts = await repo.event_texts(session, event_id)
    told = 0
    for user_id, lang in await repo.attendees(session, event_id, settings.default_language):
        title, _body, machine = localized(event, texts, lang)
        if await outbox.enqueue(
            session,
            clock,
            chat_id=user_id,
            user_id=user_id,
            kind="event_cancelled",
            lang=lang,
            ref=f"event:{event_id}",
            dedupe_key=f"event-cancelled:{event_id}:{user_id}",
            data={
                "event": event_id,
                "title": title,
                "machine": machine,
                "starts": event.starts_at.isoformat(),
            },
        ):
            told += 1
    return told
