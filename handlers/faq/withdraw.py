""" "Withdraw my question": the asker takes an open question to a person back, with its own button (under
"your question was sent" and the ticket's messages to the asker: views.withdraw_row), after a "sure?".
/cancel never withdraws a question: it ends only the dialog in progress.

The other buttons of the pressed message stay as they are: only the withdraw row changes. Everything is
said in the language of the question (the button's `lang`), like the message it is under.
"""

from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.faq import handoff
from bot.text import Translator
from bot.users import Person
from handlers.faq.callbacks import WithdrawAction, WithdrawCb
from handlers.faq.views import reader, withdraw_confirm_row, withdraw_row
from handlers.kit import KnownUser, alert, private_flow, show_keyboard

flow = private_flow("faq.withdraw")


def _is_withdraw(button: InlineKeyboardButton) -> bool:
    return bool(button.callback_data) and str(button.callback_data).startswith(f"{WithdrawCb.__prefix__}:")


async def _swap_row(query: CallbackQuery, row: list[InlineKeyboardButton]) -> None:
    """Replace the withdraw row of the pressed message by `row` (an empty row: it goes)."""
    message = query.message
    rows = (
        message.reply_markup.inline_keyboard if isinstance(message, Message) and message.reply_markup else []
    )
    kept = [row if any(_is_withdraw(b) for b in old) else old for old in rows]
    kept = [r for r in kept if r]
    await show_keyboard(query, InlineKeyboardMarkup(inline_keyboard=kept) if kept else None)


@flow.callback_query(WithdrawCb.filter(F.action == WithdrawAction.ASK), KnownUser())
async def on_withdraw_ask(
    query: CallbackQuery, callback_data: WithdrawCb, tr: Translator, settings: Settings
) -> None:
    rtr = reader(callback_data.lang, tr.lang, settings)
    await _swap_row(query, withdraw_confirm_row(rtr, callback_data.ticket))
    await query.answer()


@flow.callback_query(WithdrawCb.filter(F.action == WithdrawAction.KEEP), KnownUser())
async def on_keep(
    query: CallbackQuery, callback_data: WithdrawCb, tr: Translator, settings: Settings
) -> None:
    await _swap_row(query, withdraw_row(reader(callback_data.lang, tr.lang, settings), callback_data.ticket))
    await query.answer()


@flow.callback_query(WithdrawCb.filter(F.action == WithdrawAction.YES), KnownUser())
async def on_withdraw(
    query: CallbackQuery,
    callback_data: WithdrawCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    number = callback_data.ticket
    rtr = reader(callback_data.lang, tr.lang, settings)
    withdrawn = await handoff.withdraw_question(session, clock, user.id, number)
    await _swap_row(query, [])
    if not withdrawn:  # answered, withdrawn already, or not this person's
        await alert(query, rtr._("This question is already closed."))
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(rtr._("↩️ Your question no. {number} was withdrawn.", number=number))
