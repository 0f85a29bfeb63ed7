"""The waiting list of a full topic: join (after the interpreter question), take an offered place with
one tap, decline it, or leave the list."""

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
from handlers.booking.callbacks import BookAction, BookCb, WaitAction, WaitCb
from handlers.booking.screens import attempt, show_booked, times_or_days
from handlers.booking.views import (
    book_row,
    error_text,
    interpreter_keyboard,
    joined_text,
    my_row,
    topic_label,
)
from handlers.kit import Flow, KnownUser, end_dialog, keyboard, show, show_and_answer

flow = Flow("booking.waitlist")


@flow.callback_query(WaitCb.filter(F.action == WaitAction.ASK), KnownUser())
async def on_ask(query: CallbackQuery, callback_data: WaitCb, tr: Translator, session: AsyncSession) -> None:
    topic = await attempt(query, tr, services.get_topic(session, callback_data.topic))
    if topic is None:
        return
    topic_id = topic.id
    markup = interpreter_keyboard(
        tr,
        lambda code: WaitCb(action=WaitAction.JOIN, topic=topic_id, lang=code),
        BookCb(action=BookAction.TOPICS),
    )
    text = tr._(
        "Waiting list for {topic}.\n\nDo you need an interpreter? If yes, for which language?",
        topic=topic_label(topic, tr),
    )
    await show_and_answer(query, text, markup)


@flow.callback_query(WaitCb.filter(F.action == WaitAction.JOIN), KnownUser())
async def on_join(
    query: CallbackQuery,
    callback_data: WaitCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    async def redraw(error: BookingError) -> None:
        if error.reason == Refusal.HAS_FREE:  # no need to wait: show the free times instead
            view = await times_or_days(session, clock, settings, user, tr, callback_data.topic, None, 0)
            await show(query, *view)

    join = services.join_waitlist(
        session,
        clock,
        settings,
        user_id=user.id,
        topic_id=callback_data.topic,
        interpreter=callback_data.lang,
        language=tr.lang,
    )
    if await attempt(query, tr, join, redraw) is None:
        return
    await end_dialog(state)  # booking became waiting: /cancel has nothing of it left to end
    topic = await services.get_topic(session, callback_data.topic)
    text = joined_text(tr, topic, settings.waitlist_hold_hours)
    await show_and_answer(query, text, keyboard(my_row(tr)))


@flow.callback_query(WaitCb.filter(F.action == WaitAction.TAKE), KnownUser())
async def on_take(
    query: CallbackQuery,
    callback_data: WaitCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    async def redraw(error: BookingError) -> None:
        if error.reason == Refusal.EXPIRED:  # the offer message would still invite a tap
            await show(query, error_text(tr, error), keyboard(book_row(tr)))

    take = services.take_offer(
        session, clock, settings, user_id=user.id, entry_id=callback_data.entry, slot_id=callback_data.slot
    )
    booking = await attempt(query, tr, take, redraw)
    if booking is not None:
        await show_booked(query, bot, tr, clock, booking, await services.booking_info(session, booking))


@flow.callback_query(WaitCb.filter(F.action.in_({WaitAction.DECLINE, WaitAction.LEAVE})), KnownUser())
async def on_leave(
    query: CallbackQuery,
    callback_data: WaitCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    leave = services.leave_waitlist(session, clock, settings, user_id=user.id, entry_id=callback_data.entry)
    if await attempt(query, tr, leave) is None:
        return
    text = tr._("OK. You are no longer on the waiting list. You can book again at any time with /book.")
    await show_and_answer(query, text, keyboard(book_row(tr)))
