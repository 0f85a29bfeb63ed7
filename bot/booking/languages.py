"""Languages an interpreter can be asked for: each named in its own script for the person choosing,
and in the reader's language (from the Unicode CLDR via Babel) for the counsellor."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from bot.text import N_

OTHER = "other"
NOT_NEEDED = "-"  # the person needs no interpreter (what the "No, not needed" button carries)
# Kurmanji is written in Latin script, Sorani in Arabic script: both are shown.
INTERPRETER_LANGUAGES: dict[str, str] = {
    "de": "Deutsch",
    "ar": "العربية",
    "fa": "فارسی / دری",
    "uk": "Українська",
    "ru": "Русский",
    "en": "English",
    "ku": "Kurdî / کوردی",
    "ps": "پښتو",
    "so": "Soomaali",
    "ti": "ትግርኛ",
}
OTHER_LABEL = N_("Another language")


def own_name(code: str) -> str | None:
    """The language named in itself; None for "other" (translated by the caller) or unknown codes."""
    return INTERPRETER_LANGUAGES.get(code)


def name_for_reader(code: str, reader_lang: str) -> str | None:
    """The language named in the reader's language (e.g. "Arabisch" for a German counsellor)."""
    if code not in INTERPRETER_LANGUAGES:
        return None
    try:
        name = Locale.parse(reader_lang).languages.get(code)
    except (UnknownLocaleError, ValueError):
        name = None
    return name or INTERPRETER_LANGUAGES[code]


def is_valid(code: str | None) -> bool:
    return code is None or code == OTHER or code in INTERPRETER_LANGUAGES


def chosen(code: str | None) -> str | None:
    """The interpreter language to store for a choice: None when none is needed, a known code, or
    OTHER for anything else (a forged or outdated code)."""
    if code in (None, "", NOT_NEEDED):
        return None
    return code if is_valid(code) else OTHER
