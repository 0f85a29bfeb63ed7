"""Dates and times typed by organizers, in German or English, read in the configured zone and stored in UTC.

One parser for every place an organizer types a moment (a broadcast's time, an event's start and end, an
assignment's day): "morgen 9 Uhr", "Sa 10:00", "5.12. 9:00", "04.12.2026 18:00", "tomorrow 9am",
"saturday 10:00", "in 2 Stunden", "in 30 minutes". Pure functions of the text, `now` and the zone; what
cannot be used is refused with a `DateProblem` the handler turns into a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# Organizers may type Arabic-Indic or Persian digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
FORMAT = "%d.%m.%Y %H:%M"
# A date typed without its year that lies this far back means the same day next year ("5.1." in
# December); closer than that it is a slip and refused as past.
_YEAR_AHEAD_AFTER = timedelta(days=31)


class DateProblem(StrEnum):
    """Why a typed moment was refused."""

    UNREADABLE = "unreadable"  # no date or time we know
    NO_SUCH_DAY = "no_such_day"  # 31.02.
    NO_SUCH_TIME = "no_such_time"  # 25:00, 9:75
    CLOCK_CHANGE = "clock_change"  # 02:30 on the night the clocks go forward
    NO_TIME = "no_time"  # a day without a time ("morgen")
    PAST = "past"


class DateError(ValueError):
    def __init__(self, problem: DateProblem) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class When:
    """What was typed, in local terms: a day, and a time of day when one was given."""

    day: date
    at: time | None = None


def ascii_digits(text: str) -> str:
    """The text with Arabic-Indic and Persian digits as 0-9, so that int() and the patterns read them."""
    return text.translate(_DIGITS)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=tz).astimezone(UTC)


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local day and time as UTC; refused when that wall-clock time does not exist (clocks go forward)."""
    moment = _local(day, at, tz)
    shown = moment.astimezone(tz)
    if (shown.date(), shown.time()) != (day, at):
        raise DateError(DateProblem.CLOCK_CHANGE)
    return moment


