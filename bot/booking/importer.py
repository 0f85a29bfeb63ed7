"""Import the schedule from a YAML file (`python -m bot slots import FILE`; the demo uses the sample).

Everything is matched by its `key`, so importing the same file again changes nothing and importing an
edited file updates what changed. Nothing is deleted: a rule left out of the file keeps running until it
is paused (`active: false`, /slots or `python -m bot slots pause`). See sample_data/schedule.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import admin, services
from bot.booking.schedule import (
    ONCE,
    WEEKLY,
    ScheduleError,
    SyncResult,
    parse_date,
    parse_time,
    parse_weekday,
    refuse_clash,
    sync_slots,
)
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.yamlfile import read_yaml
from storage.models import BookingTopic, Counsellor, ScheduleRule, User, Venue
from storage.repositories import booking as repo

HELPER_ROLES = ("helper", "organizer")


@dataclass
class ImportReport:
    topics: int = 0
    venues: int = 0
    counsellors: int = 0
    rules: int = 0
    closures: int = 0
    cancelled_bookings: int = 0
    warnings: list[str] = field(default_factory=list)
    sync: SyncResult = field(default_factory=SyncResult)
    sample: bool = False


def load_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        raw = read_yaml(path)
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise ScheduleError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise ScheduleError(f"{path}: expected a mapping with topics, venues, counsellors, weekly, dates")
    return raw


def _items(raw: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = raw.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ScheduleError(f"'{name}' must be a list of entries")
    return value


def _need(item: dict[str, Any], key: str, where: str) -> Any:
    if item.get(key) in (None, ""):
        raise ScheduleError(f"{where}: '{key}' is missing")
    return item[key]


async def import_schedule(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    raw: dict[str, Any],
    *,
    counsellor_ids: dict[str, int] | None = None,
) -> ImportReport:
    """Create or update topics, venues, counsellors, rules and closures; then sync the slots.

    `counsellor_ids` overrides the Telegram ids in the file (the demo links its own personas)."""
    report = ImportReport(sample=bool(raw.get("sample", False)))
    for position, item in enumerate(_items(raw, "topics")):
        where = f"topics[{position}]"
        key = str(_need(item, "key", where))
        names = item.get("names")
        if not isinstance(names, dict) or not names:
            raise ScheduleError(f"{where}: 'names' must map languages to names")
        names = {str(k): str(v) for k, v in names.items() if v}
        missing = [lang for lang in SUPPORTED_LANGUAGES if lang not in names]
        if missing:
            report.warnings.append(f"topic {key}: no name in {', '.join(missing)}")
        topic = await repo.topic_by_key(session, key)
        if topic is None:
            topic = BookingTopic(key=key, names=names, position=position, active=True)
            session.add(topic)
        topic.names = names
        topic.emoji = str(item.get("emoji") or "")[:8]
        topic.position = int(item.get("position", position))
        topic.active = bool(item.get("active", True))
        report.topics += 1
    await session.flush()

    for position, item in enumerate(_items(raw, "venues")):
        where = f"venues[{position}]"
        key = str(_need(item, "key", where))
        try:
            latitude = float(_need(item, "latitude", where))
            longitude = float(_need(item, "longitude", where))
        except (TypeError, ValueError):
            raise ScheduleError(f"{where}: latitude and longitude must be numbers") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ScheduleError(f"{where}: latitude/longitude out of range")
        venue = await repo.venue_by_key(session, key)
        if venue is None:
            venue = Venue(key=key)
            session.add(venue)
        venue.name = str(_need(item, "name", where))[:120]
        venue.address = str(_need(item, "address", where))[:200]
        venue.latitude, venue.longitude = latitude, longitude
        venue.is_sample = bool(item.get("sample", report.sample))
        report.venues += 1
    await session.flush()

    for position, item in enumerate(_items(raw, "counsellors")):
        where = f"counsellors[{position}]"
        key = str(_need(item, "key", where))
        telegram_id = (counsellor_ids or {}).get(key, item.get("telegram_id"))
        counsellor = await repo.counsellor_by_key(session, key)
        if counsellor is None:
            counsellor = Counsellor(key=key)
            session.add(counsellor)
        counsellor.label = str(item.get("label") or key)[:64]
        counsellor.user_id = None
        if telegram_id is not None:
            user = await session.get(User, int(telegram_id))
            if user is None or user.role not in HELPER_ROLES:
                report.warnings.append(
                    f"counsellor {key}: Telegram id {telegram_id} is not a helper or organizer of the bot yet;"
                    " import again after they joined (/invite) to link them"
                )
            else:
                counsellor.user_id = user.id
        report.counsellors += 1
    await session.flush()

    for position, item in enumerate(_items(raw, "weekly")):
        await _rule(session, clock, settings, item, f"weekly[{position}]", WEEKLY)
        report.rules += 1
    for position, item in enumerate(_items(raw, "dates")):
        await _rule(session, clock, settings, item, f"dates[{position}]", ONCE)
        report.rules += 1
    await session.flush()
    active_rules = await repo.rules(session, only_active=True)
    for rule in active_rules:
        refuse_clash(rule, active_rules)

    today = clock.now().astimezone(settings.tz).date()
    for position, item in enumerate(_items(raw, "closures")):
        where = f"closures[{position}]"
        on_date = parse_date(_need(item, "date", where))
        if on_date < today:
            continue  # last year's holidays in an old file
        _closure, cancelled = await admin.add_closure(
            session,
            clock,
            settings,
            on_date,
            topic_key=item.get("topic"),
            venue_key=item.get("venue"),
            reason=item.get("reason"),
            sync=False,
        )
        report.closures += 1
        report.cancelled_bookings += cancelled
    report.sync = await sync_slots(session, clock, settings)
    await services.offer_free_places(session, clock, settings)
    return report


async def _rule(
    session: AsyncSession, clock: Clock, settings: Settings, item: dict[str, Any], where: str, kind: str
) -> ScheduleRule:
    try:
        topic = await admin.resolve_topic(session, str(_need(item, "topic", where)))
        venue = await admin.resolve_venue(session, item.get("venue"))
        counsellor = await admin.resolve_counsellor(session, item.get("counsellor"))
        start = parse_time(_need(item, "from", where))
        end = parse_time(_need(item, "to", where))
        weekday = parse_weekday(_need(item, "weekday", where)) if kind == WEEKLY else None
        on_date = parse_date(_need(item, "date", where)) if kind == ONCE else None
        every = int(item.get("every", 30))
        capacity = int(item.get("capacity", 1))
    except (TypeError, ValueError) as exc:
        raise ScheduleError(f"{where}: {exc}") from None
    if end <= start:
        raise ScheduleError(f"{where}: 'to' must be after 'from'")
    if not 5 <= every <= 480 or not 1 <= capacity <= 100:
        raise ScheduleError(f"{where}: every must be 5..480 minutes and capacity 1..100")
    key = str(item.get("key") or _default_key(kind, topic.key, weekday, on_date, start))
    rule = await repo.rule_by_key(session, key)
    if rule is None:
        rule = ScheduleRule(key=key, created_at=clock.now())
        session.add(rule)
    rule.kind = kind
    rule.weekday, rule.on_date = weekday, on_date
    rule.start_time, rule.end_time = start, end
    rule.slot_minutes, rule.capacity = every, capacity
    rule.topic_id, rule.venue_id = topic.id, venue.id
    rule.counsellor_id = counsellor.id if counsellor else None
    rule.valid_from = parse_date(item["valid_from"]) if item.get("valid_from") else None
    rule.valid_until = parse_date(item["valid_until"]) if item.get("valid_until") else None
    rule.active = bool(item.get("active", True))
    return rule


def _default_key(kind: str, topic: str, weekday: int | None, on_date: Any, start: Any) -> str:
    when = f"wd{weekday}" if kind == WEEKLY else on_date.isoformat()
    return f"{kind}-{topic}-{when}-{start.strftime('%H%M')}"
