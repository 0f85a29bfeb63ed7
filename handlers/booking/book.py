"""/book: a counselling appointment in a few taps. Topic, day, time, interpreter; then the optional note
(note.py) and the review (confirm.py). Also "change time" from /mybookings: the same steps with the
booking being moved in the buttons, ending in a move instead of a new booking.

The steps keep no state (it rides in the buttons), but the dialog's screen is marked (`mark_screen`), so
/cancel can say "nothing was booked" and take the screen's buttons away."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import languages, services
from bot.booking.services import Refusal
from bot.clock import Clock
from bot.config import Settings
from bot.text import Translator
from bot.users import Person
from handlers.booking.callbacks import BookAction, BookCb, PageCb
from handlers.booking.note import ask_for_note, leave_note_state
from handlers.booking.screens import attempt, days_screen, times_screen, topics_screen
from handlers.booking.steps import BOOKING, MOVING, interpreter_view, move_view, note_question_view
from handlers.booking.views import ERRORS, day_code, parse_day
from handlers.callbacks import MenuCb
from handlers.kit import Flow, KnownUser, reply, show, show_and_answer

flow = Flow("booking.book")


async def mark_screen(handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
    """Every press of a step marks the pressed message as the dialog's screen (for /cancel)."""
    state, message = data.get("state"), getattr(event, "message", None)
    if isinstance(message, Message) and state is not None:
        moving = getattr(data.get("callback_data"), "booking", 0)
        await (MOVING if moving else BOOKING).mark(state, message.message_id)
    return await handler(event, data)


flow.middleware("callback_query", mark_screen)
PRIVATE = F.chat.type == "private"
# t.me/<bot>?start=book and ?start=book-<topic key> (e.g. on a flyer)
DEEP_LINK = CommandStart(deep_link=True, magic=F.args.regexp(r"^book(-[\w-]+)?$"))


