"""The screens of the booking dialog, one a step: topics, days, times, interpreter (or "move it?"), the
optional note, the review. Lists that can grow are paged (PageCb). Every screen has ✖ (STOP); /cancel
ends the dialog, too (BOOKING, or MOVING for "change time": the screen is marked by book.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram.types import InlineKeyboardButton

from bot.booking.services import BookingTopic, SlotInfo
from bot.text import N_, Html, Translator
from handlers.booking.callbacks import BookAction, BookCb, MyAction, MyCb, PageCb, WaitAction, WaitCb
from handlers.booking.views import View, day_code, details, interpreter_keyboard, topic_label
from handlers.kit import Dialog, back_row, button, cancel_row, confirm_row, grid, keyboard, page_of, pager_row

TOPICS_PER_PAGE = 8
DAYS_PER_PAGE = 8
TIME_ROWS = 8  # rows of times a page: three times a row, or one when the day has several venues
BOOKING = Dialog("booking", N_("OK, nothing was booked."))
MOVING = Dialog("booking.move", N_("OK, your appointment was not moved."))


def stop_row(tr: Translator, moving: int = 0) -> list[InlineKeyboardButton]:
    """✖ of the booking dialog (of moving `moving`, when it is "change time")."""
    return cancel_row(tr, BookCb(action=BookAction.STOP, booking=moving))


def topics_view(tr: Translator, topics: Sequence[BookingTopic], page: int) -> View:
    if not topics:
        return tr._("There are no counselling hours at the moment. Please ask the association."), None
    shown, page, pages = page_of(topics, page, TOPICS_PER_PAGE)
    rows = [[button(topic_label(t, tr), BookCb(action=BookAction.TOPIC, topic=t.id))] for t in shown]
    pager = pager_row(tr, page, pages, lambda p: PageCb(of=BookAction.TOPICS, page=p))
    return tr._("What is your question about? Please choose a topic."), keyboard(*rows, pager, stop_row(tr))


def days_view(tr: Translator, topic: BookingTopic, days: Sequence[date], page: int, moving: int) -> View:
    back = MyCb(action=MyAction.LIST) if moving else BookCb(action=BookAction.TOPICS)
    if not days:
        text = tr._("There is no free time for {topic} in the next weeks.", topic=topic_label(topic, tr))
        if moving:
            return text, keyboard(back_row(tr, back), stop_row(tr, moving))
        text += "\n\n" + tr._(
            "You can join the waiting list. When a time becomes free, I will send you a message."
        )
        wait = button(tr._("🔔 Put me on the waiting list"), WaitCb(action=WaitAction.ASK, topic=topic.id))
        return text, keyboard([wait], back_row(tr, back), stop_row(tr))
    shown, page, pages = page_of(days, page, DAYS_PER_PAGE)
    buttons = [
        button(tr.date(d), BookCb(action=BookAction.DAY, topic=topic.id, day=day_code(d), booking=moving))
        for d in shown
    ]
    pager = pager_row(
        tr, page, pages, lambda p: PageCb(of=BookAction.TOPIC, page=p, topic=topic.id, booking=moving)
    )
    text = tr._("{topic}: Which day suits you?", topic=topic_label(topic, tr))
    return text, keyboard(*grid(buttons, 2), pager, back_row(tr, back), stop_row(tr, moving))


def page_from(days: Sequence[date], first: date) -> int:
    """The page of the days that shows `first` (a "More days" button sent by an older version)."""
    return next((i // DAYS_PER_PAGE for i, d in enumerate(days) if d >= first), 0)


def times_view(
    tr: Translator, topic: BookingTopic, day: date, slots: Sequence[SlotInfo], page: int, moving: int
) -> View:
    several_venues = len({s.venue.id for s in slots}) > 1
    columns = 1 if several_venues else 3
    shown, page, pages = page_of(slots, page, TIME_ROWS * columns)
    buttons = []
    for info in shown:
        text = tr.time(info.slot.starts_at) + (f" · {info.venue.name}" if several_venues else "")
        buttons.append(button(text, BookCb(action=BookAction.SLOT, slot=info.slot.id, booking=moving)))

    def page_data(p: int) -> PageCb:
        return PageCb(of=BookAction.DAY, page=p, topic=topic.id, booking=moving, day=day_code(day))

    back = BookCb(action=BookAction.TOPIC, topic=topic.id, booking=moving)
    text = tr._("{topic}, {day}: Which time suits you?", topic=topic_label(topic, tr), day=tr.date(day))
    pager = pager_row(tr, page, pages, page_data)
    return text, keyboard(*grid(buttons, columns), pager, back_row(tr, back), stop_row(tr, moving))


def interpreter_view(tr: Translator, info: SlotInfo, back: BookCb) -> View:
    slot_id = info.slot.id
    markup = interpreter_keyboard(
        tr, lambda code: BookCb(action=BookAction.INTERPRETER, slot=slot_id, lang=code), back
    )
    text = tr._(
        "{when}\n\nDo you need an interpreter? If yes, for which language?",
        when=Html(tr.datetime(info.slot.starts_at)),
    )
    return text, markup


def move_view(tr: Translator, current: SlotInfo, info: SlotInfo, booking_id: int, back: BookCb) -> View:
    text = tr._(
        "Move your appointment?\n\nFrom: {old}\nTo: {new}",
        old=Html(tr.datetime(current.slot.starts_at)),
        new=Html(tr.datetime(info.slot.starts_at)),
    )
    move = BookCb(action=BookAction.MOVE, slot=info.slot.id, booking=booking_id)
    return text, keyboard(
        confirm_row(tr, move, back, yes_text=tr._("✅ Yes, move it")), stop_row(tr, booking_id)
    )


def note_question_view(tr: Translator, slot_id: int, lang: str) -> View:
    text = tr._("Would you like to tell the counsellor something before the appointment? This is optional.")
    return text, keyboard(
        [button(tr._("✏️ Write a note"), BookCb(action=BookAction.NOTE, slot=slot_id, lang=lang))],
        [button(tr._("Continue without a note"), BookCb(action=BookAction.REVIEW, slot=slot_id, lang=lang))],
        back_row(tr, BookCb(action=BookAction.SLOT, slot=slot_id)),
        stop_row(tr),
    )


def review_view(tr: Translator, info: SlotInfo, lang: str, note: str | None) -> View:
    text = tr._(
        "<b>Please check your appointment:</b>\n\n{details}\n\nIs everything right?",
        details=details(tr, info, interpreter=lang, note=note),
    )
    book = BookCb(action=BookAction.CONFIRM, slot=info.slot.id, lang=lang)
    back = BookCb(action=BookAction.INTERPRETER, slot=info.slot.id, lang=lang)
    return text, keyboard(
        confirm_row(tr, book, back, yes_text=tr._("✅ Yes, book it")),
        stop_row(tr),
    )
