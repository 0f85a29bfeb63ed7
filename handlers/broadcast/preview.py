"""A draft's preview: each audience language that has readers now, one message each exactly as they will
get it with its label below, then the counts and the next step.

Paced at the chat's rate (`ChatPacer.ready`): sent in one burst, a preview of six languages was 13 messages
and met Telegram's per-chat limit about 18 times (issue 18)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import SendMessage, SendPhoto
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import sending
from bot.broadcast.broadcasts import Broadcast, BroadcastError
from bot.broadcast.texts import MAX_CAPTION, visible_length
from bot.config import Settings
from bot.delivery.limits import ChatPacer
from bot.delivery.render import Rendered
from bot.languages import own_name
from bot.text import Translator
from handlers.broadcast.callbacks import BroadcastAction, BroadcastCb
from handlers.broadcast.drafts import discard_row
from handlers.broadcast.renderers import broadcast_message
from handlers.broadcast.views import problem_text
from handlers.kit import button, keyboard

MAX_MESSAGE = 4096  # Telegram's limit for a text, after entity parsing


async def send_preview(
    bot: Bot,
    chat_id: int,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    broadcast: Broadcast,
    pacer: ChatPacer,
) -> None:
    try:
        previews, total = await sending.previews(session, settings, broadcast)
    except BroadcastError as error:
        await bot.send_message(chat_id, problem_text(tr, error.code))
        return
    # with nobody to read it yet, the first language still shows what it looks like
    shown = [p for p in previews if p.recipients] or previews[:1]
    photo_shown = False
    for preview in shown:
        message = preview.message
        if message.photo_ahead and not photo_shown:  # the same photo in every language: shown once
            await pacer.ready(chat_id)
            await bot(SendPhoto(chat_id=chat_id, photo=message.photo_ahead))
            photo_shown = True
        label = tr._(
            "👁 Preview for {language} (recipients now: {n})",
            language=own_name(message.lang),
            n=preview.recipients,
        )
        rendered = broadcast_message(message.payload, Translator(message.lang, settings.tz))
        await pacer.ready(chat_id)
        await _send(bot, chat_id, labelled(rendered, label))
    lines = []
    hidden = [own_name(p.message.lang) for p in previews if p not in shown]
    if hidden:
        lines.append(tr._("Without recipients now, not shown: {languages}", languages=tr.comma_list(hidden)))
    lines.append(tr._("Recipients now: {n}. Send now or later?", n=total))
    bid = broadcast.id
    markup = keyboard(
        [
            button(tr._("📤 Send now"), BroadcastCb(action=BroadcastAction.NOW, broadcast=bid)),
            button(tr._("🕒 Send later"), BroadcastCb(action=BroadcastAction.WHEN, broadcast=bid)),
        ],
        [button(tr._("✏️ Change texts"), BroadcastCb(action=BroadcastAction.OVERVIEW, broadcast=bid))],
        discard_row(tr, bid),
    )
    await pacer.ready(chat_id)
    await bot.send_message(chat_id, "\n".join(lines), reply_markup=markup)


def labelled(rendered: Rendered, label: str) -> Rendered:
    """The reader's message with the organizer's label in a line below, if it still fits. Below: an Arabic
    or Farsi text still begins the message, so it reads right to left as its readers will see it."""
    key, limit = ("caption", MAX_CAPTION) if rendered.method == "sendPhoto" else ("text", MAX_MESSAGE)
    body = rendered.params.get(key)
    if not isinstance(body, str) or visible_length(f"{body}\n\n{label}") > limit:
        return rendered
    return Rendered(rendered.method, {**rendered.params, key: f"{body}\n\n{label}"})


async def _send(bot: Bot, chat_id: int, rendered: Rendered) -> None:
    if rendered.method == "sendPhoto":
        await bot(SendPhoto(chat_id=chat_id, **rendered.params))
    else:
        await bot(SendMessage(chat_id=chat_id, **rendered.params))
