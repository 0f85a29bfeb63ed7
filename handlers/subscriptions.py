"""/subscribe: a toggle keyboard of topics; offered once after the language is chosen; the button under
each broadcast switches its topic off (or on again)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import subscriptions as sub_service
from bot.broadcast import topics as topic_service
from bot.clock import Clock
from bot.text import N_, Translator, isolate
from handlers.callbacks import MenuCb
from handlers.menu import command, menu_item
from handlers.start import AFTER_LANGUAGE
from handlers.ui import edit_message
from storage.models import Topic, User

router = Router(name="subscriptions")
command("subscribe", N_("Choose which news you get"), order=20)
menu_item("subscribe", N_("🔔 News"), order=20)


class SubCb(CallbackData, prefix="sub"):
    a: str  # t: toggle in the list, done: close the list, b: toggle under a broadcast
    t: int = 0  # topic id


async def edit_markup(message: Message, markup: InlineKeyboardMarkup | None) -> None:
    """Change only the buttons; a tap that changes nothing (or a message too old to edit) is no error."""
    if message.reply_markup == markup:
        return
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=markup)


async def swap_button(query: CallbackQuery, new: InlineKeyboardButton) -> None:
    """Replace only the pressed button; the text of a broadcast or reminder stays as it was sent."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        [new if b.callback_data == query.data else b for b in row]
        for row in message.reply_markup.inline_keyboard
    ]
    await edit_markup(message, InlineKeyboardMarkup(inline_keyboard=rows))


async def message_of(event: Message | CallbackQuery) -> Message | None:
    """The chat a command or a menu tap came from; a tap is answered first so its spinner stops."""
    if isinstance(event, Message):
        return event
    await event.answer()
    return event.message if isinstance(event.message, Message) else None


def label(tr: Translator, msgid: str, **values: str) -> str:
    """A button label: translated, values inserted as plain text (buttons are not HTML), isolated in RTL."""
    template = tr._(msgid)
    return template.format(**{k: isolate(v) if tr.rtl else v for k, v in values.items()})


def topic_label(topic: Topic, lang: str) -> str:
    return f"{topic.emoji} {topic_service.topic_name(topic, lang)}".strip()


def topics_keyboard(topics: Iterable[Topic], chosen: set[int], tr: Translator) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=("✅ " if topic.id in chosen else "⬜ ") + topic_label(topic, tr.lang),
                callback_data=SubCb(a="t", t=topic.id).pack(),
            )
        ]
        for topic in topics
    ]
    rows.append([InlineKeyboardButton(text=tr._("Done ✔️"), callback_data=SubCb(a="done").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def broadcast_button(
    tr: Translator, topic_id: int, topic_name: str, subscribed: bool
) -> InlineKeyboardButton:
    """The button under a broadcast: stop the topic's news (or get it again)."""
    text = (
        label(tr, N_("🔕 Stop news: {topic}"), topic=topic_name)
        if subscribed
        else label(tr, N_("🔔 Get news again: {topic}"), topic=topic_name)
    )
    return InlineKeyboardButton(text=text, callback_data=SubCb(a="b", t=topic_id).pack())


async def _user_topics(session: AsyncSession, user: User) -> tuple[list[Topic], set[int]]:
    """The topics this user may see, and the ids of those they subscribed to."""
    return await topic_service.topics_for(session, user.role), await sub_service.subscribed(session, user.id)


async def _send_list(message: Message, user: User, tr: Translator, session: AsyncSession, intro: str) -> None:
    topics, chosen = await _user_topics(session, user)
    await message.answer(intro, reply_markup=topics_keyboard(topics, chosen, tr))


async def offer_topics(message: Message, user: User, tr: Translator, data: dict[str, Any]) -> None:
    """After the language is chosen: offer the topics; nothing is switched on without a tap."""
    session: AsyncSession | None = data.get("session")
    if session is None:
        return
    await _send_list(
        message,
        user,
        tr,
        session,
        tr._(
            "Would you like news from the association? Tap the topics that interest you. "
            "Nothing is switched on unless you tap it. You can change this any time with /subscribe."
        ),
    )


if offer_topics not in AFTER_LANGUAGE:
    AFTER_LANGUAGE.append(offer_topics)


@router.message(Command("subscribe"), F.chat.type == "private")
@router.callback_query(MenuCb.filter(F.action == "subscribe"))
async def cmd_subscribe(
    event: Message | CallbackQuery, user: User, tr: Translator, session: AsyncSession
) -> None:
    intro = tr._("Which news would you like to get? Tap a topic to switch it on or off.")
    message = await message_of(event)
    if message is not None:
        await _send_list(message, user, tr, session, intro)


@router.callback_query(SubCb.filter(F.a == "t"))
async def on_toggle(
    query: CallbackQuery,
    callback_data: SubCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if user is None or not isinstance(query.message, Message):
        await query.answer()
        return
    state = await sub_service.toggle(session, clock, user, callback_data.t)
    if state is None:
        await query.answer(tr._("This topic is not available any more."), show_alert=True)
    else:
        await query.answer(tr._("Switched on.") if state else tr._("Switched off."))
    topics, chosen = await _user_topics(session, user)
    await edit_markup(query.message, topics_keyboard(topics, chosen, tr))


@router.callback_query(SubCb.filter(F.a == "done"))
async def on_done(query: CallbackQuery, user: User | None, tr: Translator, session: AsyncSession) -> None:
    await query.answer()
    if user is None or not isinstance(query.message, Message):
        return
    topics, chosen = await _user_topics(session, user)
    names = [topic_label(t, tr.lang) for t in topics if t.id in chosen]
    if names:
        text = tr._("You get news about: {topics}. /subscribe changes this.", topics=", ".join(names))
    else:
        text = tr._("You get no news for now. /subscribe changes this.")
    await edit_message(query.message, text)


@router.callback_query(SubCb.filter(F.a == "b"))
async def on_broadcast_button(
    query: CallbackQuery,
    callback_data: SubCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """Under a broadcast: the presser's own subscription to that topic, re-checked here."""
    if user is None or not isinstance(query.message, Message):
        await query.answer()
        return
    topic = await topic_service.get_topic(session, callback_data.t)
    state = await sub_service.toggle(session, clock, user, callback_data.t)
    if state is None or topic is None:
        await query.answer(tr._("This topic is not available any more."), show_alert=True)
        return
    name = topic_service.topic_name(topic, tr.lang)
    if state:
        await query.answer(tr._("You get news about this topic again."))
    else:
        await query.answer(tr._("You will not get news about this topic any more."), show_alert=True)
    await swap_button(query, broadcast_button(tr, topic.id, name, state))
