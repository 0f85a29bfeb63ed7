"""/start: a helper's or organizer's invitation link, a flyer's language link (`lang-XX`), or the
language question. Other capabilities' links (e.g. booking's) are their own CommandStart(deep_link=True)
handlers, routed before this flow."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiogram import Bot, F
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as user_service
from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.text import Translator
from bot.users import Person
from handlers.core.hooks import AfterLanguage
from handlers.core.onboarding import after_language_chosen, set_chat_commands
from handlers.core.views import registered_text
from handlers.kit import Flow
from handlers.menu import Menu, ask_language

flow = Flow("core.start")
flow.filter("message", F.chat.type == "private")

# The flyer's codes open the bot with `/start lang-XX` (bot.flyer.content.deep_link).
LANGUAGE_LINK = re.compile(rf"lang-({'|'.join(SUPPORTED_LANGUAGES)})\Z")


@flow.message(CommandStart(deep_link=True, magic=F.args.startswith(user_service.INVITE_PREFIX)))
async def start_invited(
    message: Message,
    command: CommandObject,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    bot: Bot,
    menu: Menu,
) -> None:
    role = await user_service.redeem_invite(session, user, (command.args or "").strip(), clock)
    if role is None:
        await message.answer(tr._("This invitation link is not valid any more. Please ask for a new one."))
    else:
        await message.answer(registered_text(tr, role))
        await set_chat_commands(bot, user, tr, menu)
    if user.language is None:  # a new helper still chooses a language
        await ask_language(message, tr)


@flow.message(CommandStart(deep_link=True, magic=F.args.regexp(LANGUAGE_LINK)))
async def start_in_language(
    message: Message,
    command: CommandObject,
    user: Person,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    menu: Menu,
    after_language: Sequence[AfterLanguage] = (),
) -> None:
    lang = (command.args or "").removeprefix("lang-")
    user_service.choose_language(user, lang, clock)
    tr = Translator(lang, settings.tz)
    await after_language_chosen(message, user, tr, session, menu, after_language)


@flow.message(CommandStart())
async def cmd_start(message: Message, tr: Translator) -> None:
    """Plain /start, or a link nobody knows: the language question."""
    await ask_language(message, tr)
