"""A free-text question in a private chat: the FAQ answers, suggests topics, or offers a person; small
talk (thanks, ok, bye, 👍) gets a short word back in the reader's language, or nothing.

A private text that is no command and arrives outside any dialog (no FSM state) is a question, so this
flow is routed after every other one but the fallback.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as users_service
from bot.clock import Clock
from bot.config import Settings
from bot.faq import emergency
from bot.faq.service import GREETING, SMALLTALK, faq_for
from bot.faq.stats import QuestionCounts
from bot.ops.telegram import without_result
from bot.text import Translator
from bot.users import Person
from handlers.faq.views import answer_html, helper_hint, reader, reply_to, reply_view, smalltalk_view
from handlers.kit import Flow
from handlers.menu import Menu, ask_language

flow = Flow("faq.ask")


async def emergency_first(
    message: Message, user: Person, tr: Translator, session: AsyncSession, settings: Settings
) -> None:
    """Text that goes to a person (an open question, the "ask a person" dialog) and speaks of an emergency
    gets the numbers first as well: a helper may answer late. Nothing for any other text."""
    text = message.text or ""
    hit = emergency.find(text)
    if hit is None:
        return
    reply = (await faq_for(settings, session)).emergency_reply(text, user.language or tr.lang, hit)
    if reply.entry is not None and reply.answer is not None:
        await message.answer(
            answer_html(reply.entry, reply.answer), reply_parameters=reply_to(message.message_id)
        )


@flow.message(F.chat.type == "private", F.text, ~F.text.startswith("/"), StateFilter(None))
async def on_question(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    menu: Menu,
    question_counts: QuestionCounts,
) -> None:
    service = await faq_for(settings, session)
    question = message.text or ""
    # Someone who skipped /start is talked to in the language they write in, not their phone's.
    lang = user.language or service.first_language(question, tr.lang)
    tr = tr if lang == tr.lang else Translator(lang, settings.tz)
    reply = await service.ask(session, clock, question, lang, question_counts, user_id=user.id)
    if user.language is None and reply.kind not in (GREETING, SMALLTALK):
        # A question (not "hallo", which a phone set to Ukrainian may send too) in a language the detection is
        # sure of: the answer's buttons, the menu, a booking go on in it, not in the phone's language.
        sure = service.sure_language(question)
        if sure is not None:
            await users_service.adopt_language(session, user.id, sure)
    if reply.kind == GREETING and user.language is None:
        await ask_language(message, tr)
        return
    if reply.kind == GREETING:  # the menu, in the reader's own language
        text, markup = reply_view(tr, reply, menu.keyboard(tr, user.role))
        await message.answer(text, reply_markup=markup)
        return
    if reply.kind == SMALLTALK:
        view = smalltalk_view(tr, reply)
        if view is not None:
            await message.answer(view[0], reply_markup=view[1])
        return
    rtr = reader(reply.lang, tr.lang, settings)
    text, markup = reply_view(rtr, reply, None)
    hint = helper_hint(rtr, reply, user)
    if hint is not None:
        text = f"{text}\n\n{hint}"
    await without_result(
        message.answer(text, reply_markup=markup, reply_parameters=reply_to(message.message_id))
    )
