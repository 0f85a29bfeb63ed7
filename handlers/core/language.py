"""/language and the language buttons: the reader's language for everything the bot says."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as user_service
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.languages import own_name
from bot.text import Translator
from bot.users import Person
from handlers.callbacks import LangCb, MenuCb
from handlers.core.hooks import AfterLanguage
from handlers.core.onboarding import after_language_chosen, set_chat_commands, show_menu
from handlers.kit import Flow, KnownUser, edit, reply
from handlers.menu import Menu, ask_language_text, language_keyboard

flow = Flow("core.language")


@flow.message(Command("language"), F.chat.type == "private")
@flow.callback_query(MenuCb.filter(F.action == "language"))
async def cmd_language(event: Message | CallbackQuery, tr: Translator) -> None:
    await reply(event, ask_language_text(tr), language_keyboard(tr.lang))


@flow.callback_query(LangCb.filter(F.code.in_(SUPPORTED_LANGUAGES)), KnownUser())
async def on_language(
    query: CallbackQuery,
    callback_data: LangCb,
    user: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
    menu: Menu,
    after_language: Sequence[AfterLanguage] = (),
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()
        return
    first_time = user.language is None
    user_service.choose_language(user, callback_data.code, clock)
    tr = Translator(callback_data.code, settings.tz)
    name = own_name(callback_data.code)
    await query.answer(name)
    await edit(message, tr._("Language: {language}", language=name))
    await set_chat_commands(bot, user, tr, menu)
    if first_time:
        await after_language_chosen(message, user, tr, session, menu, after_language)
    else:
        await show_menu(message, user.role, tr, menu)
