"""The rules of booking, in one place for the bot, the console and the command line: free times, the
person's limit, ownership, time, cancelling and moving, the waitlist, the counsellors' agenda.

This module is the capability's front door: it re-exports what callers need from `appointments` (one
appointment: refusals, limit, note, booking, messages) and `waitlist`, and the types its functions
return, so handlers never import storage models. Every check comes before the first write, so a refused
change leaves nothing behind; the caller's unit of work commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.appointments import (
    MAX_ID,
    MIN_LEAD,
    NOTE_MAX,
    BookingError,
    BookingStatus,
    CancelledBy,
    Refusal,
    SlotInfo,
    active_future,
    appointment,
    at_limit,
    book,
    booking_info,
    cancel_booking,
    check_limit,
    clean_note,
    get_own_booking,
    get_topic,
    known_id,
    local_day,
    remember_language,
    slot_info,
    tell_of_move,
    topic_name,
    typed_note,
    window,
)
from bot.booking.payloads import (
    KIND_CANCELLED,
    KIND_COUNSELLOR,
    KIND_LAPSED,
    KIND_OFFER,
    KIND_REMINDER,
    CancelledByAssociation,
    CounsellorNews,
)
from bot.booking.schedule import OPEN, SlotStatus, day_bounds
from bot.booking.waitlist import (
    OFFER_MARGIN,
    WaitStatus,
    has_free_place,
    join_waitlist,
    leave_waitlist,
    offer_free_places,
    take_offer,
    waitlist_of_user,
)
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from bot.users import ORGANIZER, Person, has_role
from storage.models import (
    Booking,
    BookingTopic,
    Closure,
    Counsellor,
    ScheduleRule,
    Slot,
    Venue,
    WaitlistEntry,
)
from storage.repositories import booking as repo

__all__ = [
    "KIND_CANCELLED",
    "KIND_COUNSELLOR",
    "KIND_LAPSED",
    "KIND_OFFER",
    "KIND_REMINDER",
    "MAX_ID",
    "MIN_LEAD",
    "NOTE_MAX",
    "OFFER_MARGIN",
    "AgendaItem",
    "Booking",
    "BookingError",
    "BookingStatus",
    "BookingTopic",
    "CancelledBy",
    "Closure",
    "Counsellor",
    "CounsellorNews",
    "Refusal",
    "ScheduleRule",
    "Slot",
    "SlotInfo",
    "SlotStatus",
    "Venue",
    "WaitStatus",
    "WaitlistEntry",
    "agenda",
    "at_limit",
    "book",
    "bookable_topics",
    "booking_details",
    "booking_info",
    "cancel",
    "cancel_bookings_of_slots",
    "check_limit",
    "check_slot",
    "clean_note",
    "confirm_attendance",
    "free_days",
    "free_times",
    "get_own_booking",
    "get_topic",
    "has_free_place",
    "join_waitlist",
    "leave_waitlist",
    "offer_free_places",
    "record_attendance",
    "remember_language",
    "reschedule",
    "slot_info",
    "slot_topic_day",
    "take_offer",
    "topic_name",
    "topics_to_book",
    "typed_note",
    "upcoming",
    "waitlist_of_user",
]


# --- choosing -------------------------------------------------------------------------------------------


async def bookable_topics(session: AsyncSession) -> list[BookingTopic]:
    return list(await repo.topics(session))


async def topics_to_book(
    session: AsyncSession, clock: Clock, settings: Settings, user_id: int
) -> list[BookingTopic]:
    """The topics a person can book now; refused (`limit`) while they hold the maximum of upcoming
    bookings, so nobody chooses a time only to be told no at the end."""
    await check_limit(session, clock, settings, user_id)
    return await bookable_topics(session)


async def topic_by_key(session: AsyncSession, key: str) -> BookingTopic | None:
    """A bookable topic named in a link (t.me/<bot>?start=book-<key>), or None."""
    return next((t for t in await bookable_topics(session) if t.key == key), None)


async def free_days(session: AsyncSession, clock: Clock, settings: Settings, topic_id: int) -> list[date]:
    """Local dates in the coming weeks with at least one free place for the topic."""
    now, first, last = window(clock, settings)
    days: list[date] = []
    for slot, _free in await repo.free_slots(session, topic_id, now, first, last):
        day = local_day(settings, slot.starts_at)
        if day not in days:
            days.append(day)
    return days


async def free_times(
    session: AsyncSession, clock: Clock, settings: Settings, topic_id: int, day: date
) -> list[SlotInfo]:
    now, first, last = window(clock, settings)
    start, end = day_bounds(day, settings.tz)
    rows = await repo.free_slots(session, topic_id, now, max(first, start), min(last, end))
    return [await slot_info(session, slot, free) for slot, free in rows]


async def check_slot(session: AsyncSession, clock: Clock, slot_id: int) -> SlotInfo:
    """A slot still open and not too soon (for the steps before confirming; capacity is checked then)."""
    slot = await repo.get_slot(session, slot_id) if known_id(slot_id) else None
    if slot is None or slot.status != OPEN:
        raise BookingError(Refusal.GONE)
    if slot.starts_at <= clock.now() + MIN_LEAD:
        raise BookingError(Refusal.TOO_LATE)
    return await slot_info(session, slot)


async def slot_topic_day(session: AsyncSession, settings: Settings, slot_id: int) -> tuple[int, date] | None:
    """The topic and local date of a slot (to show that day's times again), or None when it is gone."""
    slot = await repo.get_slot(session, slot_id) if known_id(slot_id) else None
    if slot is None:
        return None
    return slot.topic_id, local_day(settings, slot.starts_at)


# --- one's own bookings -----------------------------------------------------------------------------------


async def booking_details(session: AsyncSession, clock: Clock, user_id: int, booking_id: int) -> SlotInfo:
    """The slot of one of the person's active, future bookings (for the cancel / reschedule steps)."""
    booking = await get_own_booking(session, user_id, booking_id)
    return await active_future(session, clock, booking)


async def upcoming(session: AsyncSession, clock: Clock, user_id: int) -> list[tuple[Booking, SlotInfo]]:
    rows = await repo.upcoming_of_user(session, user_id, clock.now())
    return [(booking, await slot_info(session, slot)) for booking, slot in rows]


async def cancel(
    session: AsyncSession, clock: Clock, settings: Settings, *, user_id: int, booking_id: int
) -> SlotInfo:
    """The person cancels: the place is free at once, reminders are withdrawn, the counsellor is told and
    the first person waiting for the topic gets an offer."""
    booking = await get_own_booking(session, user_id, booking_id, lock=True)
    info = await active_future(session, clock, booking)
    await cancel_booking(session, clock, booking, info, by=CancelledBy.PERSON)
    await offer_free_places(session, clock, settings, topic_id=info.topic.id)
    return info


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
    as a new booking), then the old one is cancelled. Interpreter and note move along; the counsellor
    gets one notice ("moved from … to …", with the note)."""
    old = await get_own_booking(session, user_id, booking_id, lock=True)
    old_info = await active_future(session, clock, old)
    if old.slot_id == slot_id:
        raise BookingError(Refusal.ALREADY)
    async with session.begin_nested():  # the new booking and the old one's cancellation, or neither
        new = await book(
            session,
            clock,
            settings,
            user_id=user_id,
            slot_id=slot_id,
            interpreter=old.interpreter,
            note=old.note,
            replacing=old.id,
            notify=False,
        )
        await cancel_booking(session, clock, old, old_info, by=CancelledBy.PERSON, notify=False)
        await tell_of_move(session, clock, old, old_info, new, await booking_info(session, new))
        await offer_free_places(session, clock, settings, topic_id=old_info.topic.id)
    return new


async def confirm_attendance(
    session: AsyncSession, clock: Clock, *, user_id: int, booking_id: int
) -> SlotInfo:
    """ "I'll come" from a reminder."""
    booking = await get_own_booking(session, user_id, booking_id)
    info = await active_future(session, clock, booking)
    if booking.confirmed_at is None:
        booking.confirmed_at = clock.now()
    return info


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
        await cancel_booking(session, clock, booking, info, by=CancelledBy.ORGANIZER)
        told = CancelledByAssociation(
            **appointment(info), booking_id=booking.id, topic_id=info.topic.id, reason=reason or ""
        )
        await outbox.enqueue(
            session,
            clock,
            chat_id=booking.user_id,
            user_id=booking.user_id,
            kind=KIND_CANCELLED,
            data=told.data(),
            dedupe_key=f"bookingx:{booking.id}",
        )
        count += 1
    for entry in await repo.offers_on_slots(session, slot_ids):  # back in line, keeping their place
        entry.status = WaitStatus.WAITING
        entry.offered_slot_id = None
        entry.offer_expires_at = None
    await session.flush()
    return count


# --- counsellors ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    booking: Booking
    info: SlotInfo


async def agenda(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    user: Person,
    *,
    days: int = 7,
    everything: bool | None = None,
) -> tuple[list[AgendaItem], bool]:
    """Bookings from today on for `days` days: all of them for organizers (`everything`, by default the
    user's role decides), else only the slots of the counsellor linked to this user. Second value:
    whether the user counsels at all."""
    if everything is None:
        everything = has_role(user, ORGANIZER)
    today = local_day(settings, clock.now())
    first = day_bounds(today, settings.tz)[0]
    last = day_bounds(today + timedelta(days=days), settings.tz)[1]
    counsellor_ids = await repo.counsellor_ids_of_user(session, user.id)
    if not everything and not counsellor_ids:
        return [], False
    rows = await repo.agenda(session, first, last, None if everything else counsellor_ids)
    return [AgendaItem(b, await slot_info(session, s)) for b, s in rows], bool(counsellor_ids) or everything


async def record_attendance(
    session: AsyncSession, clock: Clock, user: Person, *, booking_id: int, came: bool
) -> AgendaItem:
    """A counsellor of the appointment, or an organizer, says whether the person came (the no-shows of the
    console's figures). Only for a booked appointment that has begun; said again, the last word counts.
    Someone else's appointment is "not found", as a forged button would be."""
    booking = await repo.get_booking(session, booking_id) if known_id(booking_id) else None
    slot = await repo.get_slot(session, booking.slot_id) if booking is not None else None
    if booking is None or slot is None:
        raise BookingError(Refusal.NOT_FOUND)
    if not has_role(user, ORGANIZER) and slot.counsellor_id not in await repo.counsellor_ids_of_user(
        session, user.id
    ):
        raise BookingError(Refusal.NOT_FOUND)
    if booking.status != BookingStatus.BOOKED:
        raise BookingError(Refusal.CANCELLED)
    if slot.starts_at > clock.now():
        raise BookingError(Refusal.NOT_YET)
    booking.attended = came
    await session.flush()
    return AgendaItem(booking, await slot_info(session, slot))
