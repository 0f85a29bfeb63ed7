"""Dates in a German letter: the letter's own date, deadlines ("bis zum 15.01.2027", "innerhalb von zwei
Wochen nach Zugang") and appointments ("Termin am 12.01.2027 um 9:30 Uhr, Zimmer 2.14").

Never a guess: a date whose digits had to be repaired (OCR reads 0 as O, 1 as l), a deadline counted from
the letter's date, or a date that is not plausible for a letter is marked `sure=False`, and the reader is
asked to check it. A date nobody asks anything by (a birth date, a period "vom … bis …", "Ihr Schreiben
vom …") is not a deadline.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from bot.letters.senders import fold


class DateKind(StrEnum):
    DEADLINE = "deadline"
    APPOINTMENT = "appointment"


@dataclass(frozen=True)
class FoundDate:
    kind: DateKind
    day: date
    at: time | None = None
    sure: bool = True
    counted: bool = False  # counted from the letter's date ("within two weeks of receipt")
    room: str | None = None


MONTHS = {
    "januar": 1, "janner": 1, "februar": 2, "marz": 3, "maerz": 3, "april": 4, "mai": 5, "juni": 6,
    "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
}  # fmt: skip
NUMBERS = {
    "einer": 1, "eines": 1, "einem": 1, "ein": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "zehn": 10, "zwolf": 12, "vierzehn": 14, "dreissig": 30,
}  # fmt: skip
# A digit as OCR may read it (in folded, lower-case text): o for 0, i l | for 1, s for 5, b for 8.
_D = r"[0-9oil|sb]"
NUMERIC = re.compile(
    rf"(?<![0-9])({_D}{{1,2}})\s?[.,]\s?({_D}{{1,2}})\s?[.,]\s?({_D}{{4}}|{_D}{{2}})(?![0-9])"
)
WORDED = re.compile(r"(?<![0-9])(\d{1,2})\.?\s+(" + "|".join(MONTHS) + r")\s+(\d{4})")
TIME = re.compile(r"^\D{0,25}?(?:um\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*uhr")
ROOM = re.compile(r"(?:zimmer|raum|saal)\s*(?:nr\.?\s*)?([0-9a-z](?:[0-9a-z./-]{0,6}[0-9a-z])?)")
# Only a period counted from receiving the letter: "nach dem Einzug" and the like count from something else.
RELATIVE = re.compile(
    r"(?:innerhalb|binnen)\s+(?:von\s+)?(\w+)\s+(woche|wochen|monat|monats|monaten|tag|tagen)"
    r"\s+(?:nach|ab)\s+(?:zugang|erhalt|bekanntgabe|zustellung|eingang)"
)
_REPAIR = str.maketrans({"o": "0", "i": "1", "l": "1", "|": "1", "s": "5", "b": "8"})

DEADLINE_CUES = re.compile(
    r"(bis\s+(zum|spatestens|einschliesslich|am)?|spatestens(\s+(bis|am|zum))?|frist|fallig(\s+am)?|"
    r"zahlbar\s+bis|einzureichen\s+bis|vorzulegen\s+bis)\s*:?\s*$"
)
APPOINTMENT_CUES = re.compile(
    r"(termin|einladung|eingeladen|vorsprache|vorsprechen|erscheinen|elternabend|elterngesprach|"
    r"anhorung|verhandlung|gesprach|beratungsgesprach|wohnungsubergabe|ablesung|findet)"
)
NOT_A_DEADLINE = re.compile(
    r"(geb\.?|geboren(\s+am)?|schreiben\s+vom|antrag\s+vom|bescheid\s+vom|vom|zeitraum|ab|seit|datum:?|"
    r"ausgestellt\s+am|gultig\s+bis|\d\s*(bis(\s+einschliesslich)?|-))\s*$"  # the last: a period
)


def add_months(day: date, months: int) -> date:
    """The same day some months later (31 January + 1 month = 28/29 February), as German law counts."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _year(raw: str) -> int:
    value = int(raw)
    return value + 2000 if value < 100 else value