# --- the words -------------------------------------------------------------------------------------------
_WEEKDAYS = {
    **dict.fromkeys(("montag", "mo", "monday", "mon"), 0),
    **dict.fromkeys(("dienstag", "di", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("mittwoch", "mi", "wednesday", "wed"), 2),
    **dict.fromkeys(("donnerstag", "do", "thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("freitag", "fr", "friday", "fri"), 4),
    **dict.fromkeys(("samstag", "sonnabend", "sa", "saturday", "sat"), 5),
    **dict.fromkeys(("sonntag", "so", "sunday", "sun"), 6),
}
_MONTHS = {
    **dict.fromkeys(("januar", "jänner", "jan", "january"), 1),
    **dict.fromkeys(("februar", "feb", "february"), 2),
    **dict.fromkeys(("märz", "maerz", "mär", "mrz", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("august", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "october", "oct"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("dezember", "dez", "december", "dec"), 12),
}
_DAYS_FROM_TODAY = {
    "heute": 0,
    "today": 0,
    "morgen": 1,
    "tomorrow": 1,
    "übermorgen": 2,
    "uebermorgen": 2,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
}
_NEXT = ("nächsten", "nächster", "nächste", "naechsten", "kommenden", "kommender", "next")
# Words around a day or a time that carry nothing: "am Samstag um 10 Uhr", "on Saturday at 10".
_FILLERS = re.compile(r"\b(?:am|um|on|at|the|den|dem|ab|gegen|this|diesen|diesem)\b")

_AMOUNT = r"(?P<n>\d{1,4}|eine[mr]?|ein|an?|one|half an?|einer halben|eine halbe)"
_RELATIVE = re.compile(
    rf"^in\s+{_AMOUNT}\s*(?P<unit>min(?:ute|uten|utes|s)?\.?|std\.?|stunden?|h|hours?|hrs?|tage?n?|days?)$"
)
# The time of day, at the end: "9", "9:30", "9.30", "9 uhr", "9h", "9am", "9:30 p.m.", "21 uhr 30".
_TIME = re.compile(
    r"(?:^|\s)(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*"
    r"(?:(?P<ampm>a\.?m\.?|p\.?m\.?)|(?P<uhr>uhr|h)(?:\s*(?P<m2>\d{2}))?)?$"
)
_NUMERIC_DATE = re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?:\.(?P<y>\d{4}|\d{2})?)?$")
_ISO_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_DAY_MONTH = re.compile(r"^(?P<d>\d{1,2})(?:\.|st|nd|rd|th)?\s+(?P<month>[a-zä]+)\.?(?:\s+(?P<y>\d{4}))?$")
_MONTH_DAY = re.compile(r"^(?P<month>[a-zä]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+(?P<y>\d{4}))?$")
_IN_DAYS = re.compile(r"^in\s+(?P<n>\d{1,3}|einem|einer|one|a)\s+(?:tage?n?|days?)$")


_AM_PM = re.compile(r"(\d)\s+(a\.?m\.?|p\.?m\.?)(?=\s|$)")


def _normal(text: str) -> str:
    """Lower case, ASCII digits, single spaces; "9 am" as "9am" (so the filler "am" cannot take it)."""
    text = ascii_digits(text).lower().replace(",", " ")
    return _AM_PM.sub(r"\1\2", " ".join(text.split()))


def _amount(word: str) -> float:
    if word.isdigit():
        return int(word)
    return 0.5 if "hal" in word else 1


def _relative(text: str, now: datetime) -> datetime | None:
    """ "in 2 Stunden", "in 30 minutes": a moment from now (to the minute); None when it is not one."""
    match = _RELATIVE.match(text)
    if not match:
        return None
    n, unit = _amount(match["n"]), match["unit"]
    if unit.startswith(("t", "d")):
        return None  # "in 3 Tagen" is a day: it still needs a time
    minutes = n if unit.startswith("min") else n * 60
    return (now + timedelta(minutes=minutes)).replace(second=0, microsecond=0)


def _split_time(text: str) -> tuple[str, time | None, bool]:
    """(the day part, the time typed at its end, whether that time could also be a date like "5.12")."""
    match = _TIME.search(text)
    if not match:
        return text, None, False
    hour, minute = int(match["h"]), int(match["m"] or match["m2"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    rest = text[: match.start()].strip()
    if match["m"] is None and not ampm and not match["uhr"] and not rest:
        return text, None, False  # a number alone is no time ("5")
    if ampm:
        if not 1 <= hour <= 12:
            raise DateError(DateProblem.NO_SUCH_TIME)
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise DateError(DateProblem.NO_SUCH_TIME)
    maybe_date = bool(match["m"]) and "." in match.group(0) and not (ampm or match["uhr"])
    return rest, time(hour, minute), maybe_date


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(DateProblem.NO_SUCH_DAY) from None


def _without_year(month: int, day: int, today: date) -> date:
    """The next such day: this year, or next year when it lies well behind us ("5.1." in December)."""
    if (month, day) == (2, 29):  # the next leap year's
        year = today.year
        while not _leap(year) or date(year, 2, 29) < today - _YEAR_AHEAD_AFTER:
            year += 1
        return date(year, 2, 29)
    this_year = _date(today.year, month, day)
    if this_year < today - _YEAR_AHEAD_AFTER:
        return this_year.replace(year=today.year + 1)
    return this_year


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _year(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _day(text: str, today: date) -> tuple[date, bool] | None:
    """The day the words name, and whether it is a weekday (which moves on a week when its time has
    passed today); None when the words name no day."""
    if text in _DAYS_FROM_TODAY:
        return today + timedelta(days=_DAYS_FROM_TODAY[text]), False
    words = text.split()
    following = bool(words) and words[0] in _NEXT
    if following:
        words = words[1:]
    if len(words) == 1 and words[0].rstrip(".") in _WEEKDAYS:
        ahead = (_WEEKDAYS[words[0].rstrip(".")] - today.weekday()) % 7
        if following and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead), not following
    if following:
        return None
    if match := _IN_DAYS.match(text):
        return today + timedelta(days=int(_amount(match["n"]))), False
    # A weekday before a date ("Sa 5.12.", "Samstag, 5. Dezember"): the date decides.
    if len(words) > 1 and words[0].rstrip(".") in _WEEKDAYS:
        text = " ".join(words[1:])
    for pattern in (_NUMERIC_DATE, _ISO_DATE, _DAY_MONTH, _MONTH_DAY):
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        month = int(groups["m"]) if groups.get("m") else _MONTHS.get(groups.get("month") or "")
        if month is None:
            return None
        year, day = _year(groups.get("y")), int(groups["d"])
        if year is None:
            return _without_year(month, day, today), False
        return _date(year, month, day), False
    return None


def read(text: str, now: datetime, tz: ZoneInfo, *, base_day: date | None = None) -> When | datetime:
    """What `text` names, seen from `now` in the zone `tz`: an exact moment (UTC) for "in 2 Stunden", else
    a local day with the time of day if one was typed (a time alone is on `base_day`, by default today).
    Raises DateError when nothing can be read, or the day or time does not exist. Nothing here is
    refused for lying in the past: `moment` and `day` do that."""
    clean = _FILLERS.sub(" ", _normal(text))
    clean = " ".join(clean.split())
    if not clean:
        raise DateError(DateProblem.UNREADABLE)
    relative = _relative(clean, now)
    if relative is not None:
        return relative
    today = now.astimezone(tz).date()
    rest, at, maybe_date = _split_time(clean)
    if at is not None and not rest:
        if maybe_date:  # "5.12" alone is a day rather than 05:12 ("9.30" is no day: a time)
            try:
                named = _day(clean, today)
            except DateError:
                named = None
            if named is not None:
                return When(named[0])
        return When(base_day or today, at)
    named = _day(rest, today)
    if named is None and at is not None:  # "dec 5": the number was the day, not a time
        named, at = _day(clean, today), None
    if named is None:
        raise DateError(DateProblem.UNREADABLE)
    day, weekday = named
    if weekday and at is not None and day == today and _local(day, at, tz) <= now:
        day += timedelta(days=7)  # "Samstag 10 Uhr" on a Saturday at noon: next Saturday
    return When(day, at)


def moment(text: str, now: datetime, tz: ZoneInfo, *, base_day: date | None = None) -> datetime:
    """The future moment `text` names, in UTC; DateError when it cannot be read, names a day without a
    time, or has passed."""
    found = read(text, now, tz, base_day=base_day)
    if isinstance(found, When):
        if found.at is None:
            raise DateError(DateProblem.NO_TIME)
        found = local_moment(found.day, found.at, tz)
    return check_future(found, now)


def check_future(at: datetime, now: datetime) -> datetime:
    if at <= now:
        raise DateError(DateProblem.PAST)
    return at


def parse_end(text: str, start: datetime, tz: ZoneInfo, now: datetime | None = None) -> datetime | None:
    """The end of an event: a time on the start day ("20:00", "20 Uhr") or a date and time; None when it
    cannot be read. Relative words ("morgen") count from `now`, else from the start."""
    try:
        return end_moment(text, start, tz, now)
    except DateError:
        return None


def end_moment(text: str, start: datetime, tz: ZoneInfo, now: datetime | None = None) -> datetime:
    """The end of an event as `parse_end` reads it, or DateError with the reason it cannot be read
    (whether it lies after the start is the event's rule)."""
    found = read(text, now or start, tz, base_day=start.astimezone(tz).date())
    if isinstance(found, datetime):
        return found
    if found.at is None:
        raise DateError(DateProblem.NO_TIME)
    return local_moment(found.day, found.at, tz)


def example(now: datetime, tz: ZoneInfo) -> str:
    """Tomorrow at 18:00 in the organizer's zone, written the way we want it typed."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(18, 0)).strftime(FORMAT)


# --- quick picks -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pick:
    """A moment offered as a button: `days_ahead` says how to name it (today, tomorrow, a weekday)."""

    at: datetime  # UTC
    days_ahead: int


# Today evening, tomorrow morning and evening, Saturday morning, Monday morning: the times organizers
# use most (days ahead, or a weekday; hour and minute).
DEFAULT_SLOTS: tuple[tuple[int | str, int, int], ...] = (
    (0, 18, 0),
    (1, 9, 0),
    (1, 18, 0),
    ("sa", 10, 0),
    ("mo", 9, 0),
)


def quick_picks(
    now: datetime,
    tz: ZoneInfo,
    slots: tuple[tuple[int | str, int, int], ...] = DEFAULT_SLOTS,
    *,
    lead: timedelta = timedelta(minutes=30),
    limit: int = 4,
) -> list[Pick]:
    """The slots still at least `lead` ahead, in time order, without doubles, at most `limit`. A weekday
    slot is its next day after today."""
    today = now.astimezone(tz).date()
    found: dict[datetime, Pick] = {}
    for when, hour, minute in slots:
        ahead = when if isinstance(when, int) else (_WEEKDAYS[when] - today.weekday() - 1) % 7 + 1
        try:
            at = local_moment(today + timedelta(days=ahead), time(hour, minute), tz)
        except DateError:
            continue
        if at >= now + lead:
            found.setdefault(at, Pick(at, ahead))
    return sorted(found.values(), key=lambda p: p.at)[:limit]


def days_ahead(at: datetime, now: datetime, tz: ZoneInfo) -> int:
    return (at.astimezone(tz).date() - now.astimezone(tz).date()).days
