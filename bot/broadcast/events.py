"""Events: created by organizers, listed for everybody in their language, attended within capacity.

"I'll come" records attendance for a number of people (a family of four takes four places: the capacity
counts people); its reminder is queued by bot/reminders.py when it is due (the source is
bot/broadcast/event_reminders.py). "I can't come" removes the attendance and withdraws a reminder not sent
yet. Cancelling an event withdraws every reminder and tells the people who said they would come.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import dates
from bot.broadcast import payloads as kinds
from bot.broadcast import topics as topic_service
from bot.broadcast.payloads import EventCancelledPayload, Payload
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery import outbox
from bot.delivery.reminders import ReminderKind, key_prefix, parent_prefix
from bot.text import clean_text
from bot.translation.service import MachineTranslator
from storage import db
from storage.models import Attendance, Event, EventText, Topic, User
from storage.repositories import broadcast as repo

# Re-exported: the types handlers receive from this module.
__all__ = ["Event", "EventText", "Topic"]

MAX_TITLE = 120
MAX_BODY = 2000
MAX_VENUE = 200
MAX_CAPACITY = 10_000
MAX_PARTY = 6  # people one registration may bring (a family); the bot offers 1 … this many
LIST_LIMIT = 8  # events per page of /events
NO_BODY = ("-", "–")  # typed for "no description"


class Problem(StrEnum):
    """Why an event, or one detail typed for it, was refused."""

    TITLE = "title"
    BODY = "body"
    VENUE = "venue"
    UNREADABLE = "unreadable"  # a date or time we cannot read
    PAST = "past"
    END_BEFORE_START = "end_before_start"
    CAPACITY = "capacity"
    TOPIC = "topic"
    LANGUAGE = "language"
    CLOSED = "closed"  # cancelled, started or gone
    PEOPLE = "people"  # a registration for fewer than 1 or more than MAX_PARTY people
    BELOW_TAKEN = "below_taken"  # a capacity smaller than the people registered already


class EventError(Exception):
    """A rule was broken; `code` names it for the handler's message."""

    def __init__(self, code: Problem) -> None:
        super().__init__(code)
        self.code = code


class Attend(StrEnum):
    OK = "ok"
    ALREADY = "already"
    FULL = "full"  # no place free at all
    TOO_MANY = "too_many"  # places free, but fewer than the people registering
    CLOSED = "closed"  # cancelled, started or gone


@dataclass(frozen=True)
class EventView:
    """An event as one reader sees it: texts in their language (or the original), places, their answer."""

    event: Event
    title: str
    body: str
    machine: bool
    taken: int  # people registered (a family of four counts four)
    attending: bool
    people: int = 0  # how many this reader registered (0: not registered)

    @property
    def id(self) -> int:
        return self.event.id

    @property
    def free(self) -> int | None:
        return free_places(self.event, self.taken)


def free_places(event: Event, taken: int) -> int | None:
    """Places still free when `taken` people are registered (None: no limit)."""
    return None if event.capacity is None else max(event.capacity - taken, 0)


def party_choices(free: int | None) -> range:
    """How many people a registration may say come: 1 … MAX_PARTY, no more than the places free."""
    return range(1, (MAX_PARTY if free is None else min(MAX_PARTY, free)) + 1)


def localized(event: Event, texts: dict[str, EventText], lang: str) -> tuple[str, str, bool]:
    """(title, body, machine) in `lang` when there is a text for it, else the original."""
    if lang != event.lang and lang in texts:
        row = texts[lang]
        return row.title, row.body, row.machine
    return event.title, event.body, False


# --- the rules for an event's details (one place; the dialog checks each answer as it is typed) -------------
def _title(title: str) -> str:
    title = title.strip()
    if not title or "\n" in title or len(title) > MAX_TITLE:
        raise EventError(Problem.TITLE)
    return title


def _body(body: str) -> str:
    if len(body) > MAX_BODY:
        raise EventError(Problem.BODY)
    return body.strip()


