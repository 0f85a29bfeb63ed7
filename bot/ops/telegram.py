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
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod

from bot.ops import metrics

log = logging.getLogger(__name__)


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
            attempt += 1
            metrics.RETRIES.inc(reason)
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
