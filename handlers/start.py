"""/start, /language, /help, /menu, /cancel: onboarding and moving around."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.i18n import LANGUAGE_NAMES
from bot.services import users as user_service
from bot.text import N_, Translator
from handlers.callbacks import LangCb, MenuCb
from handlers.menu import bot_commands, command, main_menu, menu_item
from handlers.ui import edit_message
from storage.models import User

log = logging.getLogger(__name__)
router = Router(name="start")

command("start", N_("Start and choose your language"), order=1)
command("menu", N_("Main menu"), order=2)
command("help", N_("What this bot can do"), order=3)
command("language", N_("Change language"), order=90)
command("privacy", N_("What we store about you"), order=91)
command("deletedata", N_("Delete all your data"), order=92)
command("cancel", N_("Leave the current step"), order=93)
menu_item("language", N_("🌐 Language"), order=90)

# Steps that run after the language is chosen (e.g. the offer of announcement topics).
AfterLanguageHook = Callable[[Message, User, Translator, dict[str, Any]], Awaitable[None]]
AFTER_LANGUAGE: list[AfterLanguageHook] = []
# Things /cancel must also withdraw (e.g. an open question to a person); each returns True if it did.
CancelHook = Callable[[User, dict[str, Any]], Awaitable[bool]]
CANCEL_HOOKS: list[CancelHook] = []
# Other /start payloads (e.g. booking shortcuts): return True when handled.
StartPayloadHook = Callable[[Message, User, str, dict[str, Any]], Awaitable[bool]]
START_PAYLOAD_HOOKS: list[StartPayloadHook] = []


def language_keyboard(suggested: str) -> InlineKeyboardMarkup:
    order = [suggested, *[code for code in SUPPORTED_LANGUAGES if code != suggested]]
    buttons = [
        InlineKeyboardButton(
            text=("✅ " if code == suggested else "") + LANGUAGE_NAMES[code],
            callback_data=LangCb(code=code).pack(),
        )
        for code in order
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def set_chat_commands(bot: Bot, user: User, tr: Translator) -> None:
    """Helpers and organizers see their own commands; everybody else gets the per-language default."""
    if user.role == user_service.VISITOR:
        return
    try:
        await bot.set_my_commands(bot_commands(tr, user.role), scope=BotCommandScopeChat(chat_id=user.id))
    except Exception:  # a command list is a convenience, never a reason to fail
        log.warning("could not set chat commands", exc_info=True)


def welcome_text(tr: Translator) -> str:
    return tr._(
        "Welcome! I help you with questions, counselling appointments and news from the association.\n\n"
        "Just write your question in your own words, or choose from the menu."
    )


async def show_menu(message: Message, user: User | None, tr: Translator) -> None:
    role = user.role if user else user_service.VISITOR
    await message.answer(tr._("What would you like to do?"), reply_markup=main_menu(tr, role))


async def after_language_chosen(message: Message, user: User, tr: Translator, data: dict[str, Any]) -> None:
    await message.answer(welcome_text(tr))
    for hook in AFTER_LANGUAGE:
        await hook(message, user, tr, data)
    await show_menu(message, user, tr)


@router.message(CommandStart(deep_link=True), F.chat.type == "private")
@router.message(CommandStart(), F.chat.type == "private")
async def cmd_start(
    message: Message,
    command: CommandObject,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
    **data: Any,
) -> None:
    payload = (command.args or "").strip()
    if payload.startswith(user_service.INVITE_PREFIX):
        await _redeem(message, user, tr, session, clock, bot, payload)
        if user.language is None:
            await _ask_language(message, tr)
        return
    if payload.startswith("lang-") and payload[5:] in SUPPORTED_LANGUAGES:
        user_service.choose_language(user, payload[5:], clock)
        await session.commit()
        tr = Translator(user.language or settings.default_language, settings.tz)
        await after_language_chosen(message, user, tr, {**data, "session": session, "clock": clock})
        return
    for hook in START_PAYLOAD_HOOKS:
        if payload and await hook(
            message, user, payload, {**data, "session": session, "clock": clock, "tr": tr}
        ):
            return
    await _ask_language(message, tr)


async def _ask_language(message: Message, tr: Translator) -> None:
    await message.answer(
        tr._("Hello! Please choose your language."),
        reply_markup=language_keyboard(tr.lang),
    )


async def _redeem(
    message: Message, user: User, tr: Translator, session: AsyncSession, clock: Clock, bot: Bot, code: str
) -> None:
    role = await user_service.redeem_invite(session, user, code, clock)
    await session.commit()
    if role is None:
        await message.answer(tr._("This invitation link is not valid any more. Please ask for a new one."))
        return
    texts = {
        user_service.HELPER: tr._(
            "Thank you for helping! You are now registered as a helper. /help shows what you can do."
        ),
        user_service.ORGANIZER: tr._("You are now registered as an organizer. /help shows what you can do."),
    }
    await message.answer(texts[role])
    await set_chat_commands(bot, user, tr)


@router.message(Command("language"), F.chat.type == "private")
@router.callback_query(MenuCb.filter(F.action == "language"))
async def cmd_language(event: Message | CallbackQuery, tr: Translator) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer()
        if isinstance(event.message, Message):
            await _ask_language(event.message, tr)
    else:
        await _ask_language(event, tr)


@router.callback_query(LangCb.filter())
async def on_language(
    query: CallbackQuery,
    callback_data: LangCb,
    user: User | None,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
    **data: Any,
) -> None:
    if (
        user is None
        or callback_data.code not in SUPPORTED_LANGUAGES
        or not isinstance(query.message, Message)
    ):
        await query.answer()
        return
    first_time = user.language is None
    user_service.choose_language(user, callback_data.code, clock)
    await session.commit()
    tr = Translator(callback_data.code, settings.tz)
    await query.answer(LANGUAGE_NAMES[callback_data.code])
    await edit_message(
        query.message, tr._("Language: {language}", language=LANGUAGE_NAMES[callback_data.code])
    )
    await set_chat_commands(bot, user, tr)
    if first_time:
        await after_language_chosen(
            query.message, user, tr, {**data, "session": session, "clock": clock, "settings": settings}
        )
    else:
        await show_menu(query.message, user, tr)


@router.message(Command("menu"), F.chat.type == "private")
async def cmd_menu(message: Message, user: User, tr: Translator) -> None:
    await show_menu(message, user, tr)


@router.callback_query(MenuCb.filter(F.action == "main"))
async def on_menu(query: CallbackQuery, user: User | None, tr: Translator) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_menu(query.message, user, tr)


@router.message(Command("help"), F.chat.type == "private")
async def cmd_help(message: Message, user: User, tr: Translator) -> None:
    lines = [welcome_text(tr), ""]
    lines += [f"/{c.command} — {c.description}" for c in bot_commands(tr, user.role)]
    await message.answer("\n".join(lines), reply_markup=main_menu(tr, user.role))


@router.message(Command("cancel"), F.chat.type == "private")
async def cmd_cancel(message: Message, user: User, tr: Translator, state: FSMContext, **data: Any) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    withdrawn = False
    for hook in CANCEL_HOOKS:
        withdrawn = await hook(user, {**data, "tr": tr}) or withdrawn
    if withdrawn:
        await message.answer(tr._("Done. Your question to a person was withdrawn."))
    elif had_state:
        await message.answer(
            tr._("Done. What would you like to do next?"), reply_markup=main_menu(tr, user.role)
        )
    else:
        await message.answer(tr._("There is nothing to cancel."), reply_markup=main_menu(tr, user.role))
