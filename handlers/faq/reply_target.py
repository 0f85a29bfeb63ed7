"""Which ticket a bot message in the helpers' chat belongs to, read from the message itself: the number in
the bold head of a card, of a further part of a question, or of a later message of the asker ("❓ <b>Question
no. 12</b> · …", rendered in the helpers' language by handlers/faq/ticket_views.py).

The database knows it too, but only once the delivery worker has recorded the message's id, and a helper
can reply sooner: the message is in the group the moment Telegram accepts it, its id is written down a
moment later (seconds on a busy machine). And a message whose sending was cut off by a crash is sent once
more (docs/delivery.md); the id of the first copy is never recorded. A reply to either would otherwise be
dropped as a reply to "some other bot message" (found by tests/e2e/test_ticket_faults.py).

Only the bot's own formatting counts: the head must be a bold entity of the bot's message (what a person
typed is never bold HTML in `html_text`), in one of the two templates below.
"""

from __future__ import annotations

import re
from functools import cache

from aiogram.types import Message

from bot.text import Translator

# The heads that carry the ticket's number (the msgids of handlers/faq/ticket_views.py).
HEADS = (
    "❓ <b>Question no. {number}</b> · {language}",
    "💬 <b>Question no. {number}</b> · new message from the person · {language}",
)
_BOLD = re.compile(r"<b>(.*?)</b>", re.S)


@cache
def _patterns(lang: str) -> tuple[re.Pattern[str], ...]:
    tr = Translator(lang)
    found = []
    for head in HEADS:
        bold = _BOLD.search(tr._(head))
        if bold is None or "{number}" not in bold.group(1):
            continue
        before, after = (re.escape(p) for p in bold.group(1).split("{number}", 1))
        # a number may be wrapped in Unicode isolates (right-to-left helpers' language)
        found.append(re.compile(rf"<b>{before}\u2068?(\d+)\u2069?{after}</b>"))
    return tuple(found)


def named_ticket(replied: Message, helpers_lang: str) -> int | None:
    """The ticket number in the head of `replied` (a message of the bot), or None."""
    try:
        head = replied.html_text.split("\n", 1)[0]
    except (TypeError, ValueError, IndexError):
        return None
    for pattern in _patterns(helpers_lang):
        match = pattern.search(head)
        if match:
            return int(match.group(1))
    return None
