"""Steps the core flows share: asking for the language, what follows the first choice, the main menu,
and the command list a helper or organizer sees in their chat."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.types import BotCommandScopeChat, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as user_service
from bot.text import Translator
from bot.users import Person
from handlers.core.hooks import AfterLanguage
from handlers.core.views import welcome_text
from handlers.menu import Menu

log = logging.getLogger(__name__)


async def show_menu(message: Message, role: str, tr: Translator, menu: Menu) -> None:
    await message.answer(tr._("What would you like to do?"), reply_markup=menu.keyboard(tr, role))


async def set_chat_commands(bot: Bot, user: Person, tr: Translator, menu: Menu) -> None:
    """Helpers and organizers see their own commands; everybody else gets the per-language default."""
    if user.role == user_service.VISITOR:
        return
    try:
        await bot.set_my_commands(
            menu.bot_commands(tr, user.role), scope=BotCommandScopeChat(chat_id=user.id)
        )
    except Exception:  # a command list is a convenience, never a reason to fail
        log.warning("could not set chat commands", exc_info=True)


async def after_language_chosen(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    menu: Menu,
    after_language: Sequence[AfterLanguage],
) -> None:
    """The first language choice: the welcome, what other capabilities offer now, then the menu."""
    await message.answer(welcome_text(tr))
    for hook in after_language:
        await hook(message, user, tr, session)
    await show_menu(message, user.role, tr, menu)
