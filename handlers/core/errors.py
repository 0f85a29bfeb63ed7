"""The last safety net: log the exception with the update id, tell the person in their language.

Expected answers of the Bot API are no bugs and get one line without a traceback, and no apology (it could
only meet the same answer): a 403 (the person blocked the bot) and 400 "message is not modified" (a
button pressed twice) at INFO; 429, 5xx, timeouts and a reply queued in the outbox instead
(bot.ops.telegram) at WARNING. Every other exception keeps its traceback at ERROR.

A database error's message carries the statement's parameters (a person's id, their note, their question):
it is logged as its class, the driver's error class, SQLAlchemy's code and the statement's first keyword,
with the stack but without any message.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from typing import Any

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ErrorEvent
from sqlalchemy.exc import StatementError

from bot.ops.telegram import ReplyQueued
from bot.text import Translator
from handlers.kit import Flow

log = logging.getLogger(__name__)
flow = Flow("core.errors")


@flow.errors()
async def on_error(event: ErrorEvent, **data: Any) -> bool:
    update = event.update
    if isinstance(event.exception, TelegramForbiddenError):
        # The person blocked the bot (or never opened it, or the bot left the group) while this update was
        # handled: there is nobody to tell, and it is no bug.
        log.info("update %s: the chat cannot be written to any more", update.update_id)
        return True
    expected = expected_answer(event.exception)
    if expected is not None:
        level = logging.INFO if isinstance(event.exception, TelegramBadRequest) else logging.WARNING
        log.log(level, "update %s: %s", update.update_id, expected)
        if update.callback_query is not None:  # the spinner on the button stops
            with contextlib.suppress(TelegramAPIError):
                await update.callback_query.answer()
        return True
    db_error = database_error(event.exception)
    if db_error is None:
        log.error(
            "unhandled error in update %s: %s",
            update.update_id,
            type(event.exception).__name__,
            exc_info=event.exception,
            extra={"update_id": update.update_id},
        )
    else:
        log.error(
            "unhandled error in update %s: %s\n%s",
            update.update_id,
            describe_database_error(event.exception, db_error),
            "".join(traceback.format_tb(event.exception.__traceback__)).rstrip(),
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


NOT_MODIFIED = "message is not modified"


def expected_answer(exc: BaseException) -> str | None:
    """One line for a Bot API answer that is no bug (without chat ids or texts), else None."""
    if not isinstance(exc, TelegramAPIError):
        return None
    method = exc.method.__api_method__ if exc.method is not None else "?"
    if isinstance(exc, ReplyQueued):
        return f"Telegram refused {method} ({exc.reason}); queued in the outbox, due in {exc.delay:.0f} s"
    if isinstance(exc, TelegramRetryAfter):
        return f"Telegram refused {method} with 429 (retry after {exc.retry_after} s); not sent"
    if isinstance(exc, (TelegramServerError, TelegramNetworkError)):
        return f"Telegram did not carry out {method} ({type(exc).__name__}); not sent"
    if isinstance(exc, TelegramBadRequest) and NOT_MODIFIED in exc.message:
        return f"{method}: the message was not modified (it showed this already)"
    return None


def database_error(exc: BaseException) -> StatementError | None:
    """The SQLAlchemy statement error in `exc` or in what it was raised from (its message has parameters)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, StatementError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def describe_database_error(exc: BaseException, db_error: StatementError) -> str:
    """Classes, code and the statement's first keyword: enough to find the bug, nothing a person wrote."""
    words = (db_error.statement or "").split(None, 1)
    keyword = words[0].upper() if words and words[0].isalpha() else "?"
    driver = type(db_error.orig).__name__ if db_error.orig is not None else "-"
    outer = "" if exc is db_error else f"{type(exc).__name__} from "
    return f"{outer}{type(db_error).__name__} ({driver}, code {db_error.code or '-'}) in {keyword[:16]}"
