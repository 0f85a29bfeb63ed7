"""The last steps of booking: check everything, book it (or move a booking), or stop."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import services
from bot.booking.services import BookingError, Refusal
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import Person
from handlers.booking.callbacks import BookAction, BookCb
from handlers.booking.note import NoteDraft, leave_note_state
from handlers.booking.screens import attempt, show_booked, times_again
from handlers.booking.steps import BOOKING, review_view
from handlers.booking.views import SLOT_LOST, book_row, limit_view, my_row
from handlers.kit import Flow, KnownUser, end_dialog, keyboard, show, show_and_answer

flow = Flow("booking.confirm")


@flow.callback_query(BookCb.filter(F.action == BookAction.REVIEW), KnownUser())
async def on_review(
    query: CallbackQuery,
    callback_data: BookCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    """ "Continue without a note"."""
    info = await attempt(query, tr, services.check_slot(session, clock, callback_data.slot))
    if info is None:
        return
    await leave_note_state(state)
    await NoteDraft(slot=callback_data.slot, lang=callback_data.lang).save(state)
    if query.message is not None:
        await BOOKING.mark(state, query.message.message_id)
    await show_and_answer(query, *review_view(tr, info, callback_data.lang, None))


@flow.callback_query(BookCb.filter(F.action == BookAction.STOP))
async def on_stop(query: CallbackQuery, callback_data: BookCb, tr: Translator, state: FSMContext) -> None:
    """✖ on a screen of the dialog (`booking`: the appointment being moved, which stays as it is)."""
    await NoteDraft.clear(state)
    if callback_data.booking:
        await show_and_answer(query, tr._("OK, your appointment was not moved."), keyboard(my_row(tr)))
    else:
        await show_and_answer(query, tr._("OK, nothing was booked."), keyboard(book_row(tr)))


@flow.callback_query(BookCb.filter(F.action == BookAction.CONFIRM), KnownUser())
async def on_confirm(
    query: CallbackQuery,
    callback_data: BookCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    draft = await NoteDraft.load(state)
    note = draft.note if draft is not None and draft.slot == callback_data.slot else None

    async def redraw(error: BookingError) -> None:
        if error.reason in SLOT_LOST:
            await show(query, *await times_again(session, clock, settings, user, tr, callback_data.slot, 0))
        elif error.reason == Refusal.LIMIT:
            await show(query, *limit_view(tr, error))

    booking = await attempt(
        query,
        tr,
        services.book(
            session,
            clock,
            settings,
            user_id=user.id,
            slot_id=callback_data.slot,
            interpreter=callback_data.lang,
            note=note,
            language=tr.lang,
        ),
        redraw,
    )
    if booking is None:
        return
    await NoteDraft.clear(state)
    await show_booked(query, bot, tr, clock, booking, await services.booking_info(session, booking))


@flow.callback_query(BookCb.filter(F.action == BookAction.MOVE), KnownUser())
async def on_move(
    query: CallbackQuery,
    callback_data: BookCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    slot_id, moving = callback_data.slot, callback_data.booking

    async def redraw(error: BookingError) -> None:
        if error.reason in SLOT_LOST:
            await show(query, *await times_again(session, clock, settings, user, tr, slot_id, moving))

    move = services.reschedule(session, clock, settings, user_id=user.id, booking_id=moving, slot_id=slot_id)
    booking = await attempt(query, tr, move, redraw)
    if booking is not None:
        await end_dialog(state)
        info = await services.booking_info(session, booking)
        await show_booked(query, bot, tr, clock, booking, info, moved=True)
