"""The buttons of the FAQ and of tickets (each packs to at most 64 bytes: tests/test_callbacks_faq.py). A
press is checked again on the server: does the topic or question still exist, may this person do it.

The action values are the ones the buttons were always sent with, so answers and relays that wait in
chats across an update keep working.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from handlers.callbacks import RowId


class FaqAction(StrEnum):
    BROWSE = "browse"  # all topics, as a new message
    HOME = "home"  # back to the categories, in place
    CATEGORY = "cat"  # the topics of a category
    TOPIC = "tb"  # an answer while browsing (in place, with Back)
    SUGGESTED = "ts"  # a suggested answer (a new message, replying to the question)
    UP = "up"  # 👍
    DOWN = "dn"  # 👎
    ASK = "ask"  # ask a person


class FaqCb(CallbackData, prefix="faq"):
    action: FaqAction
    key: str = ""  # the category (CATEGORY) or the topic's slug (TOPIC, SUGGESTED, UP, DOWN)
    lang: str = ""  # the language of the answer
    kept: RowId = 0  # ASK: the kept question (/unanswered) the person asks about


class UnansweredAction(StrEnum):
    DONE = "done"
    PAGE = "page"


class UnansweredCb(CallbackData, prefix="fqu"):
    action: UnansweredAction
    row: RowId = 0  # DONE: the kept question
    page: Annotated[int, Field(ge=0, le=99_999)] = 0


class TicketAction(StrEnum):
    TAKE = "take"  # "I'll take it" on the relay in the helpers' chat


class TicketCb(CallbackData, prefix="tk"):
    action: TicketAction
    ticket: RowId
