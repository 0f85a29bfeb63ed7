"""Consultation booking: queries and writes (no rules; those are in bot.booking.services)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_insert
from storage.models import (
    Booking,
    BookingTopic,
    Closure,
    Counsellor,
    ScheduleRule,
    Slot,
    User,
    Venue,
    WaitlistEntry,
)

BOOKED, CANCELLED = "booked", "cancelled"
OPEN = "open"
OFFERED, WAITING = "offered", "waiting"


# --- topics, venues, counsellors ---------------------------------------------------------------------


async def topics(session: AsyncSession, *, only_active: bool = True) -> Sequence[BookingTopic]:
    stmt = select(BookingTopic).order_by(BookingTopic.position, BookingTopic.id)
    if only_active:
        stmt = stmt.where(BookingTopic.active.is_(True))
    return (await session.scalars(stmt)).all()


async def topic_by_key(session: AsyncSession, key: str) -> BookingTopic | None:
    return await session.scalar(select(BookingTopic).where(BookingTopic.key == key))


async def venues(session: AsyncSession) -> Sequence[Venue]:
    return (await session.scalars(select(Venue).order_by(Venue.id))).all()


async def venue_by_key(session: AsyncSession, key: str) -> Venue | None:
    return await session.scalar(select(Venue).where(Venue.key == key))


async def counsellors(session: AsyncSession) -> Sequence[Counsellor]:
    return (await session.scalars(select(Counsellor).order_by(Counsellor.id))).all()


async def counsellor_by_key(session: AsyncSession, key: str) -> Counsellor | None:
    return await session.scalar(select(Counsellor).where(Counsellor.key == key))


async def counsellor_ids_of_user(session: AsyncSession, user_id: int) -> list[int]:
    return list((await session.scalars(select(Counsellor.id).where(Counsellor.user_id == user_id))).all())


# --- rules and closures -----------------------------------------------------------------------------


async def rules(session: AsyncSession, *, only_active: bool = False) -> Sequence[ScheduleRule]:
    stmt = select(ScheduleRule).order_by(ScheduleRule.kind.desc(), ScheduleRule.weekday, ScheduleRule.on_date)
    if only_active:
        stmt = stmt.where(ScheduleRule.active.is_(True))
    return (await session.scalars(stmt.order_by(ScheduleRule.start_time, ScheduleRule.id))).all()


async def rule_by_key(session: AsyncSession, key: str) -> ScheduleRule | None:
    return await session.scalar(select(ScheduleRule).where(ScheduleRule.key == key))


async def closures(session: AsyncSession, first: date, last: date) -> Sequence[Closure]:
    stmt = (
        select(Closure)
        .where(Closure.on_date >= first, Closure.on_date <= last)
        .order_by(Closure.on_date, Closure.id)
    )
    return (await session.scalars(stmt)).all()


async def find_closure(
    session: AsyncSession, on_date: date, topic_id: int | None, venue_id: int | None
) -> Closure | None:
    stmt = select(Closure).where(
        Closure.on_date == on_date,
        Closure.topic_id.is_(None) if topic_id is None else Closure.topic_id == topic_id,
        Closure.venue_id.is_(None) if venue_id is None else Closure.venue_id == venue_id,
    )
    return await session.scalar(stmt)


async def delete_closures(session: AsyncSession, on_date: date) -> int:
    result = await session.execute(delete(Closure).where(Closure.on_date == on_date))
    return int(result.rowcount or 0)


# --- slots ------------------------------------------------------------------------------------------


async def insert_slots(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert slots; a (rule, start) that exists already is left as it is. Returns how many were new."""
    created = 0
    insert = upsert_insert(session)
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        stmt = insert(Slot).values(chunk).on_conflict_do_nothing(index_elements=["rule_id", "starts_at"])
        result = await session.execute(stmt)
        created += int(result.rowcount or 0)
    return created


