"""/slots for organizers: the counselling schedule at a glance, weekly rules, one-off dates, closed days,
cancelling a slot. The same actions exist on the command line (`python -m bot slots ...`)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import TypeVar

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from babel.dates import get_day_names
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import admin, services
from bot.booking.schedule import OPEN, WEEKLY, ScheduleError, parse_date, parse_rule_spec
from bot.clock import Clock
from bot.config import Settings
from bot.services.users import ORGANIZER
from bot.text import N_, Translator
from handlers.booking import TEXT_LIMIT, button, reply_or_show, rows, show, topic_label
from handlers.callbacks import MenuCb
from handlers.menu import command, menu_item
from storage.models import ScheduleRule, Slot

router = Router(name="slots")
command("slots", N_("Counselling schedule: hours, closed days, slots"), role=ORGANIZER, order=61)
menu_item("slots", N_("🗓 Counselling schedule"), role=ORGANIZER, order=61)

ORG = {"role": ORGANIZER}
OVERVIEW_DAYS = 14
T = TypeVar("T")


class SlotsCb(CallbackData, prefix="sl"):
    """a: home | day (d) | rule (r, on) | cx (ask to cancel slot s) | cxx (cancel slot s) | help."""

    a: str
    r: int = 0
    s: int = 0
    d: str = ""
    on: bool = False


def usage(tr: Translator) -> str:
    return tr._(
        "<b>How to change the schedule</b>\n\n"
        "Weekly hours:\n<code>/slots weekly tue 10:00-12:00 work venue=KEY counsellor=KEY every=30 capacity=1</code>\n\n"
        "One extra date:\n<code>/slots date 2026-05-07 14:00-16:00 housing</code>\n\n"
        "Closed day (bookings on it are cancelled, the people are told):\n"
        "<code>/slots close 2026-12-24 Christmas Eve</code>\n"
        "Open it again: <code>/slots open 2026-12-24</code>\n\n"
        "The slots of one day: <code>/slots day 2026-05-07</code>\n\n"
        "venue= is needed when there is more than one venue; every= is the length of a slot in minutes, "
        "capacity= the number of people per slot. Topics, venues and counsellors come from the schedule file "
        "(python -m bot slots import FILE)."
    )


def weekday_name(tr: Translator, weekday: int) -> str:
    return str(get_day_names("abbreviated", locale=tr.lang)[weekday])


def rule_text(tr: Translator, rule: ScheduleRule, names: dict[str, dict[int, str]]) -> str:
    if rule.kind == WEEKLY:
        when = weekday_name(tr, rule.weekday or 0)
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


async def home_view(
    session: AsyncSession, clock: Clock, settings: Settings, tr: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    data = await admin.schedule(session, clock, settings)
    names = {
        "topics": {t.id: topic_label(t, tr) for t in data["topics"]},
        "venues": {v.id: v.name for v in data["venues"]},
        "counsellors": {c.id: c.label for c in data["counsellors"]},
    }
    parts = [tr._("<b>Counselling schedule</b>")]
    if data["rules"]:
        parts.append("\n".join(rule_text(tr, r, names) for r in data["rules"]))
    else:
        parts.append(tr._("No counselling hours yet."))
    if data["closures"]:
        parts.append(
            tr._("<b>Closed days</b>")
            + "\n"
            + "\n".join(
                tr._("{day}: {reason}", day=tr.date(c.on_date), reason=c.reason or "–")
                for c in data["closures"][:10]
            )
        )
    days = await admin.overview(session, clock, settings, days=OVERVIEW_DAYS)
    if days:
        parts.append(
            tr._("<b>Next {n} days</b>", n=OVERVIEW_DAYS)
            + "\n"
            + "\n".join(
                tr._(
                    "{day}: {taken} of {places} places taken",
                    day=tr.date(d.day),
                    taken=d.taken,
                    places=d.places,
                )
                for d in days
            )
        )
    text = "\n\n".join(parts)
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT].rsplit("\n", 1)[0] + "\n…"
    keyboard: list[list[InlineKeyboardButton]] = []
    toggles = [
        button(
            ("⏸ #" if r.active else "▶ #") + str(r.id),
            SlotsCb(a="rule", r=r.id, on=not r.active),
        )
        for r in data["rules"]
    ]
    keyboard += rows(toggles, 4)
    keyboard += rows([button(tr.date(d.day), SlotsCb(a="day", d=d.day.isoformat())) for d in days], 3)
    keyboard.append([button(tr._("❓ Help"), SlotsCb(a="help"))])
    return text, InlineKeyboardMarkup(inline_keyboard=keyboard)


async def day_view(
    session: AsyncSession, clock: Clock, settings: Settings, tr: Translator, day: date
) -> tuple[str, InlineKeyboardMarkup]:
    slots = await admin.day_slots(session, clock, settings, day)
    lines = [tr._("<b>Slots on {day}</b>", day=tr.date(day))]
    keyboard: list[list[InlineKeyboardButton]] = []
    status_names = {
        "open": tr._("open"),
        "closed": tr._("closed"),
        "cancelled": tr._("cancelled"),
    }
    for info, taken in slots:
        lines.append(
            tr._(
                "#{number} {time} · {topic} · {taken}/{places} · {status}",
                number=info.slot.id,
                time=tr.time(info.slot.starts_at),
                topic=topic_label(info.topic, tr),
                taken=taken,
                places=info.slot.capacity,
                status=status_names.get(info.slot.status, info.slot.status),
            )
        )
        if info.slot.status == OPEN and info.slot.starts_at > clock.now():
            keyboard.append(
                [
                    button(
                        tr._("✖ Cancel slot #{number}", number=info.slot.id), SlotsCb(a="cx", s=info.slot.id)
                    )
                ]
            )
    if not slots:
        lines.append(tr._("No slots on this day."))
    keyboard.append([button(tr._("◀ Back"), SlotsCb(a="home"))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=keyboard)


def problem(tr: Translator, error: ScheduleError) -> str:
    return tr._("That did not work: {problem}\n\n/slots help shows how to write it.", problem=str(error))


async def applied(
    query: CallbackQuery, tr: Translator, session: AsyncSession, change: Awaitable[T]
) -> T | None:
    """Await a schedule change and commit it; on ScheduleError roll back, alert, and give None.

    The commit comes before the message is redrawn, so the new view shows the saved state.
    """
    try:
        result = await change
        await session.commit()
    except ScheduleError as error:
        await session.rollback()
        await query.answer(problem(tr, error)[:200], show_alert=True)  # alerts hold 200 characters
        return None
    return result


@router.message(Command("slots"), F.chat.type == "private", flags=ORG)
async def cmd_slots(
    message: Message,
    command: CommandObject,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    words = (command.args or "").split()
    action = words[0].lower() if words else ""
    try:
        if not action:
            text, markup = await home_view(session, clock, settings, tr)
            await message.answer(text, reply_markup=markup)
        elif action == "help":
            await message.answer(usage(tr))
        elif action in ("weekly", "date", "woche", "datum"):
            rule, result = await admin.add_rule(session, clock, settings, parse_rule_spec(words))
            await session.commit()
            await message.answer(
                tr._(
                    "Added: rule #{number}. {n} new slots can be booked now.",
                    number=rule.id,
                    n=result.created,
                )
            )
        elif action == "close" and len(words) >= 2:
            closure, cancelled = await admin.add_closure(
                session, clock, settings, parse_date(words[1]), reason=" ".join(words[2:]) or None
            )
            await session.commit()
            await message.answer(
                tr._(
                    "{day} is closed now. Bookings cancelled: {n} (the people are told).",
                    day=tr.date(closure.on_date),
                    n=cancelled,
                )
            )
        elif action == "open" and len(words) >= 2:
            day = parse_date(words[1])
            removed = await admin.remove_closures(session, clock, settings, day)
            await session.commit()
            await message.answer(
                tr._("{day} is open again ({n} closures removed).", day=tr.date(day), n=removed)
            )
        elif action == "day" and len(words) >= 2:
            text, markup = await day_view(session, clock, settings, tr, parse_date(words[1]))
            await message.answer(text, reply_markup=markup)
        else:
            await message.answer(usage(tr))
    except ScheduleError as error:
        await session.rollback()
        await message.answer(problem(tr, error))


@router.callback_query(MenuCb.filter(F.action == "slots"), flags=ORG)
@router.callback_query(SlotsCb.filter(F.a == "home"), flags=ORG)
async def on_home(
    query: CallbackQuery, tr: Translator, session: AsyncSession, clock: Clock, settings: Settings
) -> None:
    await reply_or_show(query, *(await home_view(session, clock, settings, tr)))
    await query.answer()


@router.callback_query(SlotsCb.filter(F.a == "help"), flags=ORG)
async def on_help(query: CallbackQuery, tr: Translator) -> None:
    if isinstance(query.message, Message):
        await query.message.answer(usage(tr))
    await query.answer()


@router.callback_query(SlotsCb.filter(F.a == "rule"), flags=ORG)
async def on_rule(
    query: CallbackQuery,
    callback_data: SlotsCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    done = await applied(
        query, tr, session, admin.set_rule_active(session, clock, settings, callback_data.r, callback_data.on)
    )
    if done is None:
        return
    rule = done[0]
    await show(query, *(await home_view(session, clock, settings, tr)))
    await query.answer(
        tr._("Rule #{number} runs again.", number=rule.id)
        if rule.active
        else tr._("Rule #{number} is paused. Booked appointments stay.", number=rule.id)
    )


@router.callback_query(SlotsCb.filter(F.a == "day"), flags=ORG)
async def on_day(
    query: CallbackQuery,
    callback_data: SlotsCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    try:
        day = parse_date(callback_data.d)
    except ScheduleError:
        await query.answer()
        return
    await show(query, *(await day_view(session, clock, settings, tr, day)))
    await query.answer()


@router.callback_query(SlotsCb.filter(F.a == "cx"), flags=ORG)
async def on_ask_cancel_slot(
    query: CallbackQuery,
    callback_data: SlotsCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    found = await services.slot_topic_day(session, settings, callback_data.s)
    if found is None:
        await query.answer(tr._("This slot does not exist any more."), show_alert=True)
        return
    text = tr._(
        "Cancel slot #{number}? Bookings on it are cancelled and the people get a message.",
        number=callback_data.s,
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr._("Yes, cancel the slot"), SlotsCb(a="cxx", s=callback_data.s))],
            [button(tr._("◀ Back"), SlotsCb(a="day", d=found[1].isoformat()))],
        ]
    )
    await show(query, text, markup)
    await query.answer()


@router.callback_query(SlotsCb.filter(F.a == "cxx"), flags=ORG)
async def on_cancel_slot(
    query: CallbackQuery,
    callback_data: SlotsCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:

    async def cancel() -> tuple[Slot, int]:
        result = await admin.cancel_slot(session, clock, settings, callback_data.s)
        await services.offer_free_places(session, clock, settings)  # the freed places go to the waitlist
        return result

    done = await applied(query, tr, session, cancel())
    if done is None:
        return
    slot, cancelled = done
    day = slot.starts_at.astimezone(settings.tz).date()
    await show(query, *(await day_view(session, clock, settings, tr, day)))
    await query.answer(
        tr._("Slot #{number} cancelled. Bookings cancelled: {n}.", number=slot.id, n=cancelled),
        show_alert=True,
    )
