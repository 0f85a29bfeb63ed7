"""Text typed while a helper's or organizer's dialog waits for a button: the topic of a broadcast, the kind
of an assignment. Such text is most likely meant for a later step (the broadcast's text typed before its
topic is chosen); taken for a question to the FAQ it would get some answer about something else. The dialog
says what to do instead (handlers.kit.Dialog.typed); dialogs without it, and anyone who is not a helper or
organizer, go on to the FAQ as before.

A router of its own, next to the other routers that take free text (bot/wiring.py), so that the routers of
the dialogs keep their gates (handlers/gates.py).
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.text import Translator
from bot.users import HELPER, Person, has_role
from handlers.core.help_menu import NO_DIALOGS, Dialogs, typed_hint
from handlers.kit import private_flow

flow = private_flow("core.waiting")


async def is_staff(message: Message, user: Person | None = None) -> bool:
    # first: a question from anyone else costs no read of the dialog state, nor the other filters
    return user is not None and has_role(user, HELPER)


async def waits_for_a_button(
    message: Message, state: FSMContext, dialogs: Dialogs = NO_DIALOGS
) -> bool | dict[str, str]:
    hint = await typed_hint(state, dialogs)
    return {"hint": hint} if hint else False


@flow.message(is_staff, F.text, ~F.text.startswith("/"), StateFilter(None), waits_for_a_button)
async def on_text_while_a_button_waits(message: Message, tr: Translator, hint: str) -> None:
    await message.answer(tr._(hint))
