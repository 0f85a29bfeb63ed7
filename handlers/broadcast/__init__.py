"""Announcements in the bot: /subscribe (topics), /events (and "I'll come"), /newevent, /broadcast with
its translations, preview and time, /broadcasts, /topics; the outbox renderers of broadcasts, reports and
event reminders. Mirrors bot/broadcast/ (the rules live there); bot/wiring.py lists what is exported here.

- subscribe.py   /subscribe, the offer after the language is chosen, "stop news" under a broadcast
- events.py      /events a page at a time, "I'll come" / "I can't come", cancelling an event
- event_new.py   /newevent, one typed answer or quick pick at a time (the dialog's state: event_form.py)
- event_steps.py its questions in order, "⬅️ Back", and "✏️" from the summary back to the summary
- event_save.py  the summary of a new event: its language, discard, save
- announce.py    an event announced in one step (a ready broadcast draft)
- compose.py     /broadcast: topic, audience, text (and photo)
- menu_entry.py  the organizers' menu button that starts the same as /broadcast
- translate.py   the texts per language: typed, machine-translated, or the original
- schedule.py    preview, send now or later, confirm, discard
- preview.py     the preview: one message per language with readers, paced at the chat's rate
- planned.py     /broadcasts: planned ones, cancel, send a held one now
- topics.py      /topics: names in every language, new topics, hide / show
- callbacks.py, views.py, renderers.py: buttons, texts and keyboards, outbox renderers
- drafts.py, targets.py: what the compose flows share (the draft a press or an answer is about, refusals)
"""

from __future__ import annotations

from bot.broadcast import payloads as kinds
from bot.delivery.render import Renderer
from bot.text import N_
from bot.users import ORGANIZER
from handlers.broadcast import (
    announce,
    compose,
    event_new,
    event_save,
    events,
    menu_entry,
    planned,
    renderers,
    schedule,
    subscribe,
    topics,
    translate,
)
from handlers.broadcast.drafts import COMPOSING
from handlers.broadcast.event_form import NEW_EVENT
from handlers.broadcast.subscribe import offer_subscriptions
from handlers.kit import Dialog, Flow
from handlers.menu import CommandInfo, MenuItem

FLOWS: list[Flow] = [
    subscribe.flow,
    events.flow,
    event_new.flow,
    event_save.flow,
    announce.flow,
    compose.flow,
    menu_entry.flow,
    translate.flow,
    schedule.flow,
    planned.flow,
    topics.flow,
]

RENDERERS: dict[str, Renderer] = {
    kinds.BROADCAST: renderers.render_broadcast,
    kinds.BROADCAST_PHOTO: renderers.render_broadcast_photo,
    kinds.BROADCAST_REPORT: renderers.render_report,
    kinds.BROADCAST_HELD: renderers.render_held,
    kinds.EVENT_REMINDER: renderers.render_reminder,
    kinds.EVENT_CANCELLED: renderers.render_cancelled,
    kinds.EVENT_CHANGED: renderers.render_changed,
}

# What /cancel ends (and says): typing a broadcast, /newevent, a topic's name.
DIALOGS: list[Dialog] = [COMPOSING, NEW_EVENT, topics.NAMING]

MENU: list[MenuItem] = [
    MenuItem("subscribe", N_("🔔 News"), order=20),
    MenuItem("events", N_("📅 Events"), order=21),
    MenuItem(menu_entry.MENU_ACTION, N_("📣 Send news"), role=ORGANIZER, order=60),
]

COMMANDS: list[CommandInfo] = [
    CommandInfo("subscribe", N_("Choose which news you get"), order=20),
    CommandInfo("events", N_("Upcoming events"), order=21),
    CommandInfo("myevents", N_("Events you registered for"), order=22),
    CommandInfo("newevent", N_("Create an event"), role=ORGANIZER, order=62),
    CommandInfo("broadcast", N_("Send news to subscribers"), role=ORGANIZER, order=63),
    CommandInfo("broadcasts", N_("Planned broadcasts"), role=ORGANIZER, order=64),
    CommandInfo("topics", N_("Topics of the news"), role=ORGANIZER, order=65),
]

# Steps after a person chooses their language for the first time (bot/wiring.py hands them to the start flow).
AFTER_LANGUAGE = [offer_subscriptions]

__all__ = ["AFTER_LANGUAGE", "COMMANDS", "DIALOGS", "FLOWS", "MENU", "RENDERERS"]
