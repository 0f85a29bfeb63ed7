"""Callback payloads shared by several routers (each ≤ 64 bytes, re-checked on the server)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from pydantic import Field, ValidationError

from bot.claims import Handed

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


class Via(StrEnum):
    """Where an "I'll take it" was pressed."""

    GROUP = "g"  # a relay in the helpers' group
    ALERT = "p"  # an alert in the helper's private chat
    LIST = "l"  # the /assignments list


class TakeCb(CallbackData, prefix="take"):
    """ "I'll take it" on anything handed to a person (bot.claims): a question (handled by
    handlers/faq/take.py) or an assignment (handlers/assignments/alerts.py), from wherever it is shown."""

    kind: Handed
    item: RowId
    via: Via


# Buttons sent before there was one schema, still waiting in chats: read as the TakeCb they mean.
LEGACY_TAKE = {"tk:take": (Handed.QUESTION, Via.GROUP), "qtk": (Handed.QUESTION, Via.LIST)}
LEGACY_TAKE |= {"asg:take": (Handed.ASSIGNMENT, Via.ALERT), "asg:pick": (Handed.ASSIGNMENT, Via.LIST)}


def parse_take(data: str | None) -> TakeCb | None:
    """The TakeCb a button's data means (also an older button's), or None."""
    if not data:
        return None
    try:
        if data.startswith(f"{TakeCb.__prefix__}:"):
            return TakeCb.unpack(data)
        head, _, number = data.rpartition(":")
        if head in LEGACY_TAKE and number.isdigit():
            kind, via = LEGACY_TAKE[head]
            return TakeCb(kind=kind, item=int(number), via=via)
    except (TypeError, ValueError, ValidationError):
        return None
    return None


class Takes(Filter):
    """Matches "I'll take it" on one kind of thing; the handler gets it as `take`."""

    def __init__(self, kind: Handed) -> None:
        self.kind = kind

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        take = parse_take(query.data)
        return {"take": take} if take is not None and take.kind == self.kind else False


class CancelCb(CallbackData, prefix="cx"):
    """✖ Cancel of a dialog (handlers.kit.Dialog.cancel_row), handled by core like /cancel: it ends the
    dialog named here when that is still the one in progress."""

    dialog: Annotated[str, Field(max_length=48)]


class MediaAction(StrEnum):
    OFFER = "o"  # "send it to a person" under something else (a letter's reading): ask for consent first
    SEND = "y"  # yes, send my voice message / photo / document / location to a person
    NO = "n"  # no, do not send it (the ✖ of the consent: like /cancel, for this one question)


class MediaCb(CallbackData, prefix="fmd"):
    """ "Yes, send it" / "No" under the consent question for a voice message, photo … (handlers/faq/media.py);
    shared because other capabilities offer the hand-off of a media message too (a letter's reading).
    The message itself is the one the question replies to (Telegram's copy, not the button's word); `ticket`
    is the question it would join (0: a new question), checked again when pressed."""

    action: MediaAction
    ticket: RowId = 0
    lang: str = ""  # the language the person is talked to in about it
