"""What other capabilities add to the core flows, as plain async functions. bot/wiring.py lists them; the
dispatcher hands them to /start, the language choice and /cancel as the handler arguments
`after_language` and `cancel_hooks` (no registry, no import-time side effects).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.users import Person
from bot.text import Translator

# A step after the language is chosen for the first time (e.g. the offer of announcement topics):
# `await hook(message, user, tr, session)`; it answers in the chat itself.
AfterLanguage = Callable[[Message, Person, Translator, AsyncSession], Awaitable[None]]

# Something /cancel also withdraws (e.g. an open question to a person): `await hook(user, session, clock)`,
# True if it withdrew something.
CancelHook = Callable[[Person, AsyncSession, Clock], Awaitable[bool]]
