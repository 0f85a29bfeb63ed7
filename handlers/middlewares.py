"""Middlewares: database session, user and role, reader's language, throttle, role checks."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.flags import get_flag
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import logs, tickets
from bot import users as user_service
from bot.clock import Clock
from bot.config import Settings
from bot.faq import version as faq_version
from bot.i18n import normalize_language
from bot.ops import metrics
from bot.ops.throttle import Throttle
from bot.services import erasure
from bot.text import N_, Translator
from storage.db import finish, holds_work, unit_of_work
from storage.person_cache import PersonCache

log = logging.getLogger(__name__)
# Read with the person's row, in the same statement (one round trip for all): whether their question to a
# person is open (decides where their free text goes, handlers/faq/conversation.py) and the FAQ content's
# version (bot.faq.live). Measured: about 0.4 ms of CPU per question for each read on its own
# (bench/bench_load.py, PostgreSQL).
READ_WITH_PERSON = (tickets.has_active_ticket(), faq_version.version_column())
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ContextMiddleware(BaseMiddleware):
    """Outer middleware on every update: one session (unit of work), the user row, the reader's Translator."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        people: PersonCache | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.clock = clock
        self.people = people

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if nobody_in_private(tg_user, chat):
            # Telegram never sends a bot's message or press to another bot's private chat: a forged one
            # has no person to serve (every private handler relies on one), so it is dropped here.
            log.info("update without a person in a private chat dropped")
            if isinstance(event, Update) and event.callback_query is not None:
                await event.callback_query.answer()
            return None
        async with unit_of_work(self.sessionmaker) as session:
            data["session"] = session
            data["settings"] = self.settings
            data["clock"] = self.clock
            user, open_question = None, None
            if tg_user is not None and not tg_user.is_bot:
                if chat is None or chat.type == "private":
                    user, values = await user_service.ensure_user_and(
                        session,
                        tg_user.id,
                        self.clock,
                        self.settings.organizer_ids,
                        READ_WITH_PERSON,
                        self.people,
                    )
                    if values is not None:
                        open_question = bool(values[0])
                        faq_version.read_with_person(session, int(values[1]))
                else:  # in groups we only look people up, we never register them
                    user = await user_service.find_user(session, tg_user.id)
            data["user"] = user
            data["open_question"] = open_question  # None: not read
            data["tr"] = Translator(reader_language(user, tg_user, self.settings), self.settings.tz)
            # No commit here: the handler's first reads join this transaction (one BEGIN and COMMIT fewer
            # per update; measured under load, every transaction is a round of connection hand-overs). A
            # handler commits before any Telegram call (CommitBeforeRequest) and releases the connection
            # before anything slow (storage.db.release).
            token = CURRENT_SESSION.set(session)
            try:
                result = await handler(event, data)
                await finish(session)
            except Exception as exc:
                await session.rollback()
                # (by tg_user's id: the user row's attributes expired with the rollback)
                known = user is not None and tg_user is not None
                if known and erasure.may_be_raced_by_erasure(exc) and await self._erased(tg_user.id):
                    # Their /deletedata won the race with this update (a write that refers to them failed
                    # on the missing row): nothing is left to do for them, and it is no error.
                    log.info("update dropped: the person deleted their data meanwhile")
                    if isinstance(event, Update) and event.callback_query is not None:
                        with contextlib.suppress(TelegramAPIError):
                            await event.callback_query.answer()
                    return None
                raise
            finally:
                CURRENT_SESSION.reset(token)
            return result

    async def _erased(self, user_id: int) -> bool:
        async with self.sessionmaker() as fresh:
            return await user_service.find_user(fresh, user_id) is None


def nobody_in_private(tg_user: User | None, chat: Chat | None) -> bool:
    """A private chat (or a button on an inline message) whose sender is a bot, or nobody."""
    private = chat.type == "private" if chat is not None else tg_user is not None
    return private and (tg_user is None or tg_user.is_bot)


# The unit of work of the update being handled, so outgoing Bot API calls can commit it first.
CURRENT_SESSION: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


class CommitBeforeRequest(BaseRequestMiddleware):
    """Commits the handler's open transaction before any Bot API call (when it holds anything to commit:
    storage.db.holds_work).

    Two reasons: a person is only told "done" after it is really stored, and no database transaction
    (on SQLite: the write lock) is held while waiting for Telegram.
    """

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        session = CURRENT_SESSION.get()
        if session is not None and holds_work(session):
            await session.commit()
        return await make_request(bot, method)


