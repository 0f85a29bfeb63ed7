"""The assignee's buttons: address and contact, hand back (with "are you sure?"), done, done with a note
(a short text input)."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignments import claiming, service
from bot.assignments.options import areas
from bot.assignments.status import Outcome
from bot.clock import Clock
from bot.config import Settings
from bot.text import N_, Translator
from bot.users import HELPER, Person
from handlers.assignments.callbacks import AssignmentAction, AssignmentCb
from handlers.assignments.views import NOT_YOURS, assignee_keyboard, details_or_refuse, details_text
from handlers.kit import (
    Dialog,
    Draft,
    alert,
    confirm_row,
    keyboard,
    private_flow,
    show,
    show_and_answer,
    show_keyboard,
)

flow = private_flow("assignments.mine")
HELPER_ONLY = {"role": HELPER}


class DoneStates(StatesGroup):
    note = State()


DONE_NOTE = Dialog.of(DoneStates, N_("OK. The assignment is still open."))
# "Done" only from the assignment's day on (bot.assignments.claiming.may_close).
TOO_EARLY = N_("This assignment is not due yet. You can mark it as done from its day on.")


class DoneNote(Draft):
    """The assignment a helper is writing a closing note for."""

    assignment: int


def done_text(tr: Translator, number: int) -> str:
    return tr._("🏁 Thank you! Assignment no. {number} is closed.", number=number)


@flow.callback_query(AssignmentCb.filter(F.action == AssignmentAction.DETAILS), flags=HELPER_ONLY)
async def on_details(
    query: CallbackQuery,
    callback_data: AssignmentCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    bot: Bot,
) -> None:
    refusal = tr._("Only the helper who took this assignment can see the address and contact.")
    found = await details_or_refuse(query, session, user, callback_data.assignment, refusal)
    if found is None:
        return
    assignment, details = found
    markup = assignee_keyboard(tr, assignment.id) if service.is_assignee(assignment, user) else None
    text = details_text(tr, assignment, details, areas(settings.areas_file))
    await bot.send_message(user.id, text, reply_markup=markup)


@flow.callback_query(AssignmentCb.filter(F.action == AssignmentAction.HAND_BACK), flags=HELPER_ONLY)
async def on_hand_back_ask(query: CallbackQuery, callback_data: AssignmentCb, tr: Translator) -> None:
    await query.answer()
    number = callback_data.assignment
    yes = AssignmentCb(action=AssignmentAction.HAND_BACK_YES, assignment=number)
    no = AssignmentCb(action=AssignmentAction.DETAILS, assignment=number)
    row = confirm_row(tr, yes, no, yes_text=tr._("↩️ Yes, hand it back"), no_text=tr._("No, I'll do it"))
    await show_keyboard(query, keyboard(row))


@flow.callback_query(AssignmentCb.filter(F.action == AssignmentAction.HAND_BACK_YES), flags=HELPER_ONLY)
async def on_hand_back(
    query: CallbackQuery,
    callback_data: AssignmentCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    number = callback_data.assignment
    outcome = await claiming.hand_back(session, clock, number, user, areas(settings.areas_file))
    if outcome == Outcome.OK:
        await query.answer()
        # the message with the address is replaced: the details leave this chat
        text = tr._(
            "↩️ You handed back assignment no. {number}. It is offered to other helpers again. Thank you for "
            "saying so in time!",
            number=number,
        )
        await show(query, text)
    elif outcome == Outcome.TOO_LATE:
        await alert(query, tr._("The appointment has already begun. Please contact the organizer."))
    else:
        await alert(query, tr._(NOT_YOURS))


@flow.callback_query(AssignmentCb.filter(F.action == AssignmentAction.DONE), flags=HELPER_ONLY)
async def on_done(
    query: CallbackQuery,
    callback_data: AssignmentCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    number = callback_data.assignment
    outcome = await claiming.mark_done(session, clock, number, user, areas(settings.areas_file), settings.tz)
    if outcome in (Outcome.OK, Outcome.CLOSED):
        await show_and_answer(query, done_text(tr, number))
    elif outcome == Outcome.TOO_EARLY:
        await alert(query, tr._(TOO_EARLY))
    else:
        await alert(query, tr._(NOT_YOURS))


@flow.callback_query(AssignmentCb.filter(F.action == AssignmentAction.DONE_WITH_NOTE), flags=HELPER_ONLY)
async def on_note_ask(
    query: CallbackQuery,
    callback_data: AssignmentCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    allowed = await claiming.may_close(session, clock, callback_data.assignment, user, settings.tz)
    if allowed != Outcome.OK:
        await alert(query, tr._(TOO_EARLY if allowed == Outcome.TOO_EARLY else NOT_YOURS))
        return
    await query.answer()
    await DoneNote(assignment=callback_data.assignment).begin(state, DoneStates.note)
    prompt = tr._(
        "Write a short note for the organizers (at most {limit} characters).", limit=claiming.NOTE_MAX
    )
    await bot.send_message(user.id, prompt)


@flow.message(DoneStates.note, F.text, ~F.text.startswith("/"), flags=HELPER_ONLY)
async def on_note(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    draft = await DoneNote.load(state)
    await DoneNote.clear(state)
    number = draft.assignment if draft else 0
    outcome = await claiming.mark_done(
        session, clock, number, user, areas(settings.areas_file), settings.tz, message.text
    )
    if outcome in (Outcome.OK, Outcome.CLOSED):
        await message.answer(done_text(tr, number))
    elif outcome == Outcome.TOO_EARLY:
        await message.answer(tr._(TOO_EARLY))
    else:
        await message.answer(tr._(NOT_YOURS))
