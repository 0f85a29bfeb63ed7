"""/healthz and /metrics of a real bot (started as in production: migrations, scheduler, delivery worker,
health server on METRICS_PORT) against the emulator, on SQLite and PostgreSQL; the webhook app's routes;
and what the logs say about an update (its id and a hash of the sender, never the text)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App, build_app, shutdown, startup, webhook_app
from bot.config import load_settings
from bot.delivery.outbox import enqueue_many
from bot.ops import metrics
from bot.ops.health import Health
from emulator.server import BotAPIEmulator
from storage.db import create_engine
from storage.models import User
from tests.conftest import drop_pg_database, make_engine
from tests.ops_support import free_port, metric, parse_metrics, wait_for

TOKEN = "123456:TEST-health"
QUESTIONS = {
    "answered": "Wo kann ich einen Deutschkurs machen?",
    "unknown": "Wie hoch ist der Mount Everest eigentlich genau?",
}


@contextlib.asynccontextmanager
async def production_bot(
    db_kind: str, tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[App, str, BotAPIEmulator]]:
    emu = BotAPIEmulator(chat_per_second=1)
    await emu.start()
    engine, url, database = await make_engine(db_kind, tmp_path)
    port = free_port()
    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emu.base_url,
        database_url=url,
        metrics_port=port,
        job_interval_max_seconds=0.5,
        delivery_idle_seconds=0.05,
        send_rate_per_chat=5,  # more than the emulator allows: its 429s show in the metrics
        throttle_rate=50,
        throttle_burst=100,
        **overrides,
    )
    metrics.reset()
    app = await build_app(settings, TOKEN, engine=engine)
    polling = None
    try:
        await startup(app)
        polling = asyncio.create_task(
            app.dp.start_polling(app.bot, handle_signals=False, close_bot_session=False, polling_timeout=1)
        )
        yield app, f"http://127.0.0.1:{port}", emu
    finally:
        if polling is not None:
            with contextlib.suppress(RuntimeError):
                await app.dp.stop_polling()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await asyncio.wait_for(polling, 5)
        await shutdown(app)
        await emu.stop()
        if database:
            await drop_pg_database(database)


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


async def test_healthz_and_metrics_of_a_running_bot(
    db_kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with production_bot(db_kind, tmp_path) as (app, base, emu):
        status, ctype, body = await get(base + "/healthz")
        health = json.loads(body)
        assert status == 200 and ctype.startswith("application/json"), body
        assert health["status"] == "ok"
        checks = health["checks"]
        assert checks["database"]["ok"] and checks["database"]["dialect"] in ("sqlite", "postgresql")
        assert checks["scheduler"]["ok"] and checks["scheduler"]["running"] and checks["scheduler"]["leader"]
        assert checks["scheduler"]["lock"] == ("file" if db_kind == "sqlite" else "postgresql")
        assert checks["delivery"] == {"ok": True, "enabled": True, "running": True}
        assert "redis" not in checks

        # questions: one answered with confidence, one not
        users = {"answered": 91_001, "unknown": 91_002}
        for outcome, uid in users.items():
            emu.add_user(uid, language_code="de", first_name="Test")
            emu.user_sends(uid, QUESTIONS[outcome])
        await wait_for(lambda: all(emu.bot_messages(u) for u in users.values()), 30, "answers")
        # the outbox: three messages to one chat now (the emulator allows one a second: 429s), two later
        emu.add_user(92_001, language_code="de", first_name="Reader")
        async with app.sessionmaker() as session, session.begin():
            now = app.clock.now()
            session.add(User(id=92_001, language="de", role="visitor", created_at=now))
            await session.flush()
            rows = [
                {"chat_id": 92_001, "user_id": 92_001, "kind": "ready", "data": {"text": f"n{i}"}}
                for i in range(3)
            ]
            later = [
                {
                    "chat_id": 92_001,
                    "kind": "ready",
                    "data": {"text": "later"},
                    "not_before": now + timedelta(hours=1),
                }
                for _ in range(2)
            ]
            await enqueue_many(session, app.clock, rows + later)
        await wait_for(lambda: len(emu.bot_messages(92_001)) >= 3, 30, "the three messages")

        async def counted() -> bool:  # the third is counted once the bot has its answer, a moment later
            return (
                metric(
                    parse_metrics((await get(base + "/metrics"))[2]), "hnb_deliveries_total", result="sent"
                )
                >= 3
            )

        await wait_for(counted, 30, "the three deliveries counted")
        status, ctype, body = await get(base + "/metrics")
        assert status == 200 and ctype.startswith("text/plain") and "version=0.0.4" in ctype
        samples = parse_metrics(body)
        assert metric(samples, "hnb_updates_total", type="message", result="ok") == 2
        assert metric(samples, "hnb_handler_seconds_count", type="message") == 2
        assert metric(samples, "hnb_handler_seconds_bucket", type="message", le="+Inf") == 2
        assert metric(samples, "hnb_faq_questions_total", outcome="answered") == 1
        assert (
            metric(samples, "hnb_faq_questions_total", outcome="unknown")
            + metric(samples, "hnb_faq_questions_total", outcome="suggested")
            == 1
        )
        assert metric(samples, "hnb_deliveries_total", result="sent") == 3
        assert metric(samples, "hnb_telegram_429_total", source="delivery") >= 1
        assert metric(samples, "hnb_outbox_messages", status="pending") == 2
        assert metric(samples, "hnb_outbox_messages", status="due") == 0
        assert metric(samples, "hnb_outbox_oldest_due_seconds") == 0
        assert metric(samples, "hnb_scheduler_leader") == 1
        assert metric(samples, "hnb_job_runs_total", job="broadcast_dispatch", result="ok") >= 1
        assert metric(samples, "hnb_database_up") == 1
        assert emu.violations == []

        # logs never carry the questions
        for record in caplog.records:
            line = record.getMessage()
            for question in QUESTIONS.values():
                assert question not in line


async def test_webhook_app_serves_health_and_metrics(tmp_path: Path) -> None:
    async with production_bot(
        "sqlite", tmp_path, webhook_url="https://bot.example.org", webhook_secret="s"
    ) as (app, _base, _emu):
        client = TestClient(TestServer(webhook_app(app)))
        await client.start_server()
        try:
            resp = await client.get("/healthz")
            assert resp.status == 200 and (await resp.json())["status"] == "ok"
            resp = await client.get("/metrics")
            assert resp.status == 200 and "# TYPE hnb_updates_total counter" in await resp.text()
            resp = await client.post(app.settings.webhook_path, json={"update_id": 1})
            assert resp.status == 401  # the secret header is still required for updates
        finally:
            await client.close()


async def test_healthz_fails_when_the_database_is_unreachable() -> None:
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    settings = load_settings(_env_file=None, scheduler_enabled=False, delivery_enabled=False)
    fake = SimpleNamespace(
        engine=engine, settings=settings, scheduler=None, leader=None, delivery_worker=None, redis_guard=None
    )
    try:
        status, body = await Health(fake).check()
    finally:
        await engine.dispose()
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["database"]["ok"] is False and body["checks"]["database"]["error"]
    assert metrics.value("hnb_database_up") == 0
