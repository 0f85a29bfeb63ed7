"""Direct Bot API calls (the replies handlers send while an update is handled): retries, per-chat pacing,
and the outbox for a reply that cannot go out now.

Messages that leave on their own go through the outbox and its delivery worker, which has its own
retries. A handler's reply has no row to come back to, so without this a 5xx, a timeout or a 429 from
Telegram would lose it:

- 429 Too Many Requests: the chat alone waits its `retry_after` (bot.delivery.limits.ChatPacer; other chats
  go on), and its messages are paced at the chat's rate for a while, so a flood of replies meets one 429
  instead of one per message;
- 5xx, timeouts and connection errors: tries again after 0.5 s, 1 s, 2 s ...;
- at most `retries` further attempts; a 429 longer than `max_wait` is not waited for;
- a reply Telegram still refuses (429, 5xx) or that cannot reach it at all becomes an outbox row (kind
  READY, rendered as it was; bot/delivery/replies.py) that the delivery worker sends when the chat is
  free, and the handler stops with `ReplyQueued` (handlers/core/errors.py: one WARNING line, no apology).
  Only calls Telegram surely did not carry out are queued, so a queued reply is never sent twice: after a
  timeout the reply may have arrived, and it is not queued. Only new messages are queued: a late edit
  could undo a newer one;
- getUpdates is left alone (aiogram's polling has its own backoff).

A timeout may hide a call that Telegram did carry out, so a retried reply can, rarely, arrive twice (the
same at-least-once choice as the outbox, docs/delivery.md): for a person asking a question a doubled
answer is better than none.

Like bot/app.py this module is wiring and imports aiogram.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import warnings
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from http import HTTPStatus
from types import UnionType
from typing import Any, NoReturn, Protocol, Union, cast, get_args, get_origin

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import AnswerCallbackQuery, GetUpdates, Response, TelegramMethod
from aiogram.types import Message, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import BytesPayload, ClientConnectorError, FormData, web
from pydantic import BaseModel, ValidationError

from bot.ops import metrics

log = logging.getLogger(__name__)
# A skipped update (below) is already reported in one WARNING line of ours; aiogram's own warning for the
# bare update left in its place would print it a second time, outside the log.
warnings.filterwarnings("ignore", message="Detected unknown update type", category=RuntimeWarning)


QUERY_TOO_OLD = "query is too old"  # Telegram's answer to a late or second answerCallbackQuery

# Calls that put a message into a chat: Telegram's per-chat limits count these.
SENDS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)
# Of those, what the outbox may send later: one new message (an upload cannot be stored, see json_params).
QUEUEABLE = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAnimation",
        "sendAudio",
        "sendVoice",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "copyMessage",
        "forwardMessage",
    }
)

# (method, chat_id, params without chat_id, seconds until it may go) → whether it is in the outbox now
# (bot.delivery.replies.OutboxReplies)
QueueReply = Callable[[str, int, dict[str, Any], float], Awaitable[bool]]


def chat_of(method: TelegramMethod[Any]) -> int | None:
    """The chat a sending call writes to (None: not a send, or a @channel name)."""
    if method.__api_method__ not in SENDS:
        return None
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None


def wire_params(bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
    """The call's parameters as aiogram sends them (the bot's defaults such as parse_mode filled in), ready
    for JSON; None when the call uploads a file. Like aiogram's form, without the empty ones."""
    files: dict[str, Any] = {}
    params: dict[str, Any] = {}
    # (exclude_none: the fields left unset are dropped here anyway; not walking them is a third of the time)
    for key, value in method.model_dump(warnings=False, exclude_none=True).items():
        prepared = _prepared(value, bot, files)
        if prepared is not None and prepared != "":
            params[key] = prepared
    return None if files else params


_PLAIN = frozenset({str, int, float, bool})


