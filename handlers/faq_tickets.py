"""Tickets in the helpers' chat: the relay of a question, "I'll take it", a helper's reply, and the
outbox renderers for everything that reaches people who did not act themselves (the relay, the answer,
the "withdrawn" edit, the "could not be passed on" notice).

The helpers' chat speaks the configured default language. The relay shows the question, its language
and a machine translation when there is one; never the asker's name or id.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import tickets
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.render import Rendered, renderer
from bot.faq import handoff
from bot.faq.service import faq_service
from bot.services.users import HELPER, has_role
from bot.text import N_, Translator
from storage.models import Ticket, User

router = Router(name="faq_tickets")

LANGUAGE_LABELS: dict[str, str] = {
    "de": N_("German"),
    "ar": N_("Arabic"),
    "fa": N_("Farsi / Dari"),
    "uk": N_("Ukrainian"),
    "en": N_("English"),
    "ru": N_("Russian"),
}


class TicketCb(CallbackData, prefix="tk"):
    a: str  # take
    t: int  # ticket number


def language_label(tr: Translator, lang: str) -> str:
    return tr._(LANGUAGE_LABELS.get(lang, lang))


# --- what the helpers' chat shows ---------------------------------------------------------------------


def relay_text(tr: Translator, data: dict[str, Any], status_line: str | None = None) -> str:
    parts = [
        tr._(
            "❓ <b>Question no. {number}</b> · {language}",
            number=data["ticket"],
            language=language_label(tr, data["lang"]),
        ),
        tr.insert(data.get("text") or ""),
    ]
    if data.get("translation"):
        parts.append(tr._("<i>Machine translation:</i>\n{translation}", translation=data["translation"]))
    parts.append(
        status_line
        or tr._(
            "↩️ To answer, reply to this message. The person's name is not shown here, and yours is not "
            "shown to them."
        )
    )
    return "\n\n".join(parts)


def taken_line(tr: Translator) -> str:
    return tr._("✋ A helper has taken this question. Any helper can still answer by replying.")


def closed_text(tr: Translator, ticket_id: int, lang: str, status: str) -> str:
    if status == tickets.WITHDRAWN:
        return tr._(
            "↩️ Question no. {number} ({language}) was withdrawn by the person who asked.",
            number=ticket_id,
            language=language_label(tr, lang),
        )
    return tr._(
        "✅ Question no. {number} ({language}) has been answered. Replies to this message still reach the "
        "person.",
        number=ticket_id,
        language=language_label(tr, lang),
    )


def take_keyboard(tr: Translator, ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=tr._("🙋 I'll take it"), callback_data=TicketCb(a="take", t=ticket_id).pack()
                )
            ]
        ]
    )


def ticket_view(tr: Translator, ticket: Ticket) -> tuple[str, InlineKeyboardMarkup | None]:
    """The relay message as it should look now."""
    if ticket.status == tickets.OPEN:
        return relay_text(tr, tickets.relay_data(ticket)), take_keyboard(tr, ticket.id)
    if ticket.status == tickets.TAKEN:
        return relay_text(tr, tickets.relay_data(ticket), taken_line(tr)), None
    return closed_text(tr, ticket.id, ticket.lang, ticket.status), None


# --- outbox renderers ----------------------------------------------------------------------------------


@renderer(tickets.relay_kind(tickets.QUESTION))
def render_relay(data: dict[str, Any], tr: Translator) -> Rendered:
    return Rendered(
        "sendMessage", {"text": relay_text(tr, data), "reply_markup": take_keyboard(tr, int(data["ticket"]))}
    )


@renderer(tickets.WITHDRAWN_KIND)
def render_withdrawn(data: dict[str, Any], tr: Translator) -> Rendered:
    text = closed_text(tr, int(data["ticket"]), str(data.get("lang") or ""), tickets.WITHDRAWN)
    return Rendered("editMessageText", {"message_id": int(data["message_id"]), "text": text})


@renderer(tickets.ANSWER_KIND)
def render_answer(data: dict[str, Any], tr: Translator) -> Rendered:
    parts = [
        tr._("💬 <b>Answer to your question no. {number}</b>", number=data["ticket"]),
        tr.insert(data.get("text") or ""),
    ]
    if data.get("original"):
        parts.append(
            tr._("<i>Translated by machine. The original:</i>\n{original}", original=data["original"])
        )
    parts.append(tr._("If you have another question, just write it."))
    return Rendered("sendMessage", {"text": "\n\n".join(parts)})


@renderer(tickets.FAILED_KIND)
def render_failed(data: dict[str, Any], tr: Translator) -> Rendered:
    text = tr._(
        "Sorry, your question no. {number} could not be passed on to our volunteers. Please try again "
        "later with /ask.",
        number=data["ticket"],
    )
    return Rendered("sendMessage", {"text": text})


# --- the helpers' chat ---------------------------------------------------------------------------------


def in_helpers_chat(message: Message, settings: Settings) -> bool:
    return settings.helpers_chat_id is not None and message.chat.id == settings.helpers_chat_id


async def _edit(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    with contextlib.suppress(TelegramBadRequest):  # not modified, or deleted meanwhile
        await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup)


async def refresh_relay(bot: Bot, settings: Settings, chat_id: int, message_id: int, ticket: Ticket) -> None:
    """Make the relay in the helpers' chat show the ticket as it is now (e.g. "taken", no button)."""
    # The helpers' chat speaks the default language, whoever pressed the button.
    chat_tr = Translator(settings.default_language, settings.tz)
    await _edit(bot, chat_id, message_id, *ticket_view(chat_tr, ticket))


