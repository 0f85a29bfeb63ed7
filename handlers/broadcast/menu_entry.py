"""The organizers' menu button "📣 Send news": the same start as /broadcast (a new draft, then its topic)."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import broadcasts as service
from bot.clock import Clock
from bot.text import Translator
from bot.users import Person
from handlers.broadcast.compose import topic_choice
from handlers.broadcast.views import ORG
from handlers.callbacks import MenuCb
from handlers.kit import Flow, reply

flow = Flow("broadcast.menu_entry")
MENU_ACTION = "broadcast"


@flow.callback_query(MenuCb.filter(F.action == MENU_ACTION), F.message.chat.type == "private", flags=ORG)
async def on_menu_broadcast(
    query: CallbackQuery,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    await state.clear()
    broadcast = await service.create_draft(session, clock, user)
    await reply(query, *await topic_choice(tr, session, broadcast.id, 0))
