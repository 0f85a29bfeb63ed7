"""/events for everybody, a page at a time: each event in the reader's language, dates in their locale,
"I'll come" within capacity; organizers cancel an event (everybody registered is told).

"I'll come" asks how many people come (1 … 6, no more than the places free: the capacity counts people);
with one place left it registers one person at once. On a card the question replaces the card's buttons;
under a broadcast or reminder only the pressed button's row (the text stays)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import events as service
from bot.broadcast.events import Attend
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import ORGANIZER, Person, has_role
from handlers.broadcast.callbacks import EvCb, EventAction, EvPeopleCb, PageCb, Screen
from handlers.broadcast.views import (
    ORG,
    PAGE,
    attend_button,
    card,
    nothing_changed,
    party_question,
    party_rows,
)
from handlers.callbacks import MenuCb
from handlers.kit import (
    Flow,
    KnownUser,
    alert,
    button,
    confirm_row,
    keyboard,
    pager_row,
    show,
    show_keyboard,
    swap_button,
)

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


@flow.message(Command("myevents"), F.chat.type == "private")
async def cmd_my_events(
    message: Message, user: Person, tr: Translator, session: AsyncSession, clock: Clock
) -> None:
    """The events the person registered for, each card with the number of people (and "I can't come")."""
    views = await service.registered_events(session, clock, tr.lang, user.id)
    if not views:
        await message.answer(
            tr._("You are not registered for any upcoming event. /events shows what is coming.")
        )
        return
    await message.answer(tr._("✅ Your events:"))
    for view in views:
        text, markup = card(tr, view, organizer=has_role(user, ORGANIZER), now=clock.now())
        await message.answer(text, reply_markup=markup)


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


def _is_people_row(row: list[InlineKeyboardButton]) -> bool:
    return any((b.callback_data or "").startswith(EvPeopleCb.__prefix__ + ":") for b in row)


async def _under_buttons(
    query: CallbackQuery, replace: list[list[InlineKeyboardButton]], *, pressed: bool
) -> None:
    """Under a broadcast or reminder: put `replace` where the pressed button's row (`pressed`) or the rows
    of the people question were; the text and every other button stay."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows: list[list[InlineKeyboardButton]] = []
    done = False
    for row in message.reply_markup.inline_keyboard:
        hit = any(b.callback_data == query.data for b in row) if pressed else _is_people_row(row)
        if hit:
            if not done:
                rows.extend(replace)
                done = True
            continue
        rows.append(list(row))
    await show_keyboard(query, InlineKeyboardMarkup(inline_keyboard=rows))


async def _refused(query: CallbackQuery, tr: Translator, result: Attend, free: int | None) -> bool:
    """The alert for a registration that cannot be made (True: refused)."""
    if result is Attend.FULL:
        await alert(query, tr._("Sorry, this event is fully booked."))
    elif result is Attend.TOO_MANY:
        await alert(
            query,
            tr.n_(
                "Sorry, only {n} place is free. Please choose fewer people.",
                "Sorry, only {n} places are free. Please choose fewer people.",
                free or 0,
            ),
        )
    elif result is Attend.CLOSED:
        await alert(query, tr._("This event is not open for registration any more."))
    else:
        return False
    return True


async def _registered(
    query: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    user: Person,
    tr: Translator,
    event_id: int,
    *,
    under: bool,
    result: Attend,
    people: int,
    asked: bool = True,
) -> None:
    """After a registration (or "already"): the confirmation with the number, and the card or buttons
    (under a broadcast: in place of the people question, or of the pressed button when none was `asked`)."""
    if result is Attend.ALREADY:
        await query.answer(tr._("You are already registered."))
    elif people > 1:
        await query.answer(
            tr.n_(
                "See you there! Registered: {n} person. We will remind you before it starts.",
                "See you there! Registered: {n} people. We will remind you before it starts.",
                people,
            )
        )
    else:
        await query.answer(tr._("See you there! We will remind you before it starts."))
    if under:
        await _under_buttons(query, [[attend_button(tr, event_id, True)]], pressed=not asked)
    else:
        await _refresh_card(query, session, clock, user, tr, event_id)


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
    """ "I'll come": ask how many people come (1 … 6, no more than the places free); with one place left,
    registered at once for one."""
    under = callback_data.action is Action.GO_UNDER
    event = await service.get_event(session, callback_data.event)
    if event is None or not service.is_open(event, clock.now()):
        await _refused(query, tr, Attend.CLOSED, None)
        return
    free = await service.places_free(session, event)
    if free == 0:
        await _refused(query, tr, Attend.FULL, 0)
        return
    view = await service.view(session, event, tr.lang, user.id)
    if view.attending or len(service.party_choices(free)) == 1:
        result, _event = await service.attend(session, clock, settings, event.id, user)
        if not await _refused(query, tr, result, free):
            await _registered(
                query, session, clock, user, tr, event.id, under=under, result=result, people=1, asked=False
            )
        return
    await query.answer()
    rows = party_rows(tr, event.id, free, under=under)
    if under:
        await _under_buttons(query, rows, pressed=True)
        return
    text, _markup = card(tr, view, organizer=has_role(user, ORGANIZER), now=clock.now())
    await show(query, f"{text}\n\n<b>{party_question(tr)}</b>", keyboard(*rows))


@flow.callback_query(EvPeopleCb.filter(), KnownUser())
async def on_people(
    query: CallbackQuery,
    callback_data: EvPeopleCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """The number chosen (or "back"): register that many people, within the places free."""
    under = bool(callback_data.under)
    if callback_data.people == 0:
        await query.answer()
        if under:
            await _under_buttons(query, [[attend_button(tr, callback_data.event, False)]], pressed=False)
        else:
            await _refresh_card(query, session, clock, user, tr, callback_data.event)
        return
    result, event = await service.attend(
        session,
        clock,
        settings,
        callback_data.event,
        user,
        people=callback_data.people,
    )
    free = await service.places_free(session, event) if event is not None else None
    if await _refused(query, tr, result, free):
        if event is not None and result is Attend.TOO_MANY:
            rows = party_rows(tr, event.id, free, under=under)
            if under:
                await _under_buttons(query, rows, pressed=False)
            else:
                view = await service.view(session, event, tr.lang, user.id)
                text, _markup = card(tr, view, organizer=has_role(user, ORGANIZER), now=clock.now())
                await show(query, f"{text}\n\n<b>{party_question(tr)}</b>", keyboard(*rows))
        elif not under:
            await _refresh_card(query, session, clock, user, tr, callback_data.event)
        return
    await _registered(
        query,
        session,
        clock,
        user,
        tr,
        callback_data.event,
        under=under,
        result=result,
        people=callback_data.people,
    )


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
