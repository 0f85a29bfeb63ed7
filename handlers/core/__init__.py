"""The core flows: /start and its links, the language, /menu, /help, /cancel, privacy and erasure, helper
invitations and removal (/helpers), the login link to the web console (/console), the fallback for everything nobody handled, and the error handler.

Exports for bot/wiring.py: FLOWS (routed first; other capabilities' deep links go before them), WAITING
(text typed while a dialog waits for a button, routed just before the free text of letters and the FAQ),
FALLBACK (routed last), ERRORS (the error handler), MENU, COMMANDS and RENDERERS (none: the core queues
nothing in the outbox), DIALOGS (none: /cancel ends the dialogs the other capabilities list). What other
capabilities add to /start and the language choice comes in as handler arguments (handlers/core/hooks.py);
what /cancel may end and say, as `dialogs`.
"""

from __future__ import annotations

from bot.delivery.render import Renderer
from bot.text import N_
from bot.users import ORGANIZER
from handlers.core import (
    console,
    errors,
    fallback,
    help_menu,
    helpers_admin,
    language,
    privacy,
    roles,
    start,
    waiting,
)
from handlers.core.hooks import AfterLanguage
from handlers.kit import Dialog, Flow
from handlers.menu import CommandInfo, MenuItem

FLOWS: list[Flow] = [
    start.flow,
    language.flow,
    help_menu.flow,
    privacy.flow,
    roles.flow,
    helpers_admin.flow,
    console.flow,
]
# Routed just before the free text of letters and the FAQ (bot/wiring.py).
WAITING: list[Flow] = [waiting.flow]
FALLBACK: list[Flow] = [fallback.flow]
ERRORS: list[Flow] = [errors.flow]
RENDERERS: dict[str, Renderer] = {}
DIALOGS: list[Dialog] = []

MENU: list[MenuItem] = [
    MenuItem("language", N_("🌐 Language"), order=90),
    MenuItem("privacy", N_("🔒 Privacy"), order=91),
]

COMMANDS: list[CommandInfo] = [
    CommandInfo("start", N_("Start and choose your language"), order=1),
    CommandInfo("menu", N_("Main menu"), order=2),
    CommandInfo("help", N_("What this bot can do"), order=3),
    CommandInfo("helpers", N_("Helpers and organizers: list, remove"), role=ORGANIZER, order=60),
    CommandInfo("invite", N_("Invite a helper (or: /invite organizer)"), role=ORGANIZER, order=60),
    CommandInfo("console", N_("Web console: a login link"), role=ORGANIZER, order=61),
    CommandInfo("language", N_("Change language"), order=90),
    CommandInfo("privacy", N_("What we store about you"), order=91),
    CommandInfo("deletedata", N_("Delete all your data"), order=92),
    CommandInfo("cancel", N_("Leave the current step"), order=93),
]

__all__ = [
    "COMMANDS",
    "DIALOGS",
    "ERRORS",
    "FALLBACK",
    "FLOWS",
    "MENU",
    "RENDERERS",
    "WAITING",
    "AfterLanguage",
]
