"""The printable QR flyer (organizers). Mirrors bot/flyer/."""

from __future__ import annotations

from bot.text import N_
from bot.users import ORGANIZER
from handlers.flyer import flyer
from handlers.kit import Dialog, Flow
from handlers.menu import CommandInfo, MenuItem

FLOWS: list[Flow] = [flyer.flow]
MENU: list[MenuItem] = [MenuItem("flyer", N_("🖨 QR flyer"), role=ORGANIZER, order=66)]
COMMANDS: list[CommandInfo] = [
    CommandInfo("flyer", N_("QR flyer to print, in six languages"), role=ORGANIZER, order=66)
]

DIALOGS: list[Dialog] = []  # the flyer is one tap: nothing for /cancel to end

__all__ = ["COMMANDS", "DIALOGS", "FLOWS", "MENU"]
