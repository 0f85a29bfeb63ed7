"""/privacy explains what is stored; /deletedata erases everything about the person after a confirmation."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import erasure
from bot.text import Translator
from bot.users import Person
from handlers.callbacks import MenuCb
from handlers.core.callbacks import DeleteDataCb
from handlers.core.views import delete_data_view, privacy_text
from handlers.kit import Flow, reply, show

flow = Flow("core.privacy")


@flow.message(Command("privacy"), F.chat.type == "private")
@flow.callback_query(MenuCb.filter(F.action == "privacy"))
async def cmd_privacy(event: Message | CallbackQuery, tr: Translator) -> None:
    await reply(event, privacy_text(tr))


@flow.message(Command("deletedata"), F.chat.type == "private")
async def cmd_deletedata(message: Message, tr: Translator) -> None:
    text, markup = delete_data_view(tr)
    await message.answer(text, reply_markup=markup)


@flow.callback_query(DeleteDataCb.filter())
async def on_deletedata(
    query: CallbackQuery,
    callback_data: DeleteDataCb,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
    clock: Clock,
    redis: Any = None,
    user: Person | None = None,
) -> None:
    await query.answer()
    if not callback_data.confirm or user is None:
        await show(query, tr._("Nothing was deleted."))
        return
    await state.clear()
    await erasure.erase_user(session, user.id, clock, redis=redis)
    await show(query, tr._("All your data has been deleted. If you write to the bot again, it starts fresh."))
