"""From the schedule (weekly rules, one-off dates, closures) to slots.

Rules hold local wall-clock times (e.g. Tuesdays 10:00-12:00 in Europe/Berlin); each slot's start is
computed for its own date, so a weekly rule keeps its local time across the daylight-saving changes
while the stored UTC instant moves. A local time that does not exist on a date (the spring-forward gap)
produces no slot; an ambiguous one (autumn) takes its first occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.text import N_
from storage.models import Closure, ScheduleRule
from storage.repositories import booking as repo


class RuleKind(StrEnum):
    WEEKLY = "weekly"
    ONCE = "once"


class SlotStatus(StrEnum):
    """open: bookable · closed: by the schedule (closure, paused or changed rule; may open again) ·
    cancelled: by an organizer (final)."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


WEEKLY, ONCE = RuleKind.WEEKLY, RuleKind.ONCE
OPEN, CLOSED, CANCELLED = SlotStatus.OPEN, SlotStatus.CLOSED, SlotStatus.CANCELLED

# Weekday names an organizer may type (German, English; 1 = Monday also works).
WEEKDAYS: dict[str, int] = {}
for _index, _names in enumerate(
    [
        ("mo", "mon", "monday", "montag"),
        ("di", "tu", "tue", "tuesday", "dienstag"),
        ("mi", "we", "wed", "wednesday", "mittwoch"),
        ("do", "th", "thu", "thursday", "donnerstag"),
        ("fr", "fri", "friday", "freitag"),
        ("sa", "sat", "saturday", "samstag"),
        ("so", "su", "sun", "sunday", "sonntag"),
    ]
):
    for _name in _names:
        WEEKDAYS[_name] = _index
    WEEKDAYS[str(_index + 1)] = _index
WEEKDAY_SHORT = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


class ScheduleError(ValueError):
    """A schedule entry an organizer typed or imported is not valid.

    `message` is an English text with {placeholders}, marked N_() where an organizer reads it in the bot, so
    the chat shows it in their language (`tr._(error.message, **error.values)`); str() is the English, for
    the command line and the schedule file's import."""

    def __init__(self, message: str, **values: object) -> None:
        self.message = message
        self.values = {name: str(value) for name, value in values.items()}
        super().__init__(message.format(**self.values) if self.values else message)


def parse_weekday(value: object) -> int:
    key = str(value).strip().lower().rstrip(".")
    if key not in WEEKDAYS:
        raise ScheduleError(N_("Unknown weekday “{value}”: write Mo, Di, Mi, Do, Fr, Sa or So."), value=value)
    return WEEKDAYS[key]


def parse_time(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):  # YAML reads 10:00 unquoted as 600 minutes
        if 0 <= value < 24 * 60:
            return time(value // 60, value % 60)
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", str(value).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleError(N_("“{value}” is not a time of day: write it like 09:30."), value=value)
    return time(int(match.group(1)), int(match.group(2)))


def parse_time_range(value: str) -> tuple[time, time]:
    parts = re.split(r"\s*[-–]\s*", value.strip())
    if len(parts) != 2:
        raise ScheduleError(N_("“{value}” is not a time range: write it like 10:00-12:00."), value=value)
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if end <= start:
        raise ScheduleError(N_("In “{value}” the end must come after the start."), value=value)
    return start, end


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)  # German style 06.04.2026
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        raise ScheduleError(N_("“{value}” is not a date: write it like 24.12.2026."), value=value) from None


@dataclass(frozen=True)
class RuleSpec:
    """A rule as typed (`/slots weekly tue 10:00-12:00 work venue=x counsellor=y every=30 capacity=1`)."""

    kind: RuleKind
    weekday: int | None
    on_date: date | None
    start: time
    end: time
    topic: str
    venue: str | None = None
    counsellor: str | None = None
    every: int = 30
    capacity: int = 1


