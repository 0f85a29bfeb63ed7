"""Dates and times typed by organizers: "DD.MM.YYYY HH:MM" in the configured zone, stored in UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Organizers may type Arabic-Indic or Persian digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_DATETIME = re.compile(
    r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\s*,?\s*(?:um\s+)?(\d{1,2})[:.](\d{2})\s*(?:uhr|h)?\s*$",
    re.IGNORECASE,
)
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*(?:uhr|h)?\s*$", re.IGNORECASE)
FORMAT = "%d.%m.%Y %H:%M"


def ascii_digits(text: str) -> str:
    """The text with Arabic-Indic and Persian digits as 0-9, so that int() and the patterns read them."""
    return text.translate(_DIGITS)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=tz).astimezone(UTC)


def parse_datetime(text: str, tz: ZoneInfo) -> datetime | None:
    """ "24.03.2026 18:00" (also 24.3.26 18.00) in the zone `tz`, as UTC; None when it is not one."""
    match = _DATETIME.match(ascii_digits(text))
    if not match:
        return None
    day, month, year, hour, minute = (int(g) for g in match.groups())
    if year < 100:
        year += 2000
    try:
        return _local(date(year, month, day), time(hour, minute), tz)
    except ValueError:  # 31.02., 25:00
        return None


def parse_end(text: str, start: datetime, tz: ZoneInfo) -> datetime | None:
    """The end of an event: a time on the start day ("20:00") or a full date and time."""
    match = _TIME.match(ascii_digits(text))
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        try:
            return _local(start.astimezone(tz).date(), time(hour, minute), tz)
        except ValueError:
            return None
    return parse_datetime(text, tz)


def example(now: datetime, tz: ZoneInfo) -> str:
    """Tomorrow at 18:00 in the organizer's zone, written the way we want it typed."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(18, 0)).strftime(FORMAT)
