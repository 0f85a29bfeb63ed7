"""The one language table: every language the bot names, in one place.

Each language has its code (stored in the database and carried in callbacks, never changed), its name in
itself (the language keyboard, the interpreter choice, the flyer, the broadcast forms) and its English
name, a catalog message id (core.po) that `name_in` translates for a reader of another language. The
bot speaks the languages of `bot.config.SUPPORTED_LANGUAGES`, all of them in this table; an interpreter
can be asked for the `interpreter` ones, and a helper may offer any language here. `OTHER` stands for a
language that is not listed.

This module is the lowest of the bot: it imports nothing of it, so the catalogs (`bot.i18n`) and the
Translator (`bot.text`, which re-exports `N_`) can build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated later, where the reader's language is known."""
    return msgid


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, as stored and in callbacks
    own: str  # named in itself
    name: str  # the English name: a catalog message id, translated with `name_in`
    rtl: bool = False  # written right to left
    interpreter: bool = False  # may be asked for as the interpreter of a counselling appointment


# In the order shown: the bot's six first (the order of the language keyboard), then the others people
# here speak. Kurmanji is written in Latin script, Sorani in Arabic script: both are shown.
LANGUAGES: tuple[Language, ...] = (
    Language("de", "Deutsch", N_("German"), interpreter=True),
    Language("ar", "العربية", N_("Arabic"), rtl=True, interpreter=True),
    Language("fa", "فارسی / دری", N_("Farsi / Dari"), rtl=True, interpreter=True),
    Language("uk", "Українська", N_("Ukrainian"), interpreter=True),
    Language("en", "English", N_("English"), interpreter=True),
    Language("ru", "Русский", N_("Russian"), interpreter=True),
    Language("ku", "Kurdî / کوردی", N_("Kurdish"), interpreter=True),
    Language("ps", "پښتو", N_("Pashto"), rtl=True, interpreter=True),
    Language("so", "Soomaali", N_("Somali"), interpreter=True),
    Language("ti", "ትግርኛ", N_("Tigrinya"), interpreter=True),
    Language("ka", "ქართული", N_("Georgian")),
    Language("sr", "Srpski / Српски", N_("Serbian")),
    Language("tr", "Türkçe", N_("Turkish")),
    Language("fr", "Français", N_("French")),
)
BY_CODE: dict[str, Language] = {language.code: language for language in LANGUAGES}
RTL_LANGUAGES = frozenset(language.code for language in LANGUAGES if language.rtl)
INTERPRETER_LANGUAGES: tuple[str, ...] = tuple(
    language.code for language in LANGUAGES if language.interpreter
)
HELPER_LANGUAGES: tuple[str, ...] = tuple(BY_CODE)  # what a helper may offer, and an assignment ask for

OTHER = "other"  # a language that is not listed
OTHER_NAME = N_("Another language")


def is_known(code: str | None) -> bool:
    return code in BY_CODE


def is_rtl(code: str) -> bool:
    language = BY_CODE.get(code)
    return language is not None and language.rtl


def own_name(code: str) -> str:
    """The language named in itself ("العربية"); an unknown code stands for itself."""
    language = BY_CODE.get(code)
    return language.own if language else code


def name_in(code: str, gettext: Callable[[str], str]) -> str:
    """The language named in the reader's language, with the reader's `gettext` (a Translator's `_`):
    "Arabisch" for a German reader. `OTHER` is "another language"; an unknown code stands for itself."""
    if code == OTHER:
        return gettext(OTHER_NAME)
    language = BY_CODE.get(code)
    return gettext(language.name) if language else code


def both_names(code: str, gettext: Callable[[str], str]) -> str:
    """The language named in the reader's language and in itself, so that scripts one cannot read are
    still told apart: "Arabisch (العربية)" for a German reader; once when the two are the same."""
    name, own = name_in(code, gettext), own_name(code)
    return name if name == own else f"{name} ({own})"