@router.callback_query(TicketCb.filter(F.a == "take"), flags={"role": HELPER})
async def on_take(
    query: CallbackQuery,
    callback_data: TicketCb,
    user: User,
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
        session, clock, callback_data.t, user.id, chat_id=message.chat.id, message_id=message.message_id
    )
    await session.commit()
    if result.ticket is None:
        await query.answer(tr._("This question no longer exists."), show_alert=True)
        return
    if message.reply_markup is not None:  # the relay still looks open: show what it is now
        await refresh_relay(bot, settings, message.chat.id, message.message_id, result.ticket)
    if result.outcome == tickets.CLAIMED:
        await query.answer(tr._("Thank you! Please answer by replying to the question."))
    elif result.outcome == tickets.ALREADY_TAKEN:
        await query.answer(tr._("Someone else has already taken this question."), show_alert=True)
    else:
        await query.answer(tr._("This question is already closed."), show_alert=True)


@router.message(
    F.chat.type.in_({"group", "supergroup"}),
    F.reply_to_message,
    F.text,
    ~F.text.startswith("/"),
    in_helpers_chat,
)
async def on_helper_reply(
    message: Message,
    user: User | None,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
    **data: Any,
) -> None:
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
        return  # people talking to each other
    ticket = await tickets.find_by_relay(session, message.chat.id, replied.message_id)
    if ticket is None:
        return  # a reply to some other bot message: ignored on purpose
    await session.commit()
    chat_tr = Translator(settings.default_language, settings.tz)
    if user is None or not has_role(user, HELPER):
        await message.reply(
            chat_tr._(
                "Only registered helpers can answer questions. Please ask an organizer for an invitation link."
            )
        )
        return
    if ticket.status == tickets.WITHDRAWN:
        await message.reply(
            chat_tr._("This question was withdrawn by the person who asked. Your answer was not passed on.")
        )
        if replied.reply_markup is not None:  # still looks open (the withdrawal edit did not land)
            await _edit(bot, message.chat.id, replied.message_id, *ticket_view(chat_tr, ticket))
        return
    ticket_id, asker_lang = ticket.id, ticket.lang
    app = data.get("app")
    translator = handoff.machine_translator(app.extras, settings, app.sessionmaker) if app else None
    await session.commit()  # no transaction open while the translator works
    service = await faq_service(settings)
    text, original = await handoff.prepare_answer(
        service,
        translator,
        text=message.text or "",
        asker_lang=asker_lang,
        helpers_lang=settings.default_language,
    )
    current = await tickets.get(session, ticket_id)
    if current is None:
        await message.reply(chat_tr._("This question no longer exists."))
        return
    result = await tickets.answer(
        session,
        clock,
        current,
        text=text,
        original=original,
        source_key=f"{message.chat.id}:{message.message_id}",
    )
    await session.commit()
    if result.outcome == tickets.WAS_WITHDRAWN:
        await message.reply(
            chat_tr._("This question was withdrawn by the person who asked. Your answer was not passed on.")
        )
        return
    if result.outcome != tickets.SENT_TO_ASKER:
        await message.reply(chat_tr._("This question no longer exists."))
        return
    if result.first:
        await _edit(
            bot,
            message.chat.id,
            replied.message_id,
            closed_text(chat_tr, ticket_id, asker_lang, tickets.ANSWERED),
            None,
        )
    confirmation = chat_tr._("✅ Passed on to the person who asked (no. {number}).", number=ticket_id)
    if original is not None:
        confirmation += "\n" + chat_tr._(
            "It was machine-translated into {language}.", language=language_label(chat_tr, asker_lang)
        )
    await message.reply(confirmation)
