"""Organizers create one-time invite links for helpers and organizers."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.deep_linking import create_start_link
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.services import users as user_service
from bot.text import N_, Translator
from handlers.menu import command
from storage.models import User

router = Router(name="roles")
command("invite", N_("Invite a helper (or: /invite organizer)"), role=user_service.ORGANIZER, order=60)


@router.message(Command("invite"), F.chat.type == "private", flags={"role": user_service.ORGANIZER})
async def cmd_invite(
    message: Message,
    command: CommandObject,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    role = (command.args or user_service.HELPER).strip().lower()
    if role not in (user_service.HELPER, user_service.ORGANIZER):
        await message.answer(tr._("Please write /invite or /invite organizer."))
        return
    invite = await user_service.create_invite(session, user, role, clock, settings.invite_ttl_hours)
    await session.commit()
    link = await create_start_link(bot, invite.code)
    text = {
        user_service.HELPER: N_(
            "Invitation link for one new helper, valid for {hours} hours and usable once:\n{link}"
        ),
        user_service.ORGANIZER: N_(
            "Invitation link for one new organizer, valid for {hours} hours and usable once:\n{link}"
        ),
    }[role]
    await message.answer(tr._(text, hours=settings.invite_ttl_hours, link=link))
