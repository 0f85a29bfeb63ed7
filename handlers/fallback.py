"""What nobody else handled: unknown commands, stickers, voice notes, photos, groups, edited messages.

Registered last. Every case gets a short answer in the reader's language, or is ignored on purpose.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.text import Translator
from handlers.menu import main_menu
from storage.models import User

router = Router(name="fallback")


@router.message(F.chat.type != "private", F.text.startswith("/"))
async def group_command(message: Message, tr: Translator) -> None:
    # In groups the bot does not talk, except to point to the private chat once asked.
    await message.reply(tr._("Please write to me in a private chat."))


@router.message(F.chat.type != "private")
async def group_other(message: Message) -> None:
    """Ignored on purpose: people talk to each other in groups."""


@router.edited_message()
async def edited(message: Message) -> None:
    """Ignored on purpose: the first version was already answered."""


@router.message(F.text.startswith("/"))
async def unknown_command(message: Message, user: User, tr: Translator) -> None:
    await message.answer(
        tr._("I do not know this command. Here is the menu:"), reply_markup=main_menu(tr, user.role)
    )


@router.message(F.voice | F.video_note | F.audio)
async def voice(message: Message, tr: Translator) -> None:
    await message.answer(tr._("I cannot listen to voice messages. Please write your question as text."))


@router.message(F.sticker | F.animation)
async def sticker(message: Message, user: User, tr: Translator) -> None:
    await message.answer(
        tr._("😊 Write your question as text, or choose from the menu."),
        reply_markup=main_menu(tr, user.role),
    )


@router.message(F.photo | F.document | F.video)
async def media(message: Message, tr: Translator) -> None:
    await message.answer(
        tr._(
            "I cannot read pictures or files. Please write your question as text. For a letter from an "
            "authority you can ask a person or book a counselling appointment."
        )
    )


@router.message(F.location | F.venue | F.contact)
async def location(message: Message, tr: Translator) -> None:
    await message.answer(
        tr._("Thank you, but I do not need your location or contacts. Please write your question as text.")
    )


@router.message()
async def anything_else(message: Message, user: User, tr: Translator) -> None:
    await message.answer(
        tr._("I did not understand this. Here is the menu:"), reply_markup=main_menu(tr, user.role)
    )


@router.callback_query()
async def stale_button(query: CallbackQuery, tr: Translator) -> None:
    # Old or forged buttons end here: say so instead of leaving the button spinning.
    await query.answer(
        tr._("This button is no longer valid. Please open the menu again: /menu"), show_alert=True
    )
