"""What each kind of local fact may hold, and how opening hours are written and shown.

Kinds: an address, opening hours, a phone number, an e-mail address, a link, or free text. An organizer types
a value in the console (or the facts file); `validate` cleans it (spaces, digits) and names every problem
with a message the console shows in its language (the `facts` catalog domain).

Opening hours have one readable fixed form, the same in every language: groups of days and times separated
by ";" — `Mo–Fr 9:00–12:00; Di, Do 14:00–16:00`. Days are the German two-letter names (English names and
full names are accepted and written back in the short form); times are 24-hour H:MM. The bot shows them in
the reader's language (`render_hours`: day names from the Unicode CLDR via Babel, the joining words from the
catalog), so an organizer who changes the hours once changes them for all six languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum
from functools import lru_cache
from urllib.parse import urlsplit

from babel.dates import get_day_names
from babel.lists import format_list

from bot.booking.schedule import WEEKDAY_SHORT, WEEKDAYS, ScheduleError, parse_time_range, parse_weekday
from bot.i18n import catalogs
from bot.languages import N_


class Kind(StrEnum):
    ADDRESS = "address"
    HOURS = "hours"
    PHONE = "phone"
    EMAIL = "email"
    LINK = "link"
    TEXT = "text"


# The longest value of each kind (characters): a fact fills a line of an answer, not a paragraph.
MAX_LENGTH = {
    Kind.ADDRESS: 150,
    Kind.HOURS: 120,
    Kind.PHONE: 32,
    Kind.EMAIL: 100,
    Kind.LINK: 200,
    Kind.TEXT: 300,
}
# Kinds whose value is one for every language; the others may have one per language.
ONE_VALUE = frozenset({Kind.HOURS, Kind.PHONE, Kind.EMAIL, Kind.LINK})

_SUFFIXES = (
    (("_phone", "phone"), Kind.PHONE),
    (("_hours", "_times", "hours"), Kind.HOURS),
    (("_address", "address"), Kind.ADDRESS),
    (("_email", "email"), Kind.EMAIL),
    (("_url", "_link", "_website"), Kind.LINK),
)


def kind_for(name: str, per_language: bool) -> Kind:
    """The kind a fact's name suggests (`contact_phone`, `crisis_phone_2` → phone), for a file that does not
    say. A fact given per language is text unless its kind may be: hours are one fixed form for all."""
    base = re.sub(r"_\d+$", "", name)
    for suffixes, kind in _SUFFIXES:
        if base.endswith(suffixes):
            return Kind.TEXT if per_language and kind in ONE_VALUE else kind
    return Kind.TEXT


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: an English message id (catalog domain `facts`) and its values."""

    message: str
    params: Mapping[str, str | int] = field(default_factory=dict)

    def text(self, gettext: Callable[[str], str] | None = None) -> str:
        return (gettext or (lambda m: m))(self.message).format(**self.params)

    def __str__(self) -> str:
        return self.text()


EMPTY = N_("Please enter a value.")
TOO_LONG = N_("At most {limit} characters, please (now: {count}).")
NO_HTML = N_("Plain text only, please: no HTML and no angle brackets.")
ONE_LINE = N_("Please write it on one line.")
NEEDS_LETTERS = N_("An address needs a street or a place name.")
PHONE_CHARS = N_(
    "A phone number has only the digits 0–9, spaces and a + at the start, for example +49 511 1234567."
)
PHONE_DIGITS = N_("A phone number has 3 to 15 digits (now: {count}).")
PHONE_TRUNK = N_("After +49 the 0 of the area code is left out: +49 511 …, not +49 0511 ….")
EMAIL_FORM = N_("An e-mail address looks like name@example.org.")
LINK_FORM = N_(
    "A link begins with https://, tel: or mailto: and has no spaces, for example https://example.org/page."
)
HOURS_FORM = N_(
    "Write the hours like “Mo–Fr 9:00–12:00; Di 14:00–16:00”: days, then times, groups separated by “;”."
)
HOURS_DAY = N_("“{word}” is not a day: use Mo, Di, Mi, Do, Fr, Sa or So.")
HOURS_TIME = N_("“{word}” is not a time span: write it like 9:00–12:00, the end after the start.")
HOURS_DAY_ORDER = N_("In “{word}” the first day must come before the last.")

_EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_PERSIAN_LETTERS = str.maketrans("يك", "یک")  # Persian is written with ی and ک, not Arabic ي and ك
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_PHONE = re.compile(r"\+?[0-9]+( [0-9]+)*")
_EMAIL = re.compile(
    r"[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_DASH = re.compile(r"\s*[-–—]\s*")
_BARE_HOUR = re.compile(r"(?<![\d:.])(\d{1,2})(?![\d:.])")


def validate(kind: Kind, value: str, lang: str = "") -> tuple[str, list[Problem]]:
    """The value as it is stored (trimmed, one space between words, Latin digits; Persian letters in a
    Persian text) and its problems; no problems means it may be saved."""
    text = value.replace("\r\n", "\n").strip().translate(_EASTERN_DIGITS)
    if "\n" in text or "\r" in text:
        return text, [Problem(ONE_LINE)]
    text = _SPACES.sub(" ", _CONTROL.sub("", _SPACES.sub(" ", text))).strip()
    if lang == "fa":
        text = text.translate(_PERSIAN_LETTERS)
    if not text:
        return text, [Problem(EMPTY)]
    problems: list[Problem] = []
    if "<" in text or ">" in text:
        problems.append(Problem(NO_HTML))
    if len(text) > MAX_LENGTH[kind]:
        problems.append(Problem(TOO_LONG, {"limit": MAX_LENGTH[kind], "count": len(text)}))
    if problems:
        return text, problems
    check = _CHECKS.get(kind)
    return check(text) if check else (text, [])


def _phone(text: str) -> tuple[str, list[Problem]]:
    if not _PHONE.fullmatch(text):
        return text, [Problem(PHONE_CHARS)]
    digits = sum(ch.isdigit() for ch in text)
    if not 3 <= digits <= 15:
        return text, [Problem(PHONE_DIGITS, {"count": digits})]
    if re.match(r"\+49 ?0", text):
        return text, [Problem(PHONE_TRUNK)]
    return text, []


def _email(text: str) -> tuple[str, list[Problem]]:
    return text, [] if _EMAIL.fullmatch(text) else [Problem(EMAIL_FORM)]


def _link(text: str) -> tuple[str, list[Problem]]:
    if " " in text:
        return text, [Problem(LINK_FORM)]
    lowered = text.lower()
    if lowered.startswith("tel:"):
        number = text[4:]
        ok = _PHONE.fullmatch(number) is not None and 3 <= sum(c.isdigit() for c in number) <= 15
        return text, [] if ok else [Problem(LINK_FORM)]
    if lowered.startswith("mailto:"):
        return text, [] if _EMAIL.fullmatch(text[7:].split("?")[0]) else [Problem(LINK_FORM)]
    try:
        parts = urlsplit(text)
    except ValueError:
        return text, [Problem(LINK_FORM)]
    host = parts.hostname or ""
    if parts.scheme != "https" or "." not in host or host.startswith(".") or parts.username:
        return text, [Problem(LINK_FORM)]
    return text, []


def _address(text: str) -> tuple[str, list[Problem]]:
    return text, [] if any(ch.isalpha() for ch in text) else [Problem(NEEDS_LETTERS)]


# --- opening hours ---------------------------------------------------------------------------------------

Days = tuple[tuple[int, int], ...]  # ranges of weekdays (0 = Monday), a single day as (d, d)
Times = tuple[tuple[time, time], ...]


@dataclass(frozen=True)
class HoursGroup:
    days: Days
    times: Times


def parse_hours(text: str) -> tuple[tuple[HoursGroup, ...], list[Problem]]:
    """`Mo–Fr 9:00–12:00; Di, Do 14:00–16:00, 17:00–18:30` → groups of days and times, or the problems."""
    groups: list[HoursGroup] = []
    problems: list[Problem] = []
    for raw in text.split(";"):
        part = raw.strip()
        match = re.match(r"(?P<days>[^\d]+?)\s*(?P<times>\d.*)", part)
        if not match:
            problems.append(Problem(HOURS_FORM))
            continue
        days: list[tuple[int, int]] = []
        for word in re.split(r"\s*(?:,|\bund\b|\band\b|&)\s*", match["days"].strip().rstrip(":")):
            ends = _DASH.split(word)
            try:
                first, last = parse_weekday(ends[0]), parse_weekday(ends[-1])
            except ScheduleError:
                bad = next((e for e in ends if e.strip().lower().rstrip(".") not in WEEKDAYS), word)
                problems.append(Problem(HOURS_DAY, {"word": bad.strip() or word}))
                continue
            if len(ends) > 2 or first > last:
                problems.append(Problem(HOURS_DAY_ORDER, {"word": word}))
                continue
            days.append((first, last))
        times: list[tuple[time, time]] = []
        for span in re.split(r"\s*(?:,|\bund\b|\band\b|&)\s*", match["times"].strip()):
            span = re.sub(r"\s*(?:uhr|h)$", "", span, flags=re.IGNORECASE)
            try:  # "9–12" is 9:00–12:00
                times.append(parse_time_range(_BARE_HOUR.sub(r"\1:00", span)))
            except ScheduleError:
                problems.append(Problem(HOURS_TIME, {"word": span}))
        if days and times:
            groups.append(HoursGroup(tuple(days), tuple(times)))
    return tuple(groups), problems


def _clock(moment: time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def format_hours(groups: tuple[HoursGroup, ...]) -> str:
    """The fixed form as stored: `Mo–Fr 9:00–12:00; Di, Do 14:00–16:00`."""

    def days(group: HoursGroup) -> str:
        return ", ".join(
            WEEKDAY_SHORT[a] if a == b else f"{WEEKDAY_SHORT[a]}–{WEEKDAY_SHORT[b]}" for a, b in group.days
        )

    def times(group: HoursGroup) -> str:
        return ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in group.times)

    return "; ".join(f"{days(g)} {times(g)}" for g in groups)


def _hours(text: str) -> tuple[str, list[Problem]]:
    groups, problems = parse_hours(text)
    if problems or not groups:
        return text, problems or [Problem(HOURS_FORM)]
    return format_hours(groups), []


DAY_RANGE = N_("{first_day}–{last_day}")  # Mo–Fr
TIME_RANGE = N_("{start}–{end}")  # 9:00–12:00
DAYS_AND_TIMES = N_("{days} {times}")  # Mo–Fr 9:00–12:00


@lru_cache(maxsize=4096)
def render_hours(value: str, lang: str) -> str:
    """Hours in the fixed form, as a reader of `lang` reads them (`Di 10:00–12:00 und Do 14:00–16:00`,
    `الثلاثاء من 10:00 حتى 12:00 والخميس من 14:00 حتى 16:00`); a value not in the form is shown as it is."""
    groups, problems = parse_hours(value)
    if problems or not groups:
        return value
    gettext = catalogs().gettext
    names = get_day_names("abbreviated", context="stand-alone", locale=lang)

    def day(index: int) -> str:
        return str(names[index]).replace("\u02bc", "\u2019")  # the Ukrainian apostrophe of the glossary

    def days(group: HoursGroup) -> str:
        spans = [
            day(a) if a == b else gettext(lang, DAY_RANGE).format(first_day=day(a), last_day=day(b))
            for a, b in group.days
        ]
        return format_list(spans, locale=lang)

    def times(group: HoursGroup) -> str:
        spans = [gettext(lang, TIME_RANGE).format(start=_clock(a), end=_clock(b)) for a, b in group.times]
        return format_list(spans, locale=lang)

    parts = [gettext(lang, DAYS_AND_TIMES).format(days=days(g), times=times(g)) for g in groups]
    return format_list(parts, locale=lang)


_CHECKS: dict[Kind, Callable[[str], tuple[str, list[Problem]]]] = {
    Kind.PHONE: _phone,
    Kind.EMAIL: _email,
    Kind.LINK: _link,
    Kind.HOURS: _hours,
    Kind.ADDRESS: _address,
}