async def future_slots_of_rules(
    session: AsyncSession, rule_ids: Iterable[int], after: datetime
) -> Sequence[Slot]:
    ids = list(rule_ids)
    if not ids:
        return []
    stmt = select(Slot).where(Slot.rule_id.in_(ids), Slot.starts_at > after)
    return (await session.scalars(stmt)).all()


async def slot_ids_with_bookings(session: AsyncSession, slot_ids: Iterable[int]) -> set[int]:
    ids = list(slot_ids)
    if not ids:
        return set()
    found = await session.scalars(select(Booking.slot_id).where(Booking.slot_id.in_(ids)).distinct())
    return set(found.all())


async def delete_slots(session: AsyncSession, slot_ids: Iterable[int]) -> None:
    ids = list(slot_ids)
    if ids:
        await session.execute(delete(Slot).where(Slot.id.in_(ids)))


async def set_slot_status(session: AsyncSession, slot_ids: Iterable[int], status: str) -> None:
    ids = list(slot_ids)
    if ids:
        await session.execute(update(Slot).where(Slot.id.in_(ids)).values(status=status))


async def get_slot(session: AsyncSession, slot_id: int) -> Slot | None:
    return await session.get(Slot, slot_id)


async def lock_slot(session: AsyncSession, slot_id: int) -> Slot | None:
    """The slot, row-locked until the end of the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serializes writers), read fresh from the database."""
    stmt = select(Slot).where(Slot.id == slot_id).with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def lock_user(session: AsyncSession, user_id: int) -> bool:
    """Row-lock the person, so one person's bookings are checked and written one at a time."""
    found = await session.scalar(select(User.id).where(User.id == user_id).with_for_update())
    return found is not None


def _booked_counts() -> Any:
    return (
        select(Booking.slot_id.label("slot_id"), func.count().label("n"))
        .where(Booking.status == BOOKED)
        .group_by(Booking.slot_id)
        .subquery()
    )


def _held_counts(now: datetime) -> Any:
    return (
        select(WaitlistEntry.offered_slot_id.label("slot_id"), func.count().label("n"))
        .where(WaitlistEntry.status == OFFERED, WaitlistEntry.offer_expires_at > now)
        .group_by(WaitlistEntry.offered_slot_id)
        .subquery()
    )


def _slots_with_taken(now: datetime) -> tuple[Select[Any], Any]:
    booked, held = _booked_counts(), _held_counts(now)
    taken = func.coalesce(booked.c.n, 0) + func.coalesce(held.c.n, 0)
    stmt = (
        select(Slot, taken.label("taken"))
        .outerjoin(booked, booked.c.slot_id == Slot.id)
        .outerjoin(held, held.c.slot_id == Slot.id)
    )
    return stmt, taken


async def taken_places(
    session: AsyncSession, slot_id: int, now: datetime, *, except_entry: int | None = None
) -> int:
    """Active bookings plus unexpired waitlist holds on the slot (optionally not counting one hold)."""
    booked = await session.scalar(
        select(func.count()).select_from(Booking).where(Booking.slot_id == slot_id, Booking.status == BOOKED)
    )
    held_stmt = (
        select(func.count())
        .select_from(WaitlistEntry)
        .where(
            WaitlistEntry.offered_slot_id == slot_id,
            WaitlistEntry.status == OFFERED,
            WaitlistEntry.offer_expires_at > now,
        )
    )
    if except_entry is not None:
        held_stmt = held_stmt.where(WaitlistEntry.id != except_entry)
    held = await session.scalar(held_stmt)
    return int(booked or 0) + int(held or 0)


