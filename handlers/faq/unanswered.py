"""/unanswered (organizers): the questions the bot could not answer well, a page at a time, each with a
"Done" button."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.faq import feedback
from bot.faq.service import faq_for
from bot.text import Translator
from bot.users import ORGANIZER
from handlers.faq.callbacks import UnansweredAction, UnansweredCb
from handlers.faq.views import unanswered_view
from handlers.kit import Flow, show

flow = Flow("faq.unanswered")


@flow.message(Command("unanswered"), F.chat.type == "private", flags={"role": ORGANIZER})
async def cmd_unanswered(message: Message, tr: Translator, session: AsyncSession, settings: Settings) -> None:
    service = await faq_for(settings, session)
    text, markup = unanswered_view(service, tr, await feedback.unanswered_page(session, 0))
    await message.answer(text, reply_markup=markup)


@flow.callback_query(UnansweredCb.filter(), flags={"role": ORGANIZER})
async def on_unanswered(
    query: CallbackQuery,
    callback_data: UnansweredCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if callback_data.action == UnansweredAction.DONE:
        done = await feedback.mark_done(session, clock, callback_data.row)
        await query.answer(tr._("Marked as done.") if done else tr._("This question was already done."))
    else:
        await query.answer()
    service = await faq_for(settings, session)
    await show(
        query, *unanswered_view(service, tr, await feedback.unanswered_page(session, callback_data.page))
    )
