"""The FAQ in the chat (free-text questions, browsing by topic, 👍/👎), "ask a person" with its tickets in
the helpers' chat, and the organizers' /unanswered. Mirrors bot/faq/ and bot/tickets.py.

Sending: replies to the person's own action in their private chat are sent directly; every message to
anyone else — the helpers' chat (the card and its edits, the asker's later messages, notices), a helper's
answer to the asker, alerts to helpers and organizers — goes through the outbox (RENDERERS).
"""

from __future__ import annotations

from bot.text import N_
from bot.users import ORGANIZER
from handlers.faq import (
    ask,
    browse,
    conversation,
    feedback,
    handoff,
    media,
    take,
    tickets,
    unanswered,
    withdraw,
)
from handlers.faq.renderers import RENDERERS
from handlers.faq.views import HANDOFF, HANDOFF_LABEL
from handlers.kit import Dialog, Flow
from handlers.menu import CommandInfo, MenuItem

# Routing order: the helpers' chat and "I'll take it" first, the buttons next, then a voice message or photo
# (before the "ask a person" dialog, whose question it may be), then that dialog, then what someone with an
# open question writes (it joins the question); a free-text question last.
FLOWS: list[Flow] = [
    tickets.flow,
    take.flow,
    browse.flow,
    feedback.flow,
    unanswered.flow,
    withdraw.flow,
    media.flow,
    handoff.flow,
    conversation.flow,
    ask.flow,
]

MENU: list[MenuItem] = [
    MenuItem("faq", N_("❓ Questions and answers"), order=10),
    MenuItem(HANDOFF, HANDOFF_LABEL, order=11),
]

COMMANDS: list[CommandInfo] = [
    CommandInfo("faq", N_("Questions and answers by topic"), order=4),
    CommandInfo("ask", N_("Ask a person from our team"), order=5),
    CommandInfo("unanswered", N_("Questions the bot could not answer"), role=ORGANIZER, order=61),
]

# What /cancel ends (and says): the question being typed for a person, the consent to send a voice message
# or photo to a person. An open question is withdrawn with its own button ("Withdraw my question",
# withdraw.py), never by /cancel.
DIALOGS: list[Dialog] = [handoff.ASKING, media.MEDIA]

__all__ = ["COMMANDS", "DIALOGS", "FLOWS", "MENU", "RENDERERS"]
