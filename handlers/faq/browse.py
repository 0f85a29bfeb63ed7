"""/faq and the "Questions and answers" button: categories → topics → an answer, in one message."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.faq.matcher import EMERGENCY_SLUG
from bot.faq.service import faq_for
from bot.text import Translator
from bot.users import Person
from handlers.callbacks import MenuCb
from handlers.faq.callbacks import FaqAction, FaqCb
from handlers.faq.views import (
    answer_html,
    answer_keyboard,
    categories_view,
    own_question,
    reader,
    reply_to,
    topics_view,
)
from handlers.kit import Flow, alert, reply, show, show_and_answer

flow = Flow("faq.browse")
BROWSING = {FaqAction.BROWSE, FaqAction.HOME, FaqAction.CATEGORY, FaqAction.TOPIC, FaqAction.SUGGESTED}


@flow.message(Command("faq"), F.chat.type == "private")
@flow.callback_query(MenuCb.filter(F.action == "faq"))
async def cmd_faq(
    event: Message | CallbackQuery, tr: Translator, settings: Settings, session: AsyncSession
) -> None:
    service = await faq_for(settings, session)
    await reply(event, *categories_view(service, tr))


@flow.callback_query(FaqCb.filter(F.action.in_(BROWSING)))
async def on_browse(
    query: CallbackQuery,
    callback_data: FaqCb,
    tr: Translator,
    settings: Settings,
    session: AsyncSession,
    user: Person | None = None,
) -> None:
    service = await faq_for(settings, session)
    rtr = reader(callback_data.lang, tr.lang, settings)
    action = callback_data.action
    if action == FaqAction.BROWSE:  # from "I do not know": the topics as a new message
        await reply(query, *categories_view(service, rtr))
        return
    if action == FaqAction.HOME:
        await show_and_answer(query, *categories_view(service, rtr))
        return
    if action == FaqAction.CATEGORY:
        if callback_data.key not in service.categories():
            await alert(query, tr._("This topic does not exist any more. Please open /faq again."))
            return
        await show_and_answer(query, *topics_view(service, rtr, callback_data.key))
        return
    entry = service.entry(callback_data.key, rtr.lang)
    if entry is None or not isinstance(query.message, Message):
        await alert(query, tr._("This topic does not exist any more. Please open /faq again."))
        return
    await query.answer()
    rtr = reader(entry.lang, tr.lang, settings)
    html = answer_html(entry, service.answer_text(entry))
    emergency = entry.slug == EMERGENCY_SLUG
    if action == FaqAction.TOPIC:  # browsing: the answer takes the place of the list, with Back
        await show(query, html, answer_keyboard(rtr, entry, back=True, offer_handoff=emergency))
        return
    # a suggested topic: a new answer, replying to the question (so 👎 and "ask a person" know it)
    _question, question_id = own_question(query.message, user)
    await query.message.answer(
        html,
        reply_markup=answer_keyboard(rtr, entry, offer_handoff=emergency),
        reply_parameters=reply_to(question_id),
    )
