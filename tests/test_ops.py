"""bot/ops pieces on their own: metrics text, leader locks and exactly-once jobs, migrations started at once,
Redis with its degraded mode, retries of direct Bot API calls, JSON logs, the hot-path fixes in bot.app."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import GetUpdates, SendMessage
from prometheus_client import generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot import logs
from bot.app import inline_pure_filters
from bot.delivery.limits import ChatPacer
from bot.ops import metrics
from bot.ops import redis as guarded
from bot.ops.isolation import LocalIsolation, MemoryStates
from bot.ops.leader import FileLeader, PostgresLeader, exactly_once, leadership_for, migration_lock
from bot.ops.telegram import RetryRequest
from storage.migrate import upgrade
from tests.conftest import PG_URL, drop_schema
from tests.ops_support import PrivateRedis, metric, parse_metrics
from tests.test_delivery_limits import VirtualTime

# --- metrics ---------------------------------------------------------------------------------------------


# Every series /metrics exposes, and its type: the names dashboards and alerts use.
EXPOSED = {
    "hnb_updates_total": "counter",
    "hnb_updates_duplicate_total": "counter",
    "hnb_handler_seconds": "histogram",
    "hnb_faq_questions_total": "counter",
    "hnb_letters_total": "counter",
    "hnb_deliveries_total": "counter",
    "hnb_telegram_429_total": "counter",
    "hnb_telegram_retries_total": "counter",
    "hnb_outbox_messages": "gauge",
    "hnb_outbox_oldest_due_seconds": "gauge",
    "hnb_job_runs_total": "counter",
    "hnb_job_seconds": "histogram",
    "hnb_scheduler_leader": "gauge",
    "hnb_redis_up": "gauge",
    "hnb_database_up": "gauge",
    "hnb_metrics_collector_errors_total": "counter",
    "hnb_gc_pause_seconds": "histogram",
    "process_start_time_seconds": "gauge",
    "process_resident_memory_bytes": "gauge",
}


def test_exposition_keeps_the_documented_names_types_and_labels() -> None:
    metrics.reset()
    metrics.UPDATES.labels("message", "ok").inc()
    metrics.HANDLER_SECONDS.labels("message").observe(0.3)
    metrics.JOB_SECONDS.labels("x").observe(2)
    metrics.OUTBOX.labels("pending").set(2)
    body = generate_latest(metrics.REGISTRY).decode()
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", body, re.MULTILINE))
    assert types == EXPOSED
    assert "_created" not in body  # no series beyond the documented ones
    samples = parse_metrics(body)
    assert metric(samples, "hnb_updates_total", type="message", result="ok") == 1
    assert metric(samples, "hnb_handler_seconds_bucket", type="message", le="0.25") == 0
    assert metric(samples, "hnb_handler_seconds_bucket", type="message", le="0.5") == 1
    assert metric(samples, "hnb_handler_seconds_bucket", type="message", le="+Inf") == 1
    assert metric(samples, "hnb_handler_seconds_count", type="message") == 1
    assert metric(samples, "hnb_job_seconds_sum", job="x") == 2
    assert metric(samples, "hnb_outbox_messages", status="pending") == 2
    assert metric(samples, "hnb_updates_duplicate_total") == 0  # unlabelled: present from the start
    assert metrics.value("hnb_job_seconds_count", job="x") == 1
    metrics.reset()
    assert metrics.value("hnb_updates_total") == 0 and metrics.value("hnb_outbox_messages") == 0


async def test_scrape_readers_run_before_a_scrape_and_failures_are_counted() -> None:
    before = metrics.value("hnb_metrics_collector_errors_total")

    async def good() -> None:
        metrics.OUTBOX_OLDEST_DUE.set(7)

    async def bad() -> None:
        raise RuntimeError("database down")

    metrics.on_scrape("t_good", good)
    metrics.on_scrape("t_bad", bad)
    try:
        await metrics.refresh()
        assert "hnb_outbox_oldest_due_seconds 7.0" in generate_latest(metrics.REGISTRY).decode()
        assert metrics.value("hnb_metrics_collector_errors_total") == before + 1
        metrics.remove_on_scrape("t_bad", good)  # not the one registered under that name: kept
        await metrics.refresh()
        assert metrics.value("hnb_metrics_collector_errors_total") == before + 2
    finally:
        metrics.remove_on_scrape("t_good", good)
        metrics.remove_on_scrape("t_bad")
    await metrics.refresh()
    assert metrics.value("hnb_metrics_collector_errors_total") == before + 2


def test_hooks_map_to_the_documented_labels() -> None:
    metrics.reset()
    for kind in ("answer", "answer", "suggest", "unknown", "greeting"):
        metrics.faq_question(kind)
    metrics.deliveries({"sent": 3, "failed": 1, "retried": 0})
    metrics.rate_limited("delivery")
    samples = parse_metrics(generate_latest(metrics.REGISTRY).decode())
    assert metric(samples, "hnb_faq_questions_total", outcome="answered") == 2
    assert metric(samples, "hnb_faq_questions_total", outcome="unknown") == 1
    assert metric(samples, "hnb_deliveries_total", result="sent") == 3
    assert metric(samples, "hnb_deliveries_total", result="retried") == 0
    assert metric(samples, "hnb_telegram_429_total", source="delivery") == 1
    assert metric(samples, "process_resident_memory_bytes") > 0


# --- leader lock and exactly-once jobs ---------------------------------------------------------------------


async def test_file_leader_one_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3.leader"
    first, second = FileLeader(path), FileLeader(path)
    assert await first.ensure() is True
    assert await second.ensure() is False and second.last_error == "held by another process"
    assert await first.ensure() is True  # still held
    await first.release()
    assert await second.ensure() is True
    await second.release()


async def test_leadership_for_picks_the_lock(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}"
    engine = create_async_engine(url)
    leader = leadership_for(engine, url)
    assert isinstance(leader, FileLeader) and leader.path == tmp_path / "x.sqlite3.leader"
    await engine.dispose()


@pytest.mark.pg
async def test_postgres_leader_lock_failover() -> None:
    schema = f"t_lead_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    args: dict[str, Any] = {
        "connect_args": {"server_settings": {"search_path": schema}},
        "pool_pre_ping": True,
    }
    a, b = create_async_engine(PG_URL, **args), create_async_engine(PG_URL, **args)
    first, second = PostgresLeader(a), PostgresLeader(b)
    try:
        assert await first.ensure() is True
        assert await second.ensure() is False
        assert await first.ensure() is True  # confirmed on its own connection
        # the leader's session is killed (a network cut, a server restart): the lock goes with it
        assert first.conn is not None
        pid = (await first.conn.execute(text("SELECT pg_backend_pid()"))).scalar()
        async with admin.connect() as conn:
            # with a timeout it waits until that backend has exited (and let go of the lock)
            ended = await conn.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid})
            assert ended.scalar() is True
        assert await second.ensure() is True
        assert await first.ensure() is False and first.is_leader is False
        assert metrics.value("hnb_scheduler_leader") == 0  # the last word was first's
        await second.release()
        assert await first.ensure() is True
        # another schema is another bot: its own lock
        other = f"{schema}_b"
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{other}"')
        c = create_async_engine(PG_URL, connect_args={"server_settings": {"search_path": other}})
        third = PostgresLeader(c)
        assert await third.ensure() is True
        await third.release()
        await c.dispose()
        await drop_schema(other)
    finally:
        await first.release()
        await second.release()
        await a.dispose()
        await b.dispose()
        await admin.dispose()
        await drop_schema(schema)


async def test_exactly_once_runs_only_in_the_leader(tmp_path: Path) -> None:
    metrics.reset()
    path = tmp_path / "db.leader"
    leaders = [FileLeader(path), FileLeader(path)]
    ran: list[int] = []

    def job(i: int) -> Any:
        async def run(ctx: Any) -> None:
            ran.append(i)

        return run

    runs = [exactly_once("demo_job", job(i), leader) for i, leader in enumerate(leaders)]
    for _ in range(3):
        for run in runs:
            await run(None)
    assert ran == [0, 0, 0]
    assert metrics.value("hnb_job_runs_total", job="demo_job", result="ok") == 3
    assert metrics.value("hnb_job_runs_total", job="demo_job", result="skipped") == 3

    async def broken(ctx: Any) -> None:
        raise RuntimeError("boom")

    await exactly_once("broken_job", broken, leaders[0])(None)  # logged and counted, never raised
    assert metrics.value("hnb_job_runs_total", job="broken_job", result="error") == 1
    assert metrics.value("hnb_job_seconds_count", job="demo_job") == 3
    for leader in leaders:
        await leader.release()


@pytest.mark.pg
async def test_processes_starting_at_once_migrate_one_after_the_other() -> None:
    schema = f"t_mig_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    await admin.dispose()
    engines = [
        create_async_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
        for _ in range(3)
    ]

    async def start(engine: Any) -> None:
        async with migration_lock(engine):
            await upgrade(engine)

    try:
        await asyncio.gather(*(start(e) for e in engines))
        async with engines[0].connect() as conn:
            heads = (await conn.execute(text("SELECT count(*) FROM alembic_version"))).scalar()
        assert heads and heads >= 1
    finally:
        for engine in engines:
            await engine.dispose()
        await drop_schema(schema)


# --- Redis and its degraded mode -------------------------------------------------------------------------


async def test_redis_down_falls_back_logs_once_and_comes_back(caplog: pytest.LogCaptureFixture) -> None:
    if not PrivateRedis.available():
        pytest.skip("redis-server is not installed")
    from bot.app import MemorySeen, RedisSeen

    redis_server = PrivateRedis()  # not started yet
    caplog.set_level(logging.INFO, logger="bot.ops.redis")
    storage, isolation, seen, guard = await guarded.build(
        redis_server.url,
        timeout=0.5,
        retry_seconds=0.2,
        seen=lambda client: RedisSeen(client, "hnb:1"),
        local_seen=MemorySeen(),
        dialog_ttl_seconds=3600,
    )
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    try:
        assert guard.up is False and metrics.value("hnb_redis_up") == 0
        assert await seen(1) is False and await seen(1) is True  # memory still drops duplicates
        await storage.set_state(key, "Form:name")
        assert await storage.get_state(key) == "Form:name"
        async with isolation.lock(key):
            pass
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "is unreachable" in errors[0].getMessage()
        assert "DEGRADED" in errors[0].getMessage() and guard.describe()["ok"] is False

        await redis_server.start()
        await asyncio.sleep(0.25)  # the retry interval
        assert await seen(2) is False
        assert guard.up is True and metrics.value("hnb_redis_up") == 1
        assert await guard.redis.get("hnb:1:update:2") is not None
        await storage.set_state(key, "Form:age")
        assert await guard.redis.keys("fsm:*")
        async with isolation.lock(key):
            assert await guard.redis.keys("fsm:*:lock")
        assert any("answers again" in r.getMessage() for r in caplog.records)

        await redis_server.stop()
        assert await seen(3) is False  # Redis is gone again: memory
        assert guard.up is False
        assert [r.levelno for r in caplog.records].count(logging.ERROR) == 2
    finally:
        await storage.close()
        await guard.redis.aclose()
        await redis_server.stop()


def test_redis_url_password_is_not_logged() -> None:
    assert guarded.redact("redis://:s3cret@redis:6379/0") == "redis://:***@redis:6379/0"
    assert guarded.redact("redis://user:pw@host/1") == "redis://user:***@host/1"
    assert guarded.redact("redis://host:6379/0") == "redis://host:6379/0"


# --- retries of direct Bot API calls ------------------------------------------------------------------------


async def test_retry_request_retries_5xx_network_and_429(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics.reset()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("bot.ops.telegram.asyncio.sleep", fake_sleep)
    method = SendMessage(chat_id=1, text="hi")
    failures: list[Exception] = [
        TelegramServerError(method=method, message="Bad Gateway"),
        TelegramNetworkError(method=method, message="Request timeout error"),
        TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=3),
    ]
    calls = 0

    async def make_request(bot: Any, m: Any) -> str:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return "sent"

    vt = VirtualTime()
    middleware = RetryRequest(retries=3, backoff=0.5, pacer=ChatPacer(clock=vt, sleep=vt.sleep))
    assert await middleware(make_request, None, method) == "sent"  # type: ignore[arg-type]
    # the 429's wait is its chat's, in the pacer (tests/test_ops_pressure.py)
    assert calls == 4 and [s for s in slept if s] == [0.5, 1.0] and vt.sleeps == [3.0]
    assert metrics.value("hnb_telegram_retries_total", reason="5xx") == 1
    assert metrics.value("hnb_telegram_retries_total", reason="network") == 1
    assert metrics.value("hnb_telegram_429_total", source="bot") == 1

    async def always_down(bot: Any, m: Any) -> str:
        raise TelegramServerError(method=method, message="Internal Server Error")

    with pytest.raises(TelegramServerError):
        await RetryRequest(retries=2)(always_down, None, method)  # type: ignore[arg-type]

    polls = 0

    async def poll(bot: Any, m: Any) -> str:
        nonlocal polls
        polls += 1
        raise TelegramServerError(method=m, message="down")

    with pytest.raises(TelegramServerError):
        await RetryRequest(retries=3)(poll, None, GetUpdates())  # type: ignore[arg-type]
    assert polls == 1  # aiogram's polling has its own backoff


# Bot API answers read without aiogram's Response[X] models (bot.ops.telegram.TolerantSession.check_response):
# the same results and the same exceptions as aiogram's own reading.
ANSWER_TOKEN = "42:TEST-answers"
SENT = {
    "message_id": 9,
    "date": 1700000000,
    "chat": {"id": 5, "type": "private", "first_name": "Ali"},
    "from": {"id": 42, "is_bot": True, "first_name": "Bot"},
    "text": "مرحبا Welt",
    "entities": [{"type": "bold", "offset": 0, "length": 5}],
    "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "faq:1"}]]},
}


def _answer_methods() -> list[tuple[Any, Any]]:
    from aiogram.methods import (
        AnswerCallbackQuery,
        CopyMessage,
        EditMessageText,
        GetChatMember,
        GetChatMemberCount,
        GetMe,
        SendMediaGroup,
    )
    from aiogram.types import InputMediaPhoto

    return [
        (SendMessage(chat_id=5, text="x"), SENT),
        (EditMessageText(chat_id=5, message_id=9, text="y"), SENT),
        (EditMessageText(inline_message_id="i", text="y"), True),
        (AnswerCallbackQuery(callback_query_id="c"), True),
        (GetMe(), {"id": 42, "is_bot": True, "first_name": "Bot", "username": "hnb_bot"}),
        (SendMediaGroup(chat_id=5, media=[InputMediaPhoto(media="p")]), [SENT, {**SENT, "message_id": 10}]),
        (CopyMessage(chat_id=5, from_chat_id=6, message_id=1), {"message_id": 11}),
        (GetChatMemberCount(chat_id=5), 7),
        # a union of member types: left to aiogram
        (
            GetChatMember(chat_id=5, user_id=1),
            {"status": "member", "user": {"id": 1, "is_bot": False, "first_name": "A"}},
        ),
        (GetUpdates(), [{"update_id": 3, "message": SENT}]),
    ]


def _sessions() -> tuple[Any, Any]:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession

    from bot.ops.telegram import TolerantSession

    return Bot(ANSWER_TOKEN, session=TolerantSession()), Bot(ANSWER_TOKEN, session=AiohttpSession())


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(one) for one in value]
    return (type(value).__name__, value.model_dump(mode="json")) if hasattr(value, "model_dump") else value


@pytest.mark.parametrize("index", range(10))
async def test_successful_answers_are_read_as_aiogram_reads_them(index: int) -> None:
    method, result = _answer_methods()[index]
    ours, aiogram_s = _sessions()
    body = json.dumps({"ok": True, "result": result})
    mine = ours.session.check_response(ours, method, 200, body).result
    theirs = aiogram_s.session.check_response(aiogram_s, method, 200, body).result
    assert _plain(mine) == _plain(theirs)
    assert type(mine) is type(theirs)
    if isinstance(result, dict) and "chat" in result:
        assert mine.bot is ours  # the message can answer (message.answer) like aiogram's


REFUSED = [
    (400, {"description": "Bad Request: message is not modified"}),
    (401, {"description": "Unauthorized"}),
    (403, {"description": "Forbidden: bot was blocked by the user"}),
    (404, {"description": "Not Found"}),
    (409, {"description": "Conflict: terminated by other getUpdates request"}),
    (413, {"description": "Request Entity Too Large"}),
    (429, {"description": "Too Many Requests: retry after 7", "parameters": {"retry_after": 7}}),
    (400, {"description": "Bad Request: group upgraded", "parameters": {"migrate_to_chat_id": -1001}}),
    (500, {"description": "Internal Server Error"}),
    (502, {"description": "Bad Gateway"}),
    (500, {"description": "Internal Server Error: restart"}),
    (200, {"description": "ok false on a 200"}),
    (418, {}),
]


@pytest.mark.parametrize(("status", "fields"), REFUSED)
def test_refused_answers_raise_as_in_aiogram(status: int, fields: dict[str, Any]) -> None:
    from aiogram.exceptions import TelegramAPIError

    ours, aiogram_s = _sessions()
    method = SendMessage(chat_id=5, text="x")
    body = json.dumps({"ok": False, "error_code": status, **fields})
    with pytest.raises(TelegramAPIError) as mine:
        ours.session.check_response(ours, method, status, body)
    with pytest.raises(TelegramAPIError) as theirs:
        aiogram_s.session.check_response(aiogram_s, method, status, body)
    assert type(mine.value) is type(theirs.value)
    assert str(mine.value) == str(theirs.value)
    assert mine.value.method is method
    for detail in ("retry_after", "migrate_to_chat_id"):
        assert getattr(mine.value, detail, None) == getattr(theirs.value, detail, None)


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"ok": "perhaps"}', '{"ok": true, "result": {"chat": 1}}']
)
def test_unreadable_answers_fail_as_in_aiogram(body: str) -> None:
    from aiogram.exceptions import ClientDecodeError

    ours, _ = _sessions()
    with pytest.raises(ClientDecodeError):
        ours.session.check_response(ours, SendMessage(chat_id=5, text="x"), 200, body)


ANSWERS_PROBE = """
import gc, json
import bot  # aiogram's types built at first use (bot/ops/lazy_types.py), as in the bot
from aiogram import Bot
from aiogram.methods import EditMessageText, GetUpdates, Response, SendMessage
from aiogram.types import Message
from bot.ops.telegram import TolerantSession
from tests.test_ops import SENT
me = Bot("42:TEST-answers", session=TolerantSession())
for method, result in [
    (GetUpdates(), [{"update_id": 1, "message": SENT}]),
    (SendMessage(chat_id=5, text="x"), SENT),
    (EditMessageText(chat_id=5, message_id=9, text="y"), SENT),
    (EditMessageText(chat_id=5, message_id=9, text="y"), True),
]:
    me.session.check_response(me, method, 200, json.dumps({"ok": True, "result": result}))
