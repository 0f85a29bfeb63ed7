"""/mybookings: one's upcoming appointments and waiting lists; cancel (after "are you sure?"), change the
time (the booking dialog with the booking in its buttons), and "I'll come" from a reminder."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import services
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import Person
from handlers.booking.callbacks import MyAction, MyCb
from handlers.booking.note import leave_note_state
from handlers.booking.screens import attempt, days_screen
from handlers.booking.steps import MOVING
from handlers.booking.views import View, cancel_question, cancelled_view, kept_view, my_view
from handlers.callbacks import MenuCb
from handlers.kit import Flow, KnownUser, button, keyboard, reply, show, show_and_answer

flow = Flow("booking.mine")
ONE_BOOKING = {MyAction.ASK_CANCEL, MyAction.KEEP, MyAction.RESCHEDULE}


async def my_screen(session: AsyncSession, clock: Clock, user: Person, tr: Translator) -> View:
    bookings = await services.upcoming(session, clock, user.id)
    return my_view(tr, bookings, await services.waitlist_of_user(session, user.id))


@flow.message(Command("mybookings"), F.chat.type == "private")
@flow.callback_query(MenuCb.filter(F.action == "mybookings"), KnownUser())
async def cmd_mybookings(
    event: Message | CallbackQuery,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    await leave_note_state(state)
    await reply(event, *await my_screen(session, clock, user, tr))


@flow.callback_query(MyCb.filter(F.action == MyAction.LIST), KnownUser())
async def on_list(
    query: CallbackQuery, user: Person, tr: Translator, session: AsyncSession, clock: Clock
) -> None:
    await show_and_answer(query, *await my_screen(session, clock, user, tr))


@flow.callback_query(MyCb.filter(F.action.in_(ONE_BOOKING)), KnownUser())
async def on_booking(
    query: CallbackQuery,
    callback_data: MyCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    """One of the person's bookings (still active and ahead): cancel it?, it stays, or the days of its
    topic to move it to (the "change time" dialog begins: /cancel ends it)."""
    booking_id = callback_data.booking
    info = await attempt(query, tr, services.booking_details(session, clock, user.id, booking_id))
    if info is None:
        return
    if callback_data.action == MyAction.RESCHEDULE:
        view = await days_screen(session, clock, settings, tr, info.topic, booking_id)
        if query.message is not None:
            await MOVING.mark(state, query.message.message_id)
    elif callback_data.action == MyAction.KEEP:
        view = kept_view(tr, info)
    else:
        view = cancel_question(tr, info, booking_id)
    await show_and_answer(query, *view)


@flow.callback_query(MyCb.filter(F.action == MyAction.CANCEL), KnownUser())
async def on_cancel(
    query: CallbackQuery,
    callback_data: MyCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    cancel = services.cancel(session, clock, settings, user_id=user.id, booking_id=callback_data.booking)
    info = await attempt(query, tr, cancel)
    if info is not None:
        await show_and_answer(query, *cancelled_view(tr, info))


@flow.callback_query(MyCb.filter(F.action == MyAction.WILL_COME), KnownUser())
async def on_will_come(
    query: CallbackQuery,
    callback_data: MyCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """ "I'll come" on a reminder: noted; the reminder keeps only its "cancel" button."""
    booking_id = callback_data.booking
    attend = services.confirm_attendance(session, clock, user_id=user.id, booking_id=booking_id)
    if await attempt(query, tr, attend) is None:
        return
    thanks = tr._("✅ Thank you! See you then.")
    message = query.message
    if isinstance(message, Message) and message.text:
        ask = MyCb(action=MyAction.ASK_CANCEL, booking=booking_id)
        cancel = keyboard([button(tr._("❌ Cancel the appointment"), ask)])
        await show(query, f"{message.html_text}\n\n{thanks}", cancel)
    await query.answer(thanks)
