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


class TopicAction(StrEnum):
    LIST = "ls"  # the topics to choose from (a page of them)
    ASSIGN = "as"  # "this belongs to topic X": an example question of X (bot/faq/examples.py)
    NOT_QUESTION = "nq"  # "not a question": off the list


class UnansweredTopicCb(CallbackData, prefix="fqt"):
    """A kept question of /unanswered: its topic, or "not a question" (handlers/faq/unanswered.py). Its own
    schema, so the list's buttons already sent (`fqu`) keep working."""

    action: TopicAction
    row: RowId  # the kept question
    page: Annotated[int, Field(ge=0, le=99_999)] = 0  # the page of the list to go back to
    topic: str = ""  # ASSIGN: the topic's slug (at most 32 characters, bot.faq.content.MAX_SLUG)
    topic_page: Annotated[int, Field(ge=0, le=99)] = 0  # LIST: the page of topics


class TicketAction(StrEnum):
    """The buttons of a ticket ("I'll take it" is the one schema of everything handed to a person,
    handlers.callbacks.TakeCb; older relays' `tk:take:<n>` still work through it)."""

    NAME = "name"  # the helper who took it: show / hide their first name (on the card)
    CLOSE = "close"  # close the conversation (the card: a helper; an answer: the asker)


class TicketCb(CallbackData, prefix="tk"):
    action: TicketAction
    ticket: RowId


class WithdrawAction(StrEnum):
    ASK = "ask"  # "withdraw my question": sure?
    YES = "yes"
    KEEP = "keep"


class WithdrawCb(CallbackData, prefix="wdq"):
    """ "Withdraw my question" under the asker's messages of a ticket (handlers/faq/withdraw.py)."""

    action: WithdrawAction
    ticket: RowId
    lang: str = ""  # the language the asker is talked to in about this question
