"""One appointment: the refusals, the slot details, the person's limit, the note, booking a place and the
message that follows from it (the counsellor's news; reminders come from bot/reminders.py, see
bot/booking/reminders.py).

Capacity is enforced in the booking's own transaction on both engines: the person's row and then the
slot's row are locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE serializes every
writer), the slot's taken places (active bookings + unexpired waitlist holds) are counted, and only then
is the booking inserted. A partial unique index allows one active booking per person and slot.
Every check comes before the first write, so a refused change leaves nothing behind; the caller's unit
of work commits. Messages to people are queued without a language: the delivery engine renders them in
the person's language when they are sent (a later change of language counts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import languages
from bot.booking.payloads import (
    KIND_COUNSELLOR,
    Appointment,
    CounsellorNews,
    CounsellorNotice,
)
from bot.booking.schedule import OPEN, day_bounds
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.delivery.reminders import ReminderKind, key_prefix
from bot.text import clean_text
from bot.users import ORGANIZER, choose_language
from storage.models import Booking, BookingTopic, Counsellor, Slot, User, Venue
from storage.repositories import booking as repo
from storage.repositories import users as users_repo

log = logging.getLogger(__name__)

NOTE_MAX = 200
# Booking closes this long before a slot starts, so the counsellor hears of it in time.
MIN_LEAD = timedelta(minutes=30)
# Ids arrive in buttons a person could forge: outside the columns' range they name nothing.
MAX_ID = 2**31 - 1


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class CancelledBy(StrEnum):
    PERSON = "person"
    ORGANIZER = "organizer"


class Refusal(StrEnum):
    """Why a booking action cannot be done: a stable code the handler words for the reader."""

    GONE = "gone"  # slot missing, cancelled or closed
    TAKEN = "taken"  # no free place
    TOO_LATE = "too_late"  # starts too soon, or passed
    LIMIT = "limit"  # the person holds the maximum of upcoming bookings (info: limit)
    ALREADY = "already"  # booked this slot already
    NOT_FOUND = "not_found"  # no such booking / offer for this person
    CANCELLED = "cancelled"  # booking not active any more
    STARTED = "started"  # the appointment started or passed
    EXPIRED = "expired"  # waitlist offer no longer valid
    HAS_FREE = "has_free"  # the topic has free times (no waitlist)
    NO_TOPIC = "no_topic"  # unknown or inactive topic
    TOO_LONG = "too_long"  # a note over NOTE_MAX characters (info: length, limit)
    NOT_YET = "not_yet"  # the appointment has not begun (whether the person came is said after)


class BookingError(Exception):
    """A booking action that cannot be done; `reason` says why, `info` holds the numbers to show."""

    def __init__(self, reason: Refusal | str, **info: Any) -> None:
        super().__init__(reason)
        self.reason = Refusal(reason)
        self.info = info


def known_id(value: int) -> bool:
    return 0 < value <= MAX_ID


@dataclass(frozen=True)
class SlotInfo:
    slot: Slot
    topic: BookingTopic
    venue: Venue
    counsellor: Counsellor | None
    free: int = 0


def topic_name(topic_names: dict[str, str], lang: str) -> str:
    return (
        topic_names.get(lang)
        or topic_names.get("en")
        or topic_names.get("de")
        or next(iter(topic_names.values()), "?")
    )


async def slot_info(session: AsyncSession, slot: Slot, free: int = 0) -> SlotInfo:
    topic = await session.get(BookingTopic, slot.topic_id)
    venue = await session.get(Venue, slot.venue_id)
    counsellor = await session.get(Counsellor, slot.counsellor_id) if slot.counsellor_id else None
    assert topic is not None and venue is not None
    return SlotInfo(slot, topic, venue, counsellor, free)


async def booking_info(session: AsyncSession, booking: Booking) -> SlotInfo:
    slot = await repo.get_slot(session, booking.slot_id)
    if slot is None:
        raise BookingError(Refusal.NOT_FOUND)
    return await slot_info(session, slot)


async def get_topic(session: AsyncSession, topic_id: int) -> BookingTopic:
    topic = await session.get(BookingTopic, topic_id) if known_id(topic_id) else None
    if topic is None or not topic.active:
        raise BookingError(Refusal.NO_TOPIC)
    return topic


def window(clock: Clock, settings: Settings) -> tuple[datetime, datetime, datetime]:
    """Now, the first bookable start (now + MIN_LEAD) and the end of the bookable weeks."""
    now = clock.now()
    last_day = now.astimezone(settings.tz).date() + timedelta(days=7 * settings.slot_weeks_ahead)
    return now, now + MIN_LEAD, day_bounds(last_day, settings.tz)[1]


def local_day(settings: Settings, moment: datetime) -> date:
    return moment.astimezone(settings.tz).date()


# --- the person's limit and note -------------------------------------------------------------------------


async def at_limit(
    session: AsyncSession, clock: Clock, settings: Settings, user_id: int, *, replacing: int | None = None
) -> bool:
    """Whether the person holds the maximum of upcoming bookings (`replacing`: one being moved)."""
    count = await repo.count_upcoming(session, user_id, clock.now(), except_booking=replacing)
    return count >= settings.booking_max_upcoming


async def check_limit(
    session: AsyncSession, clock: Clock, settings: Settings, user_id: int, *, replacing: int | None = None
) -> None:
    if await at_limit(session, clock, settings, user_id, replacing=replacing):
        raise BookingError(Refusal.LIMIT, limit=settings.booking_max_upcoming)


def typed_note(text: str | None) -> str | None:
    """A note as the person typed it, spaces tidied and cleaned (no NUL or control characters, which
    PostgreSQL and Telegram refuse: it is shown for review before it is stored); refused when it is longer
    than NOTE_MAX."""
    note = " ".join(clean_text(text or "").split())
    if len(note) > NOTE_MAX:
        raise BookingError(Refusal.TOO_LONG, length=len(note), limit=NOTE_MAX)
    return note or None


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = " ".join(clean_text(note).split())  # no NUL or control characters (PostgreSQL, Telegram)
    return note[:NOTE_MAX] or None


async def remember_language(session: AsyncSession, clock: Clock, user_id: int, lang: str | None) -> None:
    """A person who books without having chosen a language keeps the one they use now, so their
    reminders and offers (rendered later, by the delivery engine) come in it too."""
    user = await session.get(User, user_id) if lang else None
    if user is not None and lang and user.language is None:
        choose_language(user, lang, clock)


# --- booking --------------------------------------------------------------------------------------------


async def book(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    *,
    user_id: int,
    slot_id: int,
    interpreter: str | None = None,
    note: str | None = None,
    language: str | None = None,
    replacing: int | None = None,
    claiming_entry: int | None = None,
    notify: bool = True,
) -> Booking:
    """Book a place, or raise BookingError. `interpreter`: a language code, "-" or None for none;
    `language`: the one the person uses now (kept when they have not chosen one); `replacing`: a
    booking being moved (not counted in the limit); `claiming_entry`: a waitlist offer whose hold this
    booking takes over; `notify=False`: the caller tells the counsellor (a move is one notice)."""
    now = clock.now()
    interpreter = languages.chosen(interpreter)
    note = clean_note(note)
    if not known_id(slot_id):
        raise BookingError(Refusal.GONE)
    await repo.lock_user(session, user_id)
    slot = await repo.lock_slot(session, slot_id)
    if slot is None or slot.status != OPEN:
        raise BookingError(Refusal.GONE)
    if slot.starts_at <= now + MIN_LEAD:
        raise BookingError(Refusal.TOO_LATE)
    if await repo.has_active_booking(session, slot_id, user_id):
        raise BookingError(Refusal.ALREADY)
    await check_limit(session, clock, settings, user_id, replacing=replacing)
    taken = await repo.taken_places(session, slot_id, now, except_entry=claiming_entry)
    if taken >= slot.capacity:
        raise BookingError(Refusal.TAKEN)
    booking = await repo.add_booking(
        session,
        Booking(
            slot_id=slot_id,
            user_id=user_id,
            status=BookingStatus.BOOKED,
            interpreter=interpreter,
            note=note,
            created_at=now,
        ),
    )
    await remember_language(session, clock, user_id, language)
    if notify:
        await _notify_counsellor(session, clock, booking, await slot_info(session, slot), CounsellorNews.NEW)
    log.info("booking %s made for slot %s", booking.id, slot_id)  # no note, no person in the logs
    return booking


def appointment(info: SlotInfo) -> dict[str, Any]:
    """The fields every booking message shows (see payloads.Appointment)."""
    return Appointment(
        starts_at=info.slot.starts_at,
        ends_at=info.slot.ends_at,
        topic=dict(info.topic.names),
        venue=info.venue.name,
        address=info.venue.address,
    ).model_dump()


async def news_recipients(session: AsyncSession, info: SlotInfo) -> tuple[list[int], bool]:
    """Who hears of the bookings of a slot: its counsellor; when it has none who can be written to (none
    named, not linked to the bot, or blocked it), every organizer, so a booking never goes unnoticed.
    Second value: whether it is the organizers (the slot has nobody)."""
    counsellor = info.counsellor
    if counsellor is not None and counsellor.user_id is not None:
        user = await session.get(User, counsellor.user_id)
        if user is not None and user.is_active:
            return [user.id], False
    staff = await users_repo.staff(session, [ORGANIZER])
    return [user.id for user, _profile in staff if user.is_active], True


def counsellor_news_key(booking_id: int) -> str:
    """The start of the outbox key of every notice about a booking to those who hear of bookings."""
    return f"bookingc:{booking_id}:"


async def _notify_counsellor(
    session: AsyncSession,
    clock: Clock,
    booking: Booking,
    info: SlotInfo,
    event: CounsellorNews,
    *,
    moved_from: datetime | None = None,
) -> None:
    recipients, unassigned = await news_recipients(session, info)
    if not recipients or (unassigned and booking.cancelled_by == CancelledBy.ORGANIZER):
        return  # (the organizers know of what they cancelled themselves)
    if event == CounsellorNews.CANCELLED:
        # told of a booking that is gone before the news left? then neither message is needed
        if await outbox.cancel(session, key_prefix=f"{counsellor_news_key(booking.id)}{CounsellorNews.NEW}"):
            return
    # nothing about the person; the note only with a move (the counsellor knows the booking, and what
    # it is about helps them see which one moved)
    notice = CounsellorNotice(
        **appointment(info),
        booking_id=booking.id,
        event=event,
        interpreter=booking.interpreter,
        unassigned=unassigned,
        moved_from=moved_from,
        note=booking.note if event == CounsellorNews.MOVED else None,
    )
    for user_id in recipients:
        key = f"{counsellor_news_key(booking.id)}{event}" + (f":{user_id}" if unassigned else "")
        await outbox.enqueue(
            session,
            clock,
            chat_id=user_id,
            user_id=user_id,
            kind=KIND_COUNSELLOR,
            data=notice.data(),
            dedupe_key=key,
        )


async def tell_of_move(
    session: AsyncSession, clock: Clock, old: Booking, old_info: SlotInfo, new: Booking, new_info: SlotInfo
) -> None:
    """A moved booking, as the people who hear of bookings see it: one "moved from … to …" notice with
    the note when the same people hear of both times; a "new" one alone when they had not yet been told
    of the old time (its news is withdrawn); else "cancelled" to the old and "new" to the new."""
    before, _ = await news_recipients(session, old_info)
    after, _ = await news_recipients(session, new_info)
    withdrawn = await outbox.cancel(session, key_prefix=f"{counsellor_news_key(old.id)}{CounsellorNews.NEW}")
    if not withdrawn and before == after:
        await _notify_counsellor(
            session, clock, new, new_info, CounsellorNews.MOVED, moved_from=old_info.slot.starts_at
        )
        return
    if not withdrawn:
        await _notify_counsellor(session, clock, old, old_info, CounsellorNews.CANCELLED)
    await _notify_counsellor(session, clock, new, new_info, CounsellorNews.NEW)


async def get_own_booking(
    session: AsyncSession, user_id: int, booking_id: int, *, lock: bool = False
) -> Booking:
    booking = await repo.get_booking(session, booking_id, lock=lock) if known_id(booking_id) else None
    if booking is None or booking.user_id != user_id:
        raise BookingError(Refusal.NOT_FOUND)
    return booking


async def active_future(session: AsyncSession, clock: Clock, booking: Booking) -> SlotInfo:
    """The slot of a booking that is still active and has not started; refused otherwise."""
    if booking.status != BookingStatus.BOOKED:
        raise BookingError(Refusal.CANCELLED)
    slot = await repo.get_slot(session, booking.slot_id)
    if slot is None:
        raise BookingError(Refusal.NOT_FOUND)
    if slot.starts_at <= clock.now():
        raise BookingError(Refusal.STARTED)
    return await slot_info(session, slot)


async def cancel_booking(
    session: AsyncSession,
    clock: Clock,
    booking: Booking,
    info: SlotInfo,
    *,
    by: CancelledBy,
    notify: bool = True,
) -> None:
    """The place is free at once, the reminders are withdrawn, the counsellor is told (unless `notify` is
    False: a move, told as one notice)."""
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = clock.now()
    booking.cancelled_by = by
    await outbox.cancel(session, key_prefix=key_prefix(ReminderKind.BOOKING, str(booking.id)))
    await session.flush()
    if notify:
        await _notify_counsellor(session, clock, booking, info, CounsellorNews.CANCELLED)