def _prepared(value: Any, bot: Bot, files: dict[str, Any]) -> Any:
    """aiogram's `prepare_value(..., _dumps_json=False)`, with the dicts, lists and plain values of a dumped
    call walked here: aiogram asks each value some ten isinstance questions before it finds a plain one,
    about 1 % of a FAQ question's instructions (callgrind). Anything else (the bot's defaults, files, enums,
    dates) aiogram prepares."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {key: item for key, raw in value.items() if (item := _prepared(raw, bot, files)) is not None}
    if kind is list:
        return [item for raw in value if (item := _prepared(raw, bot, files)) is not None]
    return bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)


def json_params(bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
    """wire_params as plain JSON values (None for an upload: its bytes cannot wait in the outbox)."""
    params = wire_params(bot, method)
    # through JSON and back: enums (parse_mode) become their plain values, as they would on the wire
    return None if params is None else json.loads(bot.session.json_dumps(params))


def never_reached(exc: TelegramNetworkError) -> bool:
    """The connection was refused or could not be made: Telegram never saw the call (a timeout may hide one
    that it carried out)."""
    return isinstance(exc.__cause__, ClientConnectorError)


class Pacer(Protocol):
    """Per-chat waits of direct replies (bot.delivery.limits.ChatPacer)."""

    def paused_for(self, chat_id: int) -> float: ...

    def pause(self, chat_id: int, seconds: float) -> None: ...

    async def acquire(self, chat_id: int) -> Any: ...

    def release(self, permit: Any) -> None: ...


class ReplyQueued(TelegramAPIError):
    """The reply Telegram refused for now is in the outbox and goes out when its chat is free. Raised so the
    handler stops as on any failed send; the error handler logs one WARNING line and apologises to nobody
    (the reply is coming)."""

    def __init__(self, method: TelegramMethod[Any], reason: str, delay: float) -> None:
        super().__init__(method=method, message=f"{reason}: queued in the outbox, due in {delay:.0f} s")
        self.reason = reason
        self.delay = delay


class RetryRequest(BaseRequestMiddleware):
    def __init__(
        self,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 10.0,
        *,
        pacer: Pacer | None = None,
        queue: QueueReply | None = None,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait  # a longer 429 is not waited for: the reply goes to the outbox
        self.pacer = pacer
        self.queue = queue

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        pacer = self.pacer
        chat_id = chat_of(method) if pacer is not None else None  # a send, paced per chat
        attempt = 0
        while True:
            if (
                chat_id is not None
                and pacer is not None
                and (paused := pacer.paused_for(chat_id)) > self.max_wait
            ):
                # the chat is refused for long: do not hold the update that long
                await self._give_up(bot, method, None, "429", paused)
            try:
                if chat_id is None or pacer is None:
                    return await make_request(bot, method)
                permit = await pacer.acquire(chat_id)  # its pause, and its pace while it is busy
                try:
                    return await make_request(bot, method)
                finally:
                    pacer.release(permit)
            except TelegramRetryAfter as exc:
                metrics.rate_limited("bot")
                if chat_id is not None and pacer is not None:
                    pacer.pause(chat_id, exc.retry_after)  # its next attempt waits in the pacer, alone
                if attempt >= self.retries or exc.retry_after > self.max_wait:
                    await self._give_up(bot, method, exc, "429", exc.retry_after)
                delay, reason = (0.0 if chat_id is not None else float(exc.retry_after)), "429"
            except TelegramServerError as exc:
                delay, reason = self.backoff * 2**attempt, "5xx"
                if attempt >= self.retries:
                    await self._give_up(bot, method, exc, reason, delay)
            except TelegramNetworkError as exc:
                delay, reason = self.backoff * 2**attempt, "network"
                if isinstance(exc, TelegramEntityTooLarge):
                    raise
                if attempt >= self.retries:
                    if never_reached(exc):
                        await self._give_up(bot, method, exc, reason, delay)
                    raise
            except TelegramBadRequest as exc:
                if isinstance(method, AnswerCallbackQuery) and QUERY_TOO_OLD in exc.message:
                    # A press handled late (a backlog) or again (its update re-sent after a crash: it was
                    # answered before): the spinner is gone anyway. Raising would drop what it asks for.
                    log.info(
                        "answer to a button press too late (%s); the press is still handled", exc.message
                    )
                    return True
                raise
            attempt += 1
            metrics.RETRIES.labels(reason).inc()
            # expected under load: only giving up is worth a WARNING (the error handler's one line)
            log.info(
                "Bot API %s failed (%s); trying again (%d/%d)",
                method.__api_method__,
                reason,
                attempt,
                self.retries,
            )
            if delay:
                await asyncio.sleep(delay)

    async def _give_up(
        self, bot: Bot, method: TelegramMethod[Any], exc: TelegramAPIError | None, reason: str, delay: float
    ) -> NoReturn:
        """Queue the reply in the outbox (ReplyQueued) when it may wait there, else raise what Telegram said."""
        name = method.__api_method__
        chat_id = chat_of(method)
        params = json_params(bot, method) if self.queue is not None and name in QUEUEABLE else None
        if params is not None and chat_id is not None and self.queue is not None:
            params.pop("chat_id", None)
            if isinstance(params.get("reply_parameters"), dict):
                # sent later, it still goes if the message it answers was deleted meanwhile
                params["reply_parameters"]["allow_sending_without_reply"] = True
            try:
                queued = await self.queue(name, chat_id, params, delay)
            except Exception as error:  # the database away too: the reply is lost, as before
                log.warning("could not queue a refused %s in the outbox: %s", name, type(error).__name__)
                queued = False
            if queued:
                raise ReplyQueued(method, reason, delay) from exc
        if exc is None:
            wait = max(1, math.ceil(delay))
            raise TelegramRetryAfter(
                method=method, message="Too Many Requests (chat paused)", retry_after=wait
            )
        raise exc


def parse_updates(items: list[Any], bot: Bot) -> list[Update]:
    """The updates of a getUpdates answer, each parsed once, with every one that aiogram cannot parse
    replaced by its bare id.

    One unparsable update would otherwise fail the whole batch again and again (polling never gets past
    it), and aiogram would log the whole answer, texts and names included, on every retry. The bare
    `Update(update_id=N)` is skipped by the dispatcher as an unknown type, so the offset moves past it.
    """
    kept: list[Update] = []
    for raw in items:
        try:
            kept.append(Update.model_validate(raw, context={"bot": bot}))
        except (ValidationError, RecursionError, TypeError, ValueError):
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int) and not isinstance(update_id, bool):
                log.warning("unparsable update %s skipped", update_id)
                metrics.UPDATES.labels("unparsable", "skipped").inc()
                kept.append(Update.model_validate({"update_id": update_id}, context={"bot": bot}))
            else:
                log.warning("getUpdates answer with an item without update id skipped")
    return kept


class TolerantSession(AiohttpSession):
    """aiogram's HTTP session, but a getUpdates answer with a bad update does not stop polling.

    A good getUpdates answer is parsed here, each update once (aiogram would parse the whole answer again).
    A call without a file goes as a JSON body (the Bot API takes both): aiogram's urlencoded form quotes
    every byte of a non-Latin text in Python, measured at 70 µs for an answer of 700 Arabic letters, a
    fortieth of the bot's CPU per question (bench/bench_load.py).
    """

    def build_form_data(  # type: ignore[override]
        self, bot: Bot, method: TelegramMethod[Any]
    ) -> FormData | BytesPayload:
        params = wire_params(bot, method)
        if params is None:  # an upload: aiogram's multipart form
            return super().build_form_data(bot, method)
        return BytesPayload(self.json_dumps(params).encode(), content_type="application/json")

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        """The answer as aiogram's `check_response` reads it, without the `Response[X]` model it builds per
        method type: each holds its own copy of X's validator (a Message's is 2 MiB; Update's holds one
        already), and pydantic keeps those models only weakly, so they were built again after a garbage
        collection. What is not read here (not JSON, an unusual result) aiogram reads."""
        try:
            answer = self.json_loads(content)
        except (ValueError, RecursionError):
            answer = None
        if not isinstance(answer, dict):
            return super().check_response(bot, method, status_code, content)  # aiogram's ClientDecodeError
        if HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED and answer.get("ok") is True:
            if _RESULT_UNREAD.get():
                return _ANSWERED
            result = read_result(method.__returning__, answer.get("result"), bot)
            if result is NOT_READ:
                return super().check_response(bot, method, status_code, content)
            return _ANSWERED.model_copy(update={"result": result})
        try:
            refusal = Response.model_validate(answer, context={"bot": bot})
        except ValidationError:
            return super().check_response(bot, method, status_code, content)
        raise_refusal(method, status_code, refusal)


NOT_READ: Any = object()  # a result read_result leaves to aiogram
# A successful answer, copied with each result: model_construct resolves every field's default (6 µs, a copy 2)
_ANSWERED: Response[Any] = Response.model_construct(ok=True)
# Set by `without_result` for the call it makes: its successful answer is not parsed (its result is None).
_RESULT_UNREAD: ContextVar[bool] = ContextVar("result_unread", default=False)


async def without_result(call: Awaitable[Any]) -> None:
    """Make a Bot API call whose result nobody reads (a reply sent and forgotten): Telegram's echo of the
    sent message is not parsed into aiogram's types. A FAQ answer's echo, with its text's formatting and
    its buttons, took about a twentieth of a question's instructions to parse (bench/bench_update.py's
    set-up, counted by callgrind). Refusals and errors are read and raised as always."""
    token = _RESULT_UNREAD.set(True)
    try:
        await call
    finally:
        _RESULT_UNREAD.reset(token)


def read_result(returning: Any, raw: Any, bot: Bot) -> Any:
    """A successful call's result as aiogram's types, parsed by validators the process keeps anyway: a
    message by Update's (it contains Message's), another Telegram type by its own, a bool, int or str as
    it is; or NOT_READ."""
    if get_origin(returning) is list:
        (item,) = get_args(returning)
        if not isinstance(raw, list):
            return NOT_READ
        if item is Update:
            return parse_updates(raw, bot)
        items = [read_result(item, one, bot) for one in raw]
        return NOT_READ if any(one is NOT_READ for one in items) else items
    kinds = get_args(returning) if get_origin(returning) in (Union, UnionType) else (returning,)
    if type(raw) in (bool, int, str) and type(raw) in kinds:
        return raw
    if not isinstance(raw, dict):
        return NOT_READ
    try:
        if Message in kinds:
            return Update.model_validate({"update_id": 0, "message": raw}, context={"bot": bot}).message
        if isinstance(returning, type) and issubclass(returning, BaseModel):
            return returning.model_validate(raw, context={"bot": bot})
    except ValidationError:
        pass
    return NOT_READ


def raise_refusal(method: TelegramMethod[Any], status_code: int, refusal: Response[Any]) -> NoReturn:
    """The exception aiogram's `BaseSession.check_response` raises for a refused call (the same order of
    checks; tests/test_ops.py compares the two)."""
    description = cast(str, refusal.description)  # None when missing, as in aiogram's message
    if parameters := refusal.parameters:
        if parameters.retry_after:
            raise TelegramRetryAfter(method=method, message=description, retry_after=parameters.retry_after)
        if parameters.migrate_to_chat_id:
            raise TelegramMigrateToChat(
                method=method, message=description, migrate_to_chat_id=parameters.migrate_to_chat_id
            )
    refused = REFUSALS.get(status_code)
    if refused is None and status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
        refused = RestartingTelegram if "restart" in (description or "") else TelegramServerError
    raise (refused or TelegramAPIError)(method=method, message=description)


REFUSALS: dict[int, type[TelegramAPIError]] = {
    HTTPStatus.BAD_REQUEST: TelegramBadRequest,
    HTTPStatus.NOT_FOUND: TelegramNotFound,
    HTTPStatus.CONFLICT: TelegramConflictError,
    HTTPStatus.UNAUTHORIZED: TelegramUnauthorizedError,
    HTTPStatus.FORBIDDEN: TelegramForbiddenError,
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: TelegramEntityTooLarge,
}


MAX_WEBHOOK_BODY = 1_000_000  # Telegram's updates are far smaller; anything bigger is not from Telegram


class GuardedWebhookHandler(SimpleRequestHandler):
    """The webhook with hostile bodies answered, not crashed on: a body that is not UTF-8 JSON, not an
    object, nested too deeply or too big gets 400 and one WARNING line (never its text); a JSON object
    that is not a valid update is skipped with 200, so Telegram does not send it again."""

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        body = await request.content.read(MAX_WEBHOOK_BODY + 1)
        try:
            if len(body) > MAX_WEBHOOK_BODY:
                raise ValueError("too big")
            raw = json.loads(body.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            log.warning("webhook body refused: %s", type(exc).__name__)
            return web.Response(status=400, text="bad request")
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.warning("webhook body refused: not an update")
            return web.Response(status=400, text="bad request")
        try:
            update = Update.model_validate(raw, context={"bot": bot})
        except (ValidationError, RecursionError, TypeError, ValueError):
            log.warning("unparsable update %s skipped", update_id)
            metrics.UPDATES.labels("unparsable", "skipped").inc()
            return web.json_response({})
        task = asyncio.create_task(self.dispatcher.feed_update(bot, update, **self.data))
        self._background_feed_update_tasks.add(task)
        task.add_done_callback(self._background_feed_update_tasks.discard)
        return web.json_response({})
