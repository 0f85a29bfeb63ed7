"""Texts and keyboards of booking: built from what the services return, in the reader's language. No
database, no rules: what may be booked is decided in bot/booking/services.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_skeleton

from bot import languages
from bot.booking.languages import NOT_NEEDED
from bot.booking.services import (
    Booking,
    BookingError,
    BookingTopic,
    Refusal,
    SlotInfo,
    WaitlistEntry,
    topic_name,
)
from bot.text import N_, Html, Translator
from handlers.booking.callbacks import BookAction, BookCb, MyAction, MyCb, WaitAction, WaitCb
from handlers.callbacks import MenuCb
from handlers.kit import back_row, button, cancel_row, confirm_row, grid, keyboard, label

TEXT_LIMIT = 3800  # a message holds 4096 characters; what is longer is split or cut
View = tuple[str, InlineKeyboardMarkup | None]

ERRORS = {
    Refusal.GONE: N_("This time is no longer available. Please choose another one."),
    Refusal.TAKEN: N_("Sorry, someone else just took this time. Please choose another one."),
    Refusal.TOO_LATE: N_("This time is too soon or has passed. Please choose another one."),
    Refusal.ALREADY: N_("You have already booked this time."),
    Refusal.NOT_FOUND: N_("This appointment was not found. Please look at /mybookings."),
    Refusal.CANCELLED: N_("This appointment was already cancelled."),
    Refusal.STARTED: N_("This appointment has already started or passed, so it cannot be changed."),
    Refusal.EXPIRED: N_("This offer is no longer valid. The time was kept for you only for a while."),
    Refusal.HAS_FREE: N_("There are free times for this topic. Please choose one."),
    Refusal.NO_TOPIC: N_("This topic is not available any more. Please choose another one."),
    Refusal.NOT_YET: N_("This appointment has not begun yet."),
}
# Refusals after which the free times are shown again.
SLOT_LOST = frozenset({Refusal.TAKEN, Refusal.GONE, Refusal.TOO_LATE})


def error_text(tr: Translator, error: BookingError) -> str:
    if error.reason == Refusal.LIMIT:
        return tr.n_(
            "You already have {n} upcoming appointment. Please cancel it before you book another one.",
            "You already have {n} upcoming appointments. Please cancel one before you book another one.",
            int(error.info.get("limit", 2)),
        )
    if error.reason == Refusal.TOO_LONG:
        return tr._(
            "This is too long ({length} characters). Please write it shorter, in at most {limit} characters.",
            length=error.info.get("length", 0),
            limit=error.info.get("limit", 0),
        )
    return tr._(ERRORS.get(error.reason, ERRORS[Refusal.GONE]))


# --- pieces ---------------------------------------------------------------------------------------------


def topic_label(topic: BookingTopic, tr: Translator) -> str:
    return f"{topic.emoji} {topic_name(topic.names, tr.lang)}".strip()


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
    """The language named in itself for the person, in the reader's language for the staff."""
    if not code or code == NOT_NEEDED:
        return None
    if for_staff or code == languages.OTHER:
        return languages.name_in(code, tr._)
    return languages.own_name(code)


def brief(tr: Translator, topic: str, when: datetime, venue: str, address: str) -> list[str]:
    return [
        tr._("📌 Topic: {topic}", topic=topic),
        tr._("🗓 When: {when}", when=Html(tr.datetime(when))),
        tr._("📍 Where: {venue}, {address}", venue=venue, address=address),
    ]


def details(
    tr: Translator,
    info: SlotInfo,
    *,
    interpreter: str | None = None,
    note: str | None = None,
    show_interpreter: bool = True,
) -> Html:
    lines = brief(tr, topic_label(info.topic, tr), info.slot.starts_at, info.venue.name, info.venue.address)
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


def book_row(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("📅 Book an appointment"), MenuCb(action="book"))]


