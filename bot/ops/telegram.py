"""Retries for the bot's direct Bot API calls (the replies handlers send while an update is handled).

Messages that leave on their own go through the outbox and its delivery worker, which has its own
retries. A handler's reply has no row to come back to, so without a retry a 5xx, a timeout or a 429 from
Telegram would lose it: this request middleware tries again.

- 429 Too Many Requests: waits `retry_after` (at most `max_wait` seconds), then tries again;
- 5xx, timeouts and connection errors: tries again after 0.5 s, 1 s, 2 s ...;
- at most `retries` further attempts; then the error goes to the handler as before;
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
import warnings
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, GetUpdates, Response, TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.ops import metrics

log = logging.getLogger(__name__)
# A skipped update (below) is already reported in one WARNING line of ours; aiogram's own warning for the
# bare update left in its place would print it a second time, outside the log.
warnings.filterwarnings("ignore", message="Detected unknown update type", category=RuntimeWarning)


QUERY_TOO_OLD = "query is too old"  # Telegram's answer to a late or second answerCallbackQuery


class RetryRequest(BaseRequestMiddleware):
    def __init__(self, retries: int = 3, backoff: float = 0.5, max_wait: float = 30.0) -> None:
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                metrics.rate_limited("bot")
                if attempt >= self.retries or exc.retry_after > self.max_wait:
                    raise
                delay, reason = float(exc.retry_after), "429"
            except TelegramServerError:
                if attempt >= self.retries:
                    raise
                delay, reason = self.backoff * 2**attempt, "5xx"
            except TelegramNetworkError as exc:
                if attempt >= self.retries or isinstance(exc, TelegramEntityTooLarge):
                    raise
                delay, reason = self.backoff * 2**attempt, "network"
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
            log.warning(
                "Bot API %s failed (%s); trying again in %.1f s (%d/%d)",
                method.__api_method__,
                reason,
                delay,
                attempt,
                self.retries,
            )
            await asyncio.sleep(delay)


class KeepResponseTypes(BaseRequestMiddleware):
    """Keeps aiogram's `Response[...]` result models alive, so pydantic does not build them again.

    aiogram parses every Bot API answer with `Response[method.__returning__]`. pydantic (2.13 here) caches
    such parametrised models only weakly, and nothing else holds them, so after a garbage collection the
    next call builds the model class again, schema and all: measured at an eighth of the bot's CPU time
    under load (bench/bench_load.py). One strong reference per method type ends that.
    """

    def __init__(self) -> None:
        self.types: dict[type[Any], Any] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        kind = type(method)
        if kind not in self.types:
            self.types[kind] = Response[method.__returning__]  # type: ignore[valid-type]
        return await make_request(bot, method)


def sanitize_updates(json_data: Any, bot: Bot) -> Any:
    """A getUpdates answer with every update that aiogram cannot parse replaced by its bare id.

    One unparsable update would otherwise fail the whole batch again and again (polling never gets past
    it), and aiogram would log the whole answer, texts and names included, on every retry. The bare
    `{"update_id": N}` is skipped by the dispatcher as an unknown type, so the offset moves past it.
    """
    if not isinstance(json_data, dict) or not isinstance(json_data.get("result"), list):
        return json_data
    kept: list[Any] = []
    for raw in json_data["result"]:
        try:
            Update.model_validate(raw, context={"bot": bot})
            kept.append(raw)
        except (ValidationError, RecursionError, TypeError, ValueError):
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int) and not isinstance(update_id, bool):
                log.warning("unparsable update %s skipped", update_id)
                metrics.UPDATES.labels("unparsable", "skipped").inc()
                kept.append({"update_id": update_id})
            else:
                log.warning("getUpdates answer with an item without update id skipped")
    return {**json_data, "result": kept}


class TolerantSession(AiohttpSession):
    """aiogram's HTTP session, but a getUpdates answer with a bad update does not stop polling."""

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        if isinstance(method, GetUpdates) and status_code == 200:
            try:
                content = self.json_dumps(sanitize_updates(self.json_loads(content), bot))
            except (ValueError, RecursionError):
                pass  # not JSON at all: aiogram's own error and backoff apply
        return super().check_response(bot, method, status_code, content)


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
