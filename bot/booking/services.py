"""The rules of booking: free times, capacity, a person's limit, ownership, time, reminders, waitlist,
the counsellors' agenda.

Capacity is enforced in the booking's own transaction on both engines: the person's row and then the
slot's row are locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE serializes every
writer), the slot's taken places (active bookings + unexpired waitlist holds) are counted, and only then
is the booking inserted. A partial unique index allows one active booking per person and slot.
Callers commit (the session is the unit of work). Messages to people are queued without a language: the
delivery engine renders them in the person's language when they are sent (a later change of language
counts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import languages
from bot.booking.schedule import OPEN, day_bounds
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.services.users import choose_language
from storage.models import Booking, BookingTopic, Counsellor, Slot, User, Venue, WaitlistEntry
from storage.repositories import booking as repo

log = logging.getLogger(__name__)

NOTE_MAX = 200
# Booking closes this long before a slot starts, so the counsellor hears of it in time.
MIN_LEAD = timedelta(minutes=30)
# A freed slot is offered to the waitlist only when it starts this long after the hold ends.
OFFER_MARGIN = timedelta(hours=1)
BOOKED, CANCELLED = "booked", "cancelled"
WAITING, OFFERED, TAKEN, LAPSED, LEFT = "waiting", "offered", "booked", "lapsed", "left"

# outbox kinds (renderers in handlers/booking.py)
KIND_REMINDER = "booking_reminder"
KIND_COUNSELLOR = "booking_counsellor"
KIND_CANCELLED = "booking_cancelled"
KIND_OFFER = "waitlist_offer"
KIND_LAPSED = "waitlist_lapsed"


class BookingError(Exception):
    """A booking action that cannot be done; `reason` is a stable code the handler words for the reader.

    gone: slot missing, cancelled or closed · taken: no free place · too_late: starts too soon/passed ·
    limit: the person holds the maximum of upcoming bookings · already: booked this slot already ·
    not_found: no such booking/offer for this person · cancelled: booking not active any more ·
    started: the appointment started or passed · expired: waitlist offer no longer valid ·
    has_free: the topic has free times (no waitlist) · no_topic: unknown or inactive topic.
    """

    def __init__(self, reason: str, **info: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.info = info


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


def remember_language(user: User, lang: str, clock: Clock) -> None:
    """A person who books without having chosen a language keeps the one they use now, so their
    reminders and offers (rendered later, by the delivery engine) come in it too."""
    if user.language is None:
        choose_language(user, lang, clock)


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def booking_info(session: AsyncSession, booking: Booking) -> SlotInfo:
    slot = await repo.get_slot(session, booking.slot_id)
    if slot is None:
        raise BookingError("not_found")
    return await slot_info(session, slot)


async def slot_topic_day(session: AsyncSession, settings: Settings, slot_id: int) -> tuple[int, date] | None:
    """The topic and local date of a slot (to show that day's times again), or None when it is gone."""
    slot = await repo.get_slot(session, slot_id)
    if slot is None:
        return None
    return slot.topic_id, slot.starts_at.astimezone(settings.tz).date()


def _window(clock: Clock, settings: Settings) -> tuple[datetime, datetime, datetime]:
    now = clock.now()
    last_day = now.astimezone(settings.tz).date() + timedelta(days=7 * settings.slot_weeks_ahead)
    return now, now + MIN_LEAD, day_bounds(last_day, settings.tz)[1]


# --- choosing -------------------------------------------------------------------------------------------


async def bookable_topics(session: AsyncSession) -> list[BookingTopic]:
    return list(await repo.topics(session))


async def get_topic(session: AsyncSession, topic_id: int) -> BookingTopic:
    topic = await session.get(BookingTopic, topic_id)
    if topic is None or not topic.active:
        raise BookingError("no_topic")
    return topic


async def free_days(session: AsyncSession, clock: Clock, settings: Settings, topic_id: int) -> list[date]:
    """Local dates in the coming weeks with at least one free place for the topic."""
    now, first, last = _window(clock, settings)
    days: list[date] = []
    for slot, _free in await repo.free_slots(session, topic_id, now, first, last):
        day = slot.starts_at.astimezone(settings.tz).date()
        if day not in days:
            days.append(day)
    return days


async def free_times(
    session: AsyncSession, clock: Clock, settings: Settings, topic_id: int, day: date
) -> list[SlotInfo]:
    now, first, last = _window(clock, settings)
    start, end = day_bounds(day, settings.tz)
    rows = await repo.free_slots(session, topic_id, now, max(first, start), min(last, end))
    return [await slot_info(session, slot, free) for slot, free in rows]


async def check_slot(session: AsyncSession, clock: Clock, slot_id: int) -> SlotInfo:
    """A slot still open and not too soon (for the steps before confirming; capacity is checked then)."""
    slot = await repo.get_slot(session, slot_id)
    if slot is None or slot.status != OPEN:
        raise BookingError("gone")
    if slot.starts_at <= clock.now() + MIN_LEAD:
        raise BookingError("too_late")
    return await slot_info(session, slot)


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
    replacing: int | None = None,
    claiming_entry: int | None = None,
) -> Booking:
    """Book a place, or raise BookingError. `replacing`: a booking being moved (not counted in the
    limit); `claiming_entry`: a waitlist offer whose hold this booking takes over."""
    now = clock.now()
    if not languages.is_valid(interpreter):
        interpreter = languages.OTHER
    note = clean_note(note)
    await repo.lock_user(session, user_id)
    slot = await repo.lock_slot(session, slot_id)
    if slot is None or slot.status != OPEN:
        raise BookingError("gone")
    if slot.starts_at <= now + MIN_LEAD:
        raise BookingError("too_late")
    if await repo.has_active_booking(session, slot_id, user_id):
        raise BookingError("already")
    upcoming = await repo.count_upcoming(session, user_id, now, except_booking=replacing)
    if upcoming >= settings.booking_max_upcoming:
        raise BookingError("limit", limit=settings.booking_max_upcoming)
    taken = await repo.taken_places(session, slot_id, now, except_entry=claiming_entry)
    if taken >= slot.capacity:
        raise BookingError("taken")
    booking = await repo.add_booking(
        session,
        Booking(
            slot_id=slot_id,
            user_id=user_id,
            status=BOOKED,
            interpreter=interpreter,
            note=note,
            created_at=now,
        ),
    )
    info = await slot_info(session, slot)
    await _queue_reminders(session, clock, settings, booking, info)
    await _notify_counsellor(session, clock, booking, info, "new")
    log.info("booking %s made for slot %s", booking.id, slot_id)  # no note, no person in the logs
    return booking


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = " ".join(note.split())
    return note[:NOTE_MAX] or None