async def free_slots(
    session: AsyncSession,
    topic_id: int,
    now: datetime,
    first: datetime,
    last: datetime,
    *,
    limit: int | None = None,
) -> list[tuple[Slot, int]]:
    """Open slots of a topic starting in [first, last) with a free place: (slot, places left)."""
    stmt, taken = _slots_with_taken(now)
    stmt = (
        stmt.where(
            Slot.topic_id == topic_id,
            Slot.status == OPEN,
            Slot.starts_at >= first,
            Slot.starts_at < last,
            Slot.capacity > taken,
        )
        .order_by(Slot.starts_at, Slot.id)
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    return [(slot, int(slot.capacity - n)) for slot, n in rows]


async def slots_between(
    session: AsyncSession, first: datetime, last: datetime, now: datetime
) -> list[tuple[Slot, int]]:
    """Every slot (any status) starting in [first, last), with its taken places."""
    stmt, _taken = _slots_with_taken(now)
    stmt = stmt.where(Slot.starts_at >= first, Slot.starts_at < last).order_by(Slot.starts_at, Slot.id)
    return [(slot, int(n)) for slot, n in (await session.execute(stmt)).all()]


async def topics_with_waiting(session: AsyncSession) -> list[int]:
    stmt = select(WaitlistEntry.topic_id).where(WaitlistEntry.status == WAITING).distinct()
    return list((await session.scalars(stmt)).all())


# --- bookings ---------------------------------------------------------------------------------------


async def add_booking(session: AsyncSession, booking: Booking) -> Booking:
    session.add(booking)
    await session.flush()
    return booking


async def get_booking(session: AsyncSession, booking_id: int, *, lock: bool = False) -> Booking | None:
    stmt = select(Booking).where(Booking.id == booking_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def has_active_booking(session: AsyncSession, slot_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(Booking.id).where(
            Booking.slot_id == slot_id, Booking.user_id == user_id, Booking.status == BOOKED
        )
    )
    return found is not None


async def count_upcoming(
    session: AsyncSession, user_id: int, now: datetime, *, except_booking: int | None = None
) -> int:
    stmt = (
        select(func.count())
        .select_from(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.user_id == user_id, Booking.status == BOOKED, Slot.ends_at > now)
    )
    if except_booking is not None:
        stmt = stmt.where(Booking.id != except_booking)
    return int(await session.scalar(stmt) or 0)


async def upcoming_of_user(session: AsyncSession, user_id: int, now: datetime) -> list[tuple[Booking, Slot]]:
    stmt = (
        select(Booking, Slot)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.user_id == user_id, Booking.status == BOOKED, Slot.ends_at > now)
        .order_by(Slot.starts_at, Booking.id)
    )
    return [(b, s) for b, s in (await session.execute(stmt)).all()]


async def bookings_starting(
    session: AsyncSession, after: datetime, until: datetime
) -> list[tuple[Booking, Slot]]:
    """Active bookings whose slot starts in (after, until], soonest first (the reminders' candidates)."""
    stmt = (
        select(Booking, Slot)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.status == BOOKED, Slot.starts_at > after, Slot.starts_at <= until)
        .order_by(Slot.starts_at, Booking.id)
    )
    return [(b, s) for b, s in (await session.execute(stmt)).all()]


async def active_bookings_of_slots(session: AsyncSession, slot_ids: Iterable[int]) -> Sequence[Booking]:
    ids = list(slot_ids)
    if not ids:
        return []
    stmt = select(Booking).where(Booking.slot_id.in_(ids), Booking.status == BOOKED).order_by(Booking.id)
    return (await session.scalars(stmt)).all()


async def agenda(
    session: AsyncSession, first: datetime, last: datetime, counsellor_ids: list[int] | None
) -> list[tuple[Booking, Slot]]:
    """Active bookings in [first, last); only these counsellors' slots unless None (everything)."""
    stmt = (
        select(Booking, Slot)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.status == BOOKED, Slot.starts_at >= first, Slot.starts_at < last)
        .order_by(Slot.starts_at, Slot.id, Booking.id)
    )
    if counsellor_ids is not None:
        stmt = stmt.where(Slot.counsellor_id.in_(counsellor_ids))
    return [(b, s) for b, s in (await session.execute(stmt)).all()]


# --- waitlist ---------------------------------------------------------------------------------------


async def waitlist_entry(session: AsyncSession, topic_id: int, user_id: int) -> WaitlistEntry | None:
    return await session.scalar(
        select(WaitlistEntry)
        .where(WaitlistEntry.topic_id == topic_id, WaitlistEntry.user_id == user_id)
        .execution_options(populate_existing=True)
    )