built = sorted(
    c.__name__ for c in gc.get_objects()
    if isinstance(c, type) and issubclass(c, Response) and c is not Response and c.__pydantic_complete__
)
print(json.dumps({"message": Message.__pydantic_complete__, "responses": built}))
"""


def test_reading_answers_builds_no_second_message_validator() -> None:
    """A Response[Message] model, or Message's own validator, would hold another copy of the one in
    Update's validator: 2 MiB each (bench/bench_load.py's memory bar)."""
    from tests.test_lazy_loading import _fresh_interpreter

    assert _fresh_interpreter(ANSWERS_PROBE) == {"message": False, "responses": []}


async def test_calls_go_as_json_and_uploads_as_a_form() -> None:
    """A message (Arabic text, a keyboard, the bot's default parse mode) goes as one JSON body with its
    values as they are; a file still goes as aiogram's multipart form."""
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import BufferedInputFile, InlineKeyboardButton
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from bot.ops.telegram import TolerantSession
    from handlers.kit import keyboard

    seen: list[tuple[str, bytes]] = []
    message = {"message_id": 9, "date": 1700000000, "chat": {"id": 5, "type": "private"}, "text": "x"}

    async def api(request: web.Request) -> web.Response:
        seen.append((request.content_type, await request.read()))
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api)
    server = TestServer(app)
    await server.start_server()
    session = TolerantSession(api=TelegramAPIServer.from_base(str(server.make_url(""))))
    bot = Bot("42:TEST", session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        markup = keyboard([InlineKeyboardButton(text="نعم", callback_data="y")])
        sent = await bot.send_message(5, "مرحبا <b>بكم</b>", reply_markup=markup, disable_notification=False)
        await bot.send_document(5, BufferedInputFile(b"%PDF-1.4", "a.pdf"))
    finally:
        await session.close()
        await server.close()
    assert sent.message_id == 9
    (json_type, body), (form_type, _) = seen
    assert json_type == "application/json" and form_type == "multipart/form-data"
    assert json.loads(body) == {
        "chat_id": 5,
        "text": "مرحبا <b>بكم</b>",
        "parse_mode": "HTML",
        "disable_notification": False,
        "reply_markup": {"inline_keyboard": [[{"text": "نعم", "callback_data": "y"}]]},
    }


async def test_a_call_without_result_is_not_read_but_a_refusal_is() -> None:
    """bot.ops.telegram.without_result: the sent message's echo is not parsed (its result is None), a refusal
    still raises as always, and the calls after it are read again."""
    from aiogram import Bot
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramForbiddenError
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    import bot.ops.telegram as telegram
    from bot.ops.telegram import TolerantSession, without_result

    answers = [
        {"ok": True, "result": SENT},
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
        {"ok": True, "result": SENT},
    ]
    read: list[Any] = []
    reading = telegram.read_result

    def counted(returning: Any, raw: Any, bot: Any) -> Any:
        read.append(raw)
        return reading(returning, raw, bot)

    async def api(request: web.Request) -> web.Response:
        answer = answers.pop(0)
        return web.json_response(answer, status=200 if answer["ok"] else answer["error_code"])

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api)
    server = TestServer(app)
    await server.start_server()
    session = TolerantSession(api=TelegramAPIServer.from_base(str(server.make_url(""))))
    bot = Bot(ANSWER_TOKEN, session=session)
    telegram.read_result = counted  # type: ignore[assignment]
    try:
        assert await without_result(bot.send_message(5, "مرحبا")) is None
        assert read == []
        with pytest.raises(TelegramForbiddenError):
            await without_result(bot.send_message(5, "مرحبا"))
        sent = await bot.send_message(5, "مرحبا")
    finally:
        telegram.read_result = reading  # type: ignore[assignment]
        await session.close()
        await server.close()
    assert sent.message_id == SENT["message_id"] and read == [SENT]


