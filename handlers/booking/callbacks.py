"""The buttons of booking (each packs to at most 64 bytes; tests/test_callbacks_booking.py checks it).

Stateless: every step's state rides in the button and is checked again by the services (the slot still
open and free, the booking or offer the presser's own, not in the past). Ids are `RowId`s: a forged id
outside the column's range does not unpack, so the press ends as a stale button.

The prefixes, the order of the fields and the action values are the ones the buttons were always sent
with, so a reminder or a waitlist offer that waited in a chat across an update still works.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from handlers.callbacks import RowId

DayCode = Annotated[str, Field(pattern=r"^(\d{8})?$")]  # a local date as YYYYMMDD, or none
Interpreter = Annotated[str, Field(max_length=8)]  # a language code, "-" (not needed) or "other"
IsoDay = Annotated[str, Field(pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
Page = Annotated[int, Field(ge=0, le=999)]


class BookAction(StrEnum):
    TOPICS = "topics"  # the list of topics
    TOPIC = "t"  # a topic: its free days (from `day` on)
    DAY = "d"  # a day: its free times
    SLOT = "s"  # a time: which interpreter (or, when moving `booking`, confirm the move)
    INTERPRETER = "i"  # interpreter chosen: a note?
    NOTE = "n"  # write a note
    REVIEW = "v"  # check everything
    CONFIRM = "c"  # book it
    MOVE = "m"  # move `booking` to `slot`
    STOP = "stop"


class BookCb(CallbackData, prefix="bk"):
    """The booking dialog, /book and "change time" (`booking` is the one being moved, 0 for a new one)."""

    action: BookAction
    topic: RowId = 0
    slot: RowId = 0
    booking: RowId = 0
    day: DayCode = ""
    lang: Interpreter = ""


class MyAction(StrEnum):
    LIST = "list"  # /mybookings
    ASK_CANCEL = "x"
    CANCEL = "xx"
    KEEP = "keep"
    WILL_COME = "y"  # "I'll come" on a reminder
    RESCHEDULE = "r"


class MyCb(CallbackData, prefix="mb"):
    action: MyAction
    booking: RowId = 0


class WaitAction(StrEnum):
    ASK = "ask"  # which interpreter, before joining
    JOIN = "join"
    TAKE = "take"  # take the offered `slot` of `entry`
    DECLINE = "no"
    LEAVE = "leave"


class WaitCb(CallbackData, prefix="wl"):
    action: WaitAction
    topic: RowId = 0
    entry: RowId = 0
    slot: RowId = 0
    lang: Interpreter = ""


class PageCb(CallbackData, prefix="bkp"):
    """A page of a booking list that can grow: the topics, a topic's days or a day's times."""

    of: BookAction  # TOPICS, TOPIC (its days) or DAY (its times)
    page: Page
    topic: RowId = 0
    booking: RowId = 0
    day: DayCode = ""


class SlotsAction(StrEnum):
    HOME = "home"  # /slots: the schedule at a glance
    DAY = "day"  # the slots of `day`
    RULE = "rule"  # pause (on=False) or resume a rule
    ASK_CANCEL = "cx"  # cancel slot `slot`?
    CANCEL = "cxx"
    HELP = "help"
    CLOSE = "x"  # ✖: the overview's buttons go (the text stays)


class SlotsCb(CallbackData, prefix="sl"):
    """/slots for organizers; `page`: of the rules (home) or of the day's slots."""

    action: SlotsAction
    rule: RowId = 0
    slot: RowId = 0
    day: IsoDay = ""
    on: bool = False
    page: Page = 0


class AttendCb(CallbackData, prefix="ba"):
    """/agenda: a counsellor or organizer says whether the person of `booking` came (the figures' no-shows)."""

    booking: RowId
    came: bool
