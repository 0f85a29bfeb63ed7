"""UI strings: gettext catalogs (`locales/<lang>/LC_MESSAGES/*.po`) read with Babel at start-up.

The .po files are compiled in memory, so no manual compile step exists. Each capability keeps its own
domain file (core.po, faq.po, booking.po, ...); all domains of a language are merged into one catalog.
Message ids are English; `{name}` placeholders are filled with `str.format` after translation.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.config import ROOT, SUPPORTED_LANGUAGES
from bot.languages import is_rtl

LOCALES_DIR = ROOT / "locales"
LRM = "\u200e"  # LEFT-TO-RIGHT MARK
# A command ("/book") after a space in right-to-left text: with nothing strongly left-to-right before it,
# its slash takes the line's direction and shows on the wrong side ("book/"). A mark before it fixes that.
_COMMAND = re.compile(r"(?<![^\s(])/(?=[A-Za-z])")


def commands_left_to_right(text: str) -> str:
    """Right-to-left text with its bot commands shown as "/book", not "book/"."""
    return _COMMAND.sub(LRM + "/", text)


def normalize_language(code: str | None, default: str) -> str:
    """Map a Telegram `language_code` ("uk", "pt-br", "fa-IR", "prs") to a supported language."""
    if not code:
        return default
    base = code.lower().replace("_", "-").split("-")[0]
    aliases = {"prs": "fa", "per": "fa", "ua": "uk", "be": "ru"}
    base = aliases.get(base, base)
    return base if base in SUPPORTED_LANGUAGES else default


# Domains with a reader of their own, not merged into what the bot says: the organizers' web console
# (German and English only; console/i18n.py loads it with `load_domain`).
SEPARATE_DOMAINS: dict[str, tuple[str, ...]] = {"console": ("de", "en")}


def load_domain(lang: str, domain: str, path: Path = LOCALES_DIR) -> Translations:
    """One domain's catalog of one language (empty when it has none: message ids are English)."""
    po_path = path / lang / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=domain)


def _load_language(lang_dir: Path) -> Translations:
    merged: Translations | None = None
    for po_path in sorted((lang_dir / "LC_MESSAGES").glob("*.po")):
        if po_path.stem in SEPARATE_DOMAINS:
            continue
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=lang_dir.name)
        if is_rtl(lang_dir.name):
            for message in catalog:
                if isinstance(message.string, tuple):
                    message.string = tuple(commands_left_to_right(form) for form in message.string)
                elif message.string:
                    message.string = commands_left_to_right(message.string)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        translations = Translations(fp=buf, domain=po_path.stem)
        if merged is None:
            merged = translations
        else:
            merged.merge(translations)
    return merged or Translations()


class Catalogs:
    """All languages' translations, loaded once."""

    def __init__(self, path: Path = LOCALES_DIR) -> None:
        self.path = path
        self.translations: dict[str, Translations] = {
            lang: _load_language(path / lang) for lang in SUPPORTED_LANGUAGES if (path / lang).is_dir()
        }

    def gettext(self, lang: str, msgid: str) -> str:
        translations = self.translations.get(lang)
        return translations.gettext(msgid) if translations else msgid

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        translations = self.translations.get(lang)
        if translations is None:
            return singular if n == 1 else plural
        return translations.ngettext(singular, plural, n)


@lru_cache(maxsize=1)
def catalogs() -> Catalogs:
    return Catalogs()
