"""The buttons under a letter's reading (each packs to at most 64 bytes; tests/test_letters.py checks it).

The reading itself is not kept anywhere, so what a button needs rides in it: the appointment's day and
time for the calendar file and the sender's kind for its title. ("Send the photo to a helper" is the
hand-off's own button, handlers.callbacks.MediaCb: the reading replies to the photo it sends.)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.letters.senders import Sender

DayCode = Annotated[str, Field(pattern=r"^(\d{8})?$")]  # YYYYMMDD
ClockCode = Annotated[str, Field(pattern=r"^(\d{4})?$")]  # HHMM, or none


class LetterAction(StrEnum):
    CALENDAR = "ics"  # the appointment as an .ics file


class LetterCb(CallbackData, prefix="lt"):
    action: LetterAction
    day: DayCode = ""
    at: ClockCode = ""
    sender: Sender | None = None
