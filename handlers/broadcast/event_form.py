"""The /newevent dialog's state: its steps, the answers so far (`EventDraft`), all answers once complete
(`EventDetails`), and the summary shown before saving. Used by event_new.py (the questions) and
event_save.py (the summary's buttons)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from pydantic import BaseModel, ValidationError

from bot.languages import own_name
from bot.text import N_, Translator
from handlers.broadcast.callbacks import EvCb, EventAction
from handlers.broadcast.views import card_text
from handlers.kit import Dialog, Draft, button, grid, keyboard
from handlers.when import Minute


class NewEvent(StatesGroup):
    title = State()
    body = State()
    start = State()
    end = State()
    venue = State()
    topic = State()
    capacity = State()
    confirm = State()


NEW_EVENT = Dialog.of(NewEvent, N_("The event was discarded."))


class EventField(StrEnum):
    """A detail of the new event, in the order the dialog asks for them."""

    TITLE = "title"
    BODY = "body"
    START = "start"
    END = "end"
    VENUE = "venue"
    TOPIC = "topic"
    CAPACITY = "cap"


class StepAction(StrEnum):
    BACK = "back"  # "⬅️ Back" under a question: the one before (or the summary, when editing)
    EDIT = "edit"  # "✏️ …" on the summary: ask for this detail again
    PICK = "pick"  # a quick pick for the start or the end


class EventStepCb(CallbackData, prefix="evn"):
    action: StepAction
    field: EventField
    at: Minute = 0  # the picked moment (PICK)


# The summary's "✏️" buttons: what each changes.
EDITS = (
    (EventField.TITLE, N_("✏️ Title")),
    (EventField.BODY, N_("✏️ Description")),
    (EventField.START, N_("✏️ Start")),
    (EventField.END, N_("✏️ End")),
    (EventField.VENUE, N_("✏️ Place")),
    (EventField.CAPACITY, N_("✏️ Places")),
)


class EventDraft(Draft):
    lang: str
    title: str = ""
    body: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    venue: str = ""
    topic_id: int | None = None
    capacity: int | None = None


class EventEditing(Draft):
    """Kept while one detail is asked again from the summary: its answer leads back there."""

    field: EventField


class EventDetails(BaseModel):
    """The answers once all are given: what the summary shows and the service saves."""

    lang: str
    title: str
    body: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    topic_id: int | None
    capacity: int | None


def start_again(tr: Translator) -> str:
    return tr._("Something in the event is not right. Please start again with /newevent.")


async def step(
    message: Message, state: FSMContext, tr: Translator, next_state: State, **answer: object
) -> bool:
    """Store one answer and go to the next step; False (and the dialog ends) when the draft is gone."""
    form = await EventDraft.load(state)
    if form is None:
        await state.clear()
        await message.answer(start_again(tr))
        return False
    await form.model_copy(update=answer).save(state)
    await state.set_state(next_state)
    return True


async def complete(message: Message, state: FSMContext, tr: Translator) -> EventDetails | None:
    """All the answers; None (and the dialog ends) when some are missing, e.g. a dialog that expired."""
    form = await EventDraft.load(state)
    try:
        return EventDetails.model_validate(form.model_dump() if form else {})
    except ValidationError:
        await state.clear()
        await message.answer(start_again(tr))
        return None


async def summary(message: Message, tr: Translator, state: FSMContext) -> None:
    """The event as it will be saved, with Save / ✏️ per detail / Change the language / Discard."""
    details = await complete(message, state, tr)
    if details is None:
        return
    await state.update_data({EventEditing.key(): None})
    await state.set_state(NewEvent.confirm)
    text = "\n\n".join(
        [
            tr._("Please check the event:"),
            card_text(tr, details, details.title, details.body),
            tr._("Language of title and text: {language}", language=own_name(details.lang)),
        ]
    )
    edits = [button(tr._(text), EventStepCb(action=StepAction.EDIT, field=field)) for field, text in EDITS]
    markup = keyboard(
        [button(tr._("✅ Save"), EvCb(action=EventAction.SAVE))],
        *grid(edits, 2),
        [button(tr._("🗣 Change the language"), EvCb(action=EventAction.LANGUAGE))],
        [button(tr._("✖️ Discard"), EvCb(action=EventAction.DROP))],
    )
    await message.answer(text, reply_markup=markup)
