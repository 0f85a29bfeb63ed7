"""A draft's preview (preview.py) → send now, or at a typed date and time → confirm; or discard it."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as service
from bot.broadcast import dates, sending
from bot.broadcast.broadcasts import Broadcast, BroadcastError
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.limits import ChatPacer
from bot.text import Html, Translator
from bot.users import Person
from handlers.broadcast.callbacks import BroadcastAction, BroadcastCb
from handlers.broadcast.drafts import (
    TYPED,
    Compose,
    ask,
    compose_flow,
    discard_row,
    sending_text,
)
from handlers.broadcast.preview import send_preview
from handlers.broadcast.views import ORG, date_problem_text
from handlers.kit import button, keyboard, reply, show_and_answer, show_keyboard

flow = compose_flow("broadcast.schedule")
Action = BroadcastAction


@flow.callback_query(BroadcastCb.filter(F.action == Action.PREVIEW), flags=ORG)
async def on_preview(
    query: CallbackQuery,
    broadcast: Broadcast,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
    pacer: ChatPacer,
) -> None:
    await query.answer()
    await state.clear()
    await send_preview(bot, user.id, tr, session, settings, broadcast, pacer)


async def _confirm_screen(
    tr: Translator, session: AsyncSession, settings: Settings, broadcast: Broadcast
) -> tuple[str, InlineKeyboardMarkup | None]:
    n = sum((await service.recipient_counts(session, broadcast, settings)).values())
    if broadcast.scheduled_at is None:
        text = tr._("Send broadcast #{id} now? Recipients now: {n}.", id=broadcast.id, n=n)
        yes = tr._("✅ Yes, send now")
    else:
        text = tr._(
            "Send broadcast #{id} on {when}? Recipients now: {n} (it goes to the subscribers at that time).",
            id=broadcast.id,
            when=Html(tr.datetime(broadcast.scheduled_at)),
            n=n,
        )
        yes = tr._("✅ Yes, schedule it")
    bid = broadcast.id
    markup = keyboard(
        [button(yes, BroadcastCb(action=Action.CONFIRM, broadcast=bid))],
        [
            button(tr._("🕒 Another time"), BroadcastCb(action=Action.WHEN, broadcast=bid)),
            button(tr._("✏️ Change texts"), BroadcastCb(action=Action.OVERVIEW, broadcast=bid)),
        ],
        discard_row(tr, bid),
    )
    return text, markup


@flow.callback_query(BroadcastCb.filter(F.action == Action.NOW), flags=ORG)
async def on_now(
    query: CallbackQuery,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    service.propose_time(broadcast, None, clock)
    await reply(query, *await _confirm_screen(tr, session, settings, broadcast))


@flow.callback_query(BroadcastCb.filter(F.action == Action.WHEN), flags=ORG)
async def on_when(
    query: CallbackQuery,
    broadcast: Broadcast,
    tr: Translator,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    await ask(state, Compose.when, broadcast)
    await reply(
        query,
        tr._(
            "When should it go out? Write date and time like this: {example} (time in {zone}).",
            example=dates.example(clock.now(), settings.tz),
            zone=settings.timezone,
        ),
    )


@flow.message(Compose.when, *TYPED, F.text, flags=ORG)
async def on_when_text(
    message: Message,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    try:
        service.propose_typed_time(broadcast, message.text or "", clock, settings.tz)
    except BroadcastError as error:
        await message.answer(date_problem_text(tr, error.code, dates.example(clock.now(), settings.tz)))
        return
    await state.clear()
    text, markup = await _confirm_screen(tr, session, settings, broadcast)
    await message.answer(text, reply_markup=markup)


@flow.callback_query(BroadcastCb.filter(F.action == Action.CONFIRM), flags=ORG)
async def on_confirm(
    query: CallbackQuery,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
) -> None:
    confirmed = await sending.send_or_schedule(session, clock, settings, broadcast)
    await show_keyboard(query, None)
    if confirmed.sending is not None:
        await reply(query, sending_text(tr, broadcast.id, confirmed.sending))
        return
    await reply(
        query,
        tr._(
            "✅ Broadcast #{id} is scheduled for {when}. You will get a report after sending. "
            "/broadcasts shows planned broadcasts and can cancel them.",
            id=broadcast.id,
            when=Html(tr.datetime(confirmed.at)),
        ),
    )


@flow.callback_query(BroadcastCb.filter(F.action == Action.DROP), flags=ORG)
async def on_drop(
    query: CallbackQuery, broadcast: Broadcast, tr: Translator, session: AsyncSession, state: FSMContext
) -> None:
    await state.clear()
    await service.cancel(session, broadcast.id)
    await show_and_answer(query, tr._("The broadcast was discarded."))
