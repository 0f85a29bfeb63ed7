"""/assign (organizers): kind → language → area → day → time with buttons (the choices ride in the callback
data; the day and the time can also be typed, "Fr 10:30", read by bot/broadcast/dates.py), then the
description and the private details as text (a typed draft in FSM data), a preview, and "send to helpers".
The service checks every choice again and alerts the matching helpers."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import service
from bot.assignments.options import KINDS, areas
from bot.broadcast import dates
from bot.broadcast.dates import DateError, DateProblem
from bot.clock import Clock
from bot.config import Settings
from bot.text import N_, Translator
from bot.users import ORGANIZER, Person
from handlers.assignments.callbacks import NewCb, NewStep
from handlers.assignments.draft import (
    CHOICE_STEPS,
    DESCRIPTION_PROMPT,
    AssignDraft,
    check_step,
    draft_text,
    next_screen,
    sent_text,
)
from handlers.assignments.views import NO_DETAILS, STALE, details_line, error_text
from handlers.callbacks import MenuCb
from handlers.kit import (
    Dialog,
    alert,
    button,
    cancel_row,
    grid,
    keyboard,
    private_flow,
    reply,
    show,
    show_and_answer,
)
from handlers.when import problem_text

flow = private_flow("assignments.create")
ORGANIZER_ONLY = {"role": ORGANIZER}


class NewStates(StatesGroup):
    when = State()  # the day or the time may be typed
    description = State()
    details = State()
    confirm = State()


NEW_ASSIGNMENT = Dialog.of(
    NewStates,
    N_("Cancelled. Nothing was sent."),
    typed=N_("📋 Please choose with the buttons above. /cancel stops the new assignment."),
)


# --- handlers ---------------------------------------------------------------------------------------
@flow.message(Command("assign"), flags=ORGANIZER_ONLY)
@flow.callback_query(MenuCb.filter(F.action == "assign"), flags=ORGANIZER_ONLY)
async def start(
    event: Message | CallbackQuery, tr: Translator, settings: Settings, state: FSMContext
) -> None:
    await AssignDraft.clear(state)
    text = draft_text(tr, AssignDraft(), settings, tr._("What kind of help is needed?"))
    kinds = [button(tr._(label), NewCb(step=NewStep.KIND, kind=kind)) for kind, label in KINDS.items()]
    screen = await reply(event, text, keyboard(*grid(kinds, 2), cancel_row(tr, NewCb(step=NewStep.ABORT))))
    await NEW_ASSIGNMENT.mark(state, screen.message_id if screen else None)  # /cancel ends the button steps


@flow.callback_query(NewCb.filter(F.step.in_(CHOICE_STEPS)), flags=ORGANIZER_ONLY)
async def on_choice(
    query: CallbackQuery,
    callback_data: NewCb,
    tr: Translator,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    known = areas(settings.areas_file)
    try:
        check_step(callback_data, known)
    except service.AssignmentError:
        await alert(query, tr._(STALE))
        return
    await query.answer()
    screen = next_screen(tr, callback_data, known, clock, settings)
    if screen is not None:
        if callback_data.step in (NewStep.AREA, NewStep.DAY):  # the next answer may be typed
            await state.set_state(NewStates.when)
            await AssignDraft.of(callback_data).save(state)
        await show(query, *screen)
        return
    # a time, or a flexible date: on to the texts
    draft = AssignDraft.of(callback_data)
    await state.set_state(NewStates.description)
    await draft.save(state)
    await show(query, draft_text(tr, draft, settings, tr._(DESCRIPTION_PROMPT)))


@flow.message(NewStates.when, F.text, ~F.text.startswith("/"), flags=ORGANIZER_ONLY)
async def on_when_text(
    message: Message, tr: Translator, clock: Clock, settings: Settings, state: FSMContext
) -> None:
    """A typed day ("Freitag", "12.12.") leads to its times; a day and time ("Fr 10:30", or "10:30"
    for the day already chosen) to the description."""
    draft = await AssignDraft.load(state)
    if draft is None or not draft.kind:  # the dialog expired
        await state.clear()
        await message.answer(tr._(STALE))
        return
    now, tz = clock.now(), settings.tz
    try:
        found = dates.read(message.text or "", now, tz, base_day=draft.day)
        if isinstance(found, datetime):  # "in 2 Stunden"
            at: datetime | None = found
        else:
            at = dates.local_moment(found.day, found.at, tz) if found.at else None
    except DateError as error:
        await message.answer(problem_text(tr, error.problem))
        return
    day = found.day if isinstance(found, dates.When) else found.astimezone(tz).date()
    if (at is not None and at <= now) or day < now.astimezone(tz).date():
        await message.answer(problem_text(tr, DateProblem.PAST))
        return
    if day not in service.bookable_days(now, tz):
        await message.answer(tr._("Please choose a day within the next {n} days.", n=service.DAYS_AHEAD))
        return
    chosen = NewCb(step=NewStep.DAY, kind=draft.kind, language=draft.language, area=draft.area)
    chosen = chosen.model_copy(update={"day": int(day.strftime("%Y%m%d"))})
    if at is None:  # a day: its times
        screen = next_screen(tr, chosen, areas(settings.areas_file), clock, settings)
        await AssignDraft.of(chosen).save(state)
        if screen is not None:
            await message.answer(screen[0], reply_markup=screen[1])
        return
    local = at.astimezone(tz)
    draft = AssignDraft.of(
        chosen.model_copy(update={"step": NewStep.TIME, "minute": local.hour * 60 + local.minute})
    )
    await state.set_state(NewStates.description)
    await draft.save(state)
    await message.answer(draft_text(tr, draft, settings, tr._(DESCRIPTION_PROMPT)))


@flow.message(NewStates.description, F.text, ~F.text.startswith("/"), flags=ORGANIZER_ONLY)
async def on_description(message: Message, tr: Translator, state: FSMContext) -> None:
    draft = await AssignDraft.load(state) or AssignDraft()  # none: the service refuses it at "send"
    try:
        draft.description = service.clean_description(message.text or "")
    except service.AssignmentError as error:
        await message.answer(error_text(tr, error.code))
        return
    await draft.save(state)
    await state.set_state(NewStates.details)
    await message.answer(
        tr._(
            "🔒 Now the exact address and contact, for example the meeting point and a phone number. "
            "<b>Only the helper who takes the assignment will see this.</b>"
        ),
        reply_markup=keyboard(
            [button(tr._("Skip"), NewCb(step=NewStep.SKIP_DETAILS))],
            cancel_row(tr, NewCb(step=NewStep.ABORT)),
        ),
    )


async def _preview(
    bot: Bot, user: Person, tr: Translator, state: FSMContext, settings: Settings, draft: AssignDraft
) -> None:
    await draft.save(state)
    await state.set_state(NewStates.confirm)
    text = "\n\n".join(
        [
            draft_text(tr, draft, settings, "📝 " + tr.insert(draft.description)),
            details_line(tr, draft.details),
            tr._("Send this to the matching helpers?"),
        ]
    )
    markup = keyboard(
        [button(tr._("📣 Send to helpers"), NewCb(step=NewStep.SEND))],
        cancel_row(tr, NewCb(step=NewStep.ABORT)),
    )
    await bot.send_message(user.id, text, reply_markup=markup)


@flow.message(NewStates.details, F.text, ~F.text.startswith("/"), flags=ORGANIZER_ONLY)
async def on_details(
    message: Message, user: Person, tr: Translator, state: FSMContext, settings: Settings, bot: Bot
) -> None:
    draft = await AssignDraft.load(state) or AssignDraft()  # none: the service refuses it at "send"
    try:
        draft.details = service.clean_details(message.text)
    except service.AssignmentError as error:
        await message.answer(error_text(tr, error.code))
        return
    await _preview(bot, user, tr, state, settings, draft)


@flow.callback_query(NewCb.filter(F.step == NewStep.SKIP_DETAILS), NewStates.details, flags=ORGANIZER_ONLY)
async def on_skip_details(
    query: CallbackQuery, user: Person, tr: Translator, state: FSMContext, settings: Settings, bot: Bot
) -> None:
    await query.answer()
    draft = await AssignDraft.load(state) or AssignDraft()  # none: the service refuses it at "send"
    await show(query, tr._(NO_DETAILS))
    draft.details = None
    await _preview(bot, user, tr, state, settings, draft)


@flow.callback_query(NewCb.filter(F.step == NewStep.ABORT), flags=ORGANIZER_ONLY)
async def on_abort(query: CallbackQuery, tr: Translator, state: FSMContext) -> None:
    await AssignDraft.clear(state)
    await show_and_answer(query, tr._("Cancelled. Nothing was sent."))


@flow.callback_query(NewCb.filter(F.step == NewStep.SEND), NewStates.confirm, flags=ORGANIZER_ONLY)
async def on_send(
    query: CallbackQuery,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    draft = await AssignDraft.load(state) or AssignDraft()
    await AssignDraft.clear(state)  # before any await on the database: a second press finds nothing to send
    try:
        created = await service.create(
            session, clock, user, draft.new_assignment(), areas(settings.areas_file), settings.tz
        )
    except service.AssignmentError as error:
        await alert(query, error_text(tr, error.code))
        return
    await query.answer()
    overview = tr._("I will tell you when someone takes it. Overview: /assignments")
    await show(query, sent_text(tr, created) + "\n\n" + overview)
