"""/menu, the "main menu" button, /help and /cancel: finding one's way around.

/cancel (and the ✖ under a dialog's screen) ends only the dialog in progress and says which one it was:
each capability lists its dialogs with what to say (`DIALOGS`, handlers.kit.Dialog); bot/wiring.py
hands them over as `dialogs` (the dialog's name → the dialog).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from types import MappingProxyType

from aiogram import Bot, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import users as user_service
from bot.text import N_, Translator
from bot.users import Person
from handlers.callbacks import CancelCb, MenuCb
from handlers.core.onboarding import show_menu
from handlers.core.views import welcome_text
from handlers.kit import Dialog, Flow, KnownUser, dialog_in_progress, show_and_answer, show_keyboard
from handlers.menu import Menu

Dialogs = Mapping[str, Dialog]  # a dialog's name → the dialog (what /cancel says when it ends it)
NO_DIALOGS: Dialogs = MappingProxyType({})
DONE = N_("Done. What would you like to do next?")  # a dialog nobody listed

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


async def typed_hint(state: FSMContext, dialogs: Dialogs) -> str | None:
    """What the dialog in progress tells text typed while it waits for a button (Dialog.typed), if any."""
    current = await dialog_in_progress(state)
    listed = dialogs.get(current.name) if current is not None else None
    return listed.typed if listed is not None else None


async def end_dialog_in_progress(state: FSMContext, bot: Bot, chat_id: int, dialogs: Dialogs) -> str | None:
    """End the dialog in progress (its state, its drafts, the buttons of its screen); what to say, or None
    when there was none. Nothing else is touched: an open question to a person stays open."""
    current = await dialog_in_progress(state)
    await state.clear()
    if current is None:
        return None
    if current.message_id is not None:  # a button dialog's screen: its buttons would go on working
        with contextlib.suppress(TelegramBadRequest):  # too old, deleted, or without buttons already
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=current.message_id)
    listed = dialogs.get(current.name)
    return listed.cancelled if listed is not None else DONE


@flow.message(Command("cancel"), F.chat.type == "private")
async def cmd_cancel(
    message: Message,
    user: Person,
    tr: Translator,
    state: FSMContext,
    menu: Menu,
    bot: Bot,
    dialogs: Dialogs = NO_DIALOGS,
) -> None:
    """Leave the dialog in progress, and say which one it was."""
    said = await end_dialog_in_progress(state, bot, message.chat.id, dialogs)
    text = tr._(said) if said else tr._("There is nothing to cancel.")
    await message.answer(text, reply_markup=menu.keyboard(tr, user.role))


@flow.callback_query(CancelCb.filter(), KnownUser())
async def on_cancel_button(
    query: CallbackQuery,
    callback_data: CancelCb,
    user: Person,
    tr: Translator,
    state: FSMContext,
    menu: Menu,
    bot: Bot,
    dialogs: Dialogs = NO_DIALOGS,
) -> None:
    """✖ under a dialog's screen: like /cancel, in place; a ✖ of a dialog that is over only goes away."""
    current = await dialog_in_progress(state)
    if current is None or current.name != callback_data.dialog or not isinstance(query.message, Message):
        await show_keyboard(query, None)
        await query.answer(tr._("There is nothing to cancel."))
        return
    said = await end_dialog_in_progress(state, bot, query.message.chat.id, dialogs)
    await show_and_answer(query, tr._(said or DONE), menu.keyboard(tr, user.role))
