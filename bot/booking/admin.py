"""What organizers change in the schedule (shared by /slots in the bot and `python -m bot slots`).

Every change is checked before it writes (a refused change leaves nothing behind) and ends with
`sync_slots`, so the bookable slots follow the schedule at once. Taking away a time that people booked
(a closure, a cancelled slot) cancels their bookings and tells each of them. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import services
from bot.booking.schedule import (
    CANCELLED,
    ONCE,
    OPEN,
    WEEKLY,
    RuleSpec,
    ScheduleError,
    SyncResult,
    day_bounds,
    refuse_clash,
    sync_slots,
)
from bot.clock import Clock
from bot.config import Settings
from bot.text import N_, clean_text
from storage.models import BookingTopic, Closure, Counsellor, ScheduleRule, Slot, Venue
from storage.repositories import booking as repo


async def resolve_topic(session: AsyncSession, key: str) -> BookingTopic:
    """A topic by its key or by its name in any language ("housing", "Wohnen", "السكن")."""
    topic = await repo.topic_by_key(session, key)
    if topic is not None:
        return topic
    topics = await repo.topics(session, only_active=False)
    wanted = key.casefold()
    for candidate in topics:
        if wanted in (name.casefold() for name in (candidate.names or {}).values()):
            return candidate
    known = ", ".join(t.key for t in topics) or "-"
    raise ScheduleError(N_("Unknown topic “{value}”. Known: {known}."), value=key, known=known)


async def resolve_venue(session: AsyncSession, key: str | None) -> Venue:
    if key is None:
        venues = list(await repo.venues(session))
        if len(venues) == 1:
            return venues[0]
        known = ", ".join(v.key for v in venues) or "-"
        raise ScheduleError(N_("Please say where: venue=… (known: {known})."), known=known)
    venue = await repo.venue_by_key(session, key)
    if venue is None:
        known = ", ".join(v.key for v in await repo.venues(session)) or "-"
        raise ScheduleError(N_("Unknown venue “{value}”. Known: {known}."), value=key, known=known)
    return venue


async def resolve_counsellor(session: AsyncSession, key: str | None) -> Counsellor | None:
    if key is None or key in ("", "-", "none"):
        return None
    counsellor = await repo.counsellor_by_key(session, key)
    if counsellor is None:
        known = ", ".join(c.key for c in await repo.counsellors(session)) or "-"
        raise ScheduleError(N_("Unknown counsellor “{value}”. Known: {known}."), value=key, known=known)
    return counsellor


async def add_rule(
    session: AsyncSession, clock: Clock, settings: Settings, spec: RuleSpec, *, key: str | None = None
) -> tuple[ScheduleRule, SyncResult]:
    topic = await resolve_topic(session, spec.topic)
    venue = await resolve_venue(session, spec.venue)
    counsellor = await resolve_counsellor(session, spec.counsellor)
    if spec.kind == ONCE and spec.on_date is not None:
        if spec.on_date < clock.now().astimezone(settings.tz).date():
            raise ScheduleError(N_("{day} is in the past."), day=spec.on_date.strftime("%d.%m.%Y"))
    rule = ScheduleRule(
        key=key,
        kind=spec.kind,
        weekday=spec.weekday if spec.kind == WEEKLY else None,
        on_date=spec.on_date if spec.kind == ONCE else None,
        start_time=spec.start,
        end_time=spec.end,
        slot_minutes=spec.every,
        capacity=spec.capacity,
        topic_id=topic.id,
        venue_id=venue.id,
        counsellor_id=counsellor.id if counsellor else None,
        active=True,
        created_at=clock.now(),
    )
    refuse_clash(rule, await repo.rules(session, only_active=True))
    session.add(rule)
    await session.flush()
    return rule, await sync_slots(session, clock, settings)


async def set_rule_active(
    session: AsyncSession, clock: Clock, settings: Settings, rule_id: int, active: bool
) -> tuple[ScheduleRule, SyncResult]:
    """Pause (no new bookings on its slots; booked appointments stay) or resume a rule."""
    rule = await session.get(ScheduleRule, rule_id) if services.known_id(rule_id) else None
    if rule is None:
        raise ScheduleError(N_("There is no rule #{number}."), number=rule_id)
    if active and not rule.active:
        refuse_clash(rule, await repo.rules(session, only_active=True))
    rule.active = active
    await session.flush()
    return rule, await sync_slots(session, clock, settings)


async def _slots_on(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    day: date,
    topic_id: int | None,
    venue_id: int | None,
) -> list[Slot]:
    first, last = day_bounds(day, settings.tz)
    return [
        slot
        for slot, _taken in await repo.slots_between(session, first, last, clock.now())
        if slot.status != CANCELLED
        and (topic_id is None or slot.topic_id == topic_id)
        and (venue_id is None or slot.venue_id == venue_id)
    ]


async def add_closure(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    on_date: date,
    *,
    topic_key: str | None = None,
    venue_key: str | None = None,
    reason: str | None = None,
    sync: bool = True,
) -> tuple[Closure, int]:
    """Close a date (a holiday): its slots go away, and bookings on it are cancelled with a message to
    each person. Returns the closure and how many bookings were cancelled. `sync=False`: the caller
    syncs the slots afterwards (several closures at once)."""
    if on_date < clock.now().astimezone(settings.tz).date():
        raise ScheduleError(N_("{day} is in the past."), day=on_date.strftime("%d.%m.%Y"))
    topic = await resolve_topic(session, topic_key) if topic_key else None
    venue = await resolve_venue(session, venue_key) if venue_key else None
    closure = await repo.find_closure(
        session, on_date, topic.id if topic else None, venue.id if venue else None
    )
    if closure is None:
        closure = Closure(
            on_date=on_date,
            topic_id=topic.id if topic else None,
            venue_id=venue.id if venue else None,
            reason=clean_text(reason or "", 120) or None,
            created_at=clock.now(),
        )
        session.add(closure)
        await session.flush()
    slots = await _slots_on(session, clock, settings, on_date, closure.topic_id, closure.venue_id)
    cancelled = await services.cancel_bookings_of_slots(
        session, clock, [s.id for s in slots], reason=closure.reason
    )
    if sync:
        await sync_slots(session, clock, settings)
        await services.offer_free_places(session, clock, settings)
    return closure, cancelled


async def remove_closures(session: AsyncSession, clock: Clock, settings: Settings, on_date: date) -> int:
    removed = await repo.delete_closures(session, on_date)
    await sync_slots(session, clock, settings)
    await services.offer_free_places(session, clock, settings)
    return removed


async def cancel_slot(
    session: AsyncSession, clock: Clock, settings: Settings, slot_id: int
) -> tuple[Slot, int]:
    """Cancel one slot for good; its bookings are cancelled and the people told, and the places freed
    elsewhere (a held offer on this slot goes back in line) are offered to those waiting."""
    slot = await repo.lock_slot(session, slot_id) if services.known_id(slot_id) else None
    if slot is None:
        raise ScheduleError(N_("There is no slot #{number}."), number=slot_id)
    if slot.starts_at <= clock.now():
        raise ScheduleError(N_("Slot #{number} has already begun."), number=slot_id)
    slot.status = CANCELLED
    await session.flush()
    cancelled = await services.cancel_bookings_of_slots(session, clock, [slot.id])
    await services.offer_free_places(session, clock, settings)
    return slot, cancelled


@dataclass(frozen=True)
class DaySummary:
    day: date
    slots: int
    places: int
    taken: int


async def overview(
    session: AsyncSession, clock: Clock, settings: Settings, *, days: int = 14
) -> list[DaySummary]:
    """Per local day: open slots, places and taken places (for /slots and `slots show`)."""
    now = clock.now()
    today = now.astimezone(settings.tz).date()
    first = now
    last = day_bounds(today + timedelta(days=days - 1), settings.tz)[1]
    summary: dict[date, list[int]] = {}
    for slot, taken in await repo.slots_between(session, first, last, now):
        if slot.status != OPEN:
            continue
        day = slot.starts_at.astimezone(settings.tz).date()
        entry = summary.setdefault(day, [0, 0, 0])
        entry[0] += 1
        entry[1] += slot.capacity
        entry[2] += min(taken, slot.capacity)
    return [DaySummary(day, *values) for day, values in sorted(summary.items())]


@dataclass(frozen=True)
class DaySlot:
    info: services.SlotInfo
    taken: int
    cancellable: bool  # open and not started: /slots offers to cancel it


async def day_slots(session: AsyncSession, clock: Clock, settings: Settings, day: date) -> list[DaySlot]:
    first, last = day_bounds(day, settings.tz)
    now = clock.now()
    return [
        DaySlot(await services.slot_info(session, slot), taken, slot.status == OPEN and slot.starts_at > now)
        for slot, taken in await repo.slots_between(session, first, last, now)
    ]


async def known_keys(session: AsyncSession) -> dict[str, list[str]]:
    """The keys an organizer can type in /slots: topics, venues, counsellors."""
    return {
        "topics": [t.key for t in await repo.topics(session, only_active=False)],
        "venues": [v.key for v in await repo.venues(session)],
        "counsellors": [c.key for c in await repo.counsellors(session)],
    }


async def schedule(session: AsyncSession, clock: Clock, settings: Settings) -> dict[str, list]:  # type: ignore[type-arg]
    today = clock.now().astimezone(settings.tz).date()
    return {
        "topics": list(await repo.topics(session, only_active=False)),
        "venues": list(await repo.venues(session)),
        "counsellors": list(await repo.counsellors(session)),
        "rules": [
            r for r in await repo.rules(session) if r.kind == WEEKLY or (r.on_date and r.on_date >= today)
        ],
        "closures": list(await repo.closures(session, today, today + timedelta(days=366))),
    }


async def remove_closure(session: AsyncSession, clock: Clock, settings: Settings, closure_id: int) -> Closure:
    """Take away one closed day (of one topic or venue, or all): its times can be booked again."""
    closure = await session.get(Closure, closure_id) if services.known_id(closure_id) else None
    if closure is None:
        raise ScheduleError(N_("There is no closed day #{number}."), number=closure_id)
    await session.delete(closure)
    await session.flush()
    await sync_slots(session, clock, settings)
    await services.offer_free_places(session, clock, settings)
    return closure


@dataclass(frozen=True)
class WeekPlan:
    """One week of the schedule as the console shows it (Monday `first` to Sunday)."""

    first: date
    topics: dict[int, BookingTopic]
    venues: dict[int, Venue]
    counsellors: dict[int, Counsellor]
    weekly: list[ScheduleRule]  # every weekly rule, paused ones too
    dates: list[ScheduleRule]  # one-off dates from this week (or today, if later) on
    closures: list[Closure]  # closed days from this week (or today, if later) on
    slots: list[DaySlot]  # the week's slots, any status, with their taken places

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(7)]


async def week_plan(session: AsyncSession, clock: Clock, settings: Settings, first: date) -> WeekPlan:
    """The rules, closed days and slots of the week that begins on `first` (a Monday)."""
    today = clock.now().astimezone(settings.tz).date()
    since = min(first, today)
    last = first + timedelta(days=6)
    topics = {t.id: t for t in await repo.topics(session, only_active=False)}
    venues = {v.id: v for v in await repo.venues(session)}
    counsellors = {c.id: c for c in await repo.counsellors(session)}  # loaded once: slot_info finds them
    rules = list(await repo.rules(session))
    start, end = day_bounds(first, settings.tz)[0], day_bounds(last, settings.tz)[1]
    now = clock.now()
    slots = [
        DaySlot(await services.slot_info(session, slot), taken, slot.status == OPEN and slot.starts_at > now)
        for slot, taken in await repo.slots_between(session, start, end, now)
    ]
    return WeekPlan(
        first=first,
        topics=topics,
        venues=venues,
        counsellors=counsellors,
        weekly=[r for r in rules if r.kind == WEEKLY],
        dates=sorted(
            (r for r in rules if r.kind == ONCE and r.on_date and r.on_date >= since),
            key=lambda r: (r.on_date, r.start_time),
        ),
        closures=list(await repo.closures(session, since, max(last, today + timedelta(days=366)))),
        slots=slots,
    )
