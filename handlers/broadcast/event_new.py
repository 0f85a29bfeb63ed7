"""/newevent for organizers: title, text, start, end, place, topic, places → the summary (event_save.py).

Each typed answer is checked by the service's rules for an event (bot/broadcast/events.py) as it comes;
dates and times are read by bot/broadcast/dates.py ("morgen 18 Uhr", "Sa 10:00") or picked from quick
buttons. The answers so far are an `EventDraft` in the dialog state; the questions, "⬅️ Back" and the way
on are in event_step.py. "✏️" on the summary asks for one detail again and returns to the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.broadcast import dates
from bot.broadcast import events as service
from bot.broadcast.dates import DateError
from bot.broadcast.events import EventError, Problem
from bot.text import Translator
from bot.users import Person
from handlers.broadcast.callbacks import EvCb, EventAction, EventTopicCb, PageCb, Screen
from handlers.broadcast.drafts import TYPED
from handlers.broadcast.event_form import (
    EventDraft,
    EventEditing,
    EventField,
    EventStepCb,
    NewEvent,
    StepAction,
    start_again,
)
from handlers.broadcast.event_steps import STATES, Asking, AskingInput, back_row, topic_rows
from handlers.broadcast.views import ORG, topic_gone_text, topic_label
from handlers.kit import Flow, alert, keyboard, show, show_keyboard
from handlers.when import from_minute, problem_text

flow = Flow("broadcast.event_new")
for _observer in ("message", "callback_query"):
    flow.middleware(_observer, AskingInput())
Action = EventAction
Field = EventField


def _closed(tr: Translator) -> str:
    return tr._("This question is closed. Please answer the last one.")


# --- the command, ⬅️ Back and ✏️ ---------------------------------------------------------------------------
@flow.message(Command("newevent"), F.chat.type == "private", flags=ORG)
@flow.callback_query(EvCb.filter(F.action == Action.NEW), flags=ORG)
async def cmd_newevent(event: Message | CallbackQuery, user: Person, tr: Translator, form: Asking) -> None:
    language = user.language or form.settings.default_language
    await EventDraft(lang=language).begin(form.state, NewEvent.title)
    if isinstance(event, CallbackQuery):
        await event.answer()
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(message, Message):
        await form.ask(message, Field.TITLE, intro=tr._("New event. /cancel stops."))


@flow.callback_query(EventStepCb.filter(F.action == StepAction.BACK), flags=ORG)
async def on_back(
    query: CallbackQuery, callback_data: EventStepCb, tr: Translator, state: FSMContext, form: Asking
) -> None:
    # only the question being asked goes back: an older question's button is stale
    if await state.get_state() != STATES[callback_data.field].state or not isinstance(query.message, Message):
        await alert(query, _closed(tr))
        return
    await query.answer()
    await show_keyboard(query, None)
    await form.back(query.message, callback_data.field)


@flow.callback_query(EventStepCb.filter(F.action == StepAction.EDIT), NewEvent.confirm, flags=ORG)
async def on_edit(query: CallbackQuery, callback_data: EventStepCb, state: FSMContext, form: Asking) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await show_keyboard(query, None)
    await EventEditing(field=callback_data.field).save(state)
    await form.ask(query.message, callback_data.field)


# --- the answers ------------------------------------------------------------------------------------------------
async def _take(
    message: Message,
    form: Asking,
    field: EventField,
    parse: Callable[[str], object],
    hint: Callable[[Problem], str],
) -> None:
    """One typed answer, checked by the service's rule for it (or read as a date): stored, and on; or
    the organizer is told what is wanted and asked again."""
    try:
        if message.text is None:  # a photo or a sticker is no answer
            raise EventError(Problem.UNREADABLE)
        value = parse(message.text)
    except EventError as error:
        await message.answer(hint(error.code))
        return
    except DateError as error:
        await message.answer(problem_text(form.tr, error.problem))
        return
    await form.answered(message, field, **{_KEYS[field]: value})


_KEYS = {
    Field.TITLE: "title",
    Field.BODY: "body",
    Field.START: "starts_at",
    Field.END: "ends_at",
    Field.VENUE: "venue",
    Field.CAPACITY: "capacity",
}


@flow.message(NewEvent.title, *TYPED, flags=ORG)
async def new_title(message: Message, tr: Translator, form: Asking) -> None:
    hint = tr._("Please write a title in one line, at most {max} characters.", max=service.MAX_TITLE)
    await _take(message, form, Field.TITLE, service.typed_title, lambda _: hint)


@flow.message(NewEvent.body, *TYPED, flags=ORG)
async def new_body(message: Message, tr: Translator, form: Asking) -> None:
    hint = tr._("Please write the description as text, at most {max} characters.", max=service.MAX_BODY)
    await _take(message, form, Field.BODY, service.typed_body, lambda _: hint)


@flow.message(NewEvent.start, *TYPED, flags=ORG)
async def new_start(message: Message, tr: Translator, form: Asking) -> None:
    def parse(text: str) -> datetime:
        return dates.moment(text, form.clock.now(), form.settings.tz)

    await _take(message, form, Field.START, parse, lambda _: start_again(tr))


def _end_hint(tr: Translator) -> str:
    return tr._("The end must be a time after the start, like 20:00. Please write it again.")


@flow.message(NewEvent.end, *TYPED, flags=ORG)
async def new_end(message: Message, tr: Translator, state: FSMContext, form: Asking) -> None:
    draft = await EventDraft.load(state)
    start = draft.starts_at if draft else None
    if start is None:
        await state.clear()
        await message.answer(start_again(tr))
        return

    def parse(text: str) -> datetime:
        dates.end_moment(text, start, form.settings.tz)  # a date that cannot be read says why
        return service.typed_end(text, start, form.settings.tz)

    await _take(message, form, Field.END, parse, lambda _: _end_hint(tr))


@flow.callback_query(EventStepCb.filter(F.action == StepAction.PICK), flags=ORG)
async def on_pick(
    query: CallbackQuery, callback_data: EventStepCb, tr: Translator, state: FSMContext, form: Asking
) -> None:
    """A quick pick for the start or the end, checked again: it may have passed since it was shown."""
    field, at = callback_data.field, from_minute(callback_data.at)
    draft = await EventDraft.load(state)
    asked = await state.get_state() == STATES[field].state
    if (
        draft is None
        or not asked
        or field not in (Field.START, Field.END)
        or not isinstance(query.message, Message)
    ):
        await alert(query, _closed(tr))
        return
    try:
        if field is Field.START:
            dates.check_future(at, form.clock.now())
        elif draft.starts_at is None or at <= draft.starts_at:
            await alert(query, _end_hint(tr))
            return
    except DateError as error:
        await alert(query, problem_text(tr, error.problem))
        return
    await query.answer()
    when = tr.datetime(at)
    await show(
        query, tr._("Start: {when}", when=when) if field is Field.START else tr._("End: {when}", when=when)
    )
    await form.answered(query.message, field, **{_KEYS[field]: at})


@flow.message(NewEvent.venue, *TYPED, flags=ORG)
async def new_venue(message: Message, tr: Translator, form: Asking) -> None:
    hint = tr._("Please write the place as text, at most {max} characters.", max=service.MAX_VENUE)
    await _take(message, form, Field.VENUE, service.typed_venue, lambda _: hint)


@flow.callback_query(PageCb.filter(F.screen == Screen.EVENT_TOPICS), NewEvent.topic, flags=ORG)
async def new_topic_page(query: CallbackQuery, callback_data: PageCb, tr: Translator, form: Asking) -> None:
    await query.answer()
    rows = await topic_rows(tr, form.session, form.user, callback_data.page)
    await show_keyboard(query, keyboard(*rows, back_row(tr, Field.TOPIC)))


@flow.callback_query(EventTopicCb.filter(), NewEvent.topic, flags=ORG)
async def new_topic(query: CallbackQuery, callback_data: EventTopicCb, tr: Translator, form: Asking) -> None:
    try:
        topic = await service.event_topic(form.session, callback_data.topic)
    except EventError:
        await alert(query, topic_gone_text(tr))
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await show(query, tr._("Topic: {topic}", topic=topic_label(topic, tr.lang)))
    await form.answered(query.message, Field.TOPIC, topic_id=topic.id)


@flow.message(NewEvent.capacity, *TYPED, flags=ORG)
async def new_capacity(message: Message, tr: Translator, form: Asking) -> None:
    hint = tr._("Please write a number of places (1 to {max}), or tap 'No limit'.", max=service.MAX_CAPACITY)
    await _take(message, form, Field.CAPACITY, service.typed_capacity, lambda _: hint)


@flow.callback_query(EvCb.filter(F.action == Action.NO_LIMIT), NewEvent.capacity, flags=ORG)
async def new_no_limit(query: CallbackQuery, form: Asking) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_keyboard(query, None)
        await form.answered(query.message, Field.CAPACITY, capacity=None)
