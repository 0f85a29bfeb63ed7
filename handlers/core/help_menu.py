"""/menu, the "main menu" button, /help and /cancel: finding one's way around."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import users as user_service
from bot.services.users import Person
from bot.text import Translator
from handlers.callbacks import MenuCb
from handlers.core.hooks import CancelHook
from handlers.core.onboarding import show_menu
from handlers.core.views import welcome_text
from handlers.kit import Flow
from handlers.menu import Menu

flow = Flow("core.help_menu")


@flow.message(Command("menu"), F.chat.type == "private")
async def cmd_menu(message: Message, user: Person, tr: Translator, menu: Menu) -> None:
    await show_menu(message, user.role, tr, menu)


@flow.callback_query(MenuCb.filter(F.action == "main"))
async def on_menu(query: CallbackQuery, tr: Translator, menu: Menu, user: Person | None = None) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_menu(query.message, user.role if user else user_service.VISITOR, tr, menu)


@flow.message(Command("help"), F.chat.type == "private")
async def cmd_help(message: Message, user: Person, tr: Translator, menu: Menu) -> None:
    lines = [welcome_text(tr), ""]
    lines += [f"/{c.command} — {c.description}" for c in menu.bot_commands(tr, user.role)]
    await message.answer("\n".join(lines), reply_markup=menu.keyboard(tr, user.role))


@flow.message(Command("cancel"), F.chat.type == "private")
async def cmd_cancel(
    message: Message,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
    menu: Menu,
    cancel_hooks: Sequence[CancelHook] = (),
) -> None:
    """Leave the current step; also withdraws what other capabilities hand over (e.g. a question)."""
    had_state = await state.get_state() is not None
    await state.clear()
    withdrawn = False
    for hook in cancel_hooks:
        withdrawn = await hook(user, session, clock) or withdrawn
    if withdrawn:
        await message.answer(tr._("Done. Your question to a person was withdrawn."))
    elif had_state:
        await message.answer(
            tr._("Done. What would you like to do next?"), reply_markup=menu.keyboard(tr, user.role)
        )
    else:
        await message.answer(tr._("There is nothing to cancel."), reply_markup=menu.keyboard(tr, user.role))