def _payload(info: SlotInfo, **extra: Any) -> dict[str, Any]:
    return {
        "starts_at": info.slot.starts_at.isoformat(),
        "ends_at": info.slot.ends_at.isoformat(),
        "topic": dict(info.topic.names),
        "venue": info.venue.name,
        "address": info.venue.address,
        **extra,
    }


async def _queue_reminders(
    session: AsyncSession, clock: Clock, settings: Settings, booking: Booking, info: SlotInfo
) -> None:
    """One reminder per configured offset whose time is still ahead; the dedupe key makes each unique."""
    now = clock.now()
    for hours in settings.reminder_offsets_hours:
        at = info.slot.starts_at - timedelta(hours=hours)
        if at <= now:
            continue
        await outbox.enqueue(
            session,
            clock,
            chat_id=booking.user_id,
            user_id=booking.user_id,
            kind=KIND_REMINDER,
            data=_payload(info, booking_id=booking.id, hours=hours),
            ref=f"booking:{booking.id}",
            dedupe_key=f"booking:{booking.id}:remind:{hours}",
            not_before=at,
        )


async def _notify_counsellor(
    session: AsyncSession, clock: Clock, booking: Booking, info: SlotInfo, event: str
) -> None:
    counsellor = info.counsellor
    if counsellor is None or counsellor.user_id is None:
        return
    user = await session.get(User, counsellor.user_id)
    if user is None or not user.is_active:
        return
    if event == "cancelled":
        # told of a booking that is gone before the news left? then neither message is needed
        if await outbox.cancel(session, key_prefix=f"bookingc:{booking.id}:new"):
            return
    await outbox.enqueue(
        session,
        clock,
        chat_id=user.id,
        user_id=user.id,
        kind=KIND_COUNSELLOR,
        # no note and nothing about the person: the agenda shows what the counselling needs
        data=_payload(info, booking_id=booking.id, event=event, interpreter=booking.interpreter),
        dedupe_key=f"bookingc:{booking.id}:{event}",
    )


