"""Assignments and helper profiles: /assign (organizers), alerts with "I'll take it", the assignee's
buttons, /assignments (helpers: theirs, the open ones and open questions; organizers: the overview), the
organizers' view and cancel, and /profile. Mirrors bot/assignments/.

Sending: the answer to a press (its toast) and the screens of a person's own dialog (lists, details, the
hand-back and done confirmations) are sent directly; every message that results from the claim or reaches
a helper on its own — alerts, their edits ("taken", "yours", "cancelled", "not this time"), "it's yours",
notices, reminders and "done?" — goes through the outbox (RENDERERS). The periodic jobs are
`bot.assignments.escalation.escalation_job`, `bot.assignments.reminders.followup_job` and
`bot.reminders.reminders_job` (listed in bot/wiring.py).
"""

from __future__ import annotations

from bot.assignments.payloads import OutboxKind
from bot.delivery.render import Renderer
from bot.text import N_
from bot.users import HELPER, ORGANIZER
from handlers.assignments import alerts, board, create, manage, mine, profile, renderers
from handlers.kit import Dialog, Flow
from handlers.menu import CommandInfo, MenuItem

FLOWS: list[Flow] = [
    create.flow,
    alerts.flow,
    mine.flow,
    manage.flow,
    board.flow,
    profile.flow,
]

RENDERERS: dict[str, Renderer] = {
    OutboxKind.ALERT: renderers.render_alert,
    OutboxKind.ALERT_EDIT: renderers.render_alert_edit,
    OutboxKind.YOURS: renderers.render_yours,
    OutboxKind.NOTICE: renderers.render_notice,
    OutboxKind.REMINDER: renderers.render_reminder,
    OutboxKind.FOLLOWUP: renderers.render_followup,
}

# What /cancel ends (and says): a new assignment, the profile's note, the note when done.
DIALOGS: list[Dialog] = [create.NEW_ASSIGNMENT, profile.PROFILE_NOTE, mine.DONE_NOTE]

MENU: list[MenuItem] = [
    MenuItem("assignments", N_("📋 Assignments"), role=HELPER, order=40),
    MenuItem("profile", N_("🙋 My helper profile"), role=HELPER, order=41),
    MenuItem("assign", N_("➕ New assignment"), role=ORGANIZER, order=42),
]

COMMANDS: list[CommandInfo] = [
    CommandInfo("assignments", N_("Assignments and questions for helpers"), role=HELPER, order=40),
    CommandInfo("profile", N_("Your helper profile: languages, areas, pause"), role=HELPER, order=41),
    CommandInfo("assign", N_("Find a helper for an assignment"), role=ORGANIZER, order=42),
]

__all__ = ["COMMANDS", "DIALOGS", "FLOWS", "MENU", "RENDERERS"]
