"""The printable QR flyer (organizers). Mirrors bot/flyer/."""

from __future__ import annotations

from bot.services.users import ORGANIZER
from bot.text import N_
from handlers.flyer import flyer
from handlers.kit import Flow
from handlers.menu import CommandInfo, MenuItem

FLOWS: list[Flow] = [flyer.flow]
MENU: list[MenuItem] = [MenuItem("flyer", N_("🖨 QR flyer"), role=ORGANIZER, order=66)]
COMMANDS: list[CommandInfo] = [
    CommandInfo("flyer", N_("QR flyer to print, in six languages"), role=ORGANIZER, order=66)
]

__all__ = ["COMMANDS", "FLOWS", "MENU"]
