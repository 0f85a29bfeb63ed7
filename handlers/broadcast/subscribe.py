"""/subscribe: the topics to switch on or off, a page at a time; offered once after the language is
chosen (nothing is switched on without a tap); the button under each broadcast switches its topic off
(or on again)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import subscriptions as sub_service
from bot.broadcast import topics as topic_service
from bot.broadcast.subscriptions import Switched
from bot.broadcast.topics import Topic
from bot.clock import Clock
from bot.text import Translator
from bot.users import Person
from handlers.broadcast.callbacks import PageCb, Screen, SubAction, SubCb
from handlers.broadcast.views import (
    page_with,
    stop_news_button,
    topic_gone_text,
    topic_label,
    topics_keyboard,
)
from handlers.callbacks import MenuCb
from handlers.kit import Flow, KnownUser, alert, reply, show, show_keyboard, swap_button

flow = Flow("broadcast.subscribe")


async def _topics(session: AsyncSession, user: Person) -> tuple[list[Topic], set[int]]:
    """The topics this person may see, and the ids of those they subscribed to."""
    return await topic_service.topics_for(session, user.role), await sub_service.subscribed(session, user.id)


async def offer_subscriptions(message: Message, user: Person, tr: Translator, session: AsyncSession) -> None:
    """After the language is chosen: offer the topics; nothing is switched on without a tap."""
    topics, chosen = await _topics(session, user)
    await message.answer(
        tr._(
            "Would you like news from the association? Tap the topics that interest you. "
            "Nothing is switched on unless you tap it. You can change this any time with /subscribe."
        ),
        reply_markup=topics_keyboard(tr, topics, chosen, 0),
    )


@flow.message(Command("subscribe"), F.chat.type == "private")
@flow.callback_query(MenuCb.filter(F.action == "subscribe"))
async def cmd_subscribe(
    event: Message | CallbackQuery, user: Person, tr: Translator, session: AsyncSession
) -> None:
    topics, chosen = await _topics(session, user)
    await reply(
        event,
        tr._("Which news would you like to get? Tap a topic to switch it on or off."),
        topics_keyboard(tr, topics, chosen, 0),
    )


@flow.callback_query(PageCb.filter(F.screen == Screen.SUBSCRIBE), KnownUser())
async def on_page(
    query: CallbackQuery, callback_data: PageCb, user: Person, tr: Translator, session: AsyncSession
) -> None:
    await query.answer()
    topics, chosen = await _topics(session, user)
    await show_keyboard(query, topics_keyboard(tr, topics, chosen, callback_data.page))


@flow.callback_query(SubCb.filter(F.action == SubAction.TOGGLE), KnownUser())
async def on_toggle(
    query: CallbackQuery,
    callback_data: SubCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    switched = await sub_service.toggle(session, clock, user, callback_data.topic)
    if switched is Switched.REFUSED:
        await alert(query, topic_gone_text(tr))
    else:
        await query.answer(tr._("Switched on.") if switched is Switched.ON else tr._("Switched off."))
    topics, chosen = await _topics(session, user)
    page = page_with(topics, callback_data.topic)
    await show_keyboard(query, topics_keyboard(tr, topics, chosen, page))


@flow.callback_query(SubCb.filter(F.action == SubAction.DONE), KnownUser())
async def on_done(query: CallbackQuery, user: Person, tr: Translator, session: AsyncSession) -> None:
    await query.answer()
    topics, chosen = await _topics(session, user)
    names = [topic_label(t, tr.lang) for t in topics if t.id in chosen]
    if names:
        text = tr._("You get news about: {topics}. /subscribe changes this.", topics=tr.comma_list(names))
    else:
        text = tr._("You get no news for now. /subscribe changes this.")
    await show(query, text)


@flow.callback_query(SubCb.filter(F.action == SubAction.UNDER_BROADCAST), KnownUser())
async def on_broadcast_button(
    query: CallbackQuery,
    callback_data: SubCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    """Under a broadcast: the presser's own subscription to that topic, re-checked here."""
    topic = await topic_service.get_topic(session, callback_data.topic)
    switched = await sub_service.toggle(session, clock, user, callback_data.topic)
    if switched is Switched.REFUSED or topic is None:
        await alert(query, topic_gone_text(tr))
        return
    on = switched is Switched.ON
    if on:
        await query.answer(tr._("You get news about this topic again."))
    else:
        await alert(query, tr._("You will not get news about this topic any more."))
    name = topic_service.topic_name(topic, tr.lang)
    await swap_button(query, stop_news_button(tr, topic.id, name, on))
