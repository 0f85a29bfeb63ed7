"""An event announced in one step: a ready broadcast draft to the subscribers of the event's topic, with
the frame (date, place) in every reader's own words and the title and text in their language when there
is a translation. The organizer previews it and sends or schedules it like any other broadcast."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as broadcast_service
from bot.broadcast import events as event_service
from bot.broadcast.broadcasts import BroadcastError
from bot.broadcast.broadcasts import Problem as BroadcastProblem
from bot.broadcast.events import Event, EventError, Problem
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.delivery.limits import ChatPacer
from bot.text import Translator
from bot.users import Person
from handlers.broadcast.callbacks import EvCb, EventAction
from handlers.broadcast.preview import send_preview
from handlers.broadcast.views import ORG, event_head, problem_text
from handlers.kit import Flow, alert

flow = Flow("broadcast.announce")


def announcement(tr: Translator, event: Event, title: str, body: str) -> str:
    return "\n".join(event_head(tr, event, title, body))


@flow.callback_query(EvCb.filter(F.action == EventAction.ANNOUNCE), flags=ORG)
async def on_announce(
    query: CallbackQuery,
    callback_data: EvCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    settings: Settings,
    clock: Clock,
    state: FSMContext,
    bot: Bot,
    pacer: ChatPacer,
) -> None:
    try:
        event, texts = await event_service.announceable(session, clock, callback_data.event)
    except EventError as error:
        await alert(
            query,
            problem_text(tr, BroadcastProblem.TOPIC)
            if error.code is Problem.TOPIC
            else tr._("This event is not open for registration any more."),
        )
        return
    texts_by_lang: dict[str, tuple[str, bool]] = {}
    for lang in SUPPORTED_LANGUAGES:
        title, body, machine = event_service.localized(event, texts, lang)
        texts_by_lang[lang] = (announcement(Translator(lang, settings.tz), event, title, body), machine)
    try:
        broadcast = await broadcast_service.draft_from_event(
            session,
            clock,
            user,
            event_id=event.id,
            topic_id=event.topic_id or 0,
            source_lang=event.lang,
            texts_by_lang=texts_by_lang,
        )
    except BroadcastError as error:
        await alert(query, problem_text(tr, error.code))
        return
    await query.answer()
    await state.clear()
    await send_preview(bot, user.id, tr, session, settings, broadcast, pacer)