def _venue(venue: str) -> str:
    venue = venue.strip()
    if not venue or len(venue) > MAX_VENUE:
        raise EventError(Problem.VENUE)
    return venue


def _start(start: datetime, now: datetime) -> datetime:
    if start <= now:
        raise EventError(Problem.PAST)
    return start


def _end(end: datetime | None, start: datetime) -> datetime:
    if end is None or end <= start:
        raise EventError(Problem.END_BEFORE_START)
    return end


def _capacity(capacity: int | None) -> int | None:
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise EventError(Problem.CAPACITY)
    return capacity


def check_text(title: str, body: str) -> None:
    """Title and description in one language (a translation is held to the same rules)."""
    _title(title)
    _body(body)


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
    _title(title)
    _body(body)
    _venue(venue)
    _start(starts_at, now)
    _end(ends_at, starts_at)
    _capacity(capacity)


def _typed(text: str) -> str:
    """One line: spaces collapsed; several lines: kept, trimmed."""
    return " ".join(text.split()) if "\n" not in text else text.strip()


def typed_title(text: str) -> str:
    return _title(_typed(text))


def typed_body(text: str) -> str:
    """The description; "-" stands for none."""
    body = _body(_typed(text))
    return "" if body in NO_BODY else body


def typed_venue(text: str) -> str:
    return _venue(_typed(text))


def typed_end(text: str, start: datetime, tz: ZoneInfo) -> datetime:
    """A time on the start day ("20:00") or a full date and time, after the start."""
    return _end(dates.parse_end(text, start, tz), start)


def typed_capacity(text: str) -> int:
    digits = dates.ascii_digits(text).strip()
    if not digits.isdigit():
        raise EventError(Problem.CAPACITY)
    capacity = int(digits)
    _capacity(capacity)
    return capacity


def check_language(lang: str) -> None:
    if lang not in SUPPORTED_LANGUAGES:
        raise EventError(Problem.LANGUAGE)


async def event_topic(session: AsyncSession, topic_id: int) -> Topic:
    """A topic a new event may belong to (it exists and is not hidden)."""
    topic = await topic_service.get_active(session, topic_id)
    if topic is None:
        raise EventError(Problem.TOPIC)
    return topic


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
    title, body, venue = clean_text(title), clean_text(body), clean_text(venue)
    check_details(
        title=title, body=body, venue=venue, starts_at=starts_at, ends_at=ends_at, capacity=capacity, now=now
    )
    check_language(lang)
    if topic_id is not None and await topic_service.get_topic(session, topic_id) is None:
        raise EventError(Problem.TOPIC)
    event = Event(
        topic_id=topic_id,
        lang=lang,
        title=title,
        body=body,
        venue=venue,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=creator.id,
        created_at=now,
    )
    return await repo.add_event(session, event)


async def translate_event(session: AsyncSession, translator: MachineTranslator, event: Event) -> list[str]:
    """Machine-translate title and text into every other language (those not typed by hand yet).

    The session is released while the translator works (its cache needs the database, and nothing may
    wait on our lock meanwhile). Returns the languages that still have no text afterwards.
    """
    event_id, source, title, body = event.id, event.lang, event.title, event.body
    texts = await repo.event_texts(session, event_id)
    targets = [lang for lang in SUPPORTED_LANGUAGES if lang != source and lang not in texts]
    if not translator.enabled or not targets:
        return targets

    async def one(lang: str) -> tuple[str, str | None, str | None]:
        new_title = await translator.translate(title, source, lang)
        new_body = await translator.translate(body, source, lang) if body else ""
        return lang, new_title, new_body

    await db.release(session)
    results = await asyncio.gather(*(one(lang) for lang in targets))
    missing = []
    for lang, new_title, new_body in results:
        if new_title is None or new_body is None:
            missing.append(lang)
            continue
        await repo.put_event_text(
            session, event_id, lang, clean_text(new_title, 400), clean_text(new_body), machine=True
        )
    return missing


