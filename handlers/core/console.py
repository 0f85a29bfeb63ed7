"""/console (organizers): a one-time login link to the organizers' web console (bot/console_login.py).

The link works once, for 10 minutes; only its hash is stored. Link previews are off, so Telegram does not
fetch it (opening it only shows a button anyway: the button's POST spends it). Without CONSOLE_URL the
console is not served, and the organizer is told so.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import LinkPreviewOptions, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import console_login
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import ORGANIZER, Person
from handlers.kit import Flow

flow = Flow("core.console")

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@flow.message(Command("console"), F.chat.type == "private", flags={"role": ORGANIZER})
async def cmd_console(
    message: Message, user: Person, tr: Translator, session: AsyncSession, clock: Clock, settings: Settings
) -> None:
    if not settings.console_url:
        await message.answer(
            tr._("The web console is not switched on. Whoever runs the bot can set CONSOLE_URL for it.")
        )
        return
    token = await console_login.create_link(session, clock, user)
    link = console_login.login_url(settings, token)
    await message.answer(
        tr._(
            "🔐 Your login link for the web console. It works once, for {minutes} minutes:\n{link}\n\n"
            "Do not forward it: whoever opens it is logged in as you.",
            minutes=int(console_login.LINK_TTL.total_seconds() // 60),
            link=link,
        ),
        link_preview_options=NO_PREVIEW,
    )
