"""The buttons only the core flows use (the shared ones, MenuCb and LangCb, are in handlers/callbacks.py)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from handlers.callbacks import RowId, UserId


class DeleteDataCb(CallbackData, prefix="del"):
    """/deletedata: "yes, delete everything" or "no, keep it"."""

    confirm: bool


class StaffAction(StrEnum):
    LIST = "list"  # a page of the helpers and organizers
    PICK = "pick"  # one person: remove them? (the confirmation)
    REMOVE = "rm"  # yes, remove them


class StaffCb(CallbackData, prefix="stf"):
    """/helpers (organizers): the list, one person, and their removal. `page` is the list's page to go
    back to; the server re-checks everything (who may be removed) when pressed."""

    action: StaffAction
    page: RowId = 0
    person: UserId = 0