def my_row(tr: Translator) -> list[InlineKeyboardButton]:
    return [button(tr._("🗓 My appointments"), MyCb(action=MyAction.LIST))]


def interpreter_keyboard(
    tr: Translator, choose: Callable[[str], CallbackData], back: CallbackData
) -> InlineKeyboardMarkup | None:
    """ "Not needed" first, then the languages in their own script, then "another language"; back, ✖."""
    codes = [*languages.INTERPRETER_LANGUAGES, languages.OTHER]
    names = [button(interpreter_name(tr, code) or code, choose(code)) for code in codes]
    return keyboard(
        [button(tr._("No, not needed"), choose(NOT_NEEDED))],
        *grid(names, 2),
        back_row(tr, back),
        cancel_row(tr, BookCb(action=BookAction.STOP)),
    )


# --- the booking dialog ---------------------------------------------------------------------------------


def limit_view(tr: Translator, error: BookingError) -> View:
    return error_text(tr, error), keyboard(my_row(tr))


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


def joined_text(tr: Translator, topic: BookingTopic, hold: float) -> str:
    """On the waiting list; `hold`: how many hours an offered place is kept."""
    hours = str(int(hold)) if hold == int(hold) else str(hold)
    return tr.n_(
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


# --- /mybookings ----------------------------------------------------------------------------------------


def my_view(
    tr: Translator,
    bookings: Sequence[tuple[Booking, SlotInfo]],
    waiting: Sequence[tuple[WaitlistEntry, BookingTopic]],
) -> View:
    """The person's upcoming appointments (at most their limit) and the topics they wait for."""
    parts: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    if bookings:
        parts.append(tr._("<b>Your appointments:</b>"))
    else:
        parts.append(tr._("You have no upcoming appointments."))
    for number, (booking, info) in enumerate(bookings, start=1):
        block = details(tr, info, interpreter=booking.interpreter, note=booking.note)
        confirmed = "\n" + tr._("✅ You said you will come.") if booking.confirmed_at else ""
        parts.append(f"<b>{number}.</b>\n{block}{confirmed}")
        when = short_when(tr, info.slot.starts_at)
        ask = MyCb(action=MyAction.ASK_CANCEL, booking=booking.id)
        rows.append([button(label(tr, N_("❌ Cancel: {when}"), when=when), ask)])
        move = MyCb(action=MyAction.RESCHEDULE, booking=booking.id)
        rows.append([button(label(tr, N_("🔁 Change time: {when}"), when=when), move)])
    for entry, topic in waiting:
        name = topic_label(topic, tr)
        parts.append(tr._("🔔 You are on the waiting list for: {topic}", topic=name))
        leave = WaitCb(action=WaitAction.LEAVE, entry=entry.id)
        rows.append([button(label(tr, N_("Leave the waiting list: {topic}"), topic=name), leave)])
    return "\n\n".join(parts), keyboard(*rows, book_row(tr))


def cancel_question(tr: Translator, info: SlotInfo, booking_id: int) -> View:
    text = tr._(
        "Do you really want to cancel this appointment?\n\n{details}",
        details=details(tr, info, show_interpreter=False),
    )
    yes = MyCb(action=MyAction.CANCEL, booking=booking_id)
    keep = MyCb(action=MyAction.KEEP, booking=booking_id)
    no_text = tr._("No, keep the appointment")
    return text, keyboard(
        confirm_row(tr, yes, keep, yes_text=tr._("Yes, cancel the appointment"), no_text=no_text)
    )


def kept_view(tr: Translator, info: SlotInfo) -> View:
    text = tr._(
        "Good, your appointment stays:\n\n{details}", details=details(tr, info, show_interpreter=False)
    )
    return text, keyboard(my_row(tr))


def cancelled_view(tr: Translator, info: SlotInfo) -> View:
    text = tr._(
        "Your appointment on {when} is cancelled. The time is free again for someone else.",
        when=Html(tr.datetime(info.slot.starts_at)),
    )
    return text, keyboard(book_row(tr))