def _plausible(day: date, today: date) -> bool:
    return today.year - 2 <= day.year <= today.year + 3


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    day: date
    repaired: bool


def _hits(text: str, today: date) -> list[_Hit]:
    hits: list[_Hit] = []
    for match in NUMERIC.finditer(text):
        raw = match.groups()
        digits = tuple(part.translate(_REPAIR) for part in raw)
        try:
            day = date(_year(digits[2]), int(digits[1]), int(digits[0]))
        except ValueError:
            continue
        hits.append(_Hit(match.start(), match.end(), day, digits != raw))
    for match in WORDED.finditer(text):
        try:
            day = date(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
        except ValueError:
            continue
        hits.append(_Hit(match.start(), match.end(), day, False))
    return sorted((h for h in hits if _plausible(h.day, today)), key=lambda h: h.start)


def letter_date(text: str, today: date) -> tuple[date | None, bool]:
    """The letter's own date: after "Datum", or "<place>, <date>" on a line of its own, near the top."""
    lines = fold(text).splitlines()
    top = "\n".join(lines[:18])
    for hit in _hits(top, today):
        before = top[max(0, hit.start - 30) : hit.start]
        line_start = top.rfind("\n", 0, hit.start) + 1
        own_line = top[line_start : hit.start]
        if re.search(r"datum:?\s*$", before) or re.fullmatch(r"\s*[a-z .-]{2,30},\s*(den\s+)?", own_line):
            return hit.day, not hit.repaired
    return None, False


def find_dates(text: str, today: date) -> tuple[date | None, list[FoundDate]]:
    """The letter's date, and every deadline and appointment, earliest first."""
    folded = fold(text)
    written, _ = letter_date(text, today)
    found: list[FoundDate] = []
    for hit in _hits(folded, today):
        before = folded[max(0, hit.start - 45) : hit.start]
        after = folded[hit.end : hit.end + 60]
        if hit.day == written or NOT_A_DEADLINE.search(before):
            continue
        if written is not None and hit.day < written:
            continue  # what happened before the letter (an incident, an earlier visit) asks nothing of you
        sure = not hit.repaired
        if DEADLINE_CUES.search(before):
            found.append(FoundDate(DateKind.DEADLINE, hit.day, sure=sure))
            continue
        clock = TIME.match(after)
        cue = APPOINTMENT_CUES.search(folded[max(0, hit.start - 120) : hit.start])
        hours = re.match(r"[^\n]{0,40}?\buhr\b", after)  # "zwischen 8 und 12 Uhr"
        if clock or hours or (cue and re.match(r"\s*(um|,)", after)):
            at = None
            if clock:
                hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
                at = time(hour, minute) if hour < 24 and minute < 60 else None
            room = ROOM.search(folded[hit.end : hit.end + 120])
            found.append(
                FoundDate(
                    DateKind.APPOINTMENT, hit.day, at=at, sure=sure, room=room.group(1) if room else None
                )
            )
    for match in RELATIVE.finditer(folded):
        amount = NUMBERS.get(match.group(1)) or (int(match.group(1)) if match.group(1).isdigit() else None)
        if amount is None or written is None:
            continue
        unit = match.group(2)
        if unit.startswith("woche"):
            due = written + timedelta(weeks=amount)
        elif unit.startswith("monat"):
            due = add_months(written, amount)
        else:
            due = written + timedelta(days=amount)
        # Counted from the letter's date: the law counts from when it reached you, so always "please check".
        found.append(FoundDate(DateKind.DEADLINE, due, sure=False, counted=True))
    unique: dict[tuple[DateKind, date], FoundDate] = {}
    for item in found:
        unique.setdefault((item.kind, item.day), item)
    return written, sorted(unique.values(), key=lambda f: f.day)
