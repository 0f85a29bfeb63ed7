"""The console's own words: the gettext domain `console` in German and English (the organizers'
languages), read apart from what the bot says (bot.i18n.SEPARATE_DOMAINS).

Message ids are English with `{name}` placeholders, as in the bot. In Python and in templates alike,
`tr._("Saved {what}", what=value)` returns Markup: the translation is trusted, the values are escaped.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import Translations
from markupsafe import Markup

from bot.i18n import SEPARATE_DOMAINS, catalogs, load_domain
from bot.languages import name_in, own_name

DOMAIN = "console"
LANGUAGES: tuple[str, ...] = SEPARATE_DOMAINS[DOMAIN]  # ("de", "en")
DEFAULT = "de"
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}  # each in its own language


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> Translations:
    return load_domain(lang, DOMAIN)


class ConsoleTranslator:
    """Everything language-dependent on a console page, for one language."""

    def __init__(self, lang: str, tz: ZoneInfo) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self.tz = tz
        self._t = translations(self.lang)

    def _(self, msgid: str, /, **values: object) -> Markup:
        return Markup(self._t.gettext(msgid)).format(**values) if values else Markup(self._t.gettext(msgid))

    def n_(self, singular: str, plural: str, n: int, /, **values: object) -> Markup:
        values.setdefault("n", self.number(n))
        return Markup(self._t.ngettext(singular, plural, n)).format(**values)

    def datetime(self, moment: datetime) -> str:
        """A moment (UTC in) in the configured zone: "23.03.2026, 10:00"."""
        return format_datetime(moment.astimezone(self.tz), "short", locale=self.lang)

    def date(self, day: date | datetime) -> str:
        if isinstance(day, datetime):
            day = day.astimezone(self.tz).date()
        return format_date(day, "medium", locale=self.lang)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.lang)


def choose(preferred: str | None, accept_language: str | None) -> str:
    """The page language: the one chosen in the console (cookie), else the browser's first of de/en."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def bot_language(console_lang: str, code: str) -> tuple[str, str]:
    """A language of the bot named in the console's language and in itself: ("Farsi / Dari", "فارسی / دری")."""
    return name_in(code, lambda msgid: catalogs().gettext(console_lang, msgid)), own_name(code)


def language_label(console_lang: str, code: str) -> str:
    """ "Arabisch (العربية)"; just "Deutsch" where both names are the same."""
    named, own = bot_language(console_lang, code)
    return named if named == own else f"{named} ({own})"
