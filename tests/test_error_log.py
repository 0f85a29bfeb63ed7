"""The error handler never logs SQL parameters or what a person wrote (issue 13): a database error whose
parameters carry a note is logged as its class, a short code and the statement's first keyword, with the
stack but without the message (SQLite and PostgreSQL raise real errors here). Expected answers of the Bot
API are one line without a traceback and without an apology (issue 18)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import ErrorEvent, Update
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ops.telegram import ReplyQueued
from handlers.core.errors import on_error

SECRET = "Notiz: Frau Samadi, Tel 0151 2345678"
PERSON = 4_711_008
SEND = SendMessage(chat_id=PERSON, text="Antwort")
EDIT = EditMessageText(chat_id=PERSON, message_id=3, text="Antwort")
INSERT = text(
    "INSERT INTO faq_unanswered (id, text, lang, reason, status, created_at) "
    "VALUES (:id, :text, 'de', 'no_match', 'open', :at)"
)


async def real_db_error(engine: AsyncEngine) -> DBAPIError:
    at = datetime(2026, 3, 23, tzinfo=UTC)
    async with engine.begin() as conn:
        await conn.execute(INSERT, {"id": 1, "text": SECRET, "at": at})
    with pytest.raises(DBAPIError) as raised:
        async with engine.begin() as conn:
            await conn.execute(INSERT, {"id": 1, "text": SECRET, "at": at})  # the same key again
    assert SECRET in str(raised.value)  # SQLAlchemy puts the parameters into the message
    return raised.value


async def test_a_database_error_is_logged_without_its_parameters(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    error = await real_db_error(engine)
    with caplog.at_level(logging.DEBUG):
        assert await on_error(ErrorEvent(update=Update(update_id=41), exception=error)) is True
    assert caplog.records, "nothing was logged"
    assert SECRET not in caplog.text and "0151" not in caplog.text
    for record in caplog.records:
        assert record.exc_info is None or SECRET not in str(record.exc_info[1])
        assert SECRET not in record.getMessage()
    line = caplog.records[-1].getMessage()
    assert "IntegrityError" in line and "INSERT" in line and "41" in line


async def test_a_statement_error_is_logged_without_its_parameters(caplog: pytest.LogCaptureFixture) -> None:
    error = StatementError(
        f"bad value {SECRET!r}", "UPDATE bookings SET note=?", {"note": SECRET}, ValueError(SECRET)
    )
    with caplog.at_level(logging.DEBUG):
        await on_error(ErrorEvent(update=Update(update_id=42), exception=error))
    assert SECRET not in caplog.text
    assert "StatementError" in caplog.text and "UPDATE" in caplog.text


async def test_other_errors_keep_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        await on_error(ErrorEvent(update=Update(update_id=43), exception=KeyError("slot")))
    assert "KeyError" in caplog.text and caplog.records[-1].exc_info is not None


# --- expected answers of the Bot API (issue 18) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("exception", "level"),
    [
        (TelegramRetryAfter(SEND, "Too Many Requests: retry after 35", retry_after=35), logging.WARNING),
        (TelegramServerError(SEND, "Bad Gateway"), logging.WARNING),
        (TelegramNetworkError(SEND, "Request timeout error"), logging.WARNING),
        (ReplyQueued(SEND, "429", 35), logging.WARNING),
        (TelegramForbiddenError(SEND, "Forbidden: bot was blocked by the user"), logging.INFO),
        (
            TelegramBadRequest(EDIT, "Bad Request: message is not modified: specified new message content"),
            logging.INFO,
        ),
    ],
)
async def test_expected_bot_api_answers_are_one_line_without_traceback_or_apology(
    exception: Exception, level: int, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[str] = []

    class Tr:
        def _(self, msgid: str, **values: object) -> str:
            sent.append(msgid)
            return msgid

    with caplog.at_level(logging.DEBUG, logger="handlers.core.errors"):
        await on_error(ErrorEvent(update=Update(update_id=44), exception=exception), tr=Tr())
    [record] = caplog.records
    assert record.levelno == level and record.exc_info is None and "44" in record.getMessage()
    assert str(PERSON) not in record.getMessage()  # the chat id is a person's id
    assert sent == []  # no apology: it would only meet the same answer


async def test_a_bad_request_that_is_a_bug_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    error = TelegramBadRequest(SEND, "Bad Request: can't parse entities")
    with caplog.at_level(logging.DEBUG):
        await on_error(ErrorEvent(update=Update(update_id=45), exception=error))
    assert caplog.records[-1].levelno == logging.ERROR and caplog.records[-1].exc_info is not None
