"""Texts and keyboards of /slots (organizers): the schedule at a glance, one day's slots, the help."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import get_day_names

from bot.booking.admin import DaySlot, DaySummary
from bot.booking.schedule import WEEKLY, ScheduleError, SlotStatus
from bot.booking.services import Closure, ScheduleRule
from bot.text import Translator
from handlers.booking.callbacks import SlotsAction, SlotsCb
from handlers.booking.views import TEXT_LIMIT, View, topic_label
from handlers.kit import back_row, button, cancel_row, grid, keyboard, page_of, pager_row

RULES_PER_PAGE = 12  # pause / resume buttons, four a row
SLOTS_PER_PAGE = 8  # "cancel slot" buttons of one day
CLOSURES_SHOWN = 10
OVERVIEW_DAYS = 14
Names = dict[str, dict[int, str]]


def usage(tr: Translator, known: dict[str, list[str]]) -> str:
    """The help, with the keys this schedule knows (so its examples can be copied and changed)."""
    keys = tr._(
        "Known here: topics {topics}; venues {venues}; counsellors {counsellors}.",
        topics=", ".join(known["topics"]) or "–",
        venues=", ".join(known["venues"]) or "–",
        counsellors=", ".join(known["counsellors"]) or "–",
    )
    return help_text(tr) + "\n\n" + keys


def help_text(tr: Translator) -> str:
    return tr._(
        "<b>How to change the schedule</b>\n\n"
        "Weekly hours:\n<code>/slots weekly tue 10:00-12:00 work venue=KEY counsellor=KEY every=30 capacity=1</code>\n\n"
        "One extra date:\n<code>/slots date 2026-05-07 14:00-16:00 housing venue=KEY</code>\n\n"
        "Closed day (bookings on it are cancelled, the people are told):\n"
        "<code>/slots close 2026-12-24 Christmas Eve</code>\n"
        "Open it again: <code>/slots open 2026-12-24</code>\n\n"
        "The slots of one day: <code>/slots day 2026-05-07</code>\n\n"
        "venue= is needed when there is more than one venue; every= is the length of a slot in minutes, "
        "capacity= the number of people per slot. Topics, venues and counsellors come from the schedule file "
        "(python -m bot slots import FILE)."
    )


def problem(tr: Translator, error: ScheduleError) -> str:
    return tr._(
        "That did not work: {problem}\n\n/slots help shows how to write it.",
        problem=tr._(error.message, **error.values),
    )


def rule_text(tr: Translator, rule: ScheduleRule, names: Names) -> str:
    if rule.kind == WEEKLY:
        when = str(get_day_names("abbreviated", locale=tr.lang)[rule.weekday or 0])
    else:
        when = tr.date(rule.on_date) if rule.on_date else "?"
    text = tr._(
        "#{number} {when} {start}–{end}, {minutes} min, {places} × · {topic} · {venue} · {counsellor}",
        number=rule.id,
        when=when,
        start=rule.start_time.strftime("%H:%M"),
        end=rule.end_time.strftime("%H:%M"),
        minutes=rule.slot_minutes,
        places=rule.capacity,
        topic=names["topics"].get(rule.topic_id, "?"),
        venue=names["venues"].get(rule.venue_id, "?"),
        counsellor=names["counsellors"].get(rule.counsellor_id or 0, "–"),
    )
    return text + (" " + tr._("(paused)") if not rule.active else "")


def home_view(
    tr: Translator,
    schedule: dict[str, list],
    days: Sequence[DaySummary],
    page: int,  # type: ignore[type-arg]
) -> View:
    names: Names = {
        "topics": {t.id: topic_label(t, tr) for t in schedule["topics"]},
        "venues": {v.id: v.name for v in schedule["venues"]},
        "counsellors": {c.id: c.label for c in schedule["counsellors"]},
    }
    rules: list[ScheduleRule] = schedule["rules"]
    closures: list[Closure] = schedule["closures"]
    parts = [tr._("<b>Counselling schedule</b>")]
    parts.append(
        "\n".join(rule_text(tr, r, names) for r in rules) if rules else tr._("No counselling hours yet.")
    )
    if closures:
        closed = [
            tr._("{day}: {reason}", day=tr.date(c.on_date), reason=c.reason or "–")
            for c in closures[:CLOSURES_SHOWN]
        ]
        parts.append(tr._("<b>Closed days</b>") + "\n" + "\n".join(closed))
    if days:
        taken = [
            tr._(
                "{day}: {taken} of {places} places taken", day=tr.date(d.day), taken=d.taken, places=d.places
            )
            for d in days
        ]
        parts.append(tr._("<b>Next {n} days</b>", n=OVERVIEW_DAYS) + "\n" + "\n".join(taken))
    text = "\n\n".join(parts)
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT].rsplit("\n", 1)[0] + "\n…"
    shown, page, pages = page_of(rules, page, RULES_PER_PAGE)
    toggles = [
        button(
            ("⏸ #" if r.active else "▶ #") + str(r.id),
            SlotsCb(action=SlotsAction.RULE, rule=r.id, on=not r.active),
        )
        for r in shown
    ]
    pager = pager_row(tr, page, pages, lambda p: SlotsCb(action=SlotsAction.HOME, page=p))
    day_buttons = [
        button(tr.date(d.day), SlotsCb(action=SlotsAction.DAY, day=d.day.isoformat())) for d in days
    ]
    help_row = [button(tr._("❓ Help"), SlotsCb(action=SlotsAction.HELP))]
    close = cancel_row(tr, SlotsCb(action=SlotsAction.CLOSE))
    return text, keyboard(*grid(toggles, 4), pager, *grid(day_buttons, 3), help_row, close)


def day_view(tr: Translator, day: date, slots: Sequence[DaySlot], page: int) -> View:
    status_names = {
        SlotStatus.OPEN: tr._("open"),
        SlotStatus.CLOSED: tr._("closed"),
        SlotStatus.CANCELLED: tr._("cancelled"),
    }
    lines = [tr._("<b>Slots on {day}</b>", day=tr.date(day))]
    for entry in slots:
        info = entry.info
        lines.append(
            tr._(
                "#{number} {time} · {topic} · {taken}/{places} · {status}",
                number=info.slot.id,
                time=tr.time(info.slot.starts_at),
                topic=topic_label(info.topic, tr),
                taken=entry.taken,
                places=info.slot.capacity,
                status=status_names.get(info.slot.status, info.slot.status),
            )
        )
    if not slots:
        lines.append(tr._("No slots on this day."))
    cancellable = [entry.info.slot.id for entry in slots if entry.cancellable]
    shown, page, pages = page_of(cancellable, page, SLOTS_PER_PAGE)
    rows = [
        [
            button(
                tr._("✖ Cancel slot #{number}", number=slot_id),
                SlotsCb(action=SlotsAction.ASK_CANCEL, slot=slot_id),
            )
        ]
        for slot_id in shown
    ]
    pager = pager_row(tr, page, pages, lambda p: SlotsCb(action=SlotsAction.DAY, day=day.isoformat(), page=p))
    return "\n".join(lines), keyboard(*rows, pager, back_row(tr, SlotsCb(action=SlotsAction.HOME)))
