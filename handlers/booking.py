"""/book, /mybookings, /agenda: counselling appointments in a few taps, reminders, waitlist offers.

Stateless: every step's state rides in the button (BookCb, MyCb, WaitCb) and is re-checked by the
services (slot still open and free, booking or offer belongs to the presser, not in the past). Only the
optional note is typed, so only it uses an FSM state. The renderers of the booking messages that leave
on their own (reminders, counsellor news, waitlist offers) live here too.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from babel.dates import format_skeleton
from sqlalchemy.ext.asyncio import AsyncSession

import bot.booking.jobs  # noqa: F401  (registers the periodic booking jobs)
from bot.booking import languages, services
from bot.booking.ics import appointment_ics
from bot.booking.services import BookingError, SlotInfo
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.render import Rendered, renderer
from bot.i18n import catalogs
from bot.services.users import HELPER, ORGANIZER, has_role
from bot.text import N_, Html, Translator
from handlers.callbacks import MenuCb
from handlers.menu import command, main_menu, menu_item
from handlers.start import START_PAYLOAD_HOOKS
from storage.models import Booking, BookingTopic, User

log = logging.getLogger(__name__)
T = TypeVar("T")
router = Router(name="booking")

command("book", N_("Book a counselling appointment"), order=10)
command("mybookings", N_("My appointments"), order=11)
command("agenda", N_("Counselling appointments: today and the next days"), role=HELPER, order=40)
menu_item("book", N_("📅 Book an appointment"), order=10)
menu_item("mybookings", N_("🗓 My appointments"), order=11)
menu_item("agenda", N_("📋 Counselling agenda"), role=HELPER, order=40)

DAYS_PER_PAGE = 8
NO_INTERPRETER = "-"
TEXT_LIMIT = 3800
SLOT_LOST = ("taken", "gone", "too_late")  # refusals after which the free times are shown again


class BookCb(CallbackData, prefix="bk"):
    """a: topics | t (topic -> days, d = first day shown) | d (day -> times) | s (slot -> interpreter,
    or move confirmation when b) | i (interpreter -> note?) | n (write a note) | v (review) | c (book) |
    m (move booking b to slot s) | stop."""

    a: str
    t: int = 0
    s: int = 0
    b: int = 0
    d: str = ""
    l: str = ""  # noqa: E741  (interpreter language)


class MyCb(CallbackData, prefix="mb"):
    """a: list | x (ask to cancel) | xx (cancel) | keep | y (I'll come) | r (reschedule)."""

    a: str
    b: int = 0


class WaitCb(CallbackData, prefix="wl"):
    """a: ask (interpreter?) | join | take (offer e of slot s) | no (decline offer) | leave."""

    a: str
    t: int = 0
    e: int = 0
    s: int = 0
    l: str = ""  # noqa: E741


class NoteForm(StatesGroup):
    note = State()


ERRORS = {
    "gone": N_("This time is no longer available. Please choose another one."),
    "taken": N_("Sorry, someone else just took this time. Please choose another one."),
    "too_late": N_("This time is too soon or has passed. Please choose another one."),
    "already": N_("You have already booked this time."),
    "not_found": N_("This appointment was not found. Please look at /mybookings."),
    "cancelled": N_("This appointment was already cancelled."),
    "started": N_("This appointment has already started or passed, so it cannot be changed."),
    "expired": N_("This offer is no longer valid. The time was kept for you only for a while."),
    "has_free": N_("There are free times for this topic. Please choose one."),
    "no_topic": N_("This topic is not available any more. Please choose another one."),
}


def error_text(tr: Translator, error: BookingError) -> str:
    if error.reason == "limit":
        limit = int(error.info.get("limit", 2))
        return tr.n_(
            "You already have {n} upcoming appointment. Please cancel it before you book another one.",
            "You already have {n} upcoming appointments. Please cancel one before you book another one.",
            limit,
        )
    return tr._(ERRORS.get(error.reason, ERRORS["gone"]))


# --- small helpers ------------------------------------------------------------------------------------


def plain(tr: Translator, msgid: str, **values: object) -> str:
    """A translated string for places without HTML (button labels, calendar files)."""
    return catalogs().gettext(tr.lang, msgid).format(**values)


def topic_label(topic: BookingTopic | dict[str, str], tr: Translator) -> str:
    if isinstance(topic, BookingTopic):
        name = services.topic_name(topic.names, tr.lang)
        return f"{topic.emoji} {name}".strip()
    return services.topic_name(topic, tr.lang)


def short_when(tr: Translator, moment: datetime) -> str:
    """ "24. März, 10:00" for button labels."""
    local = moment.astimezone(tr.tz)
    return f"{format_skeleton('MMMd', local, locale=tr.lang)}, {tr.time(moment)}"


def day_code(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_day(code: str) -> date | None:
    try:
        return datetime.strptime(code, "%Y%m%d").date()
    except ValueError:
        return None


def interpreter_name(tr: Translator, code: str | None, *, for_staff: bool = False) -> str | None:
    if not code or code == NO_INTERPRETER:
        return None
    if code == languages.OTHER:
        return tr._(languages.OTHER_LABEL)
    if for_staff:
        return languages.name_for_reader(code, tr.lang)
    return languages.own_name(code)


def details(
    tr: Translator,
    info: SlotInfo,
    *,
    interpreter: str | None = None,
    note: str | None = None,
    show_interpreter: bool = True,
) -> Html:
    lines = [
        tr._("📌 Topic: {topic}", topic=topic_label(info.topic, tr)),
        tr._("🗓 When: {when}", when=Html(tr.datetime(info.slot.starts_at))),
        tr._("📍 Where: {venue}, {address}", venue=info.venue.name, address=info.venue.address),
    ]
    if show_interpreter:
        language = interpreter_name(tr, interpreter)
        lines.append(
            tr._("🗣 Interpreter: {language}", language=language)
            if language
            else tr._("🗣 Interpreter: not needed")
        )
    if note:
        lines.append(tr._("📝 Note: {note}", note=note))
    return Html("\n".join(lines))


def as_plain(text: str) -> str:
    """What Telegram shows of an HTML text (tags gone, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message (one tidy message per dialog); send a new one if it cannot be edited."""
    message = query.message
    if isinstance(message, Message):
        if message.text == as_plain(text) and message.reply_markup == markup:
            return  # pressed again: nothing to change (Telegram refuses an edit without changes)
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return
    if query.bot is not None and query.from_user is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def reply_or_show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """From the main menu, answer with a new message (the menu stays); inside a dialog, replace it."""
    if isinstance(query.data, str) and query.data.startswith("menu:"):
        if isinstance(query.message, Message):
            await query.message.answer(text, reply_markup=markup)
    else:
        await show(query, text, markup)


async def refuse(query: CallbackQuery, tr: Translator, error: BookingError) -> None:
    await query.answer(error_text(tr, error)[:200], show_alert=True)


async def checked(query: CallbackQuery, tr: Translator, check: Awaitable[T]) -> T | None:
    """Await a read-only booking check; on BookingError alert the presser and give None.

    Every step re-checks the state in its button, so the handlers share this one refusal path.
    """
    try:
        return await check
    except BookingError as error:
        await refuse(query, tr, error)
        return None


async def committed(
    query: CallbackQuery,
    tr: Translator,
    session: AsyncSession,
    action: Awaitable[T],
    on_error: Callable[[BookingError], Awaitable[None]] | None = None,
) -> T | None:
    """Await a booking change and commit it before any message goes out; None when it was refused.

    On BookingError the half-done change is rolled back; on_error may first redraw the message with
    what is possible now, so the alert that follows explains the new view.
    """
    try:
        result = await action
        await session.commit()
    except BookingError as error:
        await session.rollback()
        if on_error is not None:
            await on_error(error)
        await refuse(query, tr, error)
        return None
    return result


async def with_info(session: AsyncSession, booking: Awaitable[Booking]) -> tuple[Booking, SlotInfo]:
    """A new booking plus its slot details, read in the same transaction (before the commit)."""
    made = await booking
    return made, await services.booking_info(session, made)


def interpreter_choice(code: str) -> str | None:
    """The interpreter language stored for a button's code; "not needed" (or none) is None."""
    return None if code in ("", NO_INTERPRETER) else code


def markup_of(*buttons_rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(buttons_rows))


def book_button(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("📅 Book an appointment"), MenuCb(action="book"))]


def my_button(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("🗓 My appointments"), MyCb(a="list"))]


