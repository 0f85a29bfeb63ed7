"""👍/👎 under an answer: counted once per answer (the buttons leave the message); a 👎 keeps the question
for the organizers and offers a person."""

from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.faq.service import faq_for
from bot.text import Translator
from bot.users import Person
from handlers.faq.callbacks import FaqAction, FaqCb
from handlers.faq.views import VOTES, has_button, own_question, reader, reply_to, sorry_view, without_votes
from handlers.kit import Flow, edit_keyboard

flow = Flow("faq.feedback")


@flow.callback_query(FaqCb.filter(F.action.in_(VOTES)))
async def on_vote(
    query: CallbackQuery,
    callback_data: FaqCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    user: Person | None = None,
) -> None:
    service = await faq_for(settings, session)
    rtr = reader(callback_data.lang, tr.lang, settings)
    message = query.message
    entry = service.entry(callback_data.key, rtr.lang)
    # Still valid? The vote buttons leave the message once used, so each answer counts once.
    if not isinstance(message, Message) or entry is None or not has_button(message, query.data):
        await query.answer(rtr._("Thank you, we already have your feedback."))
        return
    helpful = callback_data.action == FaqAction.UP
    question, question_id = own_question(message, user)
    kept = await service.vote(
        session,
        clock,
        entry,
        helpful=helpful,
        question=question,
        reader_lang=rtr.lang,
        user_id=user.id if user is not None and question else None,
    )
    await edit_keyboard(message, without_votes(message.reply_markup))
    if helpful:
        await query.answer(rtr._("Thank you for your feedback!"))
        return
    await query.answer()
    text, markup = sorry_view(rtr, rtr.lang, kept)
    await message.answer(text, reply_markup=markup, reply_parameters=reply_to(question_id))
