"""Small rendering helpers shared by all routers."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message


async def edit_message(message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit a bot message in place; a repeated tap that would change nothing is not an error.

    Telegram answers 400 "message is not modified" to an identical edit, so identical content is
    skipped, and the rare mismatch between our HTML and Telegram's rendering is tolerated.
    """
    same_text = message.html_text == text if message.text is not None else False
    if same_text and message.reply_markup == reply_markup:
        return
    with contextlib.suppress(TelegramBadRequest):  # "message is not modified", or too old to edit
        await message.edit_text(text, reply_markup=reply_markup)
