"""/newevent for organizers: title, text, start, end, place, topic, places → the summary (event_save.py).

Each typed answer is checked by the service's rules for an event (bot/broadcast/events.py) as it comes;
the answers so far are an `EventDraft` in the dialog state.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import dates
from bot.broadcast import events as service
from bot.broadcast import topics as topic_service
from bot.broadcast.events import EventError, Problem
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import Person
from handlers.broadcast.callbacks import EvCb, EventAction, EventTopicCb, PageCb, Screen
from handlers.broadcast.drafts import TYPED
from handlers.broadcast.event_form import EventDraft, NewEvent, start_again, step, summary
from handlers.broadcast.views import (
    ORG,
    PAGE,
    date_problem_text,
    topic_gone_text,
    topic_label,
)
from handlers.kit import (
    Flow,
    alert,
    button,
    keyboard,
    page_of,
    pager_row,
    reply,
    show,
    show_keyboard,
)

flow = Flow("broadcast.event_new")
Action = EventAction


@flow.message(Command("newevent"), F.chat.type == "private", flags=ORG)
@flow.callback_query(EvCb.filter(F.action == Action.NEW), flags=ORG)
async def cmd_newevent(
    event: Message | CallbackQuery, user: Person, tr: Translator, state: FSMContext, settings: Settings
) -> None:
    await EventDraft(lang=user.language or settings.default_language).begin(state, NewEvent.title)
    await reply(event, tr._("New event. What is the title? Write it in any language. /cancel stops."))


async def _take(
    message: Message,
    state: FSMContext,
    tr: Translator,
    next_state: State,
    field: str,
    parse: Callable[[str], object],
    hint: Callable[[Problem], str],
) -> bool:
    """One typed answer, checked by the service's rule for it: stored, and on to `next_state`; or the
    organizer is told what is wanted and asked again."""
    try:
        if message.text is None:  # a photo or a sticker is no answer
            raise EventError(Problem.UNREADABLE)
        value = parse(message.text)
    except EventError as error:
        await message.answer(hint(error.code))
        return False
    return await step(message, state, tr, next_state, **{field: value})


@flow.message(NewEvent.title, *TYPED, flags=ORG)
async def new_title(message: Message, tr: Translator, state: FSMContext) -> None:
    hint = tr._("Please write a title in one line, at most {max} characters.", max=service.MAX_TITLE)
    if await _take(message, state, tr, NewEvent.body, "title", service.typed_title, lambda _: hint):
        await message.answer(
            tr._("A short description: what happens, for whom, what to bring. Or write - for none.")
        )


@flow.message(NewEvent.body, *TYPED, flags=ORG)
async def new_body(
    message: Message, tr: Translator, state: FSMContext, settings: Settings, clock: Clock
) -> None:
    hint = tr._("Please write the description as text, at most {max} characters.", max=service.MAX_BODY)
    if await _take(message, state, tr, NewEvent.start, "body", service.typed_body, lambda _: hint):
        example = dates.example(clock.now(), settings.tz)
        await message.answer(
            tr._("When does it start? Write date and time like this: {example}", example=example)
        )


@flow.message(NewEvent.start, *TYPED, flags=ORG)
async def new_start(
    message: Message, tr: Translator, state: FSMContext, settings: Settings, clock: Clock
) -> None:
    now, example = clock.now(), dates.example(clock.now(), settings.tz)

    def parse(text: str) -> object:
        return service.typed_start(text, now, settings.tz)

    if await _take(
        message,
        state,
        tr,
        NewEvent.end,
        "starts_at",
        parse,
        lambda code: date_problem_text(tr, code, example),
    ):
        await message.answer(tr._("When does it end? Write the time like 20:00, or date and time."))


@flow.message(NewEvent.end, *TYPED, flags=ORG)
async def new_end(message: Message, tr: Translator, state: FSMContext, settings: Settings) -> None:
    form = await EventDraft.load(state)
    start = form.starts_at if form else None
    if start is None:
        await state.clear()
        await message.answer(start_again(tr))
        return

    def parse(text: str) -> object:
        return service.typed_end(text, start, settings.tz)

    hint = tr._("The end must be a time after the start, like 20:00. Please write it again.")
    if await _take(message, state, tr, NewEvent.venue, "ends_at", parse, lambda _: hint):
        await message.answer(tr._("Where? Write the place or the address."))


async def _topic_choice(
    tr: Translator, session: AsyncSession, user: Person, page: int
) -> InlineKeyboardMarkup | None:
    topics = await topic_service.topics_for(session, user.role)
    shown, page, pages = page_of(topics, page, PAGE)
    rows = [[button(topic_label(t, tr.lang), EventTopicCb(topic=t.id))] for t in shown]
    return keyboard(*rows, pager_row(tr, page, pages, lambda p: PageCb(screen=Screen.EVENT_TOPICS, page=p)))


@flow.message(NewEvent.venue, *TYPED, flags=ORG)
async def new_venue(
    message: Message, user: Person, tr: Translator, state: FSMContext, session: AsyncSession
) -> None:
    hint = tr._("Please write the place as text, at most {max} characters.", max=service.MAX_VENUE)
    if await _take(message, state, tr, NewEvent.topic, "venue", service.typed_venue, lambda _: hint):
        await message.answer(
            tr._("Which topic does it belong to? Its subscribers get the announcement."),
            reply_markup=await _topic_choice(tr, session, user, 0),
        )


@flow.callback_query(PageCb.filter(F.screen == Screen.EVENT_TOPICS), NewEvent.topic, flags=ORG)
async def new_topic_page(
    query: CallbackQuery, callback_data: PageCb, user: Person, tr: Translator, session: AsyncSession
) -> None:
    await query.answer()
    await show_keyboard(query, await _topic_choice(tr, session, user, callback_data.page))


@flow.callback_query(EventTopicCb.filter(), NewEvent.topic, flags=ORG)
async def new_topic(
    query: CallbackQuery,
    callback_data: EventTopicCb,
    tr: Translator,
    state: FSMContext,
    session: AsyncSession,
) -> None:
    try:
        topic = await service.event_topic(session, callback_data.topic)
    except EventError:
        await alert(query, topic_gone_text(tr))
        return
    await query.answer()
    if not isinstance(query.message, Message) or not await step(
        query.message, state, tr, NewEvent.capacity, topic_id=topic.id
    ):
        return
    await show(query, tr._("Topic: {topic}", topic=topic_label(topic, tr.lang)))
    await query.message.answer(
        tr._("How many places are there? Write a number, or tap the button."),
        reply_markup=keyboard([button(tr._("No limit"), EvCb(action=Action.NO_LIMIT))]),
    )


@flow.message(NewEvent.capacity, *TYPED, flags=ORG)
async def new_capacity(message: Message, tr: Translator, state: FSMContext) -> None:
    hint = tr._("Please write a number of places (1 to {max}), or tap 'No limit'.", max=service.MAX_CAPACITY)
    if await _take(message, state, tr, NewEvent.confirm, "capacity", service.typed_capacity, lambda _: hint):
        await summary(message, tr, state)


@flow.callback_query(EvCb.filter(F.action == Action.NO_LIMIT), NewEvent.capacity, flags=ORG)
async def new_no_limit(query: CallbackQuery, tr: Translator, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message) and await step(
        query.message, state, tr, NewEvent.confirm, capacity=None
    ):
        await summary(query.message, tr, state)