class ThrottleMiddleware(BaseMiddleware):
    """Outer middleware on every update, before the chat's lock and the database session: a flood of
    messages or presses is dropped on arrival, after one polite warning in the person's language
    (bot.ops.throttle, which counts a message at the time it was written). Counted after the lock, the
    replies' own pace (a chat takes one message a second) refilled the bucket while the flood waited, and a
    flood of 20 was answered in full."""

    def __init__(
        self, throttle: Throttle, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        self.throttle = throttle
        self.sessionmaker = sessionmaker
        self.settings = settings

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: User | None = data.get("event_from_user")
        if not isinstance(event, Update) or tg_user is None:
            return await handler(event, data)
        query, message = event.callback_query, event.message
        if query is None and message is None:
            return await handler(event, data)
        # a message counts when it was written (never later than now), a tap when it comes
        written = min(message.date.timestamp(), time.time()) if message is not None else None
        allowed, warn = await self.throttle(tg_user.id, written)
        if allowed:
            return await handler(event, data)
        data["throttled_update"] = True
        log.info("throttled user update", extra={"user_hash": hash_user(tg_user.id)})
        try:
            if query is not None:
                await query.answer((await self._translator(tg_user))._(FLOOD) if warn else None)
            elif message is not None and warn and message.chat.type == "private":
                await message.answer((await self._translator(tg_user))._(FLOOD))
        except TelegramAPIError as exc:  # a warning is no loss; the flood is dropped all the same
            log.info("flood warning not sent: %s", type(exc).__name__)
        return None

    async def _translator(self, tg_user: User) -> Translator:
        """The person's language, read only for the one warning (no session is open yet)."""
        async with self.sessionmaker() as session:
            user = await user_service.find_user(session, tg_user.id)
        return Translator(reader_language(user, tg_user, self.settings), self.settings.tz)


FLOOD = N_("You are sending messages very fast. Please wait a moment.")


def reader_language(user: user_service.Person | None, tg_user: User | None, settings: Settings) -> str:
    """The language a person reads: the one they chose, else their Telegram app's, else the default."""
    return (user.language if user else None) or normalize_language(
        tg_user.language_code if tg_user else None, settings.default_language
    )


class RoleMiddleware(BaseMiddleware):
    """Inner middleware: a handler flagged `{"role": ...}` is refused politely to anyone below that role.

    Checked on the server for every command and every button, whatever the client shows.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        needed = get_flag(data, "role")
        if needed is None:
            return await handler(event, data)
        user = data.get("user")
        if user is not None and user_service.has_role(user, needed):
            return await handler(event, data)
        tr: Translator = data["tr"]
        text = tr._("Sorry, this is only for helpers and organizers of the association.")
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        elif isinstance(event, Message):
            await event.answer(text)
        return None


class ChatScopeMiddleware(BaseMiddleware):
    """Inner middleware: in group chats only handlers flagged `{"group": True}` run (taking a question or
    an assignment in the helpers' group). Any other button pressed there, e.g. a visitor's callback forged
    on the bot's relay message, gets a short alert and changes nothing; other group messages are ignored.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == "private" or get_flag(data, "group"):
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            tr: Translator = data["tr"]
            await event.answer(tr._("This button works only in a private chat with me."), show_alert=True)
        return None


class UpdateDedup(BaseMiddleware):
    """Drops an update whose id was seen before (Telegram re-sends webhooks not answered in time).

    In memory for one process; with Redis the same check spans all processes (see bot.app).
    """

    def __init__(self, seen: Callable[[int], Awaitable[bool]]) -> None:
        self.seen = seen

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update) and await self.seen(event.update_id):
            log.info("duplicate update dropped", extra={"update_id": event.update_id})
            metrics.DUPLICATES.inc()
            data["duplicate_update"] = True
            return None
        return await handler(event, data)


class UpdateMetrics(BaseMiddleware):
    """Outer middleware on every update, before the others of ours: counts updates by type and result,
    measures the time to handle them, and binds the update id and the sender's hash to the log lines."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        try:
            kind = event.event_type
        except Exception:  # an update type this aiogram does not know
            kind = "unknown"
        sender: User | None = data.get("event_from_user")
        message = event.message or event.edited_message
        private = (
            (message.text, message.caption, message.contact.phone_number if message.contact else None)
            if message is not None
            else ()
        )
        token = logs.bind(event.update_id, sender.id if sender is not None else None, private)
        started = time.perf_counter()
        result = "error"
        try:
            response = await handler(event, data)
            result = (
                "duplicate"
                if data.get("duplicate_update")
                else "throttled"
                if data.get("throttled_update")
                else "ok"
            )
            return response
        finally:
            metrics.HANDLER_SECONDS.labels(kind).observe(time.perf_counter() - started)
            metrics.UPDATES.labels(kind, result).inc()
            logs.unbind(token)


def hash_user(user_id: int) -> str:
    """A short, non-reversible tag for logs, so a person's id does not land in log files (keyed hash)."""
    return logs.user_hash(user_id)
