"""The last safety net: log the exception with the update id, tell the person in their language."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.text import Translator

log = logging.getLogger(__name__)
router = Router(name="errors")


@router.errors()
async def on_error(event: ErrorEvent, **data: Any) -> bool:
    update = event.update
    log.error(
        "unhandled error in update %s: %s",
        update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
        extra={"update_id": update.update_id},
    )
    tr: Translator | None = data.get("tr")
    if tr is None:
        return True
    text = tr._("Sorry, something went wrong. Please try again in a moment.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None and update.message.chat.type == "private":
            await update.message.answer(text)
    except TelegramAPIError:
        log.warning("could not tell the user about the error in update %s", update.update_id)
    return True
