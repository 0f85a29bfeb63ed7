"""What the flyer says and where its codes lead: texts from the catalogs, deep links into the bot."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import SUPPORTED_LANGUAGES
from bot.i18n import Catalogs, catalogs
from bot.languages import is_rtl, own_name
from bot.text import N_

# The demo emulator's bot (emulator.server.BotAPIEmulator's default username): used when no real
# bot is known, and the flyer is then marked SAMPLE.
SAMPLE_BOT_USERNAME = "helfernetz_demo_bot"
# /start payload that sets the language at once (handled in handlers/core/start.py).
LANGUAGE_PAYLOAD_PREFIX = "lang-"
TELEGRAM_LINK = "https://t.me/"

SCAN_ME = N_("Ask questions, book counselling, get news: scan me")
ALL_LANGUAGES = N_("All languages: the bot asks which one you want")
SAMPLE_NOTE = N_(
    "SAMPLE: @{username} is the demo bot, not a real Telegram bot. "
    "Make the flyer with your own bot's username before printing it."
)

_USERNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")


class FlyerError(ValueError):
    """The flyer cannot be made with what was given (the message says why)."""


def normalize_username(name: str) -> str:
    """'@helfer_bot', 'helfer_bot' or 'https://t.me/helfer_bot' -> 'helfer_bot'; FlyerError if invalid."""
    value = name.strip()
    for prefix in ("https://t.me/", "http://t.me/", "t.me/", "@"):
        value = value.removeprefix(prefix)
    value = value.split("?")[0].strip("/")
    if not _USERNAME_RE.fullmatch(value):
        raise FlyerError(
            f"flyer: {name!r} is not a Telegram username (5-32 letters, digits and _; it starts with a letter)"
        )
    if not value.lower().endswith("bot"):
        raise FlyerError(f"flyer: {name!r} is not a bot's username (a bot's username ends in 'bot')")
    return value


def is_sample(username: str) -> bool:
    """The demo's bot: a flyer for it is marked SAMPLE."""
    return username.lower() == SAMPLE_BOT_USERNAME


def deep_link(username: str, lang: str | None = None) -> str:
    """t.me link that opens the bot; with `lang`, /start carries `lang-XX` and sets that language."""
    link = f"{TELEGRAM_LINK}{username}"
    return f"{link}?start={LANGUAGE_PAYLOAD_PREFIX}{lang}" if lang else link


@dataclass(frozen=True)
class LanguageCode:
    """One card of the flyer: a language, its line in its own script, and the code's link."""

    lang: str
    name: str  # the language named in itself
    text: str
    url: str
    rtl: bool


@dataclass(frozen=True)
class FlyerContent:
    title: str  # the association's name
    lang: str  # language of the parts that are not per language (generic label, sample note)
    username: str
    codes: tuple[LanguageCode, ...]
    generic_url: str
    generic_label: str
    sample_note: str | None  # set when the bot's name is only a sample

    @property
    def rtl(self) -> bool:
        return is_rtl(self.lang)

    @property
    def urls(self) -> list[str]:
        return [code.url for code in self.codes] + [self.generic_url]


def build_content(
    username: str,
    *,
    title: str,
    lang: str = "de",
    sample: bool = False,
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES,
    source: Catalogs | None = None,
) -> FlyerContent:
    """The flyer's texts (plain text, not Telegram HTML) and links for the bot `username`."""
    cat = source or catalogs()
    username = normalize_username(username)
    codes = tuple(
        LanguageCode(
            lang=code,
            name=own_name(code),
            text=cat.gettext(code, SCAN_ME),
            url=deep_link(username, code),
            rtl=is_rtl(code),
        )
        for code in languages
    )
    note = cat.gettext(lang, SAMPLE_NOTE).format(username=username) if sample else None
    return FlyerContent(
        title=title.strip(),
        lang=lang,
        username=username,
        codes=codes,
        generic_url=deep_link(username),
        generic_label=cat.gettext(lang, ALL_LANGUAGES),
        sample_note=note,
    )