async def set_text(session: AsyncSession, event_id: int, lang: str, title: str, body: str) -> None:
    """Title and text in a further language, typed by a person."""
    check_language(lang)
    await repo.put_event_text(session, event_id, lang, clean_text(title), clean_text(body), machine=False)


async def get_event(session: AsyncSession, event_id: int) -> Event | None:
    return await repo.get_event(session, event_id)


async def texts(session: AsyncSession, event_id: int) -> dict[str, EventText]:
    """The event's texts in further languages (not the original)."""
    return await repo.event_texts(session, event_id)


async def view(session: AsyncSession, event: Event, lang: str, user_id: int | None) -> EventView:
    texts = await repo.event_texts(session, event.id)
    title, body, machine = localized(event, texts, lang)
    taken = await repo.attendee_count(session, event.id)
    mine = await repo.get_attendance(session, event.id, user_id) if user_id is not None else None
    return EventView(event, title, body, machine, taken, mine is not None, mine.people if mine else 0)


@dataclass(frozen=True)
class EventPage:
    views: list[EventView]
    page: int  # the page shown (from 0; clamped to the last one)
    pages: int
    total: int  # upcoming events in all


async def upcoming(
    session: AsyncSession, clock: Clock, lang: str, user_id: int | None, page: int = 0, size: int = LIST_LIMIT
) -> EventPage:
    """One page of the next events (not cancelled, not over) as the reader sees them."""
    now = clock.now()
    total = await repo.count_upcoming_events(session, now)
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    events = list(await repo.upcoming_events(session, now, (page + 1) * size))[page * size :]
    ids = [e.id for e in events]
    taken = await repo.attendee_counts(session, ids)
    mine = await repo.party_sizes(session, user_id, ids) if user_id is not None else {}
    views = []
    for event in events:
        texts = await repo.event_texts(session, event.id)
        title, body, machine = localized(event, texts, lang)
        views.append(
            EventView(
                event, title, body, machine, taken.get(event.id, 0), event.id in mine, mine.get(event.id, 0)
            )
        )
    return EventPage(views, page, pages, total)


async def registered_events(
    session: AsyncSession, clock: Clock, lang: str, user_id: int, limit: int = LIST_LIMIT
) -> list[EventView]:
    """ "My events": the next events this person registered for, with how many people they said come."""
    events = await repo.events_attended(session, user_id, clock.now(), limit)
    ids = [e.id for e in events]
    taken, mine = await repo.attendee_counts(session, ids), await repo.party_sizes(session, user_id, ids)
    views = []
    for event in events:
        title, body, machine = localized(event, await repo.event_texts(session, event.id), lang)
        views.append(
            EventView(event, title, body, machine, taken.get(event.id, 0), True, mine.get(event.id, 1))
        )
    return views


def is_open(event: Event, now: datetime) -> bool:
    """Open for "I'll come": not cancelled, not started."""
    return event.cancelled_at is None and event.starts_at > now


def can_cancel(event: Event, now: datetime) -> bool:
    """An organizer may cancel an event until it is over."""
    return event.cancelled_at is None and event.ends_at > now


async def cancellable(session: AsyncSession, clock: Clock, event_id: int) -> EventView | None:
    """The event as the organizer sees it before cancelling (None: nothing to cancel)."""
    event = await repo.get_event(session, event_id)
    if event is None or not can_cancel(event, clock.now()):
        return None
    return await view(session, event, event.lang, None)


async def announceable(
    session: AsyncSession, clock: Clock, event_id: int
) -> tuple[Event, dict[str, EventText]]:
    """An event that may be announced (open, with a topic whose subscribers get it), and its texts."""
    event = await repo.get_event(session, event_id)
    if event is None or not is_open(event, clock.now()):
        raise EventError(Problem.CLOSED)
    if event.topic_id is None:
        raise EventError(Problem.TOPIC)
    return event, await repo.event_texts(session, event.id)


