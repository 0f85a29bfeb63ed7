"""Rendering text for a reader: translation, HTML escaping, right-to-left isolation, dates and times.

One mechanism for every language: a `Translator` for the reader's language translates a message id,
escapes every inserted value for Telegram's HTML mode, and, in a right-to-left language, wraps each
left-to-right insert (time, name, address, number, URL, German term) in Unicode isolates so Telegram
does not scramble the line. Catalog strings themselves are trusted HTML (checked by a test).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
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

    def comma_list(self, items: Iterable[object]) -> str:
        """Items in a row, separated by the language's comma (Arabic and Persian write ، ), as given (a
        caller inserts or escapes them)."""
        return ("، " if self.rtl else ", ").join(str(item) for item in items)

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


# --- long texts -----------------------------------------------------------------------------------------
# Telegram's limit of a message's text, in UTF-16 code units after entities are parsed.
TELEGRAM_TEXT_LIMIT = 4096


def utf16_len(text: str) -> int:
    """The length Telegram counts: characters beyond the BMP (most emoji) take two units."""
    return len(text.encode("utf-16-le")) // 2


_SENTENCE_END = re.compile(r"(?<=[.!?؟。…])(\s+)")
_SPACES = re.compile(r"(\s+)")


def split_text(text: str, limit: int) -> list[tuple[str, str]]:
    """Cut a text into (piece, separator) pairs with pieces of at most `limit` characters, cut at line
    ends, then sentence ends, then spaces (a giant word is cut hard); joining every piece and its
    separator gives the text back exactly, so translated pieces keep the original's line breaks."""
    pieces: list[tuple[str, str]] = []
    current: tuple[str, str] | None = None
    for atom, sep in _atoms(text, limit):
        if current is not None and len(current[0]) + len(current[1]) + len(atom) <= limit:
            current = (current[0] + current[1] + atom, sep)
            continue
        if current is not None:
            pieces.append(current)
        current = (atom, sep)
    pieces.append(current or ("", ""))
    return pieces


def _pairs(parts: list[str]) -> list[tuple[str, str]]:
    """["a", " ", "b"] (from re.split with a captured separator) -> [("a", " "), ("b", "")]."""
    return [(parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]


def _atoms(text: str, limit: int) -> list[tuple[str, str]]:
    atoms: list[tuple[str, str]] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        line_sep = "\n" if index < len(lines) - 1 else ""
        found: list[tuple[str, str]] = []
        if len(line) <= limit:
            found.append((line, ""))
        else:
            for sentence, space in _pairs(_SENTENCE_END.split(line)):
                if len(sentence) <= limit:
                    found.append((sentence, space))
                    continue
                for word, gap in _pairs(_SPACES.split(sentence)):
                    cuts = [word[i : i + limit] for i in range(0, len(word), limit)] or [""]
                    found.extend((cut, "") for cut in cuts[:-1])
                    found.append((cuts[-1], gap))
                if found:
                    found[-1] = (found[-1][0], found[-1][1] + space)
        found[-1] = (found[-1][0], found[-1][1] + line_sep)
        atoms.extend(found)
    return atoms


def clip(text: str, limit: int) -> str:
    """A preview of at most `limit` characters, marked with … when shortened (lists, never a relay)."""
    text = clean_text(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_parts(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` UTF-16 units (cut at line ends, then sentence ends, then spaces),
    none empty, nothing lost but the white space between two parts. Telegram counts UTF-16 units: each
    character beyond the BMP (most emoji) takes two, so the cut leaves room for all of them."""
    text = text.strip()
    units = utf16_len(text)
    if units <= limit:
        return [text] if text else [""]
    chars = max(limit // 2, limit - (units - len(text)))
    parts = [piece.strip() for piece, _sep in split_text(text, max(1, chars))]
    return [part for part in parts if part] or [""]
