"""Broadcast and event texts are Telegram HTML: helpers to measure them, to turn them into plain text, to
check a text typed as HTML (the web console), and to tell whether a text is in the language it is labelled
with."""

from __future__ import annotations

import html
import re
from functools import cache

from bot import telegram_html
from bot.faq.detect import SCRIPT_OF, TEXT_LINGUA_SCRIPTS, LanguageDetector

# A broadcast is at most 4096 characters after entity parsing; keep room for the machine-translation note
# and a little growth in translation.
MAX_TEXT = 3800
MAX_CAPTION = 1024
# Room left in a photo caption for the machine-translation note the renderer may add.
NOTE_RESERVE = 150

_TAG = re.compile(r"<[^>]*>")


def plain_text(fragment: str) -> str:
    """Visible text of a Telegram HTML fragment (tags removed, entities decoded)."""
    return html.unescape(_TAG.sub("", fragment))


def visible_length(fragment: str) -> int:
    """Length as Telegram counts it: UTF-16 code units of the visible text."""
    return len(plain_text(fragment).encode("utf-16-le")) // 2


def fits_caption(fragment: str) -> bool:
    return visible_length(fragment) <= MAX_CAPTION - NOTE_RESERVE


# --- texts typed as HTML (the web console) ------------------------------------------------------------------
def typed_html(text: str) -> str:
    """A text typed as Telegram HTML (not taken from a Telegram message): a `&` or `<` that starts no
    entity or tag is escaped, as Telegram would show it ("Mo & Di")."""
    return telegram_html.normalize(text.replace("\r\n", "\n").strip())


def html_problem(fragment: str) -> telegram_html.Problem | None:
    """What Telegram would refuse in a typed text (the first problem), or None."""
    found = telegram_html.problems(fragment)
    return found[0] if found else None


def for_browser(fragment: str) -> str:
    """The text as a web page shows it: Telegram's formatting only; a text with problems as plain text."""
    if html_problem(fragment) is None:
        return telegram_html.to_browser(fragment)
    return html.escape(fragment, quote=False)


# --- is the text in the language it is labelled with? -------------------------------------------------------
# Within one script (ar/fa, uk/ru, de/en) only a confident guess on a few words is a warning: names and
# German terms ("Jobcenter", "Kita") say little. Another script is always one.
MISMATCH_CONFIDENCE = 0.9
MISMATCH_MIN_WORDS = 3


@cache
def _language_detector() -> LanguageDetector:
    # lingua's Cyrillic models too (bot/faq/detect.py), loaded at the first text an organizer writes
    return LanguageDetector(lingua_scripts=TEXT_LINGUA_SCRIPTS)


def looks_like(fragment: str, label: str) -> str | None:
    """The language a text seems to be written in when that is not `label` (an Arabic text in the Farsi
    box: "ar"); None when it fits or is too short to tell."""
    visible = plain_text(fragment)
    lang, confidence = _language_detector().detect(visible)
    if lang is None or lang == label:
        return None
    if SCRIPT_OF.get(lang) != SCRIPT_OF.get(label):
        return lang
    if confidence >= MISMATCH_CONFIDENCE and len(visible.split()) >= MISMATCH_MIN_WORDS:
        return lang
    return None


HtmlProblem = telegram_html.Problem