# --- step 1: topics -----------------------------------------------------------------------------------


async def topics_view(
    session: AsyncSession, clock: Clock, settings: Settings, user: User, tr: Translator
) -> tuple[str, InlineKeyboardMarkup | None]:
    upcoming = await services.upcoming(session, clock, user.id)
    if len(upcoming) >= settings.booking_max_upcoming:
        text = error_text(tr, BookingError("limit", limit=settings.booking_max_upcoming))
        return text, markup_of(my_button(tr))
    topics = await services.bookable_topics(session)
    if not topics:
        text = tr._("There are no counselling hours at the moment. Please ask the association.")
        return text, None
    keyboard = [[button(topic_label(t, tr), BookCb(a="t", t=t.id))] for t in topics]
    return tr._("What is your question about? Please choose a topic."), InlineKeyboardMarkup(
        inline_keyboard=keyboard
    )


@router.message(Command("book"), F.chat.type == "private")
async def cmd_book(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    await _leave_note_state(state)
    text, markup = await topics_view(session, clock, settings, user, tr)
    await session.commit()  # a new person's row is saved before they can tap again
    await message.answer(text, reply_markup=markup)


@router.callback_query(MenuCb.filter(F.action == "book"))
@router.callback_query(BookCb.filter(F.a == "topics"))
async def on_book_menu(
    query: CallbackQuery,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
) -> None:
    if user is None:
        await query.answer()
        return
    await _leave_note_state(state)
    await reply_or_show(query, *(await topics_view(session, clock, settings, user, tr)))
    await query.answer()


async def start_payload_hook(message: Message, user: User, payload: str, data: dict[str, Any]) -> bool:
    """Deep links t.me/<bot>?start=book and ?start=book-<topic key> (e.g. on a flyer)."""
    if payload != "book" and not payload.startswith("book-"):
        return False
    session: AsyncSession = data["session"]
    clock: Clock = data["clock"]
    settings: Settings = data["settings"] if "settings" in data else data["app"].settings
    tr: Translator = data["tr"]
    key = payload.removeprefix("book").removeprefix("-")
    topic = next((t for t in await services.bookable_topics(session) if t.key == key), None) if key else None
    if topic is not None:
        text, markup = await days_view(session, clock, settings, tr, topic, None, 0)
    else:
        text, markup = await topics_view(session, clock, settings, user, tr)
    await session.commit()  # a new person's row is saved before they can tap again
    await message.answer(text, reply_markup=markup)
    return True


START_PAYLOAD_HOOKS.append(start_payload_hook)


# --- step 2: days ---------------------------------------------------------------------------------------


async def days_view(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    tr: Translator,
    topic: BookingTopic,
    first: date | None,
    moving: int,
) -> tuple[str, InlineKeyboardMarkup]:
    days = await services.free_days(session, clock, settings, topic.id)
    back = button(tr._("◀ Back"), MyCb(a="list") if moving else BookCb(a="topics"))
    if not days:
        text = tr._("There is no free time for {topic} in the next weeks.", topic=topic_label(topic, tr))
        keyboard = []
        if not moving:
            text += "\n\n" + tr._(
                "You can join the waiting list. When a time becomes free, I will send you a message."
            )
            keyboard.append([button(tr._("🔔 Put me on the waiting list"), WaitCb(a="ask", t=topic.id))])
        keyboard.append([back])
        return text, InlineKeyboardMarkup(inline_keyboard=keyboard)
    shown = [d for d in days if first is None or d >= first][:DAYS_PER_PAGE]
    if not shown:
        shown = days[:DAYS_PER_PAGE]
    buttons = [button(tr.date(d), BookCb(a="d", t=topic.id, d=day_code(d), b=moving)) for d in shown]
    keyboard = rows(buttons, 2)
    later = [d for d in days if d > shown[-1]]
    nav = [back]
    if later:
        nav.append(button(tr._("More days ▶"), BookCb(a="t", t=topic.id, d=day_code(later[0]), b=moving)))
    keyboard.append(nav)
    text = tr._("{topic}: Which day suits you?", topic=topic_label(topic, tr))
    return text, InlineKeyboardMarkup(inline_keyboard=keyboard)


@router.callback_query(BookCb.filter(F.a == "t"))
async def on_topic(
    query: CallbackQuery,
    callback_data: BookCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if user is None:
        await query.answer()
        return
    topic = await checked(query, tr, services.get_topic(session, callback_data.t))
    if topic is None:
        return
    # moving: the booking must still be the presser's and not started
    if (
        callback_data.b
        and await checked(query, tr, services.booking_details(session, clock, user.id, callback_data.b))
        is None
    ):
        return
    text, markup = await days_view(
        session, clock, settings, tr, topic, parse_day(callback_data.d), callback_data.b
    )
    await show(query, text, markup)
    await query.answer()


# --- step 3: times ---------------------------------------------------------------------------------------


async def times_view(
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    tr: Translator,
    topic: BookingTopic,
    day: date,
    moving: int,
) -> tuple[str, InlineKeyboardMarkup] | None:
    slots = await services.free_times(session, clock, settings, topic.id, day)
    if not slots:
        return None
    several_venues = len({s.venue.id for s in slots}) > 1
    buttons = []
    for info in slots:
        label = tr.time(info.slot.starts_at)
        if several_venues:
            label += f" · {info.venue.name}"
        buttons.append(button(label, BookCb(a="s", s=info.slot.id, b=moving)))
    keyboard = rows(buttons, 1 if several_venues else 3)
    keyboard.append([button(tr._("◀ Back"), BookCb(a="t", t=topic.id, b=moving))])
    text = tr._(
        "{topic}, {day}: Which time suits you?",
        topic=topic_label(topic, tr),
        day=tr.date(day),
    )
    return text, InlineKeyboardMarkup(inline_keyboard=keyboard)


async def _times_or_days(
    query: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    tr: Translator,
    topic_id: int,
    day: date | None,
    moving: int,
) -> None:
    """Show the free times of the day, or the days when that day is full now."""
    try:
        topic = await services.get_topic(session, topic_id)
    except BookingError:
        text, markup = await topics_view_for(query, session, clock, settings, tr)
        await show(query, text, markup)
        return
    view = await times_view(session, clock, settings, tr, topic, day, moving) if day else None
    if view is None:
        view = await days_view(session, clock, settings, tr, topic, None, moving)
    await session.commit()  # end the read before talking to Telegram
    await show(query, *view)


async def topics_view_for(
    query: CallbackQuery, session: AsyncSession, clock: Clock, settings: Settings, tr: Translator
) -> tuple[str, InlineKeyboardMarkup | None]:
    user = await services.get_user(session, query.from_user.id) if query.from_user else None
    if user is None:
        return tr._(ERRORS["no_topic"]), None
    return await topics_view(session, clock, settings, user, tr)


@router.callback_query(BookCb.filter(F.a == "d"))
async def on_day(
    query: CallbackQuery,
    callback_data: BookCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    day = parse_day(callback_data.d)
    if user is None or day is None:
        await query.answer()
        return
    topic = await checked(query, tr, services.get_topic(session, callback_data.t))
    if topic is None:
        return
    view = await times_view(session, clock, settings, tr, topic, day, callback_data.b)
    if view is None:
        await show(query, *(await days_view(session, clock, settings, tr, topic, None, callback_data.b)))
        await query.answer(tr._(ERRORS["gone"]), show_alert=True)
        return
    await show(query, *view)
    await query.answer()


# --- step 4: interpreter (or: confirm a move) -------------------------------------------------------------


def interpreter_keyboard(
    tr: Translator, make: Any, back: InlineKeyboardButton | None
) -> InlineKeyboardMarkup:
    """ "Not needed" first, then the languages in their own script, then "another language"."""
    keyboard = [[InlineKeyboardButton(text=tr._("No, not needed"), callback_data=make(NO_INTERPRETER))]]
    names = [
        InlineKeyboardButton(text=name, callback_data=make(code))
        for code, name in languages.INTERPRETER_LANGUAGES.items()
    ]
    names.append(InlineKeyboardButton(text=tr._(languages.OTHER_LABEL), callback_data=make(languages.OTHER)))
    keyboard += rows(names, 2)
    if back is not None:
        keyboard.append([back])
    return InlineKeyboardMarkup(inline_keyboard=keyboard)


@router.callback_query(BookCb.filter(F.a == "s"))
async def on_slot(
    query: CallbackQuery,
    callback_data: BookCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if user is None:
        await query.answer()
        return
    info = await checked(query, tr, services.check_slot(session, clock, callback_data.s))
    if info is None:
        return
    current = None
    if callback_data.b:
        current = await checked(query, tr, services.booking_details(session, clock, user.id, callback_data.b))
        if current is None:
            return
    day = day_code(info.slot.starts_at.astimezone(settings.tz).date())
    back = button(tr._("◀ Back"), BookCb(a="d", t=info.topic.id, d=day, b=callback_data.b))
    if current is not None:
        text = tr._(
            "Move your appointment?\n\nFrom: {old}\nTo: {new}",
            old=Html(tr.datetime(current.slot.starts_at)),
            new=Html(tr.datetime(info.slot.starts_at)),
        )
        markup = markup_of(
            [button(tr._("✅ Yes, move it"), BookCb(a="m", s=info.slot.id, b=callback_data.b))], [back]
        )
        await show(query, text, markup)
        await query.answer()
        return
    slot_id = info.slot.id
    markup = interpreter_keyboard(tr, lambda code: BookCb(a="i", s=slot_id, l=code).pack(), back)
    text = tr._(
        "{when}\n\nDo you need an interpreter? If yes, for which language?",
        when=Html(tr.datetime(info.slot.starts_at)),
    )
    await show(query, text, markup)
    await query.answer()


# --- step 5: note (optional) --------------------------------------------------------------------------------


@router.callback_query(BookCb.filter(F.a == "i"))
async def on_interpreter(
    query: CallbackQuery,
    callback_data: BookCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if user is None:
        await query.answer()
        return
    if await checked(query, tr, services.check_slot(session, clock, callback_data.s)) is None:
        return
    slot, lang = callback_data.s, callback_data.l
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr._("✏️ Write a note"), BookCb(a="n", s=slot, l=lang))],
            [button(tr._("Continue without a note"), BookCb(a="v", s=slot, l=lang))],
            [button(tr._("◀ Back"), BookCb(a="s", s=slot))],
        ]
    )
    text = tr._("Would you like to tell the counsellor something before the appointment? This is optional.")
    await show(query, text, markup)
    await query.answer()


@router.callback_query(BookCb.filter(F.a == "n"))
async def on_write_note(
    query: CallbackQuery,
    callback_data: BookCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    if user is None:
        await query.answer()
        return
    if await checked(query, tr, services.check_slot(session, clock, callback_data.s)) is None:
        return
    await state.set_state(NoteForm.note)
    await state.update_data(bk_slot=callback_data.s, bk_lang=callback_data.l, bk_note=None)
    text = tr._(
        "Please write your note in one short message (at most {limit} characters). "
        "Please do not write passport or ID numbers.\n\n/cancel stops.",
        limit=services.NOTE_MAX,
    )
    await show(query, text, None)
    await query.answer()


@router.message(StateFilter(NoteForm.note), F.chat.type == "private", F.text)
async def on_note_text(
    message: Message,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    text = " ".join((message.text or "").split())
    if len(text) > services.NOTE_MAX:
        await message.answer(
            tr._(
                "This is too long ({length} characters). Please write it shorter, in at most {limit} characters.",
                length=len(text),
                limit=services.NOTE_MAX,
            )
        )
        return
    data = await state.get_data()
    await state.set_state(None)
    await state.update_data(bk_note=text or None)
    slot_id, lang = int(data.get("bk_slot") or 0), str(data.get("bk_lang") or NO_INTERPRETER)
    try:
        info = await services.check_slot(session, clock, slot_id)
    except BookingError as error:
        await message.answer(error_text(tr, error), reply_markup=main_menu(tr, user.role))
        return
    text_out, markup = review_view(tr, info, lang, text or None)
    await message.answer(text_out, reply_markup=markup)


@router.message(StateFilter(NoteForm.note), F.chat.type == "private")
async def on_note_other(message: Message, tr: Translator) -> None:
    await message.answer(tr._("Please write the note as text, or send /cancel."))


async def _leave_note_state(state: FSMContext) -> None:
    if await state.get_state() == NoteForm.note.state:
        await state.set_state(None)


# --- step 6: review and book ------------------------------------------------------------------------------


def review_view(
    tr: Translator, info: SlotInfo, lang: str, note: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    text = tr._(
        "<b>Please check your appointment:</b>\n\n{details}\n\nIs everything right?",
        details=details(tr, info, interpreter=lang, note=note),
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(tr._("✅ Yes, book it"), BookCb(a="c", s=info.slot.id, l=lang))],
            [button(tr._("◀ Back"), BookCb(a="i", s=info.slot.id, l=lang))],
            [button(tr._("✖ Stop"), BookCb(a="stop"))],
        ]
    )
    return text, markup


@router.callback_query(BookCb.filter(F.a == "v"))
async def on_review(
    query: CallbackQuery,
    callback_data: BookCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    state: FSMContext,
) -> None:
    if user is None:
        await query.answer()
        return
    info = await checked(query, tr, services.check_slot(session, clock, callback_data.s))
    if info is None:
        return
    await _leave_note_state(state)
    await state.update_data(bk_slot=callback_data.s, bk_note=None)
    await show(query, *review_view(tr, info, callback_data.l, None))
    await query.answer()


@router.callback_query(BookCb.filter(F.a == "stop"))
async def on_stop(query: CallbackQuery, user: User | None, tr: Translator, state: FSMContext) -> None:
    await _leave_note_state(state)
    await state.update_data(bk_slot=None, bk_note=None)
    await show(query, tr._("OK, nothing was booked."), markup_of(book_button(tr)))
    await query.answer()


async def send_confirmation(
    bot: Bot, chat_id: int, tr: Translator, info: SlotInfo, booking: Booking, clock: Clock
) -> None:
    """The map pin of the venue and the calendar file, after the confirmation text."""
    await bot.send_venue(
        chat_id,
        latitude=info.venue.latitude,
        longitude=info.venue.longitude,
        title=info.venue.name,
        address=info.venue.address,
    )
    topic = topic_label(info.topic.names, tr)
    ics = appointment_ics(
        uid=f"booking-{booking.id}@helfernetz-bot",
        starts_at=info.slot.starts_at,
        ends_at=info.slot.ends_at,
        stamp=clock.now(),
        summary=plain(tr, N_("Counselling: {topic}"), topic=topic),
        location=f"{info.venue.name}, {info.venue.address}",
        description=plain(tr, N_("Counselling appointment of the association. Topic: {topic}"), topic=topic),
        geo=(info.venue.latitude, info.venue.longitude),
    )
    await bot.send_document(
        chat_id,
        BufferedInputFile(ics, filename="appointment.ics"),
        caption=tr._("📅 Tap the file to save the appointment in your calendar."),
    )


def booked_text(tr: Translator, info: SlotInfo, booking: Booking, *, moved: bool = False) -> str:
    title = (
        tr._("✅ <b>Your appointment was moved.</b>")
        if moved
        else tr._("✅ <b>Your appointment is booked.</b>")
    )
    return tr._(
        "{title}\n\n{details}\n\nI will remind you before it. To see or cancel it: /mybookings",
        title=Html(title),
        details=details(tr, info, interpreter=booking.interpreter, note=booking.note),
    )


@router.callback_query(BookCb.filter(F.a == "c"))
async def on_confirm(
    query: CallbackQuery,
    callback_data: BookCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    state: FSMContext,
    bot: Bot,
) -> None:
    if user is None:
        await query.answer()
        return
    services.remember_language(user, tr.lang, clock)
    data = await state.get_data()
    note = data.get("bk_note") if data.get("bk_slot") == callback_data.s else None
    lang = interpreter_choice(callback_data.l)

    async def redraw(error: BookingError) -> None:
        if error.reason in SLOT_LOST:
            await _reshow_times(query, session, clock, settings, tr, callback_data.s, 0)
        elif error.reason == "limit":
            await show(query, error_text(tr, error), markup_of(my_button(tr)))

    booking = services.book(
        session, clock, settings, user_id=user.id, slot_id=callback_data.s, interpreter=lang, note=note
    )
    done = await committed(query, tr, session, with_info(session, booking), redraw)
    if done is None:
        return
    await state.update_data(bk_slot=None, bk_note=None)
    await show_booked(query, bot, user.id, tr, clock, *done)


async def show_booked(
    query: CallbackQuery,
    bot: Bot,
    user_id: int,
    tr: Translator,
    clock: Clock,
    booking: Booking,
    info: SlotInfo,
    *,
    moved: bool = False,
) -> None:
    """The confirmation in place of the dialog, then the map pin and the calendar file."""
    await show(query, booked_text(tr, info, booking, moved=moved), markup_of(my_button(tr)))
    if moved:
        await query.answer()
    else:
        await query.answer(tr._("Booked!"))
    await send_confirmation(bot, user_id, tr, info, booking, clock)


async def _reshow_times(
    query: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    tr: Translator,
    slot_id: int,
    moving: int,
) -> None:
    found = await services.slot_topic_day(session, settings, slot_id)
    if found is None:
        text, markup = await topics_view_for(query, session, clock, settings, tr)
        await session.commit()
        await show(query, text, markup)
        return
    await _times_or_days(query, session, clock, settings, tr, found[0], found[1], moving)


@router.callback_query(BookCb.filter(F.a == "m"))
async def on_move(
    query: CallbackQuery,
    callback_data: BookCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    if user is None:
        await query.answer()
        return

    async def redraw(error: BookingError) -> None:
        if error.reason in SLOT_LOST:
            await _reshow_times(query, session, clock, settings, tr, callback_data.s, callback_data.b)

    booking = services.reschedule(
        session, clock, settings, user_id=user.id, booking_id=callback_data.b, slot_id=callback_data.s
    )
    done = await committed(query, tr, session, with_info(session, booking), redraw)
    if done is not None:
        await show_booked(query, bot, user.id, tr, clock, *done, moved=True)


# --- /mybookings ------------------------------------------------------------------------------------------


async def my_view(
    session: AsyncSession, clock: Clock, user: User, tr: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    bookings = await services.upcoming(session, clock, user.id)
    waiting = await services.waitlist_of_user(session, user.id)
    parts: list[str] = []
    keyboard: list[list[InlineKeyboardButton]] = []
    if bookings:
        parts.append(tr._("<b>Your appointments:</b>"))
        for number, (booking, info) in enumerate(bookings, start=1):
            block = details(tr, info, interpreter=booking.interpreter, note=booking.note)
            confirmed = "\n" + tr._("✅ You said you will come.") if booking.confirmed_at else ""
            parts.append(f"<b>{number}.</b>\n{block}{confirmed}")
            when = short_when(tr, info.slot.starts_at)
            keyboard.append(
                [button(plain(tr, N_("❌ Cancel: {when}"), when=when), MyCb(a="x", b=booking.id))]
            )
            keyboard.append(
                [button(plain(tr, N_("🔁 Change time: {when}"), when=when), MyCb(a="r", b=booking.id))]
            )
    else:
        parts.append(tr._("You have no upcoming appointments."))
    for entry, topic in waiting:
        parts.append(tr._("🔔 You are on the waiting list for: {topic}", topic=topic_label(topic, tr)))
        keyboard.append(
            [
                button(
                    plain(tr, N_("Leave the waiting list: {topic}"), topic=topic_label(topic, tr)),
                    WaitCb(a="leave", e=entry.id),
                )
            ]
        )
    keyboard.append(book_button(tr))
    return "\n\n".join(parts), InlineKeyboardMarkup(inline_keyboard=keyboard)


@router.message(Command("mybookings"), F.chat.type == "private")
async def cmd_mybookings(
    message: Message, user: User, tr: Translator, session: AsyncSession, clock: Clock, state: FSMContext
) -> None:
    await _leave_note_state(state)
    text, markup = await my_view(session, clock, user, tr)
    await session.commit()  # a new person's row is saved before they can tap again
    await message.answer(text, reply_markup=markup)


@router.callback_query(MenuCb.filter(F.action == "mybookings"))
async def on_mybookings_menu(
    query: CallbackQuery, user: User | None, tr: Translator, session: AsyncSession, clock: Clock
) -> None:
    await query.answer()
    if user is not None and isinstance(query.message, Message):
        text, markup = await my_view(session, clock, user, tr)
        await session.commit()
        await query.message.answer(text, reply_markup=markup)


@router.callback_query(MyCb.filter(F.a == "list"))
async def on_my_list(
    query: CallbackQuery, user: User | None, tr: Translator, session: AsyncSession, clock: Clock
) -> None:
    if user is not None:
        await show(query, *(await my_view(session, clock, user, tr)))
    await query.answer()


@router.callback_query(MyCb.filter(F.a == "x"))
async def on_ask_cancel(
    query: CallbackQuery,
    callback_data: MyCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if user is None:
        await query.answer()
        return
    info = await checked(query, tr, services.booking_details(session, clock, user.id, callback_data.b))
    if info is None:
        return
    text = tr._(
        "Do you really want to cancel this appointment?\n\n{details}",
        details=details(tr, info, show_interpreter=False),
    )
    markup = markup_of(
        [button(tr._("Yes, cancel it"), MyCb(a="xx", b=callback_data.b))],
        [button(tr._("No, keep the appointment"), MyCb(a="keep", b=callback_data.b))],
    )
    await show(query, text, markup)
    await query.answer()


@router.callback_query(MyCb.filter(F.a == "xx"))
async def on_cancel(
    query: CallbackQuery,
    callback_data: MyCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if user is None:
        await query.answer()
        return
    cancel = services.cancel(session, clock, settings, user_id=user.id, booking_id=callback_data.b)
    info = await committed(query, tr, session, cancel)
    if info is None:
        return
    text = tr._(
        "Your appointment on {when} is cancelled. The time is free again for someone else.",
        when=Html(tr.datetime(info.slot.starts_at)),
    )
    await show(query, text, markup_of(book_button(tr)))
    await query.answer()


@router.callback_query(MyCb.filter(F.a == "keep"))
async def on_keep(
    query: CallbackQuery,
    callback_data: MyCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if user is None:
        await query.answer()
        return
    info = await checked(query, tr, services.booking_details(session, clock, user.id, callback_data.b))
    if info is None:
        return
    text = tr._(
        "Good, your appointment stays:\n\n{details}", details=details(tr, info, show_interpreter=False)
    )
    await show(query, text, markup_of(my_button(tr)))
    await query.answer()


@router.callback_query(MyCb.filter(F.a == "y"))
async def on_will_come(
    query: CallbackQuery,
    callback_data: MyCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
) -> None:
    if user is None:
        await query.answer()
        return
    attend = services.confirm_attendance(session, clock, user_id=user.id, booking_id=callback_data.b)
    if await committed(query, tr, session, attend) is None:
        return
    thanks = tr._("✅ Thank you! See you then.")
    message = query.message
    if isinstance(message, Message) and message.text:
        keep = markup_of([button(tr._("❌ Cancel the appointment"), MyCb(a="x", b=callback_data.b))])
        await show(query, f"{message.html_text}\n\n{thanks}", keep)
    await query.answer(thanks)


@router.callback_query(MyCb.filter(F.a == "r"))
async def on_reschedule(
    query: CallbackQuery,
    callback_data: MyCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if user is None:
        await query.answer()
        return
    info = await checked(query, tr, services.booking_details(session, clock, user.id, callback_data.b))
    if info is None:
        return
    text, markup = await days_view(session, clock, settings, tr, info.topic, None, callback_data.b)
    await show(query, text, markup)
    await query.answer()


# --- waitlist -------------------------------------------------------------------------------------------


@router.callback_query(WaitCb.filter(F.a == "ask"))
async def on_waitlist_ask(
    query: CallbackQuery,
    callback_data: WaitCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
) -> None:
    if user is None:
        await query.answer()
        return
    topic = await checked(query, tr, services.get_topic(session, callback_data.t))
    if topic is None:
        return
    topic_id = topic.id
    markup = interpreter_keyboard(
        tr,
        lambda code: WaitCb(a="join", t=topic_id, l=code).pack(),
        button(tr._("◀ Back"), BookCb(a="topics")),
    )
    text = tr._(
        "Waiting list for {topic}.\n\nDo you need an interpreter? If yes, for which language?",
        topic=topic_label(topic, tr),
    )
    await show(query, text, markup)
    await query.answer()


@router.callback_query(WaitCb.filter(F.a == "join"))
async def on_waitlist_join(
    query: CallbackQuery,
    callback_data: WaitCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if user is None:
        await query.answer()
        return
    lang = interpreter_choice(callback_data.l)
    services.remember_language(user, tr.lang, clock)

    async def join() -> BookingTopic:
        await services.join_waitlist(
            session, clock, settings, user_id=user.id, topic_id=callback_data.t, interpreter=lang
        )
        return await services.get_topic(session, callback_data.t)

    async def redraw(error: BookingError) -> None:
        if error.reason == "has_free":  # no need to wait: show the free times instead
            await _times_or_days(query, session, clock, settings, tr, callback_data.t, None, 0)

    topic = await committed(query, tr, session, join(), redraw)
    if topic is None:
        return
    hold = settings.waitlist_hold_hours
    hours = str(int(hold)) if hold == int(hold) else str(hold)
    text = tr.n_(
        "🔔 You are on the waiting list for {topic}.\n\n"
        "When a time becomes free, I will send you a message. Then please answer within {hours} hour, "
        "otherwise the time goes to the next person.",
        "🔔 You are on the waiting list for {topic}.\n\n"
        "When a time becomes free, I will send you a message. Then please answer within {hours} hours, "
        "otherwise the time goes to the next person.",
        max(1, round(hold)),
        topic=topic_label(topic, tr),
        hours=hours,
    )
    await show(query, text, markup_of(my_button(tr)))
    await query.answer()


@router.callback_query(WaitCb.filter(F.a == "take"))
async def on_offer_take(
    query: CallbackQuery,
    callback_data: WaitCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    if user is None:
        await query.answer()
        return

    async def redraw(error: BookingError) -> None:
        if error.reason == "expired":  # the offer message would still invite a tap
            await show(query, error_text(tr, error), markup_of(book_button(tr)))

    booking = services.take_offer(
        session, clock, settings, user_id=user.id, entry_id=callback_data.e, slot_id=callback_data.s
    )
    done = await committed(query, tr, session, with_info(session, booking), redraw)
    if done is not None:
        await show_booked(query, bot, user.id, tr, clock, *done)


@router.callback_query(WaitCb.filter(F.a.in_({"no", "leave"})))
async def on_waitlist_leave(
    query: CallbackQuery,
    callback_data: WaitCb,
    user: User | None,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if user is None:
        await query.answer()
        return
    leave = services.leave_waitlist(session, clock, settings, user_id=user.id, entry_id=callback_data.e)
    if await committed(query, tr, session, leave) is None:
        return
    text = tr._("OK. You are no longer on the waiting list. You can book again at any time with /book.")
    await show(query, text, markup_of(book_button(tr)))
    await query.answer()


# --- /agenda for counsellors ----------------------------------------------------------------------------


def agenda_chunks(tr: Translator, items: list[services.AgendaItem], today: date) -> list[str]:
    if not items:
        return [tr._("No appointments today and in the next 7 days.")]
    lines: list[str] = [tr._("<b>Counselling appointments</b>")]
    current: date | None = None
    for item in items:
        slot = item.info.slot
        day = slot.starts_at.astimezone(tr.tz).date()
        if day != current:
            current = day
            heading = tr._("Today") if day == today else tr.date(day)
            lines.append(f"\n<b>{tr.insert(heading) if day != today else heading}</b>")
        language = interpreter_name(tr, item.booking.interpreter, for_staff=True)
        line = tr._(
            "{time} · {topic} · {venue}",
            time=tr.time(slot.starts_at),
            topic=topic_label(item.info.topic, tr),
            venue=item.info.venue.name,
        )
        if language:
            line += "\n    " + tr._("🗣 Interpreter: {language}", language=language)
        if item.booking.note:
            line += "\n    " + tr._("📝 Note: {note}", note=item.booking.note)
        if item.booking.confirmed_at:
            line += "\n    " + tr._("✅ confirmed")
        lines.append(line)
    chunks, current_chunk = [], ""
    for line in lines:
        if len(current_chunk) + len(line) + 1 > TEXT_LIMIT:
            chunks.append(current_chunk)
            current_chunk = ""
        current_chunk = f"{current_chunk}\n{line}" if current_chunk else line
    chunks.append(current_chunk)
    return chunks


@router.message(Command("agenda"), F.chat.type == "private", flags={"role": HELPER})
@router.callback_query(MenuCb.filter(F.action == "agenda"), flags={"role": HELPER})
async def cmd_agenda(
    event: Message | CallbackQuery,
    user: User,
    tr: Translator,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer()
        message = event.message if isinstance(event.message, Message) else None
    else:
        message = event
    if message is None:
        return
    items, counsels = await services.agenda(
        session, clock, settings, user, everything=has_role(user, ORGANIZER)
    )
    if not counsels:
        await message.answer(
            tr._("You have no counselling hours in the schedule. An organizer can add you as a counsellor.")
        )
        return
    await session.commit()
    today = clock.now().astimezone(settings.tz).date()
    for chunk in agenda_chunks(tr, items, today):
        await message.answer(chunk)


# --- messages that leave on their own (rendered when the delivery engine sends them) ---------------------


def _when(data: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(data["starts_at"]))


def _brief(tr: Translator, data: dict[str, Any]) -> Html:
    return Html(
        "\n".join(
            [
                tr._("📌 Topic: {topic}", topic=topic_label(data.get("topic") or {}, tr)),
                tr._("🗓 When: {when}", when=Html(tr.datetime(_when(data)))),
                tr._(
                    "📍 Where: {venue}, {address}",
                    venue=data.get("venue", ""),
                    address=data.get("address", ""),
                ),
            ]
        )
    )


@renderer(services.KIND_REMINDER)
def render_reminder(data: dict[str, Any], tr: Translator) -> Rendered:
    booking_id = int(data["booking_id"])
    text = tr._(
        "⏰ <b>Reminder of your appointment</b>\n\n{details}\n\nWill you come?",
        details=_brief(tr, data),
    )
    markup = markup_of(
        [button(tr._("✅ I'll come"), MyCb(a="y", b=booking_id))],
        [button(tr._("❌ Cancel the appointment"), MyCb(a="x", b=booking_id))],
    )
    return Rendered("sendMessage", {"text": text, "parse_mode": "HTML", "reply_markup": markup})


@renderer(services.KIND_COUNSELLOR)
def render_counsellor(data: dict[str, Any], tr: Translator) -> Rendered:
    title = (
        tr._("🆕 <b>New counselling appointment</b>")
        if data.get("event") == "new"
        else tr._("❌ <b>Counselling appointment cancelled</b>")
    )
    lines = [title, "", _brief(tr, data)]
    language = interpreter_name(tr, data.get("interpreter"), for_staff=True)
    if language and data.get("event") == "new":
        lines.append(tr._("🗣 Interpreter: {language}", language=language))
    lines += ["", tr._("All appointments: /agenda")]
    return Rendered("sendMessage", {"text": "\n".join(lines), "parse_mode": "HTML"})


@renderer(services.KIND_CANCELLED)
def render_cancelled(data: dict[str, Any], tr: Translator) -> Rendered:
    text = tr._(
        "😔 Sorry, the association had to cancel your appointment:\n\n{details}\n\nPlease choose a new time.",
        details=_brief(tr, data),
    )
    markup = markup_of(
        [button(tr._("📅 Book a new appointment"), BookCb(a="t", t=int(data.get("topic_id") or 0)))]
    )
    return Rendered("sendMessage", {"text": text, "parse_mode": "HTML", "reply_markup": markup})


@renderer(services.KIND_OFFER)
def render_offer(data: dict[str, Any], tr: Translator) -> Rendered:
    until = datetime.fromisoformat(str(data["expires_at"]))
    text = tr._(
        "🔔 <b>Good news: a time became free for you.</b>\n\n{details}\n\n"
        "I keep it for you until {until}. Do you want it?",
        details=_brief(tr, data),
        until=Html(tr.time(until)),
    )
    entry, slot = int(data["entry_id"]), int(data["slot_id"])
    markup = markup_of(
        [button(tr._("✅ Yes, book it"), WaitCb(a="take", e=entry, s=slot))],
        [button(tr._("No, thanks"), WaitCb(a="no", e=entry))],
    )
    return Rendered("sendMessage", {"text": text, "parse_mode": "HTML", "reply_markup": markup})


@renderer(services.KIND_LAPSED)
def render_lapsed(data: dict[str, Any], tr: Translator) -> Rendered:
    text = tr._(
        "The free time was kept for you, but there was no answer, so it went to the next person. "
        "If you still need an appointment for {topic}, you can join the waiting list again.",
        topic=topic_label(data.get("topic") or {}, tr),
    )
    markup = markup_of(
        [button(tr._("🔔 Join the waiting list again"), WaitCb(a="ask", t=int(data.get("topic_id") or 0)))]
    )
    return Rendered("sendMessage", {"text": text, "parse_mode": "HTML", "reply_markup": markup})
