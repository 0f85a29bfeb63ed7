"""The delivery engine against the Bot API emulator over HTTP: Telegram's limits, 429, 5xx, 403.

The emulator answers 429 above its configured rate, like Telegram. To keep the file fast the limits are
scaled up (the worker and the emulator use the same figure); the real 30 msgs/s run is in
bench/bench_delivery.py.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import wiring
from bot.app import build_app, shutdown, startup
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.delivery.outbox import enqueue, enqueue_many
from bot.delivery.report import delivery_report
from bot.delivery.worker import DeliveryWorker
from emulator.server import BotAPIEmulator
from storage.models import User
from tests.conftest import make_engine
from tests.e2e.harness import TOKEN, BotHarness, running_bot

LANGS = ("de", "ar", "fa", "uk", "en", "ru")


async def add_recipients(bot: BotHarness, ids: list[int], ref: str) -> None:
    now = bot.app.clock.now()
    for uid in ids:
        bot.emu.add_user(uid, language_code=LANGS[uid % len(LANGS)], first_name=f"U{uid}", started=True)
    async with bot.app.sessionmaker() as session, session.begin():
        existing = set((await session.scalars(select(User.id).where(User.id.in_(ids)))).all())
        session.add_all(
            [
                User(id=uid, language=LANGS[uid % len(LANGS)], created_at=now, role="visitor")
                for uid in ids
                if uid not in existing
            ]
        )
    await broadcast(bot, ids, ref)


async def broadcast(bot: BotHarness, ids: list[int], ref: str) -> None:
    async with bot.app.sessionmaker() as session, session.begin():
        messages = [
            {
                "chat_id": uid,
                "user_id": uid,
                "kind": "ready",
                "data": {"text": f"<b>News</b> for {uid}"},
                "ref": ref,
            }
            for uid in ids
        ]
        assert await enqueue_many(session, bot.app.clock, messages) == len(ids)


async def report(sessionmaker: async_sessionmaker[AsyncSession], ref: str) -> dict[str, object]:
    async with sessionmaker() as session:
        return await delivery_report(session, ref)


async def run_until_done(bot: BotHarness, ref: str, timeout: float = 60.0) -> DeliveryWorker:
    worker = DeliveryWorker.for_bot(
        bot.app.settings,
        bot.app.sessionmaker,
        TOKEN,
        bot.app.clock,
        renderers=wiring.renderers(),
        hooks=wiring.outcome_hooks(),
    )
    worker.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                if (await report(bot.app.sessionmaker, ref))["done"]:
                    break
                await asyncio.sleep(0.2)
    finally:
        await worker.stop()
    return worker


def delivered(emu: BotAPIEmulator) -> Counter[int]:
    return Counter({int(chat): n for chat, n in emu.stats["delivered_by_chat"].items()})


@pytest.mark.pg_e2e
async def test_broadcast_2000_within_the_limits_exactly_once(db_kind: str, tmp_path: Path) -> None:
    rate = 250  # the emulator refuses with 429 above this; the worker is configured with the same figure
    emu = BotAPIEmulator(global_per_second=rate, chat_per_second=1, group_per_minute=20)
    async with running_bot(
        db_kind,
        tmp_path,
        emulator=emu,
        send_rate_total=rate,
        delivery_batch_size=100,
        delivery_concurrency=16,
    ) as bot:
        ids = list(range(10_001, 12_001))
        await add_recipients(bot, ids, "broadcast:1")
        worker = await run_until_done(bot, "broadcast:1")
        assert delivered(bot.emu) == Counter(dict.fromkeys(ids, 1))  # none lost, none doubled
        assert bot.emu.violations == []
        assert bot.emu.stats["responses_429"] == 0 and worker.stats["rate_limited"] == 0
        final = await report(bot.app.sessionmaker, "broadcast:1")
        assert (final["total"], final["delivered"], final["failed"]) == (2000, 2000, 0)
        by_language = final["by_language"]
        assert isinstance(by_language, dict) and set(by_language) == set(LANGS)
        assert sum(v["delivered"] for v in by_language.values()) == 2000
        text = bot.emu.bot_messages(ids[0])[0]["text"]
        assert text == f"News for {ids[0]}"  # sent as HTML


async def test_over_the_limit_429_pauses_and_nothing_is_lost(db_kind: str, tmp_path: Path) -> None:
    emu = BotAPIEmulator(global_per_second=20, chat_per_second=1)
    # misconfigured on purpose: the worker tries twice the rate the server allows
    async with running_bot(
        db_kind, tmp_path, emulator=emu, send_rate_total=50, delivery_concurrency=16
    ) as bot:
        ids = list(range(20_001, 20_101))
        await add_recipients(bot, ids, "broadcast:2")
        worker = await run_until_done(bot, "broadcast:2")
        assert bot.emu.stats["responses_429"] > 0 and worker.stats["rate_limited"] > 0
        assert delivered(bot.emu) == Counter(dict.fromkeys(ids, 1))
        assert bot.emu.violations == []


async def test_5xx_faults_are_retried_until_delivered(db_kind: str, tmp_path: Path) -> None:
    emu = BotAPIEmulator(fault_ratio=0.3, fault_kinds=["500", "502"], seed=7)
    async with running_bot(
        db_kind,
        tmp_path,
        emulator=emu,
        send_rate_total=300,
        delivery_backoff_seconds=0.05,
        delivery_backoff_max_seconds=0.4,
        delivery_max_attempts=20,
        delivery_idle_seconds=0.05,  # look for due retries often: the backoffs are short
        send_rate_per_chat=20,  # the emulator has no per-chat limit here: a retry need not wait 1 s
    ) as bot:
        ids = list(range(30_001, 30_201))
        await add_recipients(bot, ids, "broadcast:3")
        worker = await run_until_done(bot, "broadcast:3")
        assert bot.emu.stats["responses_5xx"] > 20 and worker.stats["retried"] > 20
        assert delivered(bot.emu) == Counter(dict.fromkeys(ids, 1))
        assert (await report(bot.app.sessionmaker, "broadcast:3"))["delivered"] == 200


async def test_blocked_users_are_marked_inactive_and_skipped_next_time(db_kind: str, tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
    async with running_bot(db_kind, tmp_path, clock=clock) as bot:
        ids = [101, 102, 103, 104]
        await add_recipients(bot, ids, "broadcast:1")
        bot.emu.block(103)
        assert await bot.deliver() == 4
        first = await report(bot.app.sessionmaker, "broadcast:1")
        assert (first["delivered"], first["blocked"]) == (3, 1)
        async with bot.app.sessionmaker() as session:
            user = await session.get(User, 103)
            assert user is not None and user.is_active is False

        clock.advance(timedelta(days=7))
        await broadcast(bot, ids, "broadcast:2")
        assert await bot.deliver() == 4
        second = await report(bot.app.sessionmaker, "broadcast:2")
        assert (second["delivered"], second["blocked"]) == (3, 1)
        calls_to_blocked = [c for c in bot.emu.calls if c[0] == "sendMessage" and c[1].get("chat_id") == 103]
        assert len(calls_to_blocked) == 1  # skipped without a call the second time
        assert delivered(bot.emu) == Counter({101: 2, 102: 2, 104: 2})
        assert bot.emu.violations == []


async def test_the_app_runs_the_worker_from_startup_to_shutdown(tmp_path: Path) -> None:
    emu = BotAPIEmulator()
    await emu.start()
    engine, url, _ = await make_engine("sqlite", tmp_path)
    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=emu.base_url,
        database_url=url,
        delivery_idle_seconds=0.05,
    )
    app = await build_app(settings, TOKEN, engine=engine)
    try:
        await startup(app)
        worker = app.delivery_worker
        assert worker is not None
        assert isinstance(worker, DeliveryWorker)
        emu.add_user(5, language_code="uk", started=True)
        async with app.sessionmaker() as session, session.begin():
            session.add(User(id=5, language="uk", created_at=app.clock.now(), role="visitor"))
            await session.flush()
            await enqueue(session, app.clock, chat_id=5, user_id=5, kind="ready", data={"text": "Привіт"})
        message = await emu.wait_for(5, timeout=5)
        assert message["text"] == "Привіт"
    finally:
        await shutdown(app)
        await emu.stop()
    assert worker.stopping and worker._task is not None and worker._task.done()
    assert app.delivery_worker is None
