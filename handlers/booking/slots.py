"""/slots for organizers: the counselling schedule at a glance, weekly rules, one-off dates, closed days,
cancelling a slot. The same actions exist on the command line (`python -m bot slots ...`)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import admin, services
from bot.booking.schedule import ScheduleError, parse_date, parse_rule_spec
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import ORGANIZER
from handlers.booking.callbacks import SlotsAction, SlotsCb
from handlers.booking.slots_views import OVERVIEW_DAYS, View, day_view, home_view, problem, usage
from handlers.callbacks import MenuCb
from handlers.kit import Flow, alert, confirm_row, keyboard, reply, show, show_and_answer, show_keyboard

flow = Flow("booking.slots")
ORG = {"role": ORGANIZER}
T = TypeVar("T")


async def home_screen(
    session: AsyncSession, clock: Clock, settings: Settings, tr: Translator, page: int = 0
) -> View:
    schedule = await admin.schedule(session, clock, settings)
    days = await admin.overview(session, clock, settings, days=OVERVIEW_DAYS)
    return home_view(tr, schedule, days, page)


async def applied(query: CallbackQuery, tr: Translator, change: Awaitable[T]) -> T | None:
    """Await a schedule change; when it is refused, tell the presser why and give None (a refused change
    left nothing behind: the admin functions check before they write)."""
    try:
        return await change
    except ScheduleError as error:
        await alert(query, problem(tr, error))
        return None


@flow.message(Command("slots"), F.chat.type == "private", flags=ORG)
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
            text, markup = await home_screen(session, clock, settings, tr)
            await message.answer(text, reply_markup=markup)
        elif action in ("weekly", "date", "woche", "datum"):
            rule, result = await admin.add_rule(session, clock, settings, parse_rule_spec(words))
            text = tr._(
                "Added: rule #{number}. {n} new slots can be booked now.", number=rule.id, n=result.created
            )
            await message.answer(text)
        elif action == "close" and len(words) >= 2:
            reason = " ".join(words[2:]) or None
            closure, n = await admin.add_closure(
                session, clock, settings, parse_date(words[1]), reason=reason
            )
            text = tr._(
                "{day} is closed now. Bookings cancelled: {n} (the people are told).",
                day=tr.date(closure.on_date),
                n=n,
            )
            await message.answer(text)
        elif action == "open" and len(words) >= 2:
            day = parse_date(words[1])
            removed = await admin.remove_closures(session, clock, settings, day)
            await message.answer(
                tr._("{day} is open again ({n} closures removed).", day=tr.date(day), n=removed)
            )
        elif action == "day" and len(words) >= 2:
            day = parse_date(words[1])
            text, markup = day_view(tr, day, await admin.day_slots(session, clock, settings, day), 0)
            await message.answer(text, reply_markup=markup)
        else:  # "help", or anything else
            await message.answer(usage(tr, await admin.known_keys(session)))
    except ScheduleError as error:
        await message.answer(problem(tr, error))


@flow.callback_query(MenuCb.filter(F.action == "slots"), flags=ORG)
async def on_menu(
    query: CallbackQuery, tr: Translator, session: AsyncSession, clock: Clock, settings: Settings
) -> None:
    await reply(query, *await home_screen(session, clock, settings, tr))


@flow.callback_query(SlotsCb.filter(F.action == SlotsAction.HOME), flags=ORG)
async def on_home(
    query: CallbackQuery,
    callback_data: SlotsCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    await show_and_answer(query, *await home_screen(session, clock, settings, tr, callback_data.page))


@flow.callback_query(SlotsCb.filter(F.action == SlotsAction.HELP), flags=ORG)
async def on_help(query: CallbackQuery, tr: Translator, session: AsyncSession) -> None:
    await reply(query, usage(tr, await admin.known_keys(session)))


@flow.callback_query(SlotsCb.filter(F.action == SlotsAction.CLOSE), flags=ORG)
async def on_close(query: CallbackQuery) -> None:
    await show_keyboard(query, None)
    await query.answer()


@flow.callback_query(SlotsCb.filter(F.action == SlotsAction.RULE), flags=ORG)
async def on_rule(
    query: CallbackQuery,
    callback_data: SlotsCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """Pause a rule (no new bookings on its slots; booked appointments stay) or let it run again."""
    done = await applied(
        query, tr, admin.set_rule_active(session, clock, settings, callback_data.rule, callback_data.on)
    )
    if done is None:
        return
    rule = done[0]
    await show(query, *await home_screen(session, clock, settings, tr, callback_data.page))
    await query.answer(
        tr._("Rule #{number} runs again.", number=rule.id)
        if rule.active
        else tr._("Rule #{number} is paused. Booked appointments stay.", number=rule.id)
    )


@flow.callback_query(SlotsCb.filter(F.action == SlotsAction.DAY), flags=ORG)
async def on_day(
    query: CallbackQuery,
    callback_data: SlotsCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    try:
        day = parse_date(callback_data.day)
    except ScheduleError:
        await query.answer()
        return
    slots = await admin.day_slots(session, clock, settings, day)
    await show_and_answer(query, *day_view(tr, day, slots, callback_data.page))


@flow.callback_query(SlotsCb.filter(F.action == SlotsAction.ASK_CANCEL), flags=ORG)
async def on_ask_cancel(
    query: CallbackQuery, callback_data: SlotsCb, tr: Translator, session: AsyncSession, settings: Settings
) -> None:
    found = await services.slot_topic_day(session, settings, callback_data.slot)
    if found is None:
        await alert(query, tr._("This slot does not exist any more."))
        return
    text = tr._(
        "Cancel slot #{number}? Bookings on it are cancelled and the people get a message.",
        number=callback_data.slot,
    )
    yes = SlotsCb(action=SlotsAction.CANCEL, slot=callback_data.slot)
    back = SlotsCb(action=SlotsAction.DAY, day=found[1].isoformat())
    await show_and_answer(
        query, text, keyboard(confirm_row(tr, yes, back, yes_text=tr._("Yes, cancel the slot")))
    )


@flow.callback_query(SlotsCb.filter(F.action == SlotsAction.CANCEL), flags=ORG)
async def on_cancel(
    query: CallbackQuery,
    callback_data: SlotsCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """The slot is cancelled for good: its bookings are cancelled (the people are told), and the places
    it frees elsewhere go to those waiting."""
    done = await applied(query, tr, admin.cancel_slot(session, clock, settings, callback_data.slot))
    if done is None:
        return
    slot, cancelled = done
    day = slot.starts_at.astimezone(settings.tz).date()
    await show(query, *day_view(tr, day, await admin.day_slots(session, clock, settings, day), 0))
    await alert(
        query, tr._("Slot #{number} cancelled. Bookings cancelled: {n}.", number=slot.id, n=cancelled)
    )
