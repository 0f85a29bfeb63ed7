"""Tickets in the helpers' chat: "I'll take it" on a relay, and a helper's reply to it (the answer for the
asker). The helpers' chat speaks the configured default language, whoever pressed or wrote."""

from __future__ import annotations

import contextlib

from aiogram import Bot, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.clock import Clock
from bot.config import Settings
from bot.faq import handoff
from bot.languages import name_in
from bot.services.users import HELPER, Person
from bot.text import Translator
from bot.tickets import Ticket
from bot.translation.service import MachineTranslator
from handlers.faq.callbacks import TicketAction, TicketCb
from handlers.faq.ticket_views import closed_text, ticket_view
from handlers.kit import Flow, alert

flow = Flow("faq.tickets")


def chat_reader(settings: Settings) -> Translator:
    return Translator(settings.default_language, settings.tz)


def in_helpers_chat(message: Message, settings: Settings) -> bool:
    return settings.helpers_chat_id is not None and message.chat.id == settings.helpers_chat_id


async def _edit_relay(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    with contextlib.suppress(TelegramBadRequest):  # not modified, or deleted meanwhile
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)


async def refresh_relay(bot: Bot, settings: Settings, chat_id: int, message_id: int, ticket: Ticket) -> None:
    """Make the relay in the helpers' chat show the ticket as it is now (e.g. "taken", no button)."""
    await _edit_relay(bot, chat_id, message_id, *ticket_view(chat_reader(settings), ticket))


@flow.callback_query(TicketCb.filter(F.action == TicketAction.TAKE), flags={"role": HELPER, "group": True})
async def on_take(
    query: CallbackQuery,
    callback_data: TicketCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    result = await tickets.claim(
        session, clock, callback_data.ticket, user.id, chat_id=message.chat.id, message_id=message.message_id
    )
    if result.ticket is None:
        await alert(query, tr._("This question no longer exists."))
        return
    if message.reply_markup is not None:  # the relay still looks open: show what it is now
        await refresh_relay(bot, settings, message.chat.id, message.message_id, result.ticket)
    if result.outcome == tickets.CLAIMED:
        await query.answer(tr._("Thank you! Please answer by replying to the question."))
    elif result.outcome == tickets.ALREADY_TAKEN:
        await alert(query, tr._("Someone else has already taken this question."))
    else:
        await alert(query, tr._("This question is already closed."))


@flow.message(
    F.chat.type.in_({"group", "supergroup"}),
    F.reply_to_message,
    F.text,
    ~F.text.startswith("/"),
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
    result = await handoff.reply_to_relay(
        session,
        clock,
        settings,
        machine_translator,
        helper=user,
        chat_id=message.chat.id,
        relay_message_id=replied.message_id,
        text=message.text or "",
        source_key=f"{message.chat.id}:{message.message_id}",
    )
    chat_tr = chat_reader(settings)
    outcome, ticket = result.outcome, result.ticket
    if outcome == handoff.Reply.IGNORED:
        return  # a reply to some other bot message: ignored on purpose
    if outcome == handoff.Reply.NOT_ALLOWED:
        await message.reply(
            chat_tr._(
                "Only registered helpers can answer questions. Please ask an organizer for an invitation link."
            )
        )
    elif outcome == handoff.Reply.WITHDRAWN:
        await message.reply(
            chat_tr._("This question was withdrawn by the person who asked. Your answer was not passed on.")
        )
        if ticket is not None and replied.reply_markup is not None:  # the withdrawal edit did not land
            await refresh_relay(bot, settings, message.chat.id, replied.message_id, ticket)
    elif outcome == handoff.Reply.GONE or ticket is None:
        await message.reply(chat_tr._("This question no longer exists."))
    else:
        if result.first:
            text = closed_text(chat_tr, ticket.id, ticket.lang, tickets.ANSWERED)
            await _edit_relay(bot, message.chat.id, replied.message_id, text)
        confirmation = chat_tr._("✅ Passed on to the person who asked (no. {number}).", number=ticket.id)
        if result.translated:
            confirmation += "\n" + chat_tr._(
                "It was machine-translated into {language}.", language=name_in(ticket.lang, chat_tr._)
            )
        await message.reply(confirmation)
