"""Rendering text for a reader: translation, HTML escaping, right-to-left isolation, dates and times.

One mechanism for every language: a `Translator` for the reader's language translates a message id,
escapes every inserted value for Telegram's HTML mode, and, in a right-to-left language, wraps each
left-to-right insert (time, name, address, number, URL, German term) in Unicode isolates so Telegram
does not scramble the line. Catalog strings themselves are trusted HTML (checked by a test).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bot.i18n import Catalogs, catalogs
from bot.languages import N_ as N_  # re-exported: the marker lives with the language table, below us
from bot.languages import is_rtl

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
DEFAULT_TZ = ZoneInfo("Europe/Berlin")


# What free text may not carry into the database or to Telegram: NUL (PostgreSQL refuses it), the other C0
# controls but tab and newline, DEL and the C1 controls (invisible, or refused by Telegram), and lone
# surrogates (not encodable as UTF-8).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str, limit: int | None = None) -> str:
    """Free text as it may be stored: unsafe characters dropped, line ends as \\n, trimmed, at most `limit`
    characters. Services call it on every free-text field they store."""
    text = _UNSAFE.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return text[:limit].rstrip() if limit is not None else text


class Html(str):
    """A fragment that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def escape(value: object) -> str:
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=False)


def isolate(text: str) -> str:
    return f"{FSI}{text}{PDI}"


class Translator:
    """Everything language-dependent a reader sees, for one language."""

    def __init__(self, lang: str, tz: ZoneInfo = DEFAULT_TZ, source: Catalogs | None = None) -> None:
        self.lang = lang
        self.tz = tz
        self.rtl = is_rtl(lang)
        self._catalogs = source or catalogs()

    def _(self, msgid: str, /, **values: object) -> str:
        return self.fill(self._catalogs.gettext(self.lang, msgid), **values)

    def n_(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        values.setdefault("n", n)
        return self.fill(self._catalogs.ngettext(self.lang, singular, plural, n), **values)

    def fill(self, template: str, **values: object) -> str:
        """Insert escaped (and, in RTL text, isolated) values into a trusted template."""
        if not values:
            return template
        return template.format(**{key: self.insert(value) for key, value in values.items()})

    def insert(self, value: object) -> str:
        text = escape(value)
        if self.rtl and not isinstance(value, Html) and text:
            return isolate(text)
        return text

    # Dates and times: stored in UTC, shown in the configured zone, formatted per locale.
    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def datetime(self, moment: datetime) -> str:
        """Weekday, day, month and time, e.g. "Di., 3. März, 10:30"."""
        return self._("{date}, {time}", date=self.date(moment), time=self.time(moment))

    def date(self, day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = self._local(day).date()
        return format_skeleton("MMMEd", day, locale=self.lang)

    def time(self, moment: datetime) -> str:
        return format_skeleton("Hm", self._local(moment), locale=self.lang)
