"""/topics for organizers: the topics with their subscribers and missing names, a page at a time; a new
topic; a topic's names in every language (typed or machine-translated); hide or show it."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import subscriptions as sub_service
from bot.broadcast import topics as topic_service
from bot.broadcast.topics import Topic, TopicError
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.languages import own_name
from bot.text import N_, Translator
from bot.translation.service import MachineTranslator
from bot.users import Person
from handlers.broadcast.callbacks import PageCb, Screen, TopicAction, TopicCb
from handlers.broadcast.drafts import TYPED
from handlers.broadcast.targets import ButtonTarget
from handlers.broadcast.views import ORG, PAGE, topic_gone_text, topic_label, without_machine
from handlers.kit import (
    Dialog,
    Draft,
    Flow,
    alert,
    back_row,
    button,
    grid,
    keyboard,
    page_of,
    pager_row,
    reply,
)


async def _topic(data: dict[str, Any], topic_id: int) -> Topic | None:
    return await topic_service.get_topic(data["session"], topic_id)


# Handlers with a parameter `topic` get the topic their button is about (or the press is refused).
flow = Flow("broadcast.topics").middleware("callback_query", ButtonTarget("topic", _topic, topic_gone_text))
Action = TopicAction


class TopicForm(StatesGroup):
    new = State()
    name = State()


NAMING = Dialog.of(TopicForm, N_("Stopped. The topics stay as they were."))


class TopicDraft(Draft):
    lang: str
    topic: int | None = None  # None: a new topic


async def topics_screen(
    tr: Translator, session: AsyncSession, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    topics = await topic_service.all_topics(session)
    counts = await sub_service.subscriber_counts(session)
    shown, page, pages = page_of(topics, page, PAGE)
    lines = [tr._("Topics (subscribers). Tap one to edit its names.")]
    for topic in shown:
        line = tr._(
            "{topic} · subscribers: {n}", topic=topic_label(topic, tr.lang), n=counts.get(topic.id, 0)
        )
        missing = topic_service.missing_languages(topic)
        if missing:
            line += " · " + tr._(
                "missing: {languages}", languages=tr.comma_list(own_name(m) for m in missing)
            )
        if not topic.active:
            line += " · " + tr._("hidden")
        lines.append(line)
    rows = [[button("✏️ " + topic_label(t, tr.lang), TopicCb(action=Action.EDIT, topic=t.id))] for t in shown]
    pager = pager_row(tr, page, pages, lambda p: PageCb(screen=Screen.TOPICS, page=p))
    new = [button(tr._("➕ New topic"), TopicCb(action=Action.NEW))]
    return "\n".join(lines), keyboard(*rows, pager, new)


def topic_screen(
    tr: Translator, topic: Topic, translator: MachineTranslator
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One topic: its name in every language, and what can be done with it."""
    lines = [tr._("Topic {topic}", topic=topic_label(topic, tr.lang)), ""]
    for lang in SUPPORTED_LANGUAGES:
        name = (topic.names or {}).get(lang)
        lines.append(
            tr._("{language}: {name}", language=own_name(lang), name=name)
            if name
            else tr._("{language}: missing", language=own_name(lang))
        )
    names = [
        button("✍️ " + own_name(lang), TopicCb(action=Action.NAME, topic=topic.id, lang=lang))
        for lang in SUPPORTED_LANGUAGES
    ]
    machine = (
        [
            button(
                tr._("🤖 Machine-translate the missing names"), TopicCb(action=Action.MACHINE, topic=topic.id)
            )
        ]
        if translator.enabled and topic_service.missing_languages(topic)
        else None
    )
    visibility = (
        button(tr._("🙈 Hide topic"), TopicCb(action=Action.HIDE, topic=topic.id))
        if topic.active
        else button(tr._("👁 Show topic again"), TopicCb(action=Action.SHOW, topic=topic.id))
    )
    markup = keyboard(*grid(names, 3), machine, [visibility], back_row(tr, TopicCb(action=Action.LIST)))
    return "\n".join(lines), markup


def _name_hint(tr: Translator) -> str:
    return tr._("Please write a short name, at most {max} characters.", max=topic_service.MAX_NAME)


async def _name_answer(
    message: Message, state: FSMContext, tr: Translator, topic: Topic | None, mt: MachineTranslator
) -> None:
    """The answer to a typed name: the topic's screen once it is saved (the dialog ends); None, the name
    did not fit: the rule for a name, and the dialog waits for another."""
    if topic is None:
        await message.answer(_name_hint(tr))
        return
    await state.clear()
    text, markup = topic_screen(tr, topic, mt)
    await message.answer(text, reply_markup=markup)


