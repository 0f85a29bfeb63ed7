"""Hostile or broken input at the edge: webhook bodies, unparsable updates in polling, the flood throttle
across processes. Each answer is clean (400 or skipped) with one WARNING line and none of the content."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import ClientDecodeError, TelegramConflictError
from aiogram.methods import GetUpdates
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.ops.redis import RedisGuard, connect
from bot.ops.telegram import GuardedWebhookHandler, TolerantSession, parse_updates
from bot.ops.throttle import LocalThrottle, RedisThrottle

TOKEN = "42:TEST-hostile"
SECRET = "s3cret"
PRIVATE = "my address is Musterweg 1"


def good_update(update_id: int, text: str = "hello") -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


def bad_update(update_id: int) -> dict[str, Any]:
    update = good_update(update_id, PRIVATE)
    update["message"]["chat"] = {"id": "not a number", "type": 7}
    return update


def test_an_unparsable_update_is_replaced_by_its_bare_id(caplog: pytest.LogCaptureFixture) -> None:
    bot = Bot(TOKEN)
    with caplog.at_level(logging.WARNING):
        parsed = parse_updates([good_update(1), bad_update(2), good_update(3)], bot)
    assert [u.update_id for u in parsed] == [1, 2, 3]
    assert parsed[0].message is not None and parsed[0].message.text == "hello"
    assert parsed[1].model_dump(exclude_none=True) == {"update_id": 2}
    assert "unparsable update 2 skipped" in caplog.text
    assert PRIVATE not in caplog.text


def test_polling_gets_past_a_bad_update_in_a_batch() -> None:
    """aiogram's own parse of the whole batch succeeds, so the offset moves past the bad update."""
    bot = Bot(TOKEN, session=TolerantSession())
    body = json.dumps({"ok": True, "result": [bad_update(7), good_update(8)]})
    response = bot.session.check_response(bot, GetUpdates(), 200, body)
    assert [u.update_id for u in response.result or []] == [7, 8]
    assert response.result is not None and response.result[0].message is None
    assert response.result[1].message is not None and response.result[1].message.chat.id == 5


def test_a_refused_get_updates_answer_raises_as_in_aiogram() -> None:
    bot = Bot(TOKEN, session=TolerantSession())
    body = json.dumps(
        {"ok": False, "error_code": 409, "description": "Conflict: terminated by other getUpdates"}
    )
    with pytest.raises(TelegramConflictError):
        bot.session.check_response(bot, GetUpdates(), 409, body)
    with pytest.raises(ClientDecodeError):
        bot.session.check_response(bot, GetUpdates(), 200, "not json")


async def webhook_client(dp: Dispatcher) -> TestClient:
    bot = Bot(TOKEN)
    app = web.Application()
    GuardedWebhookHandler(dp, bot, secret_token=SECRET).register(app, path="/hook")
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00 not utf-8",
        b"[1, 2, 3]",
        b'"a string"',
        b'{"no_update_id": true}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"update_id": 1, "x": "' + b"a" * 1_100_000 + b'"}',
    ],
    ids=["empty", "text", "not-utf8", "list", "string", "no-id", "deep", "huge"],
)
async def test_bad_webhook_bodies_get_400_and_one_warning(
    body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    client = await webhook_client(Dispatcher())
    try:
        with caplog.at_level(logging.WARNING):
            response = await client.post(
                "/hook", data=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
        assert response.status == 400
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1 and warnings[0].exc_info is None
    finally:
        await client.close()


async def test_a_webhook_update_that_cannot_be_parsed_is_skipped_with_200(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[int] = []
    dp = Dispatcher()

    @dp.update.outer_middleware()
    async def record(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        seen.append(event.update_id)
        return None

    client = await webhook_client(dp)
    try:
        with caplog.at_level(logging.WARNING):
            skipped = await client.post(
                "/hook", json=bad_update(11), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            handled = await client.post(
                "/hook", json=good_update(12), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            forged = await client.post(
                "/hook", json=good_update(13), headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
            )
        assert (skipped.status, handled.status, forged.status) == (200, 200, 401)
        assert "unparsable update 11 skipped" in caplog.text and PRIVATE not in caplog.text
        for _ in range(50):
            if seen:
                break
            await asyncio.sleep(0.01)
        assert seen == [12]
    finally:
        await client.close()


async def test_the_local_throttle_warns_once_per_flood() -> None:
    throttle = LocalThrottle(rate=0.001, burst=3)
    answers = [await throttle(1) for _ in range(6)]
    assert answers == [(True, False)] * 3 + [(False, True), (False, False), (False, False)]
    assert await throttle(2) == (True, False)  # another person is not held up


async def test_the_redis_throttle_holds_across_processes() -> None:
    """Two processes (two throttles on one Redis) share one person's budget."""
    redis = connect("redis://127.0.0.1:6379/0", 2.0)
    guard = RedisGuard(redis, "redis://127.0.0.1:6379/0")
    prefix = f"hnb:test-{uuid.uuid4().hex[:8]}"
    first = RedisThrottle(redis, guard, prefix, rate=0.01, burst=4)
    second = RedisThrottle(redis, guard, prefix, rate=0.01, burst=4)
    try:
        answers = [await (first if i % 2 else second)(77) for i in range(6)]
        assert [allowed for allowed, _ in answers] == [True] * 4 + [False, False]
        assert [warn for _, warn in answers] == [False] * 4 + [True, False]
    finally:
        keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