async def get_waitlist_entry(
    session: AsyncSession, entry_id: int, *, lock: bool = False
) -> WaitlistEntry | None:
    stmt = select(WaitlistEntry).where(WaitlistEntry.id == entry_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def waiting_in_line(session: AsyncSession, topic_id: int) -> Sequence[WaitlistEntry]:
    stmt = (
        select(WaitlistEntry)
        .where(WaitlistEntry.topic_id == topic_id, WaitlistEntry.status == WAITING)
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    )
    return (await session.scalars(stmt)).all()


async def active_entries_of_user(session: AsyncSession, user_id: int) -> Sequence[WaitlistEntry]:
    stmt = (
        select(WaitlistEntry)
        .where(WaitlistEntry.user_id == user_id, WaitlistEntry.status.in_([WAITING, OFFERED]))
        .order_by(WaitlistEntry.created_at)
    )
    return (await session.scalars(stmt)).all()


async def mark_offered(session: AsyncSession, entry_id: int, slot_id: int, expires_at: datetime) -> bool:
    """Waiting -> offered in one conditional statement (two matchers never offer to the same entry)."""
    result = await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == WAITING)
        .values(
            status=OFFERED,
            offered_slot_id=slot_id,
            offer_expires_at=expires_at,
            offers=WaitlistEntry.offers + 1,
        )
    )
    return bool(result.rowcount)


async def expired_offers(session: AsyncSession, now: datetime) -> Sequence[WaitlistEntry]:
    stmt = (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.status == OFFERED,
            or_(WaitlistEntry.offer_expires_at <= now, WaitlistEntry.offered_slot_id.is_(None)),
        )
        .order_by(WaitlistEntry.id)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(stmt)).all()


async def offers_on_slots(session: AsyncSession, slot_ids: Iterable[int]) -> Sequence[WaitlistEntry]:
    ids = list(slot_ids)
    if not ids:
        return []
    stmt = select(WaitlistEntry).where(
        and_(WaitlistEntry.offered_slot_id.in_(ids), WaitlistEntry.status == OFFERED)
    )
    return (await session.scalars(stmt)).all()


# --- the organizers' list of bookings (the console) -----------------------------------------------------


def _bookings_where(now: datetime, *, upcoming: bool, topic_id: int | None, status: str | None) -> list[Any]:
    """Filters of the bookings list; `status`: booked, cancelled, came, no_show or unrecorded (past, booked,
    nobody said whether the person came)."""
    where: list[Any] = [Slot.starts_at >= now if upcoming else Slot.starts_at < now]
    if topic_id is not None:
        where.append(Slot.topic_id == topic_id)
    if status in (BOOKED, CANCELLED):
        where.append(Booking.status == status)
    elif status in ("came", "no_show", "unrecorded"):
        attended = {"came": Booking.attended.is_(True), "no_show": Booking.attended.is_(False)}
        where += [Booking.status == BOOKED, attended.get(status, Booking.attended.is_(None))]
    return where


async def bookings_list(
    session: AsyncSession,
    now: datetime,
    *,
    upcoming: bool,
    topic_id: int | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[tuple[Booking, Slot, str | None]], int]:
    """One page of bookings with their slot and the person's language (upcoming: soonest first; past:
    latest first), and how many match in all."""
    where = _bookings_where(now, upcoming=upcoming, topic_id=topic_id, status=status)
    order = (Slot.starts_at, Booking.id) if upcoming else (Slot.starts_at.desc(), Booking.id.desc())
    stmt = (
        select(Booking, Slot, User.language)
        .join(Slot, Slot.id == Booking.slot_id)
        .join(User, User.id == Booking.user_id)
        .where(*where)
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    rows = [(b, s, lang) for b, s, lang in (await session.execute(stmt)).all()]
    total = await session.scalar(
        select(func.count()).select_from(Booking).join(Slot, Slot.id == Booking.slot_id).where(*where)
    )
    return rows, int(total or 0)
