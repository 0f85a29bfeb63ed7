"""`python -m bot slots ...`: the counselling schedule from the command line.

slots import FILE            topics, venues, counsellors, weekly hours, dates, closures from YAML
slots list                   what is defined (rules with their numbers, closures)
slots show [--days 14]       open slots and taken places per day
slots day YYYY-MM-DD         the slots of one day, with their numbers
slots rule weekly tue 10:00-12:00 work [venue=KEY] [counsellor=KEY] [every=30] [capacity=1]
slots rule date 2026-05-07 14:00-16:00 housing [...]
slots pause N / resume N     stop / restart a rule (booked appointments stay)
slots close DATE [--topic K] [--venue K] [--reason TEXT]   a closed day (cancels its bookings)
slots open DATE              remove the closures of a day
slots cancel N               cancel one slot (its bookings are cancelled, people are told)
slots sync [--weeks N]       create the slots for the coming weeks now (the bot does it hourly)
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import admin
from bot.booking.importer import import_schedule, load_yaml
from bot.booking.schedule import WEEKDAY_SHORT, WEEKLY, ScheduleError, parse_date, parse_rule_spec, sync_slots
from bot.clock import Clock
from bot.config import Settings, load_settings

Action = Callable[[AsyncSession, Clock, Settings, argparse.Namespace], Awaitable[list[str]]]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "slots",
        help="counselling schedule: import, list, rules, closures, slots",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    slots = parser.add_subparsers(dest="slots_command", metavar="<slots command>", required=True)

    p = slots.add_parser("import", help="import the schedule from a YAML file")
    p.add_argument("file")
    p.set_defaults(func=_run(_import))
    slots.add_parser("list", help="topics, venues, counsellors, rules, closures").set_defaults(
        func=_run(_list)
    )
    p = slots.add_parser("show", help="open slots and taken places per day")
    p.add_argument("--days", type=int, default=14)
    p.set_defaults(func=_run(_show))
    p = slots.add_parser("day", help="the slots of one day")
    p.add_argument("date")
    p.set_defaults(func=_run(_day))
    p = slots.add_parser("rule", help="add a weekly rule or a one-off date")
    p.add_argument("spec", nargs=argparse.REMAINDER)
    p.set_defaults(func=_run(_rule))
    for name, active in (("pause", False), ("resume", True)):
        p = slots.add_parser(name, help=f"{name} a rule")
        p.add_argument("rule_id", type=int)
        p.set_defaults(func=_run(_toggle), active=active)
    p = slots.add_parser("close", help="close a day (holiday)")
    p.add_argument("date")
    p.add_argument("--topic")
    p.add_argument("--venue")
    p.add_argument("--reason")
    p.set_defaults(func=_run(_close))
    p = slots.add_parser("open", help="remove the closures of a day")
    p.add_argument("date")
    p.set_defaults(func=_run(_open))
    p = slots.add_parser("cancel", help="cancel one slot")
    p.add_argument("slot_id", type=int)
    p.set_defaults(func=_run(_cancel))
    p = slots.add_parser("sync", help="create the slots for the coming weeks now")
    p.add_argument("--weeks", type=int, default=None)
    p.set_defaults(func=_run(_sync))


def _run(action: Action) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        settings = load_settings()
        try:
            lines = asyncio.run(execute(action, settings, args))
        except ScheduleError as exc:
            print(f"error: {exc}")
            return 1
        for line in lines:
            print(line)
        return 0

    return run


async def execute(
    action: Action, settings: Settings, args: argparse.Namespace, clock: Clock | None = None
) -> list[str]:
    from storage.db import create_engine, create_sessionmaker
    from storage.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            lines = await action(session, clock or Clock(), settings, args)
            await session.commit()
            return lines
    finally:
        await engine.dispose()


async def _import(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    report = await import_schedule(session, clock, settings, load_yaml(args.file))
    lines = [
        f"imported {report.topics} topics, {report.venues} venues, {report.counsellors} counsellors, "
        f"{report.rules} rules, {report.closures} closures",
        f"slots: {report.sync.created} new, {report.sync.closed} closed, {report.sync.removed} removed",
    ]
    if report.cancelled_bookings:
        lines.append(f"{report.cancelled_bookings} booking(s) on closed days cancelled; the people are told")
    if report.sample:
        lines.append("note: this file is marked SAMPLE (sample: true) - replace its values before going live")
    return lines + [f"warning: {w}" for w in report.warnings]


def rule_line(rule: Any, topics: dict[int, str], venues: dict[int, str], counsellors: dict[int, str]) -> str:
    when = WEEKDAY_SHORT[rule.weekday or 0] if rule.kind == WEEKLY else rule.on_date.isoformat()
    state = "" if rule.active else " [paused]"
    return (
        f"#{rule.id} {when} {rule.start_time:%H:%M}-{rule.end_time:%H:%M} every {rule.slot_minutes} min, "
        f"{rule.capacity} place(s), {topics.get(rule.topic_id, '?')} @ {venues.get(rule.venue_id, '?')}"
        f", {counsellors.get(rule.counsellor_id or 0, '-')}{state}"
    )


async def _list(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    data = await admin.schedule(session, clock, settings)
    topics = {t.id: t.key for t in data["topics"]}
    venues = {v.id: v.key for v in data["venues"]}
    counsellors = {c.id: c.key for c in data["counsellors"]}
    lines = ["topics: " + ", ".join(f"{t.key} ({t.names.get('de', '')})" for t in data["topics"])]
    lines += [
        f"venue {v.key}: {v.name}, {v.address}{' [SAMPLE]' if v.is_sample else ''}" for v in data["venues"]
    ]
    lines += [
        f"counsellor {c.key}: {c.label} ({'linked' if c.user_id else 'not linked'})"
        for c in data["counsellors"]
    ]
    lines += [rule_line(r, topics, venues, counsellors) for r in data["rules"]]
    lines += [
        f"closed {c.on_date.isoformat()}: {c.reason or ''}"
        + (f" (topic {topics.get(c.topic_id)})" if c.topic_id else "")
        + (f" (venue {venues.get(c.venue_id)})" if c.venue_id else "")
        for c in data["closures"]
    ]
    return lines


async def _show(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    days = await admin.overview(session, clock, settings, days=args.days)
    if not days:
        return ["no open slots in this period"]
    return [
        f"{d.day.isoformat()} {WEEKDAY_SHORT[d.day.weekday()]}: {d.slots} slots, {d.taken}/{d.places} taken"
        for d in days
    ]


async def _day(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    rows = await admin.day_slots(session, clock, settings, parse_date(args.date))
    lines = []
    for row in rows:
        info = row.info
        local = info.slot.starts_at.astimezone(settings.tz)
        lines.append(
            f"#{info.slot.id} {local:%H:%M} {info.topic.key} @ {info.venue.key}: {row.taken}/{info.slot.capacity}"
            f" taken, {info.slot.status}"
        )
    return lines or ["no slots on this day"]


async def _rule(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    rule, result = await admin.add_rule(session, clock, settings, parse_rule_spec(args.spec))
    return [f"rule #{rule.id} added; {result.created} slot(s) created"]


async def _toggle(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    rule, result = await admin.set_rule_active(session, clock, settings, args.rule_id, args.active)
    state = "resumed" if rule.active else "paused"
    return [
        f"rule #{rule.id} {state}; slots: {result.created + result.reopened} open again, {result.closed + result.removed} closed"
    ]


async def _close(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    closure, cancelled = await admin.add_closure(
        session,
        clock,
        settings,
        parse_date(args.date),
        topic_key=args.topic,
        venue_key=args.venue,
        reason=args.reason,
    )
    line = f"{closure.on_date.isoformat()} closed"
    return [line + (f"; {cancelled} booking(s) cancelled, the people are told" if cancelled else "")]


async def _open(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    removed = await admin.remove_closures(session, clock, settings, parse_date(args.date))
    return [f"{removed} closure(s) removed"]


async def _cancel(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    slot, cancelled = await admin.cancel_slot(session, clock, settings, args.slot_id)
    return [f"slot #{slot.id} cancelled; {cancelled} booking(s) cancelled, the people are told"]


async def _sync(
    session: AsyncSession, clock: Clock, settings: Settings, args: argparse.Namespace
) -> list[str]:
    result = await sync_slots(session, clock, settings, weeks=args.weeks)
    return [
        f"slots: {result.created} new, {result.reopened} reopened, {result.closed} closed, {result.removed} removed"
    ]
