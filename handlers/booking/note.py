"""The optional note to the counsellor: the one typed step of booking, so the one that uses an FSM state.
The choices so far wait in a typed draft (`NoteDraft`) until the person books or stops (✖, /cancel)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import languages, services
from bot.booking.services import BookingError
from bot.clock import Clock
from bot.text import N_, Translator
from bot.users import Person
from handlers.booking.callbacks import BookAction, BookCb
from handlers.booking.screens import attempt
from handlers.booking.steps import BOOKING, review_view, stop_row
from handlers.booking.views import error_text
from handlers.kit import Dialog, Draft, Flow, KnownUser, keyboard, show_and_answer
from handlers.menu import Menu

flow = Flow("booking.note")


class NoteForm(StatesGroup):
    note = State()


NOTE = Dialog.of(NoteForm, N_("OK, nothing was booked."))


class NoteDraft(Draft):
    """A booking that waits for its last tap: the slot, the interpreter, and the note once written."""

    slot: int
    lang: str = languages.NOT_NEEDED
    note: str | None = None


async def leave_note_state(state: FSMContext) -> None:
    """Another command or step ends the waiting for a note (the draft stays until booked or stopped)."""
    if await state.get_state() == NoteForm.note.state:
        await state.set_state(None)


@flow.callback_query(BookCb.filter(F.action == BookAction.NOTE), KnownUser())
async def on_write_note(
    query: CallbackQuery,
    callback_data: BookCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    if await attempt(query, tr, services.check_slot(session, clock, callback_data.slot)) is None:
        return
    await ask_for_note(query, tr, state, callback_data.slot, callback_data.lang)


async def ask_for_note(query: CallbackQuery, tr: Translator, state: FSMContext, slot: int, lang: str) -> None:
    """The typed step: a note, or (an interpreter for another language) which language: the note says it."""
    await state.set_state(NoteForm.note)
    await NoteDraft(slot=slot, lang=lang).save(state)
    if lang == languages.OTHER:
        text = tr._(
            "Which language should the interpreter speak? Please write it in one short message, for example: "
            "Tigrinya.\n\n/cancel stops."
        )
    else:
        text = tr._(
            "Please write your note in one short message (at most {limit} characters). "
            "Please do not write passport or ID numbers.\n\n/cancel stops.",
            limit=services.NOTE_MAX,
        )
    await show_and_answer(query, text, keyboard(stop_row(tr)))


# Commands are never a note: /cancel, /mybookings ... keep working while the note is awaited.
WRITING = (StateFilter(NoteForm.note), F.chat.type == "private", ~F.text.startswith("/"))


@flow.message(*WRITING, F.text)
async def on_note_text(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    menu: Menu,
) -> None:
    try:
        note = services.typed_note(message.text)
    except BookingError as error:  # too long: the person stays in this step and writes it again
        await message.answer(error_text(tr, error))
        return
    draft = await NoteDraft.load(state) or NoteDraft(slot=0)
    await state.set_state(None)
    await draft.model_copy(update={"note": note}).save(state)
    try:
        info = await services.check_slot(session, clock, draft.slot)
    except BookingError as error:
        await message.answer(error_text(tr, error), reply_markup=menu.keyboard(tr, user.role))
        return
    text, markup = review_view(tr, info, draft.lang, note)
    review = await message.answer(text, reply_markup=markup)
    await BOOKING.mark(state, review.message_id)  # the dialog goes on in this new message


@flow.message(*WRITING)
async def on_note_other(message: Message, tr: Translator) -> None:
    await message.answer(tr._("Please write the note as text, or send /cancel."))