@flow.message(Command("book"), PRIVATE)
@flow.callback_query(MenuCb.filter(F.action == "book"), KnownUser())
async def cmd_book(
    event: Message | CallbackQuery,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    await leave_note_state(state)
    screen = await reply(event, *await topics_screen(session, clock, settings, user, tr))
    if screen is not None:
        await BOOKING.mark(state, screen.message_id)


@flow.message(DEEP_LINK, PRIVATE)
@flow.callback_query(MenuCb.filter(F.action.startswith("book-")), KnownUser())
async def deep_link(
    event: Message | CallbackQuery,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    command: CommandObject | None = None,
    callback_data: MenuCb | None = None,
) -> None:
    """A topic's link (or a "book-<topic key>" button elsewhere, e.g. under a letter's reading) opens its
    days; /start book (or an unknown topic) the list of topics."""
    asked = command.args if command else callback_data.action if callback_data else ""
    key = (asked or "").removeprefix("book").removeprefix("-")
    topic = await services.topic_by_key(session, key) if key else None
    if topic is not None:
        text, markup = await days_screen(session, clock, settings, tr, topic, moving=0)
    else:
        text, markup = await topics_screen(session, clock, settings, user, tr)
    screen = await reply(event, text, markup)
    if screen is not None:
        await BOOKING.mark(state, screen.message_id)


@flow.callback_query(MenuCb.filter(F.action.regexp(r"^book-[\w-]+$")), KnownUser())
async def on_book_topic(
    query: CallbackQuery,
    callback_data: MenuCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    """ "Book counselling on …" offered by another capability (under a photo of a letter: papers), like the
    deep link: the topic's days as a new screen; the list of topics when there is no such topic."""
    await leave_note_state(state)
    topic = await services.topic_by_key(session, callback_data.action.removeprefix("book-"))
    if topic is not None:
        text, markup = await days_screen(session, clock, settings, tr, topic, moving=0)
    else:
        text, markup = await topics_screen(session, clock, settings, user, tr)
    screen = await reply(query, text, markup)
    if screen is not None:
        await BOOKING.mark(state, screen.message_id)


@flow.callback_query(BookCb.filter(F.action == BookAction.TOPICS), KnownUser())
@flow.callback_query(PageCb.filter(F.of == BookAction.TOPICS), KnownUser())
async def on_topics(
    query: CallbackQuery,
    callback_data: BookCb | PageCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    await leave_note_state(state)
    page = callback_data.page if isinstance(callback_data, PageCb) else 0
    await show_and_answer(query, *await topics_screen(session, clock, settings, user, tr, page))


@flow.callback_query(BookCb.filter(F.action == BookAction.TOPIC), KnownUser())
@flow.callback_query(PageCb.filter(F.of == BookAction.TOPIC), KnownUser())
async def on_topic(
    query: CallbackQuery,
    callback_data: BookCb | PageCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """The topic's free days (a page of them)."""
    topic = await attempt(query, tr, services.get_topic(session, callback_data.topic))
    if topic is None:
        return
    moving = callback_data.booking  # the booking must still be the presser's and not started
    if moving and await attempt(query, tr, services.booking_details(session, clock, user.id, moving)) is None:
        return
    if isinstance(callback_data, PageCb):
        view = await days_screen(session, clock, settings, tr, topic, moving, page=callback_data.page)
    else:
        first = parse_day(callback_data.day)
        view = await days_screen(session, clock, settings, tr, topic, moving, first=first)
    await show_and_answer(query, *view)


@flow.callback_query(BookCb.filter(F.action == BookAction.DAY), KnownUser())
@flow.callback_query(PageCb.filter(F.of == BookAction.DAY), KnownUser())
async def on_day(
    query: CallbackQuery,
    callback_data: BookCb | PageCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """The day's free times, or the days again (with a word why) when the day is full now."""
    day = parse_day(callback_data.day)
    if day is None:
        await query.answer()
        return
    topic = await attempt(query, tr, services.get_topic(session, callback_data.topic))
    if topic is None:
        return
    moving, page = callback_data.booking, callback_data.page if isinstance(callback_data, PageCb) else 0
    view = await times_screen(session, clock, settings, tr, topic, day, moving, page)
    if view is None:
        await show(query, *await days_screen(session, clock, settings, tr, topic, moving))
        await query.answer(tr._(ERRORS[Refusal.GONE]), show_alert=True)
        return
    await show_and_answer(query, *view)


@flow.callback_query(BookCb.filter(F.action == BookAction.SLOT), KnownUser())
async def on_slot(
    query: CallbackQuery,
    callback_data: BookCb,
    user: Person,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    """A time was chosen: which interpreter (a new booking), or "move it?" (a booking being moved)."""
    info = await attempt(query, tr, services.check_slot(session, clock, callback_data.slot))
    if info is None:
        return
    moving = callback_data.booking
    day = day_code(info.slot.starts_at.astimezone(settings.tz).date())
    back = BookCb(action=BookAction.DAY, topic=info.topic.id, day=day, booking=moving)
    if moving:
        current = await attempt(query, tr, services.booking_details(session, clock, user.id, moving))
        if current is None:
            return
        await show(query, *move_view(tr, current, info, moving, back))
    else:
        await show(query, *interpreter_view(tr, info, back))
    await query.answer()


@flow.callback_query(BookCb.filter(F.action == BookAction.INTERPRETER), KnownUser())
async def on_interpreter(
    query: CallbackQuery,
    callback_data: BookCb,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    """The interpreter was chosen: would the person like to write a note? For another language than the
    buttons name, the note is where they say which, so it is asked for at once."""
    if await attempt(query, tr, services.check_slot(session, clock, callback_data.slot)) is None:
        return
    if callback_data.lang == languages.OTHER:
        await ask_for_note(query, tr, state, callback_data.slot, callback_data.lang)
        return
    await show_and_answer(query, *note_question_view(tr, callback_data.slot, callback_data.lang))
