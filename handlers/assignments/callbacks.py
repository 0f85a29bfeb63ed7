"""The buttons of assignments and helper profiles (each packs to at most 64 bytes; tests/test_callbacks_
assignments.py checks it). Every press is checked again on the server: the role (flags), and in the
service whether the assignment still exists and the presser may do this now.

The values of `AssignmentAction` are the ones alerts were always sent with, so an alert that waited in a
helper's chat across an update still works.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from handlers.callbacks import RowId


class AssignmentAction(StrEnum):
    # "I'll take it" (on an alert, on the /assignments list) is the one schema of everything handed to a
    # person, handlers.callbacks.TakeCb; older alerts' `asg:take:<n>` / `asg:pick:<n>` still work through it.
    SKIP = "skip"  # "Not this time"
    DETAILS = "det"  # the assignee: address and contact
    HAND_BACK = "back"  # the assignee: "hand back?"
    HAND_BACK_YES = "backok"
    DONE = "done"
    DONE_WITH_NOTE = "note"
    VIEW = "view"  # organizers: one assignment
    CANCEL = "cancel"  # organizers: "cancel?"
    CANCEL_YES = "cancelok"


class AssignmentCb(CallbackData, prefix="asg"):
    action: AssignmentAction
    assignment: RowId


class BoardCb(CallbackData, prefix="asb"):
    """A page of /assignments."""

    page: Annotated[int, Field(ge=0, le=999)]


class NewStep(StrEnum):
    """The /assign dialog: the step just chosen; the choices so far ride along in `NewCb`."""

    KIND = "kind"
    LANGUAGE = "lang"
    AREA = "area"
    DAY = "day"
    TIME = "time"
    SKIP_DETAILS = "skip"
    SEND = "send"
    ABORT = "abort"


class NewCb(CallbackData, prefix="asn"):
    step: NewStep
    kind: str = ""
    language: str = ""
    area: str = ""
    day: Annotated[int, Field(ge=0, le=99991231)] = 0  # YYYYMMDD; 0: none chosen
    flexible: bool = False  # no fixed date: by arrangement
    minute: Annotated[int, Field(ge=-1, lt=24 * 60)] = -1  # of the day, local time; -1: none chosen


class ProfileAction(StrEnum):
    SHOW = "show"
    LANGUAGES = "langs"
    LANGUAGE = "lang"  # toggle `key`, a language code
    AREAS = "areas"
    AREA = "area"  # toggle `key`, an area key
    NOTE = "note"
    PAUSE = "pause"  # "for how long?"
    PAUSE_FOR = "pauseset"  # pause for `days`
    RESUME = "resume"


class ProfileCb(CallbackData, prefix="prf"):
    action: ProfileAction
    key: str = ""
    days: Annotated[int, Field(ge=0, le=366)] = 0
