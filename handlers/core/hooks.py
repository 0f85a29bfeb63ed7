"""What other capabilities add to the core flows, as plain async functions. bot/wiring.py lists them; the
dispatcher hands them to /start and the language choice as the handler argument `after_language` (no
registry, no import-time side effects). What /cancel ends is data, not a hook: each capability's DIALOGS
(handlers.kit.Dialog), handed to /cancel as `dialogs`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.text import Translator
from bot.users import Person

# A step after the language is chosen for the first time (e.g. the offer of announcement topics):
# `await hook(message, user, tr, session)`; it answers in the chat itself.
AfterLanguage = Callable[[Message, Person, Translator, AsyncSession], Awaitable[None]]
