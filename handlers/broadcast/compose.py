"""/broadcast: a new draft → its topic → the languages and roles of the audience → its text (optionally
with a photo). Then the texts per language (translate.py), the preview and the time (schedule.py)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as service
from bot.broadcast import subscriptions as sub_service
from bot.broadcast import texts as text_tools
from bot.broadcast import topics as topic_service
from bot.broadcast.broadcasts import Broadcast
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.languages import own_name
from bot.text import Translator
from bot.translation.service import MachineTranslator
from bot.users import ORGANIZER, Person
from handlers.broadcast.callbacks import (
    AudienceCb,
    BroadcastAction,
    BroadcastCb,
    DraftTopicCb,
    PageCb,
    Screen,
)
from handlers.broadcast.drafts import COMPOSING, TYPED, Compose, ask, compose_flow, discard_row, title
from handlers.broadcast.translate import overview
from handlers.broadcast.views import ORG, PAGE, ROLE_LABELS, topic_label
from handlers.kit import (
    button,
    grid,
    keyboard,
    page_of,
    pager_row,
    reply,
    show_and_answer,
    show_keyboard,
)

flow = compose_flow("broadcast.compose")


async def topic_choice(
    tr: Translator, session: AsyncSession, broadcast_id: int, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    topics = await topic_service.topics_for(session, ORGANIZER)
    counts = await sub_service.subscriber_counts(session)
    shown, page, pages = page_of(topics, page, PAGE)
    rows = [
        [
            button(
                f"{topic_label(t, tr.lang)} · {counts.get(t.id, 0)}",
                DraftTopicCb(broadcast=broadcast_id, topic=t.id),
            )
        ]
        for t in shown
    ]
    pager = pager_row(
        tr, page, pages, lambda p: PageCb(screen=Screen.DRAFT_TOPICS, page=p, broadcast=broadcast_id)
    )
    text = tr._("📣 New broadcast. Who should get it? Choose a topic (the number is its subscribers):")
    return text, keyboard(*rows, pager, discard_row(tr, broadcast_id))


@flow.message(Command("broadcast"), F.chat.type == "private", flags=ORG)
async def cmd_broadcast(
    message: Message, user: Person, tr: Translator, session: AsyncSession, clock: Clock, state: FSMContext
) -> None:
    await state.clear()
    broadcast = await service.create_draft(session, clock, user)
    text, markup = await topic_choice(tr, session, broadcast.id, 0)
    screen = await message.answer(text, reply_markup=markup)
    await COMPOSING.mark(state, screen.message_id)  # /cancel ends it here too, before its typed steps


@flow.callback_query(PageCb.filter(F.screen == Screen.DRAFT_TOPICS), flags=ORG)
async def on_topics_page(
    query: CallbackQuery, callback_data: PageCb, broadcast: Broadcast, tr: Translator, session: AsyncSession
) -> None:
    await query.answer()
    _text, markup = await topic_choice(tr, session, broadcast.id, callback_data.page)
    await show_keyboard(query, markup)


async def audience_screen(
    tr: Translator, session: AsyncSession, settings: Settings, broadcast: Broadcast
) -> tuple[str, InlineKeyboardMarkup | None]:
    counts = await service.recipient_counts(session, broadcast, settings)
    chosen_langs = set(service.languages(broadcast))
    chosen_roles = set(service.roles(broadcast))
    text = "\n".join(
        [
            await title(tr, session, broadcast),
            tr._("Tap to choose the languages and roles of the audience."),
            tr._("Recipients now: {n}", n=sum(counts.values())),
        ]
    )
    langs = [
        button(
            ("✅ " if code in chosen_langs else "⬜ ") + own_name(code),
            AudienceCb(broadcast=broadcast.id, lang=code),
        )
        for code in SUPPORTED_LANGUAGES
    ]
    roles = [
        button(
            ("✅ " if role in chosen_roles else "⬜ ") + tr._(name),
            AudienceCb(broadcast=broadcast.id, role=role),
        )
        for role, name in ROLE_LABELS.items()
    ]
    write = [
        button(
            tr._("➡️ Next: write the text"), BroadcastCb(action=BroadcastAction.WRITE, broadcast=broadcast.id)
        )
    ]
    return text, keyboard(*grid(langs, 3), roles, write, discard_row(tr, broadcast.id))


@flow.callback_query(DraftTopicCb.filter(), flags=ORG)
async def on_topic(
    query: CallbackQuery,
    callback_data: DraftTopicCb,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
) -> None:
    await service.set_topic(session, broadcast, callback_data.topic)
    await show_and_answer(query, *await audience_screen(tr, session, settings, broadcast))


@flow.callback_query(AudienceCb.filter(), flags=ORG)
async def on_audience_toggle(
    query: CallbackQuery,
    callback_data: AudienceCb,
    broadcast: Broadcast,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
) -> None:
    if callback_data.lang:
        service.toggle_language(broadcast, callback_data.lang)
    else:
        service.toggle_role(broadcast, callback_data.role)
    await show_and_answer(query, *await audience_screen(tr, session, settings, broadcast))


@flow.callback_query(BroadcastCb.filter(F.action == BroadcastAction.WRITE), flags=ORG)
async def on_write(query: CallbackQuery, broadcast: Broadcast, tr: Translator, state: FSMContext) -> None:
    service.check_audience(broadcast)
    await show_keyboard(query, None)
    await ask(state, Compose.text, broadcast)
    await reply(
        query,
        tr._(
            "Now send the text of the broadcast, in any language (at most {max} characters). To add a photo, "
            "send the photo with the text as its caption, or first the photo and then the text. /cancel stops.",
            max=text_tools.MAX_TEXT,
        ),
    )


@flow.message(Compose.text, *TYPED, F.photo | F.text, flags=ORG)
async def on_text(
    message: Message,
    broadcast: Broadcast,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    state: FSMContext,
    machine_translator: MachineTranslator,
) -> None:
    if message.photo:
        service.set_photo(broadcast, message.photo[-1].file_id)
        if not message.caption:
            await message.answer(tr._("Photo saved. Now send the text."))
            return
    await service.set_original(
        session, broadcast, message.html_text, user.language or settings.default_language
    )
    await state.clear()
    text, markup = await overview(tr, session, settings, broadcast, machine_translator)
    await message.answer(text, reply_markup=markup)
