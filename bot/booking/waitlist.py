"""The waitlist of a full topic: joining, leaving, one-tap offers that hold a freed place for a while, and
passing an unclaimed offer on to the next person. Checks come before writes; the caller commits."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import languages
from bot.booking.appointments import (
    BookingError,
    Refusal,
    appointment,
    at_limit,
    book,
    get_topic,
    known_id,
    remember_language,
    slot_info,
    window,
)
from bot.booking.payloads import KIND_LAPSED, KIND_OFFER, Lapsed, Offer
from bot.booking.schedule import OPEN
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import outbox
from storage.models import Booking, BookingTopic, WaitlistEntry
from storage.repositories import booking as repo

log = logging.getLogger(__name__)

# A freed slot is offered to the waitlist only when it starts this long after the hold ends.
OFFER_MARGIN = timedelta(hours=1)


class WaitStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # holds `offered_slot_id` until `offer_expires_at`
    TAKEN = "booked"
    LAPSED = "lapsed"  # the offer was not taken in time
    LEFT = "left"


IN_LINE = (WaitStatus.WAITING, WaitStatus.OFFERED)


async def has_free_place(session: AsyncSession, clock: Clock, settings: Settings, topic_id: int) -> bool:
    now, first, last = window(clock, settings)
    return bool(await repo.free_slots(session, topic_id, now, first, last, limit=1))


async def join_waitlist(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    *,
    user_id: int,
    topic_id: int,
    interpreter: str | None = None,
    language: str | None = None,
) -> WaitlistEntry:
    """Join the topic's waitlist (only when it has no free time); joining again keeps one's place.
    `language`: the one the person uses now (kept when they have not chosen one)."""
    topic = await get_topic(session, topic_id)
    if await has_free_place(session, clock, settings, topic.id):
        raise BookingError(Refusal.HAS_FREE)
    entry = await repo.waitlist_entry(session, topic.id, user_id)
    if entry is None:
        entry = WaitlistEntry(
            topic_id=topic.id, user_id=user_id, status=WaitStatus.WAITING, created_at=clock.now(), offers=0
        )
        session.add(entry)
    elif entry.status not in IN_LINE:
        entry.status = WaitStatus.WAITING
        entry.created_at = clock.now()  # to the end of the line
        entry.offered_slot_id = None
        entry.offer_expires_at = None
    entry.interpreter = languages.chosen(interpreter)
    await remember_language(session, clock, user_id, language)
    await session.flush()
    return entry


async def _own_entry(session: AsyncSession, user_id: int, entry_id: int) -> WaitlistEntry:
    entry = await repo.get_waitlist_entry(session, entry_id, lock=True) if known_id(entry_id) else None
    if entry is None or entry.user_id != user_id:
        raise BookingError(Refusal.NOT_FOUND)
    return entry


async def leave_waitlist(
    session: AsyncSession, clock: Clock, settings: Settings, *, user_id: int, entry_id: int
) -> WaitlistEntry:
    """Leave the line, or decline an offer: the held place goes to the next person at once."""
    entry = await _own_entry(session, user_id, entry_id)
    if entry.status not in IN_LINE:
        raise BookingError(Refusal.EXPIRED)
    was_offered = entry.status == WaitStatus.OFFERED
    entry.status = WaitStatus.LEFT
    entry.offered_slot_id = None
    entry.offer_expires_at = None
    await session.flush()
    if was_offered:
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
    entry = await _own_entry(session, user_id, entry_id)
    if (
        entry.status != WaitStatus.OFFERED
        or entry.offered_slot_id != slot_id
        or entry.offer_expires_at is None
        or entry.offer_expires_at <= clock.now()
    ):
        raise BookingError(Refusal.EXPIRED)
    async with session.begin_nested():  # the booking and the entry's new state, or neither
        booking = await book(
            session,
            clock,
            settings,
            user_id=user_id,
            slot_id=slot_id,
            interpreter=entry.interpreter,
            claiming_entry=entry.id,
        )
        entry.status = WaitStatus.TAKEN
        entry.offer_expires_at = None
    return booking


async def _expire_offers(session: AsyncSession, clock: Clock) -> None:
    """Unclaimed offers lapse; each person hears that the place went on."""
    for entry in await repo.expired_offers(session, clock.now()):
        entry.status = WaitStatus.LAPSED
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
            data=Lapsed(topic_id=entry.topic_id, topic=dict(topic.names) if topic else {}).data(),
            dedupe_key=f"waitlist:{entry.id}:lapsed:{entry.offers}",
        )
        log.info("waitlist offer %s on slot %s lapsed", entry.id, slot_id)
    await session.flush()


async def offer_free_places(
    session: AsyncSession, clock: Clock, settings: Settings, *, topic_id: int | None = None
) -> list[WaitlistEntry]:
    """Expire unclaimed offers (telling those people), then offer free places to those waiting, first
    come first served. Each offer holds the place for WAITLIST_HOLD_HOURS; it counts as taken."""
    await _expire_offers(session, clock)
    now = clock.now()
    hold = timedelta(hours=settings.waitlist_hold_hours)
    topic_ids = [topic_id] if topic_id is not None else await repo.topics_with_waiting(session)
    made: list[WaitlistEntry] = []
    _now, _first, last = window(clock, settings)
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
                if await repo.has_active_booking(session, slot.id, entry.user_id) or await at_limit(
                    session, clock, settings, entry.user_id
                ):
                    skipped.append(entry)  # stays in line for another time
                    continue
                if not await repo.mark_offered(session, entry.id, slot.id, now + hold):
                    continue
                await session.refresh(entry)
                offer = Offer(
                    **appointment(await slot_info(session, slot)),
                    entry_id=entry.id,
                    slot_id=slot.id,
                    expires_at=now + hold,
                )
                await outbox.enqueue(
                    session,
                    clock,
                    chat_id=entry.user_id,
                    user_id=entry.user_id,
                    kind=KIND_OFFER,
                    data=offer.data(),
                    dedupe_key=f"waitlist:{entry.id}:offer:{entry.offers}",
                )
                made.append(entry)
                free -= 1
            waiting = skipped + waiting
    await session.flush()
    return made
