"""The main menu and the command lists. Each capability declares its buttons and commands as data
(`MENU`, `COMMANDS` in handlers/<capability>/__init__.py); bot/wiring.py assembles them into one `Menu`,
which handlers receive as the `menu` argument. The language question, which comes before the menu (/start,
/language, a first greeting), is here too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiogram.types import BotCommand, InlineKeyboardMarkup, Message

from bot.config import SUPPORTED_LANGUAGES
from bot.languages import own_name
from bot.text import Translator
from bot.users import ROLE_RANK, VISITOR
from handlers.callbacks import LangCb, MenuCb
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


def language_keyboard(suggested: str) -> InlineKeyboardMarkup | None:
    """Every language in its own name, the suggested one first and ticked."""
    order = [suggested, *[code for code in SUPPORTED_LANGUAGES if code != suggested]]
    buttons = [
        button(("✅ " if code == suggested else "") + own_name(code), LangCb(code=code)) for code in order
    ]
    return keyboard(*grid(buttons, 2))


def ask_language_text(tr: Translator) -> str:
    return tr._("Hello! Please choose your language.")


async def ask_language(message: Message, tr: Translator) -> None:
    await message.answer(ask_language_text(tr), reply_markup=language_keyboard(tr.lang))