async def get_own_booking(
    session: AsyncSession, user_id: int, booking_id: int, *, lock: bool = False
) -> Booking:
    booking = await repo.get_booking(session, booking_id, lock=lock)
    if booking is None or booking.user_id != user_id:
        raise BookingError("not_found")
    return booking


async def _active_future(session: AsyncSession, clock: Clock, booking: Booking) -> SlotInfo:
    if booking.status != BOOKED:
        raise BookingError("cancelled")
    slot = await repo.get_slot(session, booking.slot_id)
    if slot is None:
        raise BookingError("not_found")
    if slot.starts_at <= clock.now():
        raise BookingError("started")
    return await slot_info(session, slot)


async def booking_details(session: AsyncSession, clock: Clock, user_id: int, booking_id: int) -> SlotInfo:
    """The slot of one of the person's active, future bookings (for the cancel / reschedule steps)."""
    booking = await get_own_booking(session, user_id, booking_id)
    return await _active_future(session, clock, booking)


async def cancel(
    session: AsyncSession, clock: Clock, settings: Settings, *, user_id: int, booking_id: int
) -> SlotInfo:
    """The person cancels: the place is free at once, reminders are withdrawn, the counsellor is told and
    the first person waiting for the topic gets an offer."""
    booking = await get_own_booking(session, user_id, booking_id, lock=True)
    info = await _active_future(session, clock, booking)
    await _cancel_booking(session, clock, booking, info, by="person")
    await offer_free_places(session, clock, settings, topic_id=info.topic.id)
    return info


async def _cancel_booking(
    session: AsyncSession, clock: Clock, booking: Booking, info: SlotInfo, *, by: str
) -> None:
    booking.status = CANCELLED
    booking.cancelled_at = clock.now()
    booking.cancelled_by = by
    await outbox.cancel(session, key_prefix=f"booking:{booking.id}:")
    await session.flush()
    await _notify_counsellor(session, clock, booking, info, "cancelled")


async def reschedule(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    *,
    user_id: int,
    booking_id: int,
    slot_id: int,
) -> Booking:
    """Move a booking to another slot in one transaction: the new place is booked first (same checks
    as a new booking), then the old one is cancelled. Interpreter and note move along."""
    old = await get_own_booking(session, user_id, booking_id, lock=True)
    old_info = await _active_future(session, clock, old)
    if old.slot_id == slot_id:
        raise BookingError("already")
    new = await book(
        session,
        clock,
        settings,
        user_id=user_id,
        slot_id=slot_id,
        interpreter=old.interpreter,
        note=old.note,
        replacing=old.id,
    )
    await _cancel_booking(session, clock, old, old_info, by="person")
    await offer_free_places(session, clock, settings, topic_id=old_info.topic.id)
    return new


async def confirm_attendance(
    session: AsyncSession, clock: Clock, *, user_id: int, booking_id: int
) -> SlotInfo:
    """ "I'll come" from a reminder."""
    booking = await get_own_booking(session, user_id, booking_id)
    info = await _active_future(session, clock, booking)
    if booking.confirmed_at is None:
        booking.confirmed_at = clock.now()
    return info


async def upcoming(session: AsyncSession, clock: Clock, user_id: int) -> list[tuple[Booking, SlotInfo]]:
    rows = await repo.upcoming_of_user(session, user_id, clock.now())
    return [(booking, await slot_info(session, slot)) for booking, slot in rows]


