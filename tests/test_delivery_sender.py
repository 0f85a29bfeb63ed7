"""BotApiSender against a tiny HTTP stand-in: every kind of answer becomes the right typed result."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from bot.delivery.sender import (
    Blocked,
    BotApiSender,
    Permanent,
    RetryAfter,
    Sent,
    Transient,
    classify,
    to_jsonable,
)

TOKEN = "123:abc"


class StandIn:
    def __init__(self) -> None:
        self.answers: list[tuple[int, Any] | str] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.match_info["method"], await request.json()))
        answer = self.answers.pop(0)
        if answer == "hang":
            await asyncio.sleep(1)
            return web.json_response({"ok": True, "result": True})
        if answer == "garbage":
            return web.Response(status=502, text="<html>Bad Gateway</html>")
        assert not isinstance(answer, str)
        status, body = answer
        return web.json_response(body, status=status)


@pytest.fixture
async def stand_in() -> AsyncIterator[tuple[StandIn, str]]:
    state = StandIn()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield state, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_answers_map_to_results(stand_in: tuple[StandIn, str]) -> None:
    state, url = stand_in
    state.answers = [
        (200, {"ok": True, "result": {"message_id": 77, "chat": {"id": 5}}}),
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        ),
        (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
        (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
        "garbage",
        (200, {"ok": True, "result": True}),
    ]
    sender = BotApiSender(url, TOKEN, timeout=2)
    try:
        results = [await sender.send("sendMessage", {"chat_id": 5, "text": "hi"}) for _ in range(7)]
    finally:
        await sender.close()
    assert results == [
        Sent(77),
        RetryAfter(3.0, "Too Many Requests: retry after 3"),
        Blocked("Forbidden: bot was blocked by the user"),
        Permanent("Bad Request: chat not found"),
        Transient("Internal Server Error"),
        Transient("HTTP 502"),
        Sent(None),
    ]
    assert state.requests[0] == ("sendMessage", {"chat_id": 5, "text": "hi"})


async def test_timeout_and_connection_errors_are_transient(stand_in: tuple[StandIn, str]) -> None:
    state, url = stand_in
    state.answers = ["hang"]
    sender = BotApiSender(url, TOKEN, timeout=0.2)
    try:
        result = await sender.send("sendMessage", {"chat_id": 5, "text": "hi"})
    finally:
        await sender.close()
    assert isinstance(result, Transient) and "timeout" in result.description

    closed = BotApiSender("http://127.0.0.1:9", TOKEN, timeout=1)  # nothing listens on the discard port
    try:
        result = await closed.send("sendMessage", {"chat_id": 5, "text": "hi"})
    finally:
        await closed.close()
    assert isinstance(result, Transient) and result.description.startswith("connection")


async def test_aiogram_keyboards_become_plain_json(stand_in: tuple[StandIn, str]) -> None:
    state, url = stand_in
    state.answers = [(200, {"ok": True, "result": {"message_id": 1}})]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Take", callback_data="as:take:1")]]
    )
    sender = BotApiSender(url, TOKEN)
    try:
        await sender.send("sendMessage", {"chat_id": 5, "text": "x", "reply_markup": markup})
    finally:
        await sender.close()
    assert state.requests[0][1]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Take", "callback_data": "as:take:1"}]]
    }
    assert json.dumps(to_jsonable({"a": (1, 2), "b": None})) == '{"a": [1, 2]}'


def test_classify_special_cases() -> None:
    assert classify(
        400, {"ok": False, "error_code": 400, "description": "Bad Request: message is not modified: x"}
    ) == Sent(None)
    assert isinstance(
        classify(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}), Transient
    )
    assert classify(429, {"ok": False, "error_code": 429}) == RetryAfter(1.0, "HTTP 429")
    assert isinstance(classify(200, None), Transient)
