"""What /cancel ends: every dialog with typed steps (an FSM state group of the handlers) is listed with
what /cancel then says, names are unique and fit the ✖ button, and the dialog in progress is the FSM
state's group or a button dialog's mark (handlers/kit.py)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

import handlers
from bot import wiring
from bot.i18n import catalogs
from handlers.booking.note import NoteDraft, NoteForm
from handlers.booking.steps import BOOKING
from handlers.callbacks import CancelCb
from handlers.kit import OpenDialog, dialog_in_progress, end_dialog


def state_groups() -> Iterator[type[StatesGroup]]:
    for info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, StatesGroup)
                and value.__module__ == module.__name__
            ):
                if value is not StatesGroup:
                    yield value


def test_every_dialog_with_typed_steps_is_listed() -> None:
    dialogs = wiring.dialogs()
    groups = list(state_groups())
    assert len(groups) >= 8
    assert [g.__full_group_name__ for g in groups if g.__full_group_name__ not in dialogs] == []


def test_names_fit_the_cancel_button_and_messages_are_translated() -> None:
    for name, dialog in wiring.dialogs().items():
        packed = CancelCb(dialog=name).pack()
        assert len(packed.encode()) <= 64 and CancelCb.unpack(packed).dialog == name
        for msgid in filter(None, (dialog.cancelled, dialog.typed)):
            assert catalogs().gettext("de", msgid) != msgid, msgid  # a catalog message, said in German


def _state() -> FSMContext:
    return FSMContext(MemoryStorage(), StorageKey(bot_id=1, chat_id=7, user_id=7))


async def test_the_dialog_in_progress() -> None:
    state = _state()
    assert await dialog_in_progress(state) is None
    await BOOKING.mark(state, 41)  # a button dialog: its screen
    assert await dialog_in_progress(state) == OpenDialog(name="booking", message_id=41)
    await state.set_state(NoteForm.note)  # a typed step inside it: the step's group, the same screen
    await NoteDraft(slot=3).save(state)
    assert await dialog_in_progress(state) == OpenDialog(name="NoteForm", message_id=41)
    await state.set_state(None)
    assert await dialog_in_progress(state) == OpenDialog(name="booking", message_id=41)
    await end_dialog(state)  # booked, or joined the waiting list
    assert await dialog_in_progress(state) is None
    assert await NoteDraft.load(state) is not None  # only the mark went