def _wire_methods() -> list[Any]:
    from datetime import UTC, datetime

    from aiogram.enums import ParseMode
    from aiogram.methods import BanChatMember, EditMessageText, SendPhoto
    from aiogram.types import (
        BufferedInputFile,
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        LinkPreviewOptions,
        ReplyParameters,
    )

    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="نعم", callback_data="faq:y"),
                InlineKeyboardButton(text="🔗", url="https://x.example"),
            ],
            [InlineKeyboardButton(text="0", callback_data="0")],
        ]
    )
    return [
        SendMessage(
            chat_id=5, text="مرحبا", reply_markup=markup, reply_parameters=ReplyParameters(message_id=3)
        ),
        SendMessage(chat_id=-100, text="x", parse_mode=ParseMode.MARKDOWN_V2, disable_notification=False),
        SendMessage(chat_id="@channel", text="", link_preview_options=LinkPreviewOptions(is_disabled=True)),
        EditMessageText(chat_id=5, message_id=9, text="y", reply_markup=markup),
        BanChatMember(chat_id=-100, user_id=7, until_date=datetime(2030, 1, 2, tzinfo=UTC)),
        SendPhoto(chat_id=5, photo=BufferedInputFile(b"\x89PNG", "p.png"), caption="c"),
    ]


@pytest.mark.parametrize("index", range(6))
def test_calls_are_prepared_as_aiogram_prepares_them(index: int) -> None:
    """bot.ops.telegram.wire_params walks plain values itself: the same parameters as aiogram's
    prepare_value gives (the bot's defaults filled in, enums and dates as Telegram takes them), and None
    for an upload."""
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties

    from bot.ops.telegram import TolerantSession, wire_params

    method = _wire_methods()[index]
    bot = Bot(
        ANSWER_TOKEN,
        session=TolerantSession(),
        default=DefaultBotProperties(parse_mode="HTML", protect_content=True),
    )
    files: dict[str, Any] = {}
    theirs = {}
    for key, value in method.model_dump(warnings=False, exclude_none=True).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None and prepared != "":
            theirs[key] = prepared
    assert wire_params(bot, method) == (None if files else theirs)