# --- organizers: cancelling slots ---------------------------------------------------------------------


async def cancel_bookings_of_slots(
    session: AsyncSession, clock: Clock, slot_ids: list[int], *, reason: str | None = None
) -> int:
    """Bookings on slots the organizers took away: cancel them and tell each person (in their language)."""
    count = 0
    for booking in await repo.active_bookings_of_slots(session, slot_ids):
        slot = await repo.get_slot(session, booking.slot_id)
        if slot is None or slot.starts_at <= clock.now():
            continue
        info = await slot_info(session, slot)
        await _cancel_booking(session, clock, booking, info, by="organizer")
        await outbox.enqueue(
            session,
            clock,
            chat_id=booking.user_id,
            user_id=booking.user_id,
            kind=KIND_CANCELLED,
            data=_payload(info, booking_id=booking.id, topic_id=info.topic.id, reason=reason or ""),
            dedupe_key=f"bookingx:{booking.id}",
        )
        count += 1
    for entry in await repo.offers_on_slots(session, slot_ids):  # back in line, keeping their place
        entry.status = WAITING
        entry.offered_slot_id = None
        entry.offer_expires_at = None
    await session.flush()
    return count


# --- waitlist ---------------------------------------------------------------------------------------------


async def has_free_place(session: AsyncSession, clock: Clock, settings: Settings, topic_id: int) -> bool:
    now, first, last = _window(clock, settings)
    return bool(await repo.free_slots(session, topic_id, now, first, last, limit=1))


async def join_waitlist(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    *,
    user_id: int,
    topic_id: int,
    interpreter: str | None = None,
) -> WaitlistEntry:
    """Join the topic's waitlist (only when it has no free time); joining again keeps one's place."""
    topic = await get_topic(session, topic_id)
    if await has_free_place(session, clock, settings, topic.id):
        raise BookingError("has_free")
    if not languages.is_valid(interpreter):
        interpreter = languages.OTHER
    entry = await repo.waitlist_entry(session, topic.id, user_id)
    if entry is None:
        entry = WaitlistEntry(
            topic_id=topic.id, user_id=user_id, status=WAITING, created_at=clock.now(), offers=0
        )
        session.add(entry)
    elif entry.status not in (WAITING, OFFERED):
        entry.status = WAITING
        entry.created_at = clock.now()  # to the end of the line
        entry.offered_slot_id = None
        entry.offer_expires_at = None
    entry.interpreter = interpreter
    await session.flush()
    return entry


async def leave_waitlist(
    session: AsyncSession, clock: Clock, settings: Settings, *, user_id: int, entry_id: int
) -> WaitlistEntry:
    entry = await repo.get_waitlist_entry(session, entry_id, lock=True)
    if entry is None or entry.user_id != user_id:
        raise BookingError("not_found")
    if entry.status not in (WAITING, OFFERED):
        raise BookingError("expired")
    was_offered = entry.status == OFFERED
    entry.status = LEFT
    entry.offered_slot_id = None
    entry.offer_expires_at = None
    await session.flush()
    if was_offered:  # the held place goes to the next person now
        await offer_free_places(session, clock, settings, topic_id=entry.topic_id)
    return entry


async def waitlist_of_user(session: AsyncSession, user_id: int) -> list[tuple[WaitlistEntry, BookingTopic]]:
    found = []
    for entry in await repo.active_entries_of_user(session, user_id):
        topic = await session.get(BookingTopic, entry.topic_id)
        if topic is not None:
            found.append((entry, topic))
    return found


async def take_offer(
    session: AsyncSession, clock: Clock, settings: Settings, *, user_id: int, entry_id: int, slot_id: int
) -> Booking:
    """The person takes the place held for them (one tap)."""
    await repo.lock_user(session, user_id)
    entry = await repo.get_waitlist_entry(session, entry_id, lock=True)
    if entry is None or entry.user_id != user_id:
        raise BookingError("not_found")
    if (
        entry.status != OFFERED
        or entry.offered_slot_id != slot_id
        or entry.offer_expires_at is None
        or entry.offer_expires_at <= clock.now()
    ):
        raise BookingError("expired")
    booking = await book(
        session,
        clock,
        settings,
        user_id=user_id,
        slot_id=slot_id,
        interpreter=entry.interpreter,
        claiming_entry=entry.id,
    )
    entry.status = TAKEN
    entry.offer_expires_at = None
    return booking


