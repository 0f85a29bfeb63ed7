"""How the bot is put together, in one place: routers in routing order, periodic jobs with their
intervals, outbox renderers, the menu, the dialogs /cancel ends, the hooks between capabilities, and the
demo's sample data.

Nothing registers itself when imported: to add a flow, a job, an outbox kind or a demo seed, list it
here (docs/architecture.md says where each kind of change goes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram import Router
from sqlalchemy.ext.asyncio import AsyncSession

import handlers.assignments as assignments_ui
import handlers.booking as booking_ui
import handlers.broadcast as broadcast_ui
import handlers.core as core_ui
import handlers.faq as faq_ui
import handlers.flyer as flyer_ui
import handlers.letters as letters_ui
from bot import console_login, conversations, reminders, ticket_hooks
from bot.assignments import claiming as assignment_claiming
from bot.assignments import demo as assignments_demo
from bot.assignments import escalation as assignment_escalation
from bot.assignments import reminders as assignment_reminders
from bot.booking import demo as booking_demo
from bot.booking import jobs as booking_jobs
from bot.broadcast import demo as broadcast_demo
from bot.broadcast import jobs as broadcast_jobs
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import retention as outbox_retention
from bot.delivery.hooks import OutcomeHooks
from bot.delivery.render import READY, Renderers, render_ready
from bot.faq import feedback as faq_feedback
from bot.faq import freshness as faq_freshness
from bot.faq import inbox as faq_inbox
from bot.faq import stats as faq_stats
from bot.figures import demo as figures_demo
from bot.jobs import PeriodicJob
from bot.sample import DemoPeople
from handlers.kit import Dialog, Flow
from handlers.menu import Menu

# Routing order: commands, buttons and dialog steps first; free text (the FAQ) after them; the fallback
# (stickers, voice, anything else) last. Booking comes before core because its deep links
# (`/start book-...`) must be seen before core's plain /start.
FLOWS: list[Flow] = [
    *booking_ui.FLOWS,
    *core_ui.FLOWS,
    *broadcast_ui.FLOWS,
    *assignments_ui.FLOWS,
    *flyer_ui.FLOWS,
    *core_ui.WAITING,  # beside the free text of letters and the FAQ (handlers/gates.py: keeps groups whole)
    *letters_ui.FLOWS,  # a photo of a letter is read before the hand-off offers it to a person
    *faq_ui.FLOWS,
    *core_ui.FALLBACK,
]

JOBS: list[PeriodicJob] = [
    PeriodicJob("booking_waitlist", 60, booking_jobs.waitlist_job),
    PeriodicJob("booking_slots", 3600, booking_jobs.slots_job),
    PeriodicJob(broadcast_jobs.DISPATCH_JOB, 20, broadcast_jobs.dispatch),
    PeriodicJob(broadcast_jobs.REPORT_JOB, 30, broadcast_jobs.reports),
    PeriodicJob("assignments_escalate", 60, assignment_escalation.escalation_job),
    PeriodicJob("assignments_followup", 60, assignment_reminders.followup_job),
    PeriodicJob("reminders", 60, reminders.reminders_job),
    PeriodicJob("faq_retention", 3600, faq_feedback.retention_job),
    PeriodicJob("faq_stale", 3600, faq_freshness.stale_job),
    PeriodicJob("faq_stats_retention", 3600, faq_stats.retention_job),
    PeriodicJob("tickets_retention", 3600, conversations.retention_job),
    PeriodicJob("tickets_quiet", 3600, conversations.quiet_job),
    PeriodicJob("outbox_retention", 3600, outbox_retention.delete_old_rows),
    PeriodicJob("console_cleanup", 3600, console_login.cleanup_job),
]


def renderers() -> Renderers:
    """Every outbox kind with its renderer; a kind listed twice, or queued without one, is an error."""
    return Renderers.merge(
        {READY: render_ready},
        booking_ui.RENDERERS,
        broadcast_ui.RENDERERS,
        assignments_ui.RENDERERS,
        faq_ui.RENDERERS,
        core_ui.RENDERERS,
    )


def outcome_hooks() -> OutcomeHooks:
    """What capabilities learn of their sent messages (alert message ids, relays, answers)."""
    return OutcomeHooks(
        {**assignment_claiming.OUTCOME_HOOKS, **ticket_hooks.OUTCOME_HOOKS, **faq_inbox.OUTCOME_HOOKS}
    )


def menu() -> Menu:
    packages = (core_ui, broadcast_ui, booking_ui, assignments_ui, flyer_ui, faq_ui)
    return Menu.of(
        [item for p in packages for item in p.MENU],
        [command for p in packages for command in p.COMMANDS],
    )


def dialogs() -> dict[str, Dialog]:
    """Every dialog /cancel may end (handlers.kit.Dialog: what it says then, and to text typed while it
    waits for a button), by name; one name once."""
    found: dict[str, Dialog] = {}
    packages = (core_ui, booking_ui, broadcast_ui, assignments_ui, flyer_ui, faq_ui)
    for dialog in (d for p in packages for d in p.DIALOGS):
        if dialog.name in found:
            raise ValueError(f"dialog {dialog.name!r} is listed twice")
        found[dialog.name] = dialog
    return found


def routers() -> list[Router]:
    """Fresh routers for one Dispatcher, in routing order, the error handler first."""
    return [flow.build() for flow in (*core_ui.ERRORS, *FLOWS)]


@dataclass(frozen=True)
class Hooks:
    """What one capability's flow lets another add, passed to the handlers by the dispatcher."""

    after_language: tuple[Callable[..., Awaitable[None]], ...] = tuple(broadcast_ui.AFTER_LANGUAGE)


DemoSeed = Callable[[AsyncSession, Clock, Settings, DemoPeople], Awaitable[None]]
DEMO_SEEDS: list[DemoSeed] = [
    booking_demo.seed,
    assignments_demo.seed,
    broadcast_demo.seed,
    figures_demo.seed,
]