def reminder_id(attendance: Attendance) -> str:
    """The attendance's id in its reminders' keys (bot/broadcast/event_reminders.py): a new one each time
    someone says "I'll come", so coming back after "I can't come" is reminded again."""
    return f"{attendance.event_id}.{attendance.reminder_key or attendance.user_id}"


def check_people(people: int) -> int:
    if not 1 <= people <= MAX_PARTY:
        raise EventError(Problem.PEOPLE)
    return people


async def attend(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    event_id: int,
    user: User,
    *,
    people: int = 1,
) -> tuple[Attend, Event | None]:
    """Record that the user comes with `people` people in all (themselves included), within capacity: the
    capacity counts people, so a family of four takes four places or is refused (FULL: none free,
    TOO_MANY: fewer free; `places_free` says how many). The event row is locked, so two registrations
    cannot both take the last places. The reminder comes from bot/reminders.py
    (bot/broadcast/event_reminders.py). No name is kept (the organizers' list numbers the registrations)."""
    check_people(people)
    now = clock.now()
    event = await repo.get_event(session, event_id, for_update=True)
    if event is None or not is_open(event, now):
        return Attend.CLOSED, event
    if await repo.get_attendance(session, event_id, user.id) is not None:
        return Attend.ALREADY, event
    if event.capacity is not None:
        free = free_places(event, await repo.attendee_count(session, event_id)) or 0
        if free < people:
            return (Attend.FULL if free == 0 else Attend.TOO_MANY), event
    # A fresh token per attendance: after "I can't come" and "I'll come" again, a new reminder.
    token = secrets.token_hex(4)
    await repo.add_attendance(
        session,
        Attendance(
            event_id=event_id,
            user_id=user.id,
            created_at=now,
            reminder_key=token,
            people=people,
        ),
    )
    return Attend.OK, event


async def places_free(session: AsyncSession, event: Event) -> int | None:
    """The places still free now (None: no limit)."""
    return free_places(event, await repo.attendee_count(session, event.id))


async def unattend(session: AsyncSession, event_id: int, user: User) -> bool:
    attendance = await repo.get_attendance(session, event_id, user.id)
    if attendance is None:
        return False
    await outbox.cancel(session, key_prefix=key_prefix(ReminderKind.EVENT, reminder_id(attendance)))
    await repo.delete_attendance(session, attendance)
    return True


async def cancel_event(session: AsyncSession, clock: Clock, settings: Settings, event_id: int) -> int | None:
    """Cancel an event: withdraw the reminders and tell every attendee. None when there was nothing to
    cancel; else the number of people told."""
    now = clock.now()
    event = await repo.get_event(session, event_id, for_update=True)
    if event is None or not can_cancel(event, now):
        return None
    event.cancelled_at = now
    await outbox.cancel(session, key_prefix=parent_prefix(ReminderKind.EVENT, event_id))
    return await tell_attendees(
        session,
        clock,
        settings,
        event,
        kind=kinds.EVENT_CANCELLED,
        key=f"event-cancelled:{event_id}",
        payload=lambda title, machine: EventCancelledPayload(
            event_id=event_id, title=title, machine=machine, starts_at=event.starts_at
        ),
    )


async def tell_attendees(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    event: Event,
    *,
    kind: str,
    key: str,
    payload: Callable[[str, bool], Payload],
) -> int:
    """A message about the event to everybody registered, each in their language (`payload` gets the title
    in it and whether that is a machine translation); `key` and the person's id make its dedupe key. How
    many were told."""
    texts = await repo.event_texts(session, event.id)
    told = 0
    for user_id, lang in await repo.attendees(session, event.id, settings.default_language):
        title, _body, machine = localized(event, texts, lang)
        if await outbox.enqueue(
            session,
            clock,
            chat_id=user_id,
            user_id=user_id,
            kind=kind,
            lang=lang,
            ref=f"event:{event.id}",
            dedupe_key=f"{key}:{user_id}",
            data=payload(title, machine).data(),
        ):
            told += 1
    return told