async def offer_free_places(
    session: AsyncSession, clock: Clock, settings: Settings, *, topic_id: int | None = None
) -> list[WaitlistEntry]:
    """Expire unclaimed offers (telling those people), then offer free places to those waiting, first
    come first served. Each offer holds the place for WAITLIST_HOLD_HOURS; it counts as taken."""
    now = clock.now()
    for entry in await repo.expired_offers(session, now):
        entry.status = LAPSED
        slot_id = entry.offered_slot_id
        entry.offered_slot_id = None
        entry.offer_expires_at = None
        topic = await session.get(BookingTopic, entry.topic_id)
        await outbox.enqueue(
            session,
            clock,
            chat_id=entry.user_id,
            user_id=entry.user_id,
            kind=KIND_LAPSED,
            data={"topic_id": entry.topic_id, "topic": dict(topic.names) if topic else {}},
            dedupe_key=f"waitlist:{entry.id}:lapsed:{entry.offers}",
        )
        log.info("waitlist offer %s on slot %s lapsed", entry.id, slot_id)
    await session.flush()
    hold = timedelta(hours=settings.waitlist_hold_hours)
    topic_ids = [topic_id] if topic_id is not None else await repo.topics_with_waiting(session)
    made: list[WaitlistEntry] = []
    _now, _first, last = _window(clock, settings)
    for tid in topic_ids:
        waiting = list(await repo.waiting_in_line(session, tid))
        if not waiting:
            continue
        for candidate, _free in await repo.free_slots(session, tid, now, now + hold + OFFER_MARGIN, last):
            if not waiting:
                break
            slot = await repo.lock_slot(session, candidate.id)
            if slot is None or slot.status != OPEN:
                continue
            free = slot.capacity - await repo.taken_places(session, slot.id, now)
            skipped = []
            while free > 0 and waiting:
                entry = waiting.pop(0)
                if await repo.has_active_booking(session, slot.id, entry.user_id) or (
                    await repo.count_upcoming(session, entry.user_id, now) >= settings.booking_max_upcoming
                ):
                    skipped.append(entry)  # stays in line for another time
                    continue
                if not await repo.mark_offered(session, entry.id, slot.id, now + hold):
                    continue
                await session.refresh(entry)
                info = await slot_info(session, slot)
                await outbox.enqueue(
                    session,
                    clock,
                    chat_id=entry.user_id,
                    user_id=entry.user_id,
                    kind=KIND_OFFER,
                    data=_payload(
                        info,
                        entry_id=entry.id,
                        slot_id=slot.id,
                        expires_at=(now + hold).isoformat(),
                    ),
                    dedupe_key=f"waitlist:{entry.id}:offer:{entry.offers}",
                )
                made.append(entry)
                free -= 1
            waiting = skipped + waiting
    await session.flush()
    return made


# --- counsellors ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    booking: Booking
    info: SlotInfo


async def agenda(
    session: AsyncSession, clock: Clock, settings: Settings, user: User, *, days: int = 7, everything: bool
) -> tuple[list[AgendaItem], bool]:
    """Bookings from today on for `days` days: all of them for organizers (`everything`), else only the
    slots of the counsellor linked to this user. Second value: whether the user counsels at all."""
    today = clock.now().astimezone(settings.tz).date()
    first = day_bounds(today, settings.tz)[0]
    last = day_bounds(today + timedelta(days=days), settings.tz)[1]
    counsellor_ids = await repo.counsellor_ids_of_user(session, user.id)
    if not everything and not counsellor_ids:
        return [], False
    rows = await repo.agenda(session, first, last, None if everything else counsellor_ids)
    return [AgendaItem(b, await slot_info(session, s)) for b, s in rows], bool(counsellor_ids) or everything
