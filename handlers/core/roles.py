"""/invite (organizers): a one-time invitation link for a new helper or organizer."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.deep_linking import create_start_link
from sqlalchemy.ext.asyncio import AsyncSession

from bot import users as user_service
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import Person
from handlers.core.views import INVITE_TEXTS
from handlers.kit import Flow

flow = Flow("core.roles")


@flow.message(Command("invite"), F.chat.type == "private", flags={"role": user_service.ORGANIZER})
async def cmd_invite(
    message: Message,
    command: CommandObject,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    role = (command.args or user_service.HELPER).strip().lower()
    try:  # the service knows which roles can be invited
        invite = await user_service.create_invite(session, user, role, clock, settings.invite_ttl_hours)
    except ValueError:
        await message.answer(tr._("Please write /invite or /invite organizer."))
        return
    link = await create_start_link(bot, invite.code)
    await message.answer(tr._(INVITE_TEXTS[role], hours=settings.invite_ttl_hours, link=link))