def test_keyboards_keep_telegrams_limits() -> None:
    from aiogram.types import InlineKeyboardButton

    from handlers.kit import keyboard

    buttons = [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(10)]
    assert keyboard(None, []) is None
    wide = keyboard(buttons, [buttons[0]])
    assert wide is not None and [len(row) for row in wide.inline_keyboard] == [8, 2, 1]  # split at 8
    grid3 = keyboard(buttons[:4], buttons[4:7], columns=3)
    assert grid3 is not None and [[b.text for b in row] for row in grid3.inline_keyboard] == [
        ["0", "1", "2"],
        ["3", "4", "5"],
        ["6"],
    ]
    with pytest.raises(ValueError):
        keyboard(*[buttons] * 11)  # 110 buttons
    with pytest.raises(ValueError):
        keyboard(buttons, columns=9)


def test_pure_filters_run_inline() -> None:
    from aiogram import Dispatcher

    from bot import wiring

    dp = Dispatcher()
    for router in wiring.routers():
        dp.include_router(router)
    inline_pure_filters(dp)
    assert inline_pure_filters(dp) == 0  # idempotent: nothing left to change

    def sync_checks(router: Any) -> list[str]:
        """Every filter and handler left that aiogram would run in a worker thread (one such filter on the
        way of every question cut the bot's throughput to a third: bench/bench_load.py)."""
        found = []
        for name, observer in router.observers.items():
            for item in observer._handler.filters or ():  # router-level filters
                if not item.awaitable:
                    found.append(f"{router.name}.{name}: {item.callback!r}")
            for handler in observer.handlers:
                for item in [handler, *(handler.filters or ())]:
                    if not item.awaitable:
                        found.append(f"{router.name}.{name}: {item.callback!r}")
        return found + [f for sub in router.sub_routers for f in sync_checks(sub)]

    assert sync_checks(dp) == []


