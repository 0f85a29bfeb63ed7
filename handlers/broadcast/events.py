"""/events for everybody, a page at a time: each event in the reader's language, dates in their locale,
"I'll come" within capacity; organizers cancel an event (everybody registered is told)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import events as service
from bot.broadcast.events import Attend
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import ORGANIZER, Person, has_role
from handlers.broadcast.callbacks import EvCb, EventAction, PageCb, Screen
from handlers.broadcast.views import ORG, PAGE, attend_button, card, nothing_changed
from handlers.callbacks import MenuCb
from handlers.kit import Flow, KnownUser, alert, button, confirm_row, keyboard, pager_row, show, swap_button

flow = Flow("broadcast.events")
Action = EventAction


def _new_event_row(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("➕ New event"), EvCb(action=Action.NEW))]


async def send_events(
    message: Message, user: Person, tr: Translator, session: AsyncSession, clock: Clock, page: int
) -> None:
    """One page of upcoming events: a card each (with its own buttons), then the pager."""
    organizer = has_role(user, ORGANIZER)
    listing = await service.upcoming(session, clock, tr.lang, user.id, page, PAGE)
    if not listing.views:
        await message.answer(
            tr._(
                "There are no upcoming events right now. With /subscribe you get news when there are new ones."
            ),
            reply_markup=keyboard(_new_event_row(tr)) if organizer else None,
        )
        return
    await message.answer(tr._("📅 Upcoming events:"))
    now = clock.now()
    for view in listing.views:
        text, markup = card(tr, view, organizer=organizer, now=now)
        await message.answer(text, reply_markup=markup)
    if listing.pages > 1:
        first = listing.page * PAGE + 1
        last = first + len(listing.views) - 1
        await message.answer(
            tr._("Events {first}–{last} of {total}", first=first, last=last, total=listing.total),
            reply_markup=keyboard(
                pager_row(tr, listing.page, listing.pages, lambda p: PageCb(screen=Screen.EVENTS, page=p))
            ),
        )
    if organizer:
        await message.answer(tr._("Organizers:"), reply_markup=keyboard(_new_event_row(tr)))


@flow.message(Command("events"), F.chat.type == "private")
async def cmd_events(
    message: Message, user: Person, tr: Translator, session: AsyncSession, clock: Clock
) -> None:
    await send_events(message, user, tr, session, clock, 0)


@flow.callback_query(MenuCb.filter(F.action == "events"), KnownUser())
@flow.callback_query(PageCb.filter(F.screen == Screen.EVENTS), KnownUser())
async def on_events(
    query: CallbackQuery,
    callback_data: MenuCb | PageCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        page = callback_data.page if isinstance(callback_data, PageCb) else 0
        await send_events(query.message, user, tr, session, clock, page)


async def _refresh_card(
    query: CallbackQuery, session: AsyncSession, clock: Clock, user: Person, tr: Translator, event_id: int
) -> None:
    event = await service.get_event(session, event_id)
    if event is None:
        return
    view = await service.view(session, event, tr.lang, user.id)
    await show(query, *card(tr, view, organizer=has_role(user, ORGANIZER), now=clock.now()))


@flow.callback_query(EvCb.filter(F.action.in_({Action.GO, Action.GO_UNDER})), KnownUser())
async def on_attend(
    query: CallbackQuery,
    callback_data: EvCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    result, _event = await service.attend(session, clock, settings, callback_data.event, user)
    if result is Attend.FULL:
        await alert(query, tr._("Sorry, this event is fully booked."))
        return
    if result is Attend.CLOSED:
        await alert(query, tr._("This event is not open for registration any more."))
        return
    await query.answer(
        tr._("You are already registered.")
        if result is Attend.ALREADY
        else tr._("See you there! We will remind you before it starts.")
    )
    if callback_data.action is Action.GO:
        await _refresh_card(query, session, clock, user, tr, callback_data.event)
    else:
        await swap_button(query, attend_button(tr, callback_data.event, True))


@flow.callback_query(EvCb.filter(F.action.in_({Action.NO, Action.NO_UNDER})), KnownUser())
async def on_unattend(
    query: CallbackQuery,
    callback_data: EvCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    removed = await service.unattend(session, callback_data.event, user)
    await query.answer(
        tr._("Okay, your place is free again. Thank you for telling us.")
        if removed
        else tr._("You were not registered.")
    )
    if callback_data.action is Action.NO:
        await _refresh_card(query, session, clock, user, tr, callback_data.event)
        return
    event = await service.get_event(session, callback_data.event)
    if event is not None and service.is_open(event, clock.now()):
        await swap_button(query, attend_button(tr, callback_data.event, False))


# --- organizers: cancel an event -------------------------------------------------------------------------------
@flow.callback_query(EvCb.filter(F.action == Action.CANCEL), flags=ORG)
async def on_cancel_ask(
    query: CallbackQuery, callback_data: EvCb, tr: Translator, session: AsyncSession, clock: Clock
) -> None:
    await query.answer()
    view = await service.cancellable(session, clock, callback_data.event)
    if view is None or not isinstance(query.message, Message):
        return
    await query.message.answer(
        tr._("Cancel this event? Everybody who registered ({n}) will be told.", n=view.taken),
        reply_markup=keyboard(
            confirm_row(
                tr,
                EvCb(action=Action.CANCEL_YES, event=view.id),
                EvCb(action=Action.KEEP, event=view.id),
                yes_text=tr._("Yes, cancel the event"),
                no_text=tr._("No"),
            )
        ),
    )


# The "No" of the confirmation.
flow.callback_query(EvCb.filter(F.action == Action.KEEP), flags=ORG)(nothing_changed)


@flow.callback_query(EvCb.filter(F.action == Action.CANCEL_YES), flags=ORG)
async def on_cancel_event(
    query: CallbackQuery,
    callback_data: EvCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    told = await service.cancel_event(session, clock, settings, callback_data.event)
    await query.answer()
    if told is None:
        await show(query, tr._("This event cannot be cancelled (it is over or cancelled already)."))
        return
    await show(query, tr._("The event is cancelled. People told: {n}", n=told))