@flow.message(Command("topics"), F.chat.type == "private", flags=ORG)
async def cmd_topics(message: Message, tr: Translator, session: AsyncSession, state: FSMContext) -> None:
    await state.clear()
    text, markup = await topics_screen(tr, session, 0)
    await message.answer(text, reply_markup=markup)


@flow.callback_query(TopicCb.filter(F.action == Action.LIST), flags=ORG)
@flow.callback_query(PageCb.filter(F.screen == Screen.TOPICS), flags=ORG)
async def on_topics_list(
    query: CallbackQuery,
    callback_data: TopicCb | PageCb,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    await state.clear()
    page = callback_data.page if isinstance(callback_data, PageCb) else 0
    await reply(query, *await topics_screen(tr, session, page))


@flow.callback_query(TopicCb.filter(F.action.in_({Action.EDIT, Action.HIDE, Action.SHOW})), flags=ORG)
async def on_topic_edit(
    query: CallbackQuery,
    callback_data: TopicCb,
    topic: Topic,
    tr: Translator,
    state: FSMContext,
    machine_translator: MachineTranslator,
) -> None:
    await state.clear()
    if callback_data.action is not Action.EDIT:
        topic_service.set_active(topic, callback_data.action is Action.SHOW)
    await reply(query, *topic_screen(tr, topic, machine_translator))


@flow.callback_query(TopicCb.filter(F.action == Action.NEW), flags=ORG)
async def on_topic_new(
    query: CallbackQuery, user: Person, tr: Translator, settings: Settings, state: FSMContext
) -> None:
    lang = user.language or settings.default_language
    await TopicDraft(lang=lang).begin(state, TopicForm.new)
    question = tr._(
        "Name of the new topic in {language}? Short, at most {max} characters. You can add the other "
        "languages next. /cancel stops.",
        language=own_name(lang),
        max=topic_service.MAX_NAME,
    )
    await reply(query, question)


@flow.message(TopicForm.new, *TYPED, F.text, flags=ORG)
async def on_topic_new_name(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    machine_translator: MachineTranslator,
) -> None:
    form = await TopicDraft.load(state)
    lang = form.lang if form else tr.lang
    topic: Topic | None
    try:
        topic = await topic_service.create_topic(session, clock, user, lang, message.text or "")
    except TopicError:
        topic = None
    await _name_answer(message, state, tr, topic, machine_translator)


@flow.callback_query(TopicCb.filter(F.action == Action.NAME), flags=ORG)
async def on_topic_name_ask(
    query: CallbackQuery, callback_data: TopicCb, topic: Topic, tr: Translator, state: FSMContext
) -> None:
    if not callback_data.lang:
        await alert(query, topic_gone_text(tr))
        return
    await TopicDraft(lang=callback_data.lang, topic=topic.id).begin(state, TopicForm.name)
    await reply(
        query,
        tr._(
            "Name of the topic in {language}? Write it as a message (at most {max} characters).",
            language=own_name(callback_data.lang),
            max=topic_service.MAX_NAME,
        ),
    )


@flow.message(TopicForm.name, *TYPED, F.text, flags=ORG)
async def on_topic_name(
    message: Message,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
    machine_translator: MachineTranslator,
) -> None:
    form = await TopicDraft.load(state)
    topic = await topic_service.get_topic(session, form.topic) if form and form.topic else None
    if form is None or topic is None:
        await state.clear()
        await message.answer(topic_gone_text(tr))
        return
    try:
        topic_service.rename(topic, form.lang, message.text or "")
    except TopicError:
        topic = None
    await _name_answer(message, state, tr, topic, machine_translator)


@flow.callback_query(TopicCb.filter(F.action == Action.MACHINE), flags=ORG)
async def on_topic_machine(
    query: CallbackQuery,
    topic: Topic,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
    machine_translator: MachineTranslator,
    bot: Bot,
) -> None:
    if await without_machine(query, tr, machine_translator):
        return
    await query.answer()
    await state.clear()
    chat_id = query.from_user.id
    fresh = await topic_service.machine_translate_names(session, machine_translator, topic)
    if fresh is not None:
        text, markup = topic_screen(tr, fresh, machine_translator)
        await bot.send_message(chat_id, text, reply_markup=markup)
