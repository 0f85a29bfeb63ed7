"""The main menu and the command lists. Each capability declares its buttons and commands as data
(`MENU`, `COMMANDS` in handlers/<capability>/__init__.py); bot/wiring.py assembles them into one `Menu`,
which handlers receive as the `menu` argument."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiogram.types import BotCommand, InlineKeyboardMarkup

from bot.text import Translator
from bot.users import ROLE_RANK, VISITOR
from handlers.callbacks import MenuCb
from handlers.kit import button, grid, keyboard


@dataclass(frozen=True)
class MenuItem:
    action: str  # handled by `MenuCb.filter(F.action == action)` in the capability's router
    label: str  # message id, translated when shown
    role: str = VISITOR
    order: int = 50


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: str  # message id
    role: str = VISITOR
    order: int = 50


def _allowed(role_needed: str, role: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[role_needed]


@dataclass(frozen=True)
class Menu:
    items: tuple[MenuItem, ...]
    commands: tuple[CommandInfo, ...]

    @classmethod
    def of(cls, items: Iterable[MenuItem], commands: Iterable[CommandInfo]) -> Menu:
        return cls(
            tuple(sorted(items, key=lambda i: (i.order, i.action))),
            tuple(sorted(commands, key=lambda c: (c.order, c.name))),
        )

    def keyboard(self, tr: Translator, role: str) -> InlineKeyboardMarkup | None:
        buttons = [
            button(tr._(i.label), MenuCb(action=i.action)) for i in self.items if _allowed(i.role, role)
        ]
        # Two buttons a row: big enough to tap on a small phone, short enough to read.
        return keyboard(*grid(buttons, 2))

    def bot_commands(self, tr: Translator, role: str) -> list[BotCommand]:
        return [
            BotCommand(command=c.name, description=tr._(c.description))
            for c in self.commands
            if _allowed(c.role, role)
        ]
