"""The main menu and the command lists, assembled from what each capability registers.

A capability adds a menu button with `menu_item(...)` and handles `MenuCb.filter(F.action == action)`
in its own router; it adds a command to the Telegram command list with `command(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.services.users import ROLE_RANK, VISITOR
from bot.text import Translator
from handlers.callbacks import MenuCb


@dataclass(frozen=True)
class MenuItem:
    action: str
    label: str  # message id, translated when shown
    role: str
    order: int


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: str  # message id
    role: str
    order: int


MENU: list[MenuItem] = []
COMMANDS: list[CommandInfo] = []


def menu_item(action: str, label: str, role: str = VISITOR, order: int = 50) -> None:
    if all(item.action != action for item in MENU):
        MENU.append(MenuItem(action, label, role, order))


def command(name: str, description: str, role: str = VISITOR, order: int = 50) -> None:
    if all(c.name != name for c in COMMANDS):
        COMMANDS.append(CommandInfo(name, description, role, order))


def _allowed(role_needed: str, role: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[role_needed]


def main_menu(tr: Translator, role: str) -> InlineKeyboardMarkup:
    items = sorted((i for i in MENU if _allowed(i.role, role)), key=lambda i: (i.order, i.action))
    buttons = [
        InlineKeyboardButton(text=tr._(i.label), callback_data=MenuCb(action=i.action).pack()) for i in items
    ]
    # Two buttons a row: big enough to tap on a small phone, short enough to read.
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def bot_commands(tr: Translator, role: str) -> list[BotCommand]:
    chosen = [c for c in COMMANDS if _allowed(c.role, role)]
    return [
        BotCommand(command=c.name, description=tr._(c.description))
        for c in sorted(chosen, key=lambda c: c.order)
    ]