def parse_rule_spec(words: Sequence[str]) -> RuleSpec:
    """`weekly <weekday> <HH:MM-HH:MM> <topic> [key=value ...]` or `date <YYYY-MM-DD> <...> <topic> [...]`."""
    if len(words) < 4:
        raise ScheduleError(N_("Something is missing: the day, the times and the topic."))
    kind_word, when, hours, topic, *rest = words
    kind = {"weekly": WEEKLY, "woche": WEEKLY, "date": ONCE, "datum": ONCE, "once": ONCE}.get(
        kind_word.lower()
    )
    if kind is None:
        raise ScheduleError(N_("“{value}”: begin with weekly or date."), value=kind_word)
    options: dict[str, str] = {}
    for word in rest:
        key, sep, value = word.partition("=")
        if not sep or key not in ("venue", "counsellor", "every", "capacity"):
            raise ScheduleError(
                N_("Unknown option “{value}”: use venue=, counsellor=, every= or capacity=."), value=word
            )
        options[key] = value
    start, end = parse_time_range(hours)
    return RuleSpec(
        kind=kind,
        weekday=parse_weekday(when) if kind == WEEKLY else None,
        on_date=parse_date(when) if kind == ONCE else None,
        start=start,
        end=end,
        topic=topic,
        venue=options.get("venue"),
        counsellor=options.get("counsellor"),
        every=_positive(options.get("every", "30"), "every", 5, 480),
        capacity=_positive(options.get("capacity", "1"), "capacity", 1, 100),
    )


def rule_spec_from_form(kind: str, fields: Mapping[str, str]) -> RuleSpec:
    """A rule from a form's fields (the console: weekday 1-7 or a name, day, start, end, topic, venue,
    counsellor, every, capacity), with the same checks and messages as a typed /slots command."""
    rule_kind = ONCE if kind == ONCE else WEEKLY
    start, end = parse_time_range(f"{fields.get('start', '')}-{fields.get('end', '')}")
    return RuleSpec(
        kind=rule_kind,
        weekday=parse_weekday(fields.get("weekday", "")) if rule_kind == WEEKLY else None,
        on_date=parse_date(fields.get("day", "")) if rule_kind == ONCE else None,
        start=start,
        end=end,
        topic=fields.get("topic", "").strip(),
        venue=fields.get("venue", "").strip() or None,
        counsellor=fields.get("counsellor", "").strip() or None,
        every=_positive(fields.get("every", "").strip() or "30", "every", 5, 480),
        capacity=_positive(fields.get("capacity", "").strip() or "1", "capacity", 1, 100),
    )


