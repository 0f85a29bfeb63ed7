"""Counselling appointments (bot/booking): /book, /mybookings, the waiting list, /agenda for counsellors,
/slots for organizers, and the booking messages that leave on their own.

bot/wiring.py reads the lists below; nothing registers itself on import.
"""

from __future__ import annotations

from bot.booking.payloads import KIND_CANCELLED, KIND_COUNSELLOR, KIND_LAPSED, KIND_OFFER, KIND_REMINDER
from bot.delivery.render import Renderer
from bot.text import N_
from bot.users import HELPER, ORGANIZER
from handlers.booking import agenda, book, confirm, mine, note, renderers, slots, waitlist
from handlers.booking.steps import BOOKING, MOVING
from handlers.kit import Dialog, Flow
from handlers.menu import CommandInfo, MenuItem

# Routing order. `booking.book` answers the deep links /start book and /start book-<topic key>: it must
# come before the generic /start. `booking.note` takes the text typed while a note is awaited (never a
# command), so it goes after the commands and before free text (the FAQ).
FLOWS: list[Flow] = [book.flow, confirm.flow, mine.flow, waitlist.flow, agenda.flow, slots.flow, note.flow]

RENDERERS: dict[str, Renderer] = {
    KIND_REMINDER: renderers.render_reminder,
    KIND_COUNSELLOR: renderers.render_counsellor,
    KIND_CANCELLED: renderers.render_cancelled,
    KIND_OFFER: renderers.render_offer,
    KIND_LAPSED: renderers.render_lapsed,
}

# What /cancel ends (and says): the booking dialog, "change time", the note step.
DIALOGS: list[Dialog] = [BOOKING, MOVING, note.NOTE]

MENU: list[MenuItem] = [
    MenuItem("book", N_("📅 Book an appointment"), order=10),
    MenuItem("mybookings", N_("🗓 My appointments"), order=11),
    MenuItem("agenda", N_("📋 Counselling agenda"), role=HELPER, order=40),
    MenuItem("slots", N_("🗓 Counselling schedule"), role=ORGANIZER, order=61),
]

COMMANDS: list[CommandInfo] = [
    CommandInfo("book", N_("Book a counselling appointment"), order=10),
    CommandInfo("mybookings", N_("My appointments"), order=11),
    CommandInfo("agenda", N_("Counselling appointments: today and the next days"), role=HELPER, order=40),
    CommandInfo("slots", N_("Counselling schedule: hours, closed days, slots"), role=ORGANIZER, order=61),
]

__all__ = ["COMMANDS", "DIALOGS", "FLOWS", "MENU", "RENDERERS"]
