"""Broadcast and event texts are Telegram HTML: helpers to measure them and to turn them into plain text."""

from __future__ import annotations

import html
import re

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
