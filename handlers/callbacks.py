"""Callback payloads shared by several routers (each ≤ 64 bytes, re-checked on the server)."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# A database id in a button: ids arrive from the client, so anything outside the column's range (negative,
# beyond 2**31-1) fails to unpack and the press ends as a stale button, never as a query or a traceback.
RowId = Annotated[int, Field(ge=0, le=2**31 - 1)]
# A Telegram user id in a button: the Bot API promises at most 52 significant bits (within the bigint
# column), and real ids already pass 2**31, so RowId's bound would refuse them.
UserId = Annotated[int, Field(ge=0, le=2**52 - 1)]


class LangCb(CallbackData, prefix="lang"):
    code: str


class MenuCb(CallbackData, prefix="menu"):
    action: str


class QuestionTakeCb(CallbackData, prefix="qtk"):
    """A helper takes an open FAQ question from their /assignments list (shown by handlers/assignments,
    handled by handlers/faq/take.py)."""

    ticket: RowId