# --- logs ----------------------------------------------------------------------------------------------------


def test_json_logs_carry_update_and_user_hash_not_the_id() -> None:
    formatter = logs.JsonFormatter()
    context = logs.ContextFilter()
    record = logging.LogRecord("handlers.faq", logging.INFO, __file__, 1, "question handled", (), None)
    token = logs.bind(4242, 123456789)
    try:
        context.filter(record)
    finally:
        logs.unbind(token)
    entry = json.loads(formatter.format(record))
    assert entry["update_id"] == 4242 and entry["message"] == "question handled"
    assert entry["user_hash"] == logs.user_hash(123456789) and "123456789" not in json.dumps(entry)
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "later", (), None)
    context.filter(outside)
    assert "update_id" not in json.loads(formatter.format(outside))
    text_line = logs.TextFormatter().format(record)
    assert text_line.endswith(f"[update=4242 user={logs.user_hash(123456789)}]")


def test_user_hash_is_keyed_per_installation() -> None:
    logs.set_hash_key("111:AAA")
    one = logs.user_hash(5)
    logs.set_hash_key("222:BBB")
    assert logs.user_hash(5) != one and len(one) == 12
    logs.set_hash_key("111:AAA")
    assert logs.user_hash(5) == one


def test_what_a_person_wrote_never_reaches_a_log_line() -> None:
    question = "Mein Bescheid vom Jobcenter ist falsch"
    context = logs.ContextFilter()
    try:
        raise ValueError(f"could not parse {question!r}")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "handlers.faq", logging.ERROR, __file__, 1, "failed on %s", (question,), exc_info
    )
    token = logs.bind(7, 42, (question, None, "+49 151 000000"))
    try:
        context.filter(record)
    finally:
        logs.unbind(token)
    as_json = logs.JsonFormatter().format(record)
    as_text = logs.TextFormatter().format(record)
    for line in (as_json, as_text):
        assert question not in line and logs.REDACTED in line
    assert json.loads(as_json)["message"] == f"failed on {logs.REDACTED}"


