"""/privacy explains what is stored; /deletedata erases everything about the user after a confirmation."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import users as user_service
from bot.text import N_, Translator
from handlers.callbacks import DeleteDataCb, MenuCb
from handlers.menu import menu_item
from handlers.ui import edit_message
from storage.models import User

router = Router(name="privacy")
menu_item("privacy", N_("🔒 Privacy"), order=91)


def privacy_text(tr: Translator) -> str:
    return tr._(
        "<b>What we store about you</b>\n"
        "• your Telegram number (id), your language, your role and when you started;\n"
        "• what you do in the bot yourself: appointments, subscriptions, questions to a person.\n\n"
        "We do not store your name or your phone number. Questions that the bot could not answer are kept "
        "without your id for at most 90 days, so we can improve the answers.\n\n"
        "Why: so that the bot answers in your language and reminds you of your appointments.\n"
        "How long: until you delete it. With /deletedata everything is deleted at once."
    )


@router.message(Command("privacy"), F.chat.type == "private")
@router.callback_query(MenuCb.filter(F.action == "privacy"))
async def cmd_privacy(event: Message | CallbackQuery, tr: Translator) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer()
        if isinstance(event.message, Message):
            await event.message.answer(privacy_text(tr))
        return
    await event.answer(privacy_text(tr))


@router.message(Command("deletedata"), F.chat.type == "private")
async def cmd_deletedata(message: Message, tr: Translator) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=tr._("Yes, delete everything"), callback_data=DeleteDataCb(confirm=True).pack()
                )
            ],
            [
                InlineKeyboardButton(
                    text=tr._("No, keep it"), callback_data=DeleteDataCb(confirm=False).pack()
                )
            ],
        ]
    )
    await message.answer(
        tr._(
            "Do you really want to delete all your data? Your appointments, subscriptions and questions "
            "will be deleted too. This cannot be undone."
        ),
        reply_markup=keyboard,
    )


@router.callback_query(DeleteDataCb.filter())
async def on_deletedata(
    query: CallbackQuery,
    callback_data: DeleteDataCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    state: FSMContext,
) -> None:
    if not isinstance(query.message, Message):
        await query.answer()
        return
    if not callback_data.confirm or user is None:
        await query.answer()
        await edit_message(query.message, tr._("Nothing was deleted."))
        return
    await state.clear()
    await user_service.erase_user(session, user.id)
    await query.answer()
    await edit_message(
        query.message, tr._("All your data has been deleted. If you write to the bot again, it starts fresh.")
    )
