"""Helpers take an open question from their /assignments list ("✋ Question no. N: I'll take it", the
shared `QuestionTakeCb`): the same claim as on the relay in the helpers' chat; the relay there then shows
"taken", and the helper is told where to answer."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.clock import Clock
from bot.config import Settings
from bot.services.users import HELPER, Person
from bot.text import Translator
from handlers.callbacks import QuestionTakeCb
from handlers.faq.tickets import refresh_relay
from handlers.kit import alert, private_flow

flow = private_flow("faq.take")


@flow.callback_query(QuestionTakeCb.filter(), flags={"role": HELPER})
async def on_take_question(
    query: CallbackQuery,
    callback_data: QuestionTakeCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    ticket = await tickets.get(session, callback_data.ticket)
    if ticket is None or ticket.relay_message_id is None:
        await alert(query, tr._("This question no longer exists."))
        return
    chat_id, relay = ticket.chat_id, ticket.relay_message_id
    result = await tickets.claim(session, clock, ticket.id, user.id, chat_id=chat_id, message_id=relay)
    if result.ticket is None:
        await alert(query, tr._("This question no longer exists."))
    elif result.outcome == tickets.CLAIMED:
        await refresh_relay(bot, settings, chat_id, relay, result.ticket)  # the relay now says "taken"
        await query.answer()
        text = tr._(
            "🙋 Question no. {number} is yours. Please answer it in the helpers' group: reply to the question "
            "there. Your name is not shown to the person.",
            number=result.ticket.id,
        )
        await bot.send_message(user.id, text)
    elif result.outcome == tickets.ALREADY_TAKEN:
        await alert(query, tr._("Sorry, someone else was quicker: this question is already taken."))
    else:
        await alert(query, tr._("This question is already closed."))