async def test_local_isolation_survives_close_while_an_update_runs() -> None:
    # At shutdown the dispatcher closes the isolation while the last updates may still hold their lock.
    isolation = LocalIsolation()
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    order: list[str] = []

    async def update(name: str, pause: float) -> None:
        async with isolation.lock(key):
            order.append(f"{name} in")
            await asyncio.sleep(pause)
            order.append(f"{name} out")

    first = asyncio.create_task(update("a", 0.05))
    second = asyncio.create_task(update("b", 0))
    await asyncio.sleep(0.01)
    await isolation.close()
    await asyncio.gather(first, second)
    assert order == ["a in", "a out", "b in", "b out"]  # still one at a time, and no KeyError
    async with isolation.lock(key):  # usable again afterwards
        pass
    assert isolation._locks == {}


async def test_memory_states_answer_as_aiograms_and_keep_nothing_for_chats_without_a_dialog() -> None:
    # aiogram's MemoryStorage keeps a record for every chat it is asked about, for good (a defaultdict)
    from aiogram.fsm.storage.memory import MemoryStorage

    ours, theirs = MemoryStates(), MemoryStorage()
    key, other = StorageKey(bot_id=1, chat_id=5, user_id=5), StorageKey(bot_id=1, chat_id=6, user_id=6)
    steps: list[tuple[str, Any]] = [
        ("get_state", ()),
        ("get_data", ()),
        ("get_value", ("step", "none")),
        ("set_state", ("Booking:day",)),
        ("set_data", ({"step": 2, "slots": [1, 2]},)),
        ("get_state", ()),
        ("get_value", ("slots",)),
        ("set_state", (None,)),  # a dialog left with data still there: kept
        ("get_data", ()),
        ("set_data", ({},)),  # nothing left: dropped
        ("get_state", ()),
    ]
    for name, args in steps:
        if name.startswith("get"):
            for storage in (ours, theirs):
                await getattr(storage, name)(other, *args)  # a chat that only reads
        assert await getattr(ours, name)(key, *args) == await getattr(theirs, name)(key, *args), name
    assert len(theirs.storage) == 2 and len(ours.storage) == 0
    # a value read is a copy, as aiogram gives it
    await ours.set_data(key, {"slots": [1]})
    (await ours.get_value(key, "slots")).append(2)
    assert await ours.get_data(key) == {"slots": [1]}
