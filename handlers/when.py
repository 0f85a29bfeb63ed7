"""Asking an organizer for a date and time, the same way in /broadcast, /newevent and /assign: the
examples, the quick picks as buttons ("Tomorrow 9:00", "Saturday 10:00", computed from now) and the
reason a typed moment is refused. The reading itself is bot/broadcast/dates.py.

A quick pick's button carries its moment as whole minutes since 1970 (UTC): short, and checked again
when pressed (a pick shown yesterday may have passed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from babel.dates import get_day_names
from pydantic import Field

from bot.broadcast.dates import DateProblem, Pick, days_ahead
from bot.text import N_, Html, Translator
from handlers.kit import button, grid, label

# A moment in a button: minutes since 1970, up to the year 2100.
Minute = Annotated[int, Field(ge=0, le=68_000_000)]

# What the parser reads, shown as it is typed (German and English both work, whatever the bot's language).
EXAMPLES = "morgen 9 Uhr · Sa 10:00 · 5.12. 18:00 · in 2 Stunden · tomorrow 9am"
# The labels of quick picks (buttons: values inserted unescaped, see handlers.kit.label).
TODAY_AT = N_("Today {time}")
TOMORROW_AT = N_("Tomorrow {time}")
WEEKDAY_AT = N_("{weekday} {time}")
DATE_AT = N_("{date}, {time}")


def to_minute(at: datetime) -> int:
    return int(at.timestamp()) // 60


def from_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def examples(tr: Translator) -> str:
    return tr._("For example: {examples}", examples=EXAMPLES)


def problem_text(tr: Translator, problem: DateProblem) -> str:
    """Why a typed date or time was not taken, and what to write instead."""
    if problem is DateProblem.PAST:
        return tr._("This moment has already passed. Please choose a time in the future.")
    if problem is DateProblem.NO_TIME:
        return tr._("Please add the time. {examples}", examples=Html(examples(tr)))
    if problem is DateProblem.NO_SUCH_DAY:
        return tr._("This day does not exist. Please check the day and the month.")
    if problem is DateProblem.NO_SUCH_TIME:
        return tr._("This time does not exist. Please write hours 0–23 and minutes 0–59, like 18:30.")
    if problem is DateProblem.CLOCK_CHANGE:
        return tr._(
            "This time does not exist on that day: the clocks go forward that night. Please choose another time."
        )
    # the examples are a translated sentence already: not escaped twice
    return tr._("I could not read this date. {examples}", examples=Html(examples(tr)))


def weekday(tr: Translator, day: date) -> str:
    """The weekday's full name in the reader's language, capitalized to begin a button."""
    name = get_day_names("wide", locale=tr.lang)[day.weekday()]
    return name[:1].upper() + name[1:]


def day_label(tr: Translator, day: date, today: date) -> str:
    """ "Today", "Tomorrow", the weekday for the days of this week, else the date."""
    ahead = (day - today).days
    if ahead == 0:
        return tr._("Today")
    if ahead == 1:
        return tr._("Tomorrow")
    if 1 < ahead < 7:
        return weekday(tr, day)
    return tr.date(day)


def pick_label(tr: Translator, at: datetime, now: datetime) -> str:
    """ "Today 18:00", "Tomorrow 9:00", "Saturday 10:00"; a day a week or more ahead with its date."""
    ahead, clock_time = days_ahead(at, now, tr.tz), tr.time(at)
    if ahead == 0:
        return label(tr, TODAY_AT, time=clock_time)
    if ahead == 1:
        return label(tr, TOMORROW_AT, time=clock_time)
    if ahead < 7:
        return label(
            tr, "{weekday} {time}", weekday=weekday(tr, at.astimezone(tr.tz).date()), time=clock_time
        )
    return label(tr, DATE_AT, date=tr.date(at), time=clock_time)


def pick_rows(
    tr: Translator,
    picks: Sequence[Pick],
    now: datetime,
    data: Callable[[int], CallbackData],
    columns: int = 2,
) -> list[list[InlineKeyboardButton]]:
    """The quick picks as rows of buttons; `data(minute)` is the press of each."""
    return grid([button(pick_label(tr, p.at, now), data(to_minute(p.at))) for p in picks], columns)
