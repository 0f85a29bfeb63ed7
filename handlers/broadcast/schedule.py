"""A draft's preview (preview.py) → send now, or at a time picked from quick buttons or typed ("morgen 9 Uhr",
read by bot/broadcast/dates.py) → confirm; or discard it."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as service
from bot.broadcast import dates, sending
from bot.broadcast.broadcasts import Broadcast
from bot.broadcast.dates import DateError
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
from handlers.broadcast.views import ORG
from handlers.callbacks import RowId
from handlers.kit import button, keyboard, reply, show_and_answer, show_keyboard
from handlers.when import Minute, examples, from_minute, pick_rows, problem_text

flow = compose_flow("broadcast.schedule")
Action = BroadcastAction


class WhenPickCb(CallbackData, prefix="bcw"):
    """A quick pick for the time of a draft ("Tomorrow 9:00"): the draft and the moment."""

    broadcast: RowId
    at: Minute


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
    now = clock.now()
    picks = pick_rows(
        tr,
        dates.quick_picks(now, settings.tz),
        now,
        lambda minute: WhenPickCb(broadcast=broadcast.id, at=minute),
    )
    text = "\n".join(
        [
            tr._("When should it go out? Tap a time or write one (time in {zone}).", zone=settings.timezone),
            examples(tr),
        ]
    )
    await reply(query, text, keyboard(*picks, discard_row(tr, broadcast.id)))


async def _proposed(
    event: CallbackQuery | Message,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
) -> None:
    await state.clear()
    await reply(event, *await _confirm_screen(tr, session, settings, broadcast))


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
        at = dates.moment(message.text or "", clock.now(), settings.tz)
    except DateError as error:
        await message.answer(problem_text(tr, error.problem))
        return
    service.propose_time(broadcast, at, clock)
    await _proposed(message, broadcast, tr, session, settings, state)


@flow.callback_query(WhenPickCb.filter(), flags=ORG)
async def on_when_pick(
    query: CallbackQuery,
    callback_data: WhenPickCb,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
) -> None:
    # a pick shown a while ago may have passed: the service refuses it (Refusals shows why)
    service.propose_time(broadcast, from_minute(callback_data.at), clock)
    await show_keyboard(query, None)
    await _proposed(query, broadcast, tr, session, settings, state)


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