def _positive(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ScheduleError(N_("{name}= must be a number."), name=name) from None
    if not low <= number <= high:
        raise ScheduleError(N_("{name}= must be between {low} and {high}."), name=name, low=low, high=high)
    return number


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None when that time does not exist (DST gap)."""
    local = datetime.combine(day, at, tzinfo=tz)  # fold=0: the first of two ambiguous times
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day as UTC instants (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def rule_applies(rule: ScheduleRule, day: date) -> bool:
    if rule.valid_from and day < rule.valid_from:
        return False
    if rule.valid_until and day > rule.valid_until:
        return False
    if rule.kind == ONCE:
        return rule.on_date == day
    return rule.weekday == day.weekday()


def _may_share_a_day(a: ScheduleRule, b: ScheduleRule) -> bool:
    if max(a.valid_from or date.min, b.valid_from or date.min) > min(
        a.valid_until or date.max, b.valid_until or date.max
    ):
        return False
    if a.kind == ONCE and b.kind == ONCE:
        return a.on_date == b.on_date
    if a.kind == ONCE or b.kind == ONCE:
        once, weekly = (a, b) if a.kind == ONCE else (b, a)
        return once.on_date is not None and rule_applies(weekly, once.on_date)
    return a.weekday == b.weekday


def clashes(a: ScheduleRule, b: ScheduleRule) -> bool:
    """Two rules would give overlapping slots: the same counsellor at once, or the same topic in the same
    venue at once (a date already covered by a weekly rule, typed again). Refused wherever rules come from
    (/slots, the console, the schedule file), so a person never sees "10:00 10:00 10:30 10:30"."""
    if a.id is not None and a.id == b.id:
        return False
    same_counsellor = a.counsellor_id is not None and a.counsellor_id == b.counsellor_id
    same_offer = a.topic_id == b.topic_id and a.venue_id == b.venue_id
    return (
        (same_counsellor or same_offer)
        and a.start_time < b.end_time
        and b.start_time < a.end_time
        and _may_share_a_day(a, b)
    )


def refuse_clash(rule: ScheduleRule, others: Iterable[ScheduleRule]) -> None:
    """ScheduleError naming the first active rule `rule` clashes with."""
    for other in others:
        if other.active and other is not rule and clashes(rule, other):
            raise ScheduleError(
                N_("This overlaps rule #{number} ({start}–{end}). Pause or change that rule first."),
                number=other.id,
                start=other.start_time.strftime("%H:%M"),
                end=other.end_time.strftime("%H:%M"),
            )


def is_closed(rule: ScheduleRule, day: date, closures: Iterable[Closure]) -> bool:
    return any(
        c.on_date == day
        and (c.topic_id is None or c.topic_id == rule.topic_id)
        and (c.venue_id is None or c.venue_id == rule.venue_id)
        for c in closures
    )


def rule_times(rule: ScheduleRule, day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The (start, end) UTC instants of the rule's slots on one local date."""
    times = []
    step = timedelta(minutes=rule.slot_minutes)
    cursor = datetime.combine(day, rule.start_time)
    last = datetime.combine(day, rule.end_time)
    while cursor + step <= last:
        start = local_instant(day, cursor.time(), tz)
        end_local = cursor + step
        end = local_instant(day, end_local.time(), tz) if end_local.date() == day else None
        if start is not None and end is not None and end > start:
            times.append((start, end))
        cursor += step
    return times


def expected_slots(
    rule: ScheduleRule, first: date, last: date, tz: ZoneInfo, closures: Iterable[Closure]
) -> list[tuple[datetime, datetime]]:
    closures = list(closures)
    found = []
    day = first
    while day <= last:
        if rule_applies(rule, day) and not is_closed(rule, day, closures):
            found.extend(rule_times(rule, day, tz))
        day += timedelta(days=1)
    return found


@dataclass(frozen=True)
class SyncResult:
    created: int = 0
    reopened: int = 0
    closed: int = 0
    removed: int = 0


async def sync_slots(
    session: AsyncSession, clock: Clock, settings: Settings, *, weeks: int | None = None
) -> SyncResult:
    """Make the future slots match the schedule for the coming weeks (idempotent).

    New rule times get slots; a slot the schedule no longer has (closure, paused or changed rule) is
    removed when nobody ever booked it, else closed for new bookings (existing bookings stay valid);
    a closed slot the schedule has again opens. Slots an organizer cancelled stay cancelled.
    """
    now = clock.now()
    tz = settings.tz
    first = now.astimezone(tz).date()
    last = first + timedelta(days=7 * (weeks or settings.slot_weeks_ahead))
    horizon = day_bounds(last, tz)[1]
    all_rules = list(await repo.rules(session))
    closures = await repo.closures(session, first, last)
    rows = []
    expected: set[tuple[int, datetime]] = set()
    for rule in all_rules:
        if not rule.active:
            continue
        for start, end in expected_slots(rule, first, last, tz, closures):
            if start <= now:
                continue
            expected.add((rule.id, start))
            rows.append(
                {
                    "rule_id": rule.id,
                    "topic_id": rule.topic_id,
                    "venue_id": rule.venue_id,
                    "counsellor_id": rule.counsellor_id,
                    "starts_at": start,
                    "ends_at": end,
                    "capacity": rule.capacity,
                    "status": OPEN,
                    "created_at": now,
                }
            )
    created = await repo.insert_slots(session, rows) if rows else 0
    existing = await repo.future_slots_of_rules(session, [r.id for r in all_rules], now)
    by_rule = {r.id: r for r in all_rules}
    reopen, close, stale = [], [], []
    for slot in existing:
        if slot.starts_at >= horizon or slot.status == CANCELLED:
            continue
        wanted = (slot.rule_id, slot.starts_at) in expected
        if wanted and slot.status == CLOSED:
            reopen.append(slot.id)
        elif not wanted and slot.status == OPEN:
            stale.append(slot.id)
        if wanted:  # keep the slot in step with an edited rule (capacity, venue, counsellor)
            rule = by_rule[slot.rule_id] if slot.rule_id is not None else None
            if rule is not None:
                slot.capacity = rule.capacity
                slot.venue_id = rule.venue_id
                slot.counsellor_id = rule.counsellor_id
                slot.topic_id = rule.topic_id
    used = await repo.slot_ids_with_bookings(session, stale)
    close = [s for s in stale if s in used]
    removable = [s for s in stale if s not in used]
    held = {e.offered_slot_id for e in await repo.offers_on_slots(session, removable)}
    close += [s for s in removable if s in held]
    removable = [s for s in removable if s not in held]
    await repo.set_slot_status(session, reopen, OPEN)
    await repo.set_slot_status(session, close, CLOSED)
    await repo.delete_slots(session, removable)
    await session.flush()
    return SyncResult(created=created, reopened=len(reopen), closed=len(close), removed=len(removable))
