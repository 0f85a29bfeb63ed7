"""Tickets in the helpers' chat: a helper's reply to any of a ticket's messages there (the card, a part of
the question, a later message of the asker, the copy of their voice message or photo) goes to the asker —
a text, or a voice message, photo, document or location (copied, with no consent step) — and the card's
buttons of the helper who took it: show or hide their first name, close the conversation. "I'll take it"
is handlers/faq/take.py.

Nothing is sent to the group from here directly: what the group is told (passed on, refused, closed)
and every edit of the card go through the outbox (bot.faq.conversation, bot.tickets), within the group's
limit of 20 messages a minute. The helpers' chat speaks the configured default language.
"""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.claims import Outcome
from bot.clock import Clock
from bot.config import Settings
from bot.faq import conversation
from bot.text import Translator
from bot.translation.service import MachineTranslator
from bot.users import HELPER, Person
from handlers.faq.callbacks import TicketAction, TicketCb
from handlers.faq.media import SENDABLE, media_in
from handlers.faq.reply_target import named_ticket
from handlers.faq.ticket_views import refusal
from handlers.kit import Flow, alert

flow = Flow("faq.tickets")
IN_GROUP = F.message.chat.type.in_({"group", "supergroup"})


async def in_helpers_chat(message: Message, settings: Settings) -> bool:
    # async: aiogram runs a plain function filter in a worker thread (see bot.app.inline_pure_filters)
    return settings.helpers_chat_id is not None and message.chat.id == settings.helpers_chat_id


@flow.callback_query(
    TicketCb.filter(F.action == TicketAction.NAME), IN_GROUP, flags={"role": HELPER, "group": True}
)
async def on_name(
    query: CallbackQuery, callback_data: TicketCb, user: Person, tr: Translator, session: AsyncSession,
    clock: Clock,
) -> None:  # fmt: skip
    result = await tickets.set_named(session, clock, callback_data.ticket, user)
    if result.outcome == Outcome.OK and result.named:
        await alert(
            query, tr._("Your first name from Telegram is now shown to the person with your answers.")
        )
    elif result.outcome == Outcome.OK:
        await alert(query, tr._("You are anonymous again: the person does not see your name."))
    else:
        await alert(query, refusal(tr, result.outcome))


@flow.callback_query(
    TicketCb.filter(F.action == TicketAction.CLOSE), IN_GROUP, flags={"role": HELPER, "group": True}
)
async def on_close(
    query: CallbackQuery, callback_data: TicketCb, user: Person, tr: Translator, session: AsyncSession,
    clock: Clock,
) -> None:  # fmt: skip
    result = await tickets.close(session, clock, callback_data.ticket, tickets.ClosedBy.HELPER, user)
    if result.outcome == Outcome.OK:
        await query.answer(tr._("Closed. The person was told."))
    else:
        await alert(query, refusal(tr, result.outcome))


@flow.message(
    F.chat.type.in_({"group", "supergroup"}),
    F.reply_to_message,
    (F.text & ~F.text.startswith("/")) | SENDABLE,
    in_helpers_chat,
    flags={"group": True},
)
async def on_helper_reply(
    message: Message,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
    user: Person | None = None,
    machine_translator: MachineTranslator | None = None,
) -> None:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
        return  # people talking to each other
    found = media_in(message) if message.text is None else None
    await conversation.reply_to_relay(
        session,
        clock,
        settings,
        machine_translator,
        helper=user,
        helper_name=message.from_user.first_name if message.from_user else None,
        chat_id=message.chat.id,
        relay_message_id=replied.message_id,
        text=message.text or (found.caption if found else ""),
        message_id=message.message_id,
        media=found.media if found else None,
        named_ticket=named_ticket(replied, settings.default_language),
    )
