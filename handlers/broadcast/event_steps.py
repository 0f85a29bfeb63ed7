"""The questions of /newevent, in order: each asked with what it holds now, its buttons (quick picks for
the start and the end, the topics, "No limit") and "⬅️ Back"; an answer stored leads to the next question,
or back to the summary when one detail was being changed ("✏️" on the summary). Used by event_new.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardButton, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import dates
from bot.broadcast import topics as topic_service
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import Person
from handlers.broadcast.callbacks import EvCb, EventAction, EventTopicCb, PageCb, Screen
from handlers.broadcast.event_form import (
    EventDraft,
    EventEditing,
    EventField,
    EventStepCb,
    NewEvent,
    StepAction,
    start_again,
    step,
    summary,
)
from handlers.broadcast.views import PAGE, topic_label
from handlers.kit import back_row as kit_back_row
from handlers.kit import button, grid, keyboard, page_of, pager_row
from handlers.when import examples, pick_rows, to_minute

Field = EventField
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

ORDER = list(EventField)
STATES = {
    Field.TITLE: NewEvent.title,
    Field.BODY: NewEvent.body,
    Field.START: NewEvent.start,
    Field.END: NewEvent.end,
    Field.VENUE: NewEvent.venue,
    Field.TOPIC: NewEvent.topic,
    Field.CAPACITY: NewEvent.capacity,
}
END_AFTER = (timedelta(hours=1), timedelta(hours=2), timedelta(hours=3))  # the end's quick picks
MAX_SHOWN = 300  # characters of a long description shown again under its question


async def topic_rows(
    tr: Translator, session: AsyncSession, user: Person, page: int
) -> list[list[InlineKeyboardButton]]:
    topics = await topic_service.topics_for(session, user.role)
    shown, page, pages = page_of(topics, page, PAGE)
    rows = [[button(topic_label(t, tr.lang), EventTopicCb(topic=t.id))] for t in shown]
    pager = pager_row(tr, page, pages, lambda p: PageCb(screen=Screen.EVENT_TOPICS, page=p))
    return [*rows, pager] if pager else rows


def back_row(tr: Translator, field: EventField) -> list[InlineKeyboardButton]:
    return kit_back_row(tr, EventStepCb(action=StepAction.BACK, field=field))


def _pick(field: EventField) -> Callable[[int], EventStepCb]:
    return lambda minute: EventStepCb(action=StepAction.PICK, field=field, at=minute)


def _current(tr: Translator, form: EventDraft, field: EventField) -> str | None:
    """What the draft holds for `field`, as the organizer reads it; None when nothing yet."""
    if field is Field.TITLE:
        return form.title or None
    if field is Field.BODY and form.body:
        return form.body if len(form.body) <= MAX_SHOWN else form.body[:MAX_SHOWN] + "…"
    if field is Field.START and form.starts_at:
        return tr.datetime(form.starts_at)
    if field is Field.END and form.ends_at:
        return tr.datetime(form.ends_at)
    if field is Field.VENUE:
        return form.venue or None
    return None


@dataclass
class Asking:
    """One organizer's /newevent: asks for a detail, takes the answer, and goes on (or back)."""

    tr: Translator
    state: FSMContext
    settings: Settings
    clock: Clock
    session: AsyncSession
    user: Person

    async def ask(self, message: Message, field: EventField, intro: str | None = None) -> None:
        """Wait for `field`: its question (after `intro`), what it holds now, and its buttons (quick picks,
        ⬅️ Back). One message, so typed answers and questions never cross."""
        tr = self.tr
        form = await EventDraft.load(self.state)
        if form is None:
            await self.state.clear()
            await message.answer(start_again(tr))
            return
        await self.state.set_state(STATES[field])
        now = self.clock.now()
        rows: list[list[InlineKeyboardButton]] = []
        if field is Field.TITLE:
            lines = [tr._("What is the title? Write it in any language.")]
        elif field is Field.BODY:
            lines = [tr._("A short description: what happens, for whom, what to bring. Or write - for none.")]
        elif field is Field.START:
            lines = [tr._("When does it start? Tap a time or write one."), examples(tr)]
            rows += pick_rows(tr, dates.quick_picks(now, self.settings.tz), now, _pick(Field.START))
        elif field is Field.END:
            lines = [tr._("When does it end? Write the time like 20:00, or tap one.")]
            if form.starts_at:  # an hour, two, three after the start: the time alone says it
                ends = [form.starts_at + length for length in END_AFTER]
                rows += grid([button(tr.time(at), _pick(Field.END)(to_minute(at))) for at in ends], 3)
        elif field is Field.VENUE:
            lines = [tr._("Where? Write the place or the address.")]
        elif field is Field.TOPIC:
            lines = [tr._("Which topic does it belong to? Its subscribers get the announcement.")]
            rows += await topic_rows(tr, self.session, self.user, 0)
        else:
            lines = [tr._("How many places are there? Write a number, or tap the button.")]
            rows.append([button(tr._("No limit"), EvCb(action=EventAction.NO_LIMIT))])
        shown = _current(tr, form, field)
        if shown is not None:
            lines.append(tr._("Now: {value}", value=shown))
        if field is not Field.TITLE or await EventEditing.load(self.state) is not None:
            rows.append(back_row(tr, field))
        await message.answer("\n\n".join([intro, *lines] if intro else lines), reply_markup=keyboard(*rows))

    async def answered(self, message: Message, field: EventField, **answer: object) -> None:
        """Store the answer to `field`; then the next question, or the summary after an edit (by way of
        the end, when a new start has left the end before it)."""
        if not await step(message, self.state, self.tr, STATES[field], **answer):
            return
        form = await EventDraft.load(self.state)
        following = ORDER[ORDER.index(field) + 1] if field is not Field.CAPACITY else None
        if form is not None and await EventEditing.load(self.state) is not None:
            following = None
            if field is Field.START and form.ends_at and form.starts_at and form.ends_at <= form.starts_at:
                intro = self.tr._("The end is now before the start. Please give the end again.")
                await self.ask(message, Field.END, intro=intro)
                return
        if following is None:
            await summary(message, self.tr, self.state)
            return
        await self.ask(message, following)

    async def back(self, message: Message, field: EventField) -> None:
        """⬅️ Back from the question for `field`: the summary when editing, else the question before."""
        if await EventEditing.load(self.state) is not None:
            await summary(message, self.tr, self.state)
        elif field is not Field.TITLE:
            await self.ask(message, ORDER[ORDER.index(field) - 1])


class AskingInput(BaseMiddleware):
    """Inner middleware: a handler with a parameter `form` gets the organizer's `Asking`."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if "form" in data["handler"].params:
            keys = ("tr", "state", "settings", "clock", "session", "user")
            data["form"] = Asking(*(data[key] for key in keys))
        return await handler(event, data)
